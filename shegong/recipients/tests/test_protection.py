"""Personal data at rest and over the API: ciphertext in the database, masked values for most
readers, full values only to those who serve the person, and every reading in the audit log.

Given people registered with ID and phone numbers, when the database is read directly, when
officials who oversee (county bureau, supervisor) and workers who serve read them through the API,
then the database holds no clear number, the overseers see masked values only and are refused the
full ones (the refusal audited), the worker may read them (audited), and no address of the API can
ever carry an ID number.
"""

import json
import re
from datetime import date

import pytest
from django.db import connection

from shegong.core import crypto
from shegong.core.models import AuditEntry
from shegong.recipients import services
from shegong.recipients.models import ID_PURPOSE, PHONE_PURPOSE, Recipient
from shegong.recipients.tests.factories import id_for, village_of

pytestmark = pytest.mark.django_db

ID_NUMBER = id_for(date(1987, 4, 12), 123)
PHONE = "13812345678"
GUARDIAN = "13987654321"


@pytest.fixture
def person(people, regions):
    village = village_of(regions["township_a"])
    return services.register(
        people["worker_a"], name="王秀英", region_code=village, id_number=ID_NUMBER, phone=PHONE,
        guardian_phone=GUARDIAN, guardian_name="王大山", categories=["dibao"],
    )


def _row(pk) -> dict:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {Recipient._meta.db_table} WHERE id = %s", [pk])
        columns = [c[0] for c in cursor.description]
        return dict(zip(columns, cursor.fetchone(), strict=True))


class TestAtRest:
    def test_the_table_holds_ciphertext_not_numbers(self, person):
        row = _row(person.pk)
        everything = json.dumps(row, default=str)
        assert ID_NUMBER not in everything
        assert PHONE not in everything and GUARDIAN not in everything
        for column in ("id_cipher", "phone_cipher", "guardian_phone_cipher"):
            assert row[column].startswith(f"{crypto.keyring().data[0][0]}$")  # "<key id>$<nonce + sealed value>"
        # No run of the ID number long enough to identify the person, anywhere but the masked form.
        for start in range(0, len(ID_NUMBER) - 9):
            chunk = ID_NUMBER[start:start + 10]
            assert chunk not in everything.replace(row["id_masked"], ""), chunk

    def test_masked_forms(self, person):
        row = _row(person.pk)
        assert row["id_masked"] == ID_NUMBER[:6] + "********" + ID_NUMBER[-4:]
        assert re.fullmatch(r"210381\*{8}\d{3}[\dX]", row["id_masked"])
        assert row["phone_masked"] == "138****5678" and row["guardian_phone_masked"] == "139****4321"

    def test_ciphertext_is_bound_to_its_field(self, person):
        moved = Recipient.objects.get(pk=person.pk)
        moved.phone_cipher = moved.id_cipher  # an ID ciphertext pasted into the phone column
        with pytest.raises(crypto.DecryptionError):
            services.clear_value(moved, "phone")
        assert services.clear_value(moved, "id_number") == ID_NUMBER

    def test_same_value_encrypts_differently_but_indexes_the_same(self, person, people):
        first, second = crypto.encrypt(ID_NUMBER, ID_PURPOSE), crypto.encrypt(ID_NUMBER, ID_PURPOSE)
        assert first != second  # a fresh nonce every time: equal values cannot be spotted in the table
        assert crypto.decrypt(first, ID_PURPOSE) == crypto.decrypt(second, ID_PURPOSE) == ID_NUMBER
        assert crypto.blind_index(ID_NUMBER, ID_PURPOSE) == crypto.blind_index(ID_NUMBER, ID_PURPOSE) == person.id_index
        # The index is bound to its purpose as well: the same digits as a phone index differently.
        assert crypto.blind_index(ID_NUMBER, PHONE_PURPOSE) != person.id_index
        # Two people sharing a household phone: different ciphertexts of one number.
        housemate = services.register(people["worker_a"], name="王小明", region_code=person.region_id, phone=PHONE)
        assert housemate.phone_cipher != person.phone_cipher
        assert services.clear_value(housemate, "phone") == services.clear_value(person, "phone") == PHONE

    def test_the_audit_log_never_holds_a_number(self, person, people, client_for):
        client = client_for(people["worker_a"])
        client.post("/api/v1/recipients/search/", {"id_number": ID_NUMBER}, content_type="application/json")
        client.post(f"/api/v1/recipients/{person.pk}/unmask/", {"field": "id_number"}, content_type="application/json")
        client.patch(f"/api/v1/recipients/{person.pk}/", {"phone": "13700001111"}, content_type="application/json")
        logged = json.dumps(list(AuditEntry.objects.values()), default=str)
        assert AuditEntry.objects.filter(action__in=["recipient.search_id", "recipient.unmask", "recipient.update"]).count() == 3
        for number in (ID_NUMBER, PHONE, "13700001111"):
            assert number not in logged


