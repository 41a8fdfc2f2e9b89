"""The registry pages, used as the people who use them: a township social worker, a station lead,
a township officer, a county bureau official (masked values only) and a supervisor.

Given recipients in two villages of township A and one in township B,
when each user lists, searches, opens, registers, edits, unmasks and attaches,
then they reach only their jurisdiction, see full numbers only when their role allows (audited),
and every bad input gets a clear refusal.
"""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation

from shegong.core.models import AuditEntry
from shegong.core.uploads import MAX_UPLOAD_BYTES
from shegong.recipients import idnumber, services
from shegong.recipients.models import Attachment, Household, Recipient, StatusChange, TimelineEntry
from shegong.regions.models import Region

from .factories import id_for, make_household, make_recipient

pytestmark = pytest.mark.django_db

ZHANG_ID = id_for(date(1950, 1, 2), 11)
LI_ID = id_for(date(1962, 5, 6), 13)
CHILD_ID = id_for(date.today().replace(year=date.today().year - 8, day=1), 22)
B_ID = id_for(date(1948, 7, 8), 15)
UNKNOWN_ID = id_for(date(1970, 9, 9), 17)


def zh(message: str) -> str:
    """A message as a Chinese user reads it (the English text until the catalogue has it)."""
    with translation.override("zh-hans"):
        return translation.gettext(message)


def villages(township, n=2):
    return list(Region.objects.filter(parent=township).order_by("code")[:n])


def build_registry(regions):
    """Recipients of two villages of township A, and one of township B (乙某某)."""
    v1, v2 = villages(regions["township_a"])
    (vb,) = villages(regions["township_b"], 1)
    zhang_home = make_household(v1.code, head_name="张三", address="东村1号")
    zhang = make_recipient(v1.code, "张三", id_number=ZHANG_ID, phone="13812345678", household=zhang_home,
                           categories=("dibao", "living_alone_elderly"), relation="head")
    zhang_home.head = zhang
    zhang_home.save()
    li = make_recipient(v2.code, "李四", id_number=LI_ID, categories=("disabled",), status="in_service", follow_up_level="key")
    child = make_recipient(v1.code, "王小明", id_number=CHILD_ID, household=zhang_home, relation="grandchild",
                           categories=("left_behind_child",), guardian_name="王大明", guardian_relation="父亲")
    services.set_phone(child, "13900001111", guardian=True)
    child.save()
    closed = make_recipient(v2.code, "赵六", categories=("tekun",), status="closed", sex="male", birth_date=date(1940, 1, 1))
    merged = make_recipient(v1.code, "张三", categories=("dibao",), sex="male", birth_date=date(1950, 1, 2))
    merged.merged_into = zhang
    merged.save()
    b_home = make_household(vb.code, head_name="乙户主")
    other = make_recipient(vb.code, "乙某某", id_number=B_ID, household=b_home)
    return {
        "v1": v1, "v2": v2, "vb": vb, "zhang": zhang, "li": li, "child": child, "closed": closed, "merged": merged,
        "b": other, "zhang_home": zhang_home, "b_home": b_home,
    }


@pytest.fixture
def reg(regions, people):
    return build_registry(regions)


def names_in(html: str) -> set[str]:
    return set(re.findall(r'<a href="/recipients/\d+/">([^<]+)</a>', html))


def page(client, url) -> str:
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return response.content.decode()


