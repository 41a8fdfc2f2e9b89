"""Contract pages and API: jurisdiction, the contract page, create form, export, actions."""

import io
import zipfile
from datetime import date

import pytest
from django.urls import reverse

from shegong.contracts.models import Contract
from shegong.core.models import AuditEntry

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_contracts(haicheng, make_contract, other_operator, stations):
    """Ours (operator) and theirs (other operator), both bought by the county."""
    ours = make_contract(number="HC-OURS", stations=[stations["a"]], instalments=[])
    theirs = make_contract(number="HC-THEIRS", operator=other_operator, stations=[stations["b"]], instalments=[])
    return ours, theirs


def _xlsx_text(content: bytes) -> bytes:
    with zipfile.ZipFile(io.BytesIO(content)) as z:
        return b"".join(z.read(n) for n in z.namelist() if n.endswith(".xml"))


class TestJurisdiction:
    def test_operator_manager_sees_only_its_operators_contracts(self, two_contracts, people, client_for):
        ours, theirs = two_contracts
        assert set(Contract.objects.visible_to(people["operator_manager"])) == {ours}
        client = client_for(people["operator_manager"])
        page = client.get("/contracts/")
        assert b"HC-OURS" in page.content and b"HC-THEIRS" not in page.content
        assert client.get(f"/contracts/{ours.pk}/").status_code == 200
        assert client.get(f"/contracts/{theirs.pk}/").status_code == 404
        numbers = {c["number"] for c in client.get("/api/v1/contracts/").json()["results"]}
        assert numbers == {"HC-OURS"}
        assert client.get(f"/api/v1/contracts/{theirs.pk}/").status_code == 404

    def test_operator_manager_may_view_but_not_change(self, two_contracts, people, client_for):
        ours, _theirs = two_contracts
        client = client_for(people["operator_manager"])
        page = client.get(f"/contracts/{ours.pk}/")
        assert b'action="/contracts/%d/payments/"' % ours.pk not in page.content
        response = client.post(f"/contracts/{ours.pk}/payments/", {"pay-paid_on": "2025-11-01", "pay-amount": "1"})
        assert response.status_code == 404
        assert not ours.payments.exists()
        assert client.get("/contracts/new/").status_code == 404

    def test_township_officer_and_worker_see_no_contracts(self, two_contracts, people, client_for):
        ours, _theirs = two_contracts
        for who in ("officer_a", "worker_a", "station_lead", "evaluator"):
            client = client_for(people[who])
            assert b"HC-OURS" not in client.get("/contracts/").content
            assert client.get(f"/contracts/{ours.pk}/").status_code == 404
            assert client.get("/api/v1/contracts/").json()["results"] == []

    def test_outside_is_the_same_404_as_missing(self, two_contracts, people, client_for):
        _ours, theirs = two_contracts
        client = client_for(people["operator_manager"])
        assert client.get(f"/contracts/{theirs.pk}/").status_code == client.get("/contracts/999999/").status_code == 404
        outside = client.get(f"/api/v1/contracts/{theirs.pk}/").json()
        missing = client.get("/api/v1/contracts/999999/").json()
        assert outside | {"instance": ""} == missing | {"instance": ""}

    def test_county_bureau_sees_both(self, two_contracts, people, client_for):
        client = client_for(people["county_bureau"])
        page = client.get("/contracts/")
        assert b"HC-OURS" in page.content and b"HC-THEIRS" in page.content