class TestOverTheApi:
    @pytest.mark.parametrize("who", ["county_bureau", "supervisor"])
    def test_overseers_read_masked_values_only(self, who, person, people, client_for):
        client = client_for(people[who])
        listed = client.get("/api/v1/recipients/")
        detail = client.get(f"/api/v1/recipients/{person.pk}/")
        assert listed.status_code == detail.status_code == 200
        assert [r["id"] for r in listed.json()["results"]] == [person.pk]
        body = detail.json()
        assert body["id_masked"] == person.id_masked and body["phone_masked"] == "138****5678"
        assert body["guardian_phone_masked"] == "139****4321"
        assert not {"id_number", "phone", "guardian_phone", "id_cipher", "id_index", "birth_date"} & set(body)
        for response in (listed, detail):
            text = response.content.decode()
            # Neither the number, nor the birth date the masked number hides (the two would make it whole).
            assert ID_NUMBER not in text and PHONE not in text and GUARDIAN not in text
            assert ID_NUMBER[6:14] not in text and "1987-04-12" not in text
        assert body["age"] == person.age and body["is_child"] is False

    @pytest.mark.parametrize("who", ["county_bureau", "supervisor"])
    def test_overseers_are_refused_the_full_values_and_the_refusal_is_audited(self, who, person, people, client_for):
        response = client_for(people[who]).post(
            f"/api/v1/recipients/{person.pk}/unmask/", {"field": "id_number"}, content_type="application/json"
        )
        assert response.status_code == 403
        assert response["Content-Type"] == "application/problem+json"
        assert ID_NUMBER not in response.content.decode()
        denied = AuditEntry.objects.get(action="recipient.unmask")
        assert denied.result == "denied" and denied.actor == people[who]
        assert denied.object_id == str(person.pk) and denied.detail == {"field": "id_number"}

    @pytest.mark.parametrize(("field", "value"), [("id_number", ID_NUMBER), ("phone", PHONE), ("guardian_phone", GUARDIAN)])
    def test_a_worker_reads_the_full_value_and_it_is_audited(self, field, value, person, people, client_for):
        response = client_for(people["worker_a"]).post(
            f"/api/v1/recipients/{person.pk}/unmask/", {"field": field}, content_type="application/json"
        )
        assert response.status_code == 200 and response.json() == {"value": value}
        assert response["Cache-Control"] == "no-store"
        shown = AuditEntry.objects.get(action="recipient.unmask")
        assert shown.result == "success" and shown.actor == people["worker_a"] and shown.detail == {"field": field}
        assert shown.region_code == person.region_id  # the reading is scoped like the file

    def test_an_unknown_field_is_refused_before_anything_is_read(self, person, people, client_for):
        response = client_for(people["worker_a"]).post(
            f"/api/v1/recipients/{person.pk}/unmask/", {"field": "id_cipher"}, content_type="application/json"
        )
        assert response.status_code == 400 and "field" in response.json()["errors"]
        assert not AuditEntry.objects.filter(action="recipient.unmask").exists()

    def test_a_query_string_cannot_carry_an_id_number(self, person, people, client_for):
        people["worker_a"].language = "en"
        people["worker_a"].save(update_fields=["language"])
        client = client_for(people["worker_a"])
        response = client.get(f"/api/v1/recipients/?q={ID_NUMBER}")
        assert response.status_code == 400 and "POST /api/v1/recipients/search/" in response.json()["errors"]["q"][0]
        assert client.get(f"/api/v1/recipients/?q={PHONE}").status_code == 400
        assert client.get("/api/v1/recipients/?q=wxy").json()["results"][0]["id"] == person.pk


# Operations of these paths serve recipients data; what they answer must never hold a full number.
RECIPIENT_PATHS = ("/api/v1/recipients", "/api/v1/households", "/api/v1/assessments", "/api/v1/needs",
                   "/api/v1/referrals", "/api/v1/duplicates", "/api/v1/imports", "/api/v1/resources")
FULL_VALUES = {"id_number", "phone", "guardian_phone", "id_cipher", "phone_cipher", "guardian_phone_cipher", "id_index"}


def _resolve(schema, node, seen=()):
    """Every property name readable in ``node`` (writeOnly ones left out), following $refs."""
    if isinstance(node, dict):
        if "$ref" in node:
            name = node["$ref"].rsplit("/", 1)[-1]
            if name in seen:
                return set()
            return _resolve(schema, schema["components"]["schemas"][name], (*seen, name))
        names = set()
        for prop, sub in node.get("properties", {}).items():
            if not (isinstance(sub, dict) and sub.get("writeOnly")):
                names.add(prop)
            names |= _resolve(schema, sub, seen)
        for key in ("items", "allOf", "oneOf", "anyOf", "additionalProperties"):
            sub = node.get(key)
            for part in sub if isinstance(sub, list) else [sub]:
                names |= _resolve(schema, part, seen)
        return names
    return set()


def test_no_address_of_the_api_carries_an_id_number(people, client_for):
    schema = client_for(people["worker_a"]).get("/api/schema/?format=json").json()
    recipients_ops = 0
    for path, item in schema["paths"].items():
        assert not FULL_VALUES & set(re.findall(r"\{(\w+)\}", path)), path
        assert "id_number" not in path and "phone" not in path
        for method, operation in item.items():
            for parameter in operation.get("parameters", []):
                assert not any(word in parameter["name"] for word in ("id_number", "phone", "id_card", "idcard")), (path, parameter)
                if path.startswith(RECIPIENT_PATHS):
                    assert parameter["in"] in ("path", "query") and parameter["name"] not in FULL_VALUES
                    if parameter["in"] == "path":  # row ids only: digits
                        assert parameter["schema"].get("pattern") == r"^\d+$", (path, parameter)
            if path.startswith(RECIPIENT_PATHS):
                recipients_ops += 1
                readable = set()
                for response in operation.get("responses", {}).values():
                    for content in response.get("content", {}).values():
                        readable |= _resolve(schema, content.get("schema", {}))
                assert not FULL_VALUES & readable, (method, path, FULL_VALUES & readable)
                if method == "get":
                    assert "requestBody" not in operation
    assert recipients_ops >= 15
    search = schema["paths"]["/api/v1/recipients/search/"]
    assert set(search) == {"post"}  # the number travels in the body
    body = search["post"]["requestBody"]["content"]["application/json"]["schema"]
    assert "id_number" in _resolve(schema, body)