class TestListAndSearch:
    def test_search_by_chinese_characters_and_by_pinyin(self, reg, people, client_for):
        client = client_for(people["worker_a"])
        assert names_in(page(client, "/recipients/?q=张")) == {"张三"}
        assert names_in(page(client, "/recipients/?q=zs")) == {"张三"}
        assert names_in(page(client, "/recipients/?q=zhangs")) == {"张三"}
        assert names_in(page(client, "/recipients/?q=ZS")) == {"张三"}
        assert names_in(page(client, "/recipients/?q=ls")) == {"李四"}
        assert names_in(page(client, "/recipients/?q=wxm")) == {"王小明"}
        assert names_in(page(client, "/recipients/?q=周")) == set()

    def test_default_list_holds_the_active_files_of_the_jurisdiction_never_merged_ones(self, reg, people, client_for):
        html = page(client_for(people["officer_a"]), "/recipients/")
        assert names_in(html) == {"张三", "李四", "王小明"}
        assert html.count(f'href="/recipients/{reg["zhang"].pk}/"') == 1
        assert f'href="/recipients/{reg["merged"].pk}/"' not in html
        assert "乙某某" not in html

    def test_county_sees_both_townships(self, reg, people, client_for):
        assert "乙某某" in names_in(page(client_for(people["county_bureau"]), "/recipients/"))

    def test_filters(self, reg, people, client_for):
        client = client_for(people["worker_a"])
        assert names_in(page(client, "/recipients/?category=disabled")) == {"李四"}
        assert names_in(page(client, "/recipients/?status=all")) == {"张三", "李四", "王小明", "赵六"}
        assert names_in(page(client, "/recipients/?status=closed")) == {"赵六"}
        assert names_in(page(client, "/recipients/?follow_up_level=key")) == {"李四"}
        assert names_in(page(client, "/recipients/?children=on")) == {"王小明"}
        assert names_in(page(client, f"/recipients/?village={reg['v2'].code}&status=all")) == {"李四", "赵六"}
        assert names_in(page(client, f"/recipients/?township={reg['v1'].code[:9]}")) == {"张三", "李四", "王小明"}

    def test_a_category_that_ended_no_longer_matches(self, reg, people, client_for):
        services.update(people["worker_a"], reg["li"], categories=["dibao"])
        client = client_for(people["worker_a"])
        assert names_in(page(client, "/recipients/?category=disabled")) == set()
        assert names_in(page(client, "/recipients/?category=dibao")) == {"张三", "李四"}

    def test_place_choices_stay_within_reach(self, reg, people, client_for):
        client = client_for(people["officer_a"])
        html = page(client, "/recipients/")
        assert reg["v1"].name in html and reg["vb"].name not in html
        outside = page(client, f"/recipients/?village={reg['vb'].code}")
        assert names_in(outside) == set() and "乙某某" not in outside
        county = page(client_for(people["county_bureau"]), "/recipients/")
        assert f'value="{reg["v1"].code}"' not in county  # a county official picks a township first
        chosen = page(client_for(people["county_bureau"]), f"/recipients/?township={reg['vb'].code[:9]}")
        assert f'value="{reg["vb"].code}"' in chosen and f'value="{reg["v1"].code}"' not in chosen

    def test_the_list_shows_masked_ids_categories_and_the_child_pill(self, reg, people, client_for):
        html = page(client_for(people["worker_a"]), "/recipients/")
        assert reg["zhang"].id_masked in html and ZHANG_ID not in html
        assert "低保" in html and "独居" in html
        row = html[html.index("王小明"):]
        assert 'class="pill neutral"' in row[:200]

    def test_an_id_number_typed_in_the_name_box_is_taken_out_of_the_address(self, reg, people, client_for):
        response = client_for(people["worker_a"]).get(f"/recipients/?q={ZHANG_ID}&status=all")
        assert response.status_code == 302
        assert ZHANG_ID not in response["Location"] and "status=all" in response["Location"]


class TestSearchById:
    def test_finds_within_scope_and_redirects_to_the_file_without_the_number(self, reg, people, client_for):
        client = client_for(people["worker_a"])
        typed = "２１０３８１" + ZHANG_ID[6:]  # full-width digits, as a Chinese keyboard types them
        response = client.post("/recipients/search-id/", {"id_number": typed})
        assert response.status_code == 302
        assert response["Location"] == f"/recipients/{reg['zhang'].pk}/"
        entry = AuditEntry.objects.filter(action="recipient.search_id").latest("pk")
        assert entry.detail == {"found": 1} and entry.actor == people["worker_a"]

    def test_outside_the_jurisdiction_reads_exactly_like_not_found(self, reg, people, client_for):
        client = client_for(people["officer_a"])
        outside = client.post("/recipients/search-id/", {"id_number": B_ID}, follow=True)
        missing = client.post("/recipients/search-id/", {"id_number": UNKNOWN_ID}, follow=True)
        assert outside.redirect_chain == missing.redirect_chain == [("/recipients/", 302)]
        for response in (outside, missing):
            html = response.content.decode()
            assert zh("No recipient with this ID number in your jurisdiction.") in html
            assert B_ID not in html and UNKNOWN_ID not in html and "乙某某" not in html

    def test_an_invalid_number_shows_the_reason_and_never_echoes_the_number(self, reg, people, client_for):
        client = client_for(people["worker_a"])
        wrong = ZHANG_ID[:-1] + ("0" if ZHANG_ID[-1] != "0" else "1")
        response = client.post("/recipients/search-id/", {"id_number": wrong})
        assert response.status_code == 200
        html = response.content.decode()
        with translation.override("zh-hans"):
            try:
                idnumber.parse(wrong)
            except idnumber.InvalidIdNumber as exc:
                expected = str(exc)
        assert expected in html and wrong not in html

    def test_get_shows_the_form_only(self, reg, people, client_for):
        html = page(client_for(people["worker_a"]), "/recipients/search-id/")
        assert 'method="post"' in html and "张三" not in html