class TestPages:
    def test_contract_page_shows_parties_money_targets_and_deadline(self, haicheng, make_contract, people, client_for):
        contract = make_contract()
        client = client_for(people["county_bureau"])
        client.post(f"/contracts/{contract.pk}/targets/", {"groups_per_year": "7"})
        client.post(f"/contracts/{contract.pk}/payments/", {"pay-paid_on": "2025-11-01", "pay-amount": "300000", "pay-note": "首期"})
        page = client.get(f"/contracts/{contract.pk}/")
        text = page.content.decode()
        assert page.status_code == 200
        assert contract.number in text and "海城市民政局" in text and "A 镇社工站" in text
        assert "2025-10-23" in text  # the staffing deadline
        assert "300000.00" in text and "首期" in text
        assert "Changed for this contract" in text or "本合同" in text
        assert contract.kpi_targets.get(key="groups_per_year").edited

    def test_list_filters_and_export(self, two_contracts, other_operator, people, client_for):
        client = client_for(people["county_bureau"])
        page = client.get("/contracts/", {"operator": other_operator.pk})
        assert b"HC-THEIRS" in page.content and b"HC-OURS" not in page.content
        assert b"HC-OURS" in client.get("/contracts/", {"year": 2026, "status": "active"}).content
        assert b"HC-OURS" not in client.get("/contracts/", {"year": 2024}).content
        export = client.get("/contracts/", {"format": "xlsx", "operator": other_operator.pk})
        assert export.status_code == 200
        text = _xlsx_text(export.content)
        assert b"HC-THEIRS" in text and b"HC-OURS" not in text
        assert AuditEntry.objects.filter(action="contract.export").exists()

    def test_create_form_offers_only_reachable_choices_and_creates(self, haicheng, people, client_for, stations, operator, other_operator):
        client = client_for(people["county_bureau"])
        form = client.get("/contracts/new/")
        assert form.status_code == 200
        response = client.post(
            "/contracts/new/",
            {
                "number": "HC-FORM-1", "purchaser_region": "210381", "purchaser_name": "海城市民政局",
                "operator": operator.pk, "stations": [stations["a"].pk], "cycle_start": "2025-01-01",
                "period_start": "2025-10-01", "period_end": "2026-09-30", "signed_on": "2025-09-26",
                "amount": "300000", "status": "active", "first_due_on": "2025-10-31", "first_amount": "150000",
                "second_due_on": "2026-04-30", "second_amount": "150000",
            },
        )
        contract = Contract.objects.get(number="HC-FORM-1")
        assert response.status_code == 302 and response.url == reverse("contracts:contract_detail", args=[contract.pk])
        assert contract.instalments.count() == 2 and contract.kpi_targets.exists()
        # The operator manager may not open the form at all.
        assert client_for(people["operator_manager"]).get("/contracts/new/").status_code == 404

    def test_create_form_refuses_unbalanced_schedule(self, haicheng, people, client_for, stations, operator):
        client = client_for(people["county_bureau"])
        response = client.post(
            "/contracts/new/",
            {
                "number": "HC-FORM-2", "purchaser_region": "210381", "purchaser_name": "海城市民政局",
                "operator": operator.pk, "stations": [stations["a"].pk], "cycle_start": "2025-01-01",
                "period_start": "2025-10-01", "period_end": "2026-09-30", "signed_on": "2025-09-26",
                "amount": "300000", "status": "active", "first_due_on": "2025-10-31", "first_amount": "100000",
            },
        )
        assert response.status_code == 200
        assert not Contract.objects.filter(number="HC-FORM-2").exists()

    def test_renewal_and_instalment_through_the_page(self, haicheng, make_contract, people, client_for):
        contract = make_contract(instalments=[])
        client = client_for(people["county_bureau"])
        client.post(f"/contracts/{contract.pk}/instalments/", {"inst-due_on": "2025-10-31", "inst-amount": "300000"})
        client.post(f"/contracts/{contract.pk}/renewal/", {"ren-decision": "renew", "ren-decided_on": "2026-09-01"})
        contract.refresh_from_db()
        assert contract.instalments.count() == 1 and contract.renewal == "renew"


class TestApi:
    def test_create_through_the_service(self, haicheng, people, client_for, stations, operator):
        client = client_for(people["county_bureau"])
        body = {
            "number": "HC-API-1", "purchaser_region": "210381", "purchaser_name": "海城市民政局",
            "operator": operator.pk, "stations": [stations["a"].pk, stations["b"].pk],
            "cycle_start": "2025-01-01", "period_start": "2025-10-01", "period_end": "2026-09-30",
            "signed_on": "2025-09-26", "amount": "600000.00", "status": "active",
            "instalments": [{"due_on": "2025-10-31", "amount": "300000"}, {"due_on": "2026-04-30", "amount": "300000"}],
        }
        response = client.post("/api/v1/contracts/", body, content_type="application/json")
        assert response.status_code == 201, response.content
        data = response.json()
        assert {t["key"] for t in data["kpi_targets"]} >= {"cases_per_year_county", "groups_per_year"}
        assert AuditEntry.objects.filter(action="contract.create", object_id=str(data["id"])).exists()
        bad = client.post("/api/v1/contracts/", body | {"number": "HC-API-2", "period_end": "2027-09-30"}, content_type="application/json")
        assert bad.status_code == 400

    def test_operator_manager_cannot_create(self, haicheng, people, client_for, stations, operator):
        client = client_for(people["operator_manager"])
        body = {
            "number": "HC-API-3", "purchaser_region": "210381", "purchaser_name": "x", "operator": operator.pk,
            "stations": [], "cycle_start": "2025-01-01", "period_start": "2025-10-01", "period_end": "2026-09-30",
            "signed_on": "2025-09-26", "amount": "1",
        }
        assert client.post("/api/v1/contracts/", body, content_type="application/json").status_code == 403
        assert not Contract.objects.filter(number="HC-API-3").exists()


def test_demo_is_idempotent(regions, operator, stations, haicheng):
    from shegong.contracts import demo

    for _ in range(2):
        demo.build(county=regions["county"], operator=operator, stations=list(stations.values()), today=date(2025, 6, 1))
    contract = Contract.objects.get()
    assert contract.status == "active" and contract.stations.count() == 2
    assert contract.instalments.count() == 2 and contract.payments.count() == 1
    assert sum(i.amount for i in contract.instalments.all()) == contract.amount


def test_list_page_costs_a_constant_number_of_queries(haicheng, make_contract, people, client_for):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = client_for(people["county_bureau"])
    make_contract(instalments=[])
    client.get("/contracts/")
    with CaptureQueriesContext(connection) as one:
        client.get("/contracts/")
    for _ in range(3):
        make_contract(instalments=[])
    with CaptureQueriesContext(connection) as four:
        assert b"HC-2025-004" in client.get("/contracts/").content
    assert len(four) == len(one)