class TestMaskingAndUnmasking:
    def test_county_bureau_sees_masked_values_and_cannot_unmask(self, reg, people, client_for):
        client = client_for(people["county_bureau"])
        zhang = reg["zhang"]
        for url in ("/recipients/", f"/recipients/{zhang.pk}/", f"/recipients/{zhang.pk}/print/"):
            html = page(client, url)
            assert ZHANG_ID not in html and "13812345678" not in html
            assert "/unmask/" not in html
        assert zhang.id_masked in page(client, f"/recipients/{zhang.pk}/")
        response = client.post(f"/recipients/{zhang.pk}/unmask/", {"field": "id_number"})
        assert response.status_code == 403 and ZHANG_ID not in response.content.decode()
        denied = AuditEntry.objects.get(action="recipient.unmask", actor=people["county_bureau"])
        assert denied.result == "denied" and denied.detail == {"field": "id_number"}
        assert denied.object_id == str(zhang.pk)

    def test_supervisor_sees_masked_values_without_a_show_button(self, reg, people, client_for):
        client = client_for(people["supervisor"])
        html = page(client, f"/recipients/{reg['zhang'].pk}/")
        assert reg["zhang"].id_masked in html and "/unmask/" not in html
        assert client.post(f"/recipients/{reg['zhang'].pk}/unmask/", {"field": "phone"}).status_code == 403

    def test_a_worker_unmasks_and_the_audit_row_appears(self, reg, people, client_for):
        client = client_for(people["worker_a"])
        zhang = reg["zhang"]
        assert f'action="/recipients/{zhang.pk}/unmask/"' in page(client, f"/recipients/{zhang.pk}/")
        response = client.post(f"/recipients/{zhang.pk}/unmask/", {"field": "id_number"}, HTTP_HX_REQUEST="true")
        assert response.status_code == 200
        assert ZHANG_ID in response.content.decode() and "<html" not in response.content.decode()
        entry = AuditEntry.objects.get(action="recipient.unmask", actor=people["worker_a"])
        assert entry.result == "success" and entry.detail == {"field": "id_number"}
        phone = client.post(f"/recipients/{zhang.pk}/unmask/", {"field": "phone"})  # without htmx: a whole page
        assert "13812345678" in phone.content.decode() and "<html" in phone.content.decode()
        guardian = client.post(f"/recipients/{reg['child'].pk}/unmask/", {"field": "guardian_phone"}, HTTP_HX_REQUEST="true")
        assert "13900001111" in guardian.content.decode()

    def test_unmask_refuses_get_and_unknown_fields(self, reg, people, client_for):
        client = client_for(people["worker_a"])
        assert client.get(f"/recipients/{reg['zhang'].pk}/unmask/").status_code == 405
        assert client.post(f"/recipients/{reg['zhang'].pk}/unmask/", {"field": "id_cipher"}).status_code == 400
        assert not AuditEntry.objects.filter(action="recipient.unmask").exists()


class TestOutOfScope:
    def test_file_attachment_household_of_another_township_are_404_like_missing(self, reg, people, client_for):
        from django.core.files.base import ContentFile

        attachment = Attachment.objects.create(
            recipient=reg["b"], title="证明", file=ContentFile(b"%PDF-1.4", name="a.pdf"), content_type="application/pdf", size=8
        )
        client = client_for(people["officer_a"])
        for url in (f"/recipients/{reg['b'].pk}/", f"/recipients/{reg['b'].pk}/edit/", f"/recipients/{reg['b'].pk}/print/",
                    f"/recipients/attachments/{attachment.pk}/", f"/recipients/households/{reg['b_home'].pk}/",
                    f"/recipients/households/{reg['b_home'].pk}/edit/"):
            assert client.get(url).status_code == 404, url
        assert client.get("/recipients/999999/").status_code == 404
        for url in (f"/recipients/{reg['b'].pk}/unmask/", f"/recipients/{reg['b'].pk}/status/", f"/recipients/{reg['b'].pk}/attachments/"):
            assert client.post(url, {"field": "id_number", "new_status": "closed", "reason": "x"}).status_code == 404, url
        reg["b"].refresh_from_db()
        assert reg["b"].status == "new"
        assert not AuditEntry.objects.filter(action__in=["recipient.view_file", "recipient.attachment_view"]).exists()

    def test_read_only_roles_get_no_edit_pages(self, reg, people, client_for):
        client = client_for(people["county_bureau"])
        html = page(client, f"/recipients/{reg['zhang'].pk}/")
        assert f"/recipients/{reg['zhang'].pk}/edit/" not in html and "/status/" not in html and "/attachments/" not in html
        assert client.get(f"/recipients/{reg['zhang'].pk}/edit/").status_code == 404
        assert client.get("/recipients/new/").status_code == 404
        assert client.post(f"/recipients/{reg['zhang'].pk}/status/", {"new_status": "closed", "reason": "x", "on": "2025-05-01"}).status_code == 404


class TestRegistration:
    def form(self, reg, **changes):
        data = {
            "name": "孙七", "id_number": "", "sex": "female", "birth_date": "1955-03-04", "phone": "", "village": reg["v1"].code,
            "household": "new", "new_head_name": "", "relation": "head", "registered_address": "东村", "current_address": "东村5号",
            "categories": ["dibao"], "follow_up_level": "general", "self_care": "full", "guardian_name": "",
            "guardian_relation": "", "guardian_phone": "", "notes": "",
        }
        data.update(changes)
        return data

    def test_a_worker_registers_a_person_with_a_new_household(self, reg, people, client_for):
        client = client_for(people["worker_a"])
        real = id_for(date(1955, 3, 4), 2)
        typed_id = "".join(chr(ord(c) + 0xFEE0) if c.isdigit() else c for c in real)  # full-width digits
        response = client.post("/recipients/new/", self.form(reg, id_number=typed_id, sex="", birth_date="", phone="１３８００００１２３４"))
        person = Recipient.objects.get(name="孙七")
        assert response.status_code == 302 and response["Location"] == f"/recipients/{person.pk}/"
        assert person.id_masked == real[:6] + "********" + real[-4:] and person.birth_date == date(1955, 3, 4)
        assert services.clear_value(person, "phone") == "13800001234"
        assert person.household.head == person and person.household.head_name == "孙七"
        assert person.household.address == "东村5号" and person.created_by == people["worker_a"]
        assert AuditEntry.objects.filter(action="recipient.create", object_id=str(person.pk)).exists()
        assert AuditEntry.objects.filter(action="recipient.household_create", object_id=str(person.household.pk)).exists()
        assert real not in response["Location"]

    def test_joining_an_existing_household_of_the_village(self, reg, people, client_for):
        client = client_for(people["worker_a"])
        response = client.post("/recipients/new/", self.form(reg, household=str(reg["zhang_home"].pk), relation="spouse"))
        assert response.status_code == 302
        assert Recipient.objects.get(name="孙七").household == reg["zhang_home"]

    def test_a_household_of_another_village_is_refused(self, reg, people, client_for):
        client = client_for(people["worker_a"])
        response = client.post("/recipients/new/", self.form(reg, village=reg["v2"].code, household=str(reg["zhang_home"].pk)))
        assert response.status_code == 200 and zh("Choose a household of the chosen village.") in response.content.decode()
        assert not Recipient.objects.filter(name="孙七").exists()

    def test_household_options_follow_the_village_and_the_jurisdiction(self, reg, people, client_for):
        client = client_for(people["worker_a"])
        assert "张三" in page(client, f"/recipients/households/options/?village={reg['v1'].code}")
        assert "张三" not in page(client, f"/recipients/households/options/?village={reg['v2'].code}")
        assert "乙户主" not in page(client, f"/recipients/households/options/?village={reg['vb'].code}")

    def test_an_invalid_id_number_shows_its_reason_on_the_field(self, reg, people, client_for):
        client = client_for(people["worker_a"])
        for wrong in (ZHANG_ID[:-1] + ("1" if ZHANG_ID[-1] != "1" else "2"), "21038119550230001", "210381195502300011"):
            response = client.post("/recipients/new/", self.form(reg, id_number=wrong))
            assert response.status_code == 200
            with translation.override("zh-hans"):
                try:
                    idnumber.parse(wrong)
                except idnumber.InvalidIdNumber as exc:
                    expected = str(exc)
            html = response.content.decode()
            field = html[html.index('name="id_number"'):]
            assert expected in field[:1500], wrong
        assert not Recipient.objects.filter(name="孙七").exists()

    def test_without_an_id_number_sex_and_birth_date_are_required(self, reg, people, client_for):
        response = client_for(people["worker_a"]).post("/recipients/new/", self.form(reg, sex="", birth_date=""))
        assert response.content.decode().count(zh("Required when no ID number is given.")) == 2
        assert not Recipient.objects.filter(name="孙七").exists()

    def test_a_child_without_a_guardian_is_refused(self, reg, people, client_for):
        client = client_for(people["worker_a"])
        young = (date.today() - timedelta(days=365 * 6)).isoformat()
        response = client.post("/recipients/new/", self.form(reg, birth_date=young, categories=["left_behind_child"]))
        assert response.status_code == 200
        assert response.content.decode().count(zh("Required for a child under 14.")) == 3
        assert not Recipient.objects.filter(name="孙七").exists() and not Household.objects.filter(head_name="孙七").exists()
        done = client.post("/recipients/new/", self.form(
            reg, birth_date=young, categories=["left_behind_child"], relation="grandchild", household=str(reg["zhang_home"].pk),
            guardian_name="孙大", guardian_relation="母亲", guardian_phone="13700001111",
        ))
        assert done.status_code == 302 and Recipient.objects.get(name="孙七").is_child

    def test_at_least_one_category(self, reg, people, client_for):
        response = client_for(people["worker_a"]).post("/recipients/new/", self.form(reg, categories=[]))
        assert zh("Choose at least one category.") in response.content.decode()

    def test_an_id_already_registered_is_named_only_within_reach(self, reg, people, client_for):
        client = client_for(people["worker_a"])
        response = client.post("/recipients/new/", self.form(reg, id_number=ZHANG_ID, sex="", birth_date=""))
        named = zh("This ID number is already registered: %(name)s (file no. %(pk)s).") % {"name": "张三", "pk": reg["zhang"].pk}
        assert named in response.content.decode()
        outside = client.post("/recipients/new/", self.form(reg, id_number=B_ID, sex="", birth_date=""))
        html = outside.content.decode()
        assert zh("This ID number is already registered outside your jurisdiction; ask the county bureau to transfer the file.") in html
        assert "乙某某" not in html

    def test_villages_offered_are_those_of_the_jurisdiction(self, reg, people, client_for):
        html = page(client_for(people["worker_a"]), "/recipients/new/")
        assert f'value="{reg["v1"].code}"' in html and f'value="{reg["vb"].code}"' not in html
        refused = client_for(people["worker_a"]).post("/recipients/new/", self.form(reg, village=reg["vb"].code, household=""))
        assert refused.status_code == 200 and not Recipient.objects.filter(name="孙七").exists()


class TestEdit:
    def test_numbers_start_empty_with_the_masked_value_and_are_kept_when_left_empty(self, reg, people, client_for):
        client = client_for(people["worker_a"])
        zhang = reg["zhang"]
        html = page(client, f"/recipients/{zhang.pk}/edit/")
        assert zh("Leave empty to keep %(masked)s.") % {"masked": zhang.id_masked} in html and ZHANG_ID not in html and "13812345678" not in html
        response = client.post(f"/recipients/{zhang.pk}/edit/", {
            "name": "张三", "village": zhang.region_id, "household": str(zhang.household_id), "relation": "head",
            "categories": ["dibao", "disabled"], "follow_up_level": "high_risk", "self_care": "partial",
            "current_address": "东村2号",
        })
        assert response.status_code == 302, response.content.decode()[:3000]
        zhang.refresh_from_db()
        assert services.clear_value(zhang, "id_number") == ZHANG_ID and services.clear_value(zhang, "phone") == "13812345678"
        assert zhang.follow_up_level == "high_risk" and services.open_categories(zhang) == ["dibao", "disabled"]
        assert zhang.current_address == "东村2号"
        fields = AuditEntry.objects.get(action="recipient.update").detail["fields"]
        assert "id_number" not in fields and "phone" not in fields and "category-living_alone_elderly" in fields

    def test_a_new_phone_replaces_and_remove_clears(self, reg, people, client_for):
        client = client_for(people["worker_a"])
        li = reg["li"]
        base = {"name": "李四", "village": li.region_id, "household": "", "categories": ["disabled"],
                "follow_up_level": "key", "self_care": "unknown"}
        assert client.post(f"/recipients/{li.pk}/edit/", {**base, "phone": "13611112222"}).status_code == 302
        li.refresh_from_db()
        assert li.phone_masked == "136****2222"
        assert client.post(f"/recipients/{li.pk}/edit/", {**base, "clear_phone": "on"}).status_code == 302
        li.refresh_from_db()
        assert li.phone_masked == "" and li.phone_cipher == ""

    def test_moving_a_person_to_another_household(self, reg, people, client_for):
        client = client_for(people["worker_a"])
        child = reg["child"]
        response = client.post(f"/recipients/{child.pk}/edit/", {
            "name": child.name, "village": child.region_id, "household": "new", "new_head_name": "王大明", "relation": "child",
            "categories": ["left_behind_child"], "follow_up_level": "general", "self_care": "unknown",
            "guardian_name": "王大明", "guardian_relation": "父亲",
        })
        assert response.status_code == 302, response.content.decode()[:3000]
        child.refresh_from_db()
        assert child.household.head_name == "王大明" and child.household != reg["zhang_home"]
        assert services.clear_value(child, "guardian_phone") == "13900001111"  # left empty: kept
        assert "household" in AuditEntry.objects.get(action="recipient.update").detail["fields"]

    def test_a_merged_file_cannot_be_edited_and_opens_the_file_it_went_into(self, reg, people, client_for):
        client = client_for(people["worker_a"])
        assert client.get(f"/recipients/{reg['merged'].pk}/edit/").status_code == 404
        response = client.get(f"/recipients/{reg['merged'].pk}/")
        assert response.status_code == 302 and response["Location"] == f"/recipients/{reg['zhang'].pk}/"


class TestFile:
    def test_the_file_shows_everything_and_its_opening_is_audited(self, reg, people, client_for):
        zhang = reg["zhang"]
        services.change_status(people["worker_a"], zhang, "in_service", reason="入户走访后开始服务")
        services.update(people["worker_a"], zhang, categories=["dibao"])
        html = page(client_for(people["worker_a"]), f"/recipients/{zhang.pk}/")
        assert "王小明" in html and "东村1号" in html  # the household card and its members
        assert "入户走访后开始服务" in html and html.count('class="pill off"') >= 1  # the ended category
        assert f"/recipients/{zhang.pk}/edit/" in html and f"/recipients/{zhang.pk}/status/" in html
        entry = AuditEntry.objects.get(action="recipient.view_file")
        assert entry.object_id == str(zhang.pk) and entry.region_code == zhang.region_id

    def test_the_timeline_shows_fifty_newest_first_and_all_on_request(self, reg, people, client_for):
        zhang = reg["zhang"]
        start = timezone.now() - timedelta(days=100)
        TimelineEntry.objects.bulk_create([
            TimelineEntry(recipient=zhang, kind="note", summary=f"走访记录{i:03d}", occurred_at=start + timedelta(days=i)) for i in range(60)
        ])
        client = client_for(people["worker_a"])
        html = page(client, f"/recipients/{zhang.pk}/")
        shown = re.findall(r"走访记录(\d{3})", html)
        assert len(shown) == 50 and shown[0] == "059" and shown == sorted(shown, reverse=True)
        assert "?timeline=all" in html
        assert len(re.findall(r"走访记录\d{3}", page(client, f"/recipients/{zhang.pk}/?timeline=all"))) == 60

    def test_status_change_needs_a_reason_to_close(self, reg, people, client_for):
        client = client_for(people["worker_a"])
        li = reg["li"]
        refused = client.post(f"/recipients/{li.pk}/status/", {"new_status": "deceased", "reason": "", "on": "2025-06-01"}, follow=True)
        assert zh("Give the reason for closing the file.") in refused.content.decode()
        li.refresh_from_db()
        assert li.status == "in_service"
        done = client.post(f"/recipients/{li.pk}/status/", {"new_status": "deceased", "reason": "病故", "on": "2025-06-01"})
        assert done.status_code == 302
        li.refresh_from_db()
        assert li.status == "deceased" and StatusChange.objects.get(recipient=li).reason == "病故"
        assert "病故" in page(client, f"/recipients/{li.pk}/")

    def test_sections_of_other_capabilities_render_and_the_page_works_without_them(self, reg, people, client_for, monkeypatch, tmp_path, settings):
        from shegong.recipients import sections

        template_dir = tmp_path / "templates"
        (template_dir / "test").mkdir(parents=True)
        (template_dir / "test" / "_section.html").write_text('<section class="card">SECTION {{ marker }} {{ recipient.name }}</section>')
        settings.TEMPLATES = [{**settings.TEMPLATES[0], "DIRS": [*settings.TEMPLATES[0]["DIRS"], template_dir]}]
        monkeypatch.setattr(sections, "RECIPIENT_FILE_SECTIONS", [], raising=True)
        from shegong.recipients import views_registry

        monkeypatch.setattr(views_registry, "RECIPIENT_FILE_SECTIONS", [
            ("test/_section.html", lambda request, r: {"marker": "MARK-SECTION"}),
            ("test/_section.html", lambda request, r: None),
        ])
        client = client_for(people["worker_a"])
        html = page(client, f"/recipients/{reg['zhang'].pk}/")
        assert html.count("SECTION MARK-SECTION 张三") == 1
        assert "SECTION MARK-SECTION" in page(client, f"/recipients/{reg['zhang'].pk}/print/")
        monkeypatch.setattr(views_registry, "RECIPIENT_FILE_SECTIONS", [])
        assert "SECTION" not in page(client, f"/recipients/{reg['zhang'].pk}/")

    def test_print_view_has_no_navigation_is_masked_and_audited(self, reg, people, client_for):
        html = page(client_for(people["worker_a"]), f"/recipients/{reg['zhang'].pk}/print/")
        assert 'class="topbar"' not in html and "print-sheet" in html
        assert reg["zhang"].id_masked in html and ZHANG_ID not in html and "/unmask/" not in html
        assert AuditEntry.objects.filter(action="recipient.print", object_id=str(reg["zhang"].pk)).exists()


class TestAttachments:
    def upload(self, client, recipient, name, content, title="低保证明"):
        return client.post(f"/recipients/{recipient.pk}/attachments/", {"title": title, "file": SimpleUploadedFile(name, content)}, follow=True)

    def test_a_pdf_is_kept_and_served_only_through_the_scoped_view(self, reg, people, client_for):
        client = client_for(people["worker_a"])
        response = self.upload(client, reg["zhang"], "证明.pdf", b"%PDF-1.4 test")
        assert zh("The attachment has been added.") in response.content.decode()
        attachment = Attachment.objects.get(recipient=reg["zhang"])
        assert attachment.content_type == "application/pdf" and "证明" not in attachment.file.name
        served = client.get(f"/recipients/attachments/{attachment.pk}/")
        assert served.status_code == 200 and b"".join(served.streaming_content) == b"%PDF-1.4 test"
        entry = AuditEntry.objects.get(action="recipient.attachment_view")
        assert entry.detail == {"attachment": attachment.pk} and entry.region_code == reg["zhang"].region_id
        assert AuditEntry.objects.filter(action="recipient.attachment_add").exists()
        assert "低保证明" in page(client, f"/recipients/{reg['zhang'].pk}/")
        assert client_for(people["officer_b"]).get(f"/recipients/attachments/{attachment.pk}/").status_code == 404

    def test_a_renamed_program_is_refused(self, reg, people, client_for):
        client = client_for(people["worker_a"])
        response = self.upload(client, reg["zhang"], "证明.pdf", b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 64)
        refusal = zh("Only photos (JPEG, PNG), PDF and Office documents (.docx, .xlsx) are accepted.")
        assert refusal in response.content.decode()
        zipped = self.upload(client, reg["zhang"], "表格.docx", _zip({"payload.exe": b"MZ"}))
        assert refusal in zipped.content.decode()
        assert not Attachment.objects.exists()

    def test_office_documents_are_accepted(self, reg, people, client_for):
        client = client_for(people["worker_a"])
        self.upload(client, reg["zhang"], "评估表.xlsx", _zip({"xl/workbook.xml": b"<workbook/>"}), title="评估表")
        attachment = Attachment.objects.get()
        assert attachment.content_type.endswith("spreadsheetml.sheet") and attachment.file.name.endswith(".xlsx")
        served = client.get(f"/recipients/attachments/{attachment.pk}/")
        assert "attachment;" in served["Content-Disposition"]

    def test_a_file_over_the_cap_is_refused(self, reg, people, client_for):
        response = self.upload(client_for(people["worker_a"]), reg["zhang"], "big.pdf", b"%PDF-" + b"0" * MAX_UPLOAD_BYTES)
        assert zh("The file is larger than %(mb)s MB.") % {"mb": 20} in response.content.decode()
        assert not Attachment.objects.exists()


def _zip(members: dict) -> bytes:
    import io
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return buffer.getvalue()


class TestHouseholds:
    def test_list_filters_and_member_counts(self, reg, people, client_for):
        client = client_for(people["officer_a"])
        html = page(client, "/recipients/households/")
        assert "张三" in html and "乙户主" not in html
        row = html[html.index(f'/recipients/households/{reg["zhang_home"].pk}/'):]
        assert re.search(r'data-label="[^"]+">2</td>', row[:800])  # the merged file is not counted
        assert "张三" not in page(client, f"/recipients/households/?village={reg['v2'].code}")
        assert "张三" in page(client, "/recipients/households/?q=张")

    def test_detail_lists_members_with_links(self, reg, people, client_for):
        html = page(client_for(people["worker_a"]), f"/recipients/households/{reg['zhang_home'].pk}/")
        assert f'href="/recipients/{reg["child"].pk}/"' in html and f'href="/recipients/{reg["merged"].pk}/"' not in html

    def test_edit_changes_head_and_address_audited(self, reg, people, client_for):
        client = client_for(people["station_lead"])
        home = reg["zhang_home"]
        response = client.post(f"/recipients/households/{home.pk}/edit/", {"address": "东村9号", "head": reg["child"].pk})
        assert response.status_code == 302
        home.refresh_from_db()
        reg["zhang"].refresh_from_db()
        reg["child"].refresh_from_db()
        assert home.head == reg["child"] and home.head_name == "王小明" and home.address == "东村9号"
        assert reg["child"].relation == "head" and reg["zhang"].relation == ""
        assert AuditEntry.objects.get(action="recipient.household_update").detail == {"fields": ["head", "address"]}
        outsider = client.post(f"/recipients/households/{home.pk}/edit/", {"address": "x", "head": reg["li"].pk})
        assert outsider.status_code == 200 and not Household.objects.filter(address="x").exists()

    def test_county_bureau_reads_households_but_cannot_edit(self, reg, people, client_for):
        client = client_for(people["county_bureau"])
        html = page(client, f"/recipients/households/{reg['b_home'].pk}/")
        assert "/edit/" not in html
        assert client.get(f"/recipients/households/{reg['b_home'].pk}/edit/").status_code == 404


def test_navigation_offers_recipients_to_those_who_see_them(reg, people, client_for):
    assert 'href="/recipients/"' in page(client_for(people["worker_a"]), "/")
    assert 'href="/recipients/"' not in page(client_for(people["operator_manager"]), "/")


# --- Query counts: the same for few rows as for many ---------------------------------------


def count_queries(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def add_people(village, household, start, n):
    for i in range(start, start + n):
        person = make_recipient(village, f"测试{i}", id_number=id_for(date(1960, 1, 1) + timedelta(days=i), 101),
                                categories=("dibao", "disabled"), household=household, phone="13800000000")
        TimelineEntry.objects.create(recipient=person, kind="note", summary="x", occurred_at=timezone.now())


@pytest.mark.parametrize("url", ["/recipients/", "/recipients/?status=all&category=dibao", "/recipients/households/"])
def test_list_pages_cost_the_same_for_few_or_many_rows(url, reg, people, client_for):
    client = client_for(people["officer_a"])
    add_people(reg["v1"].code, None, 0, 3)
    for i in range(3):
        make_household(reg["v1"].code, head_name=f"户主{i}")
    client.get(url)
    few = count_queries(client, url)
    add_people(reg["v1"].code, None, 3, 27)
    for i in range(3, 30):
        make_household(reg["v1"].code, head_name=f"户主{i}")
    assert count_queries(client, url) == few


def test_the_file_costs_the_same_for_a_short_or_long_history(reg, people, client_for):
    from django.core.files.base import ContentFile

    client = client_for(people["worker_a"])
    zhang, home = reg["zhang"], reg["zhang_home"]
    url, household_url = f"/recipients/{zhang.pk}/", f"/recipients/households/{home.pk}/"
    client.get(url)
    few, few_household = count_queries(client, url), count_queries(client, household_url)
    add_people(reg["v1"].code, home, 100, 20)
    for i in range(20):
        services.add_to_timeline(zhang, "note", f"记录{i}")
        Attachment.objects.create(recipient=zhang, title=f"附件{i}", file=ContentFile(b"%PDF-1.4", name="a.pdf"),
                                  content_type="application/pdf", size=8, uploaded_by=people["worker_a"])
    services.update(people["worker_a"], zhang, categories=["disabled", "orphan"])
    services.change_status(people["worker_a"], zhang, "in_service")
    assert count_queries(client, url) == few
    assert count_queries(client, household_url) == few_household
