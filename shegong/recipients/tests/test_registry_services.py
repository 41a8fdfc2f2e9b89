"""The writes and reads behind the registry pages: a person registered with a new household (both
or neither), moves between households, household changes, attachments checked by content, and
the filters and export permission the list relies on.
"""

from __future__ import annotations

import io
import zipfile
from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import QueryDict

from shegong.core.models import AuditEntry
from shegong.recipients import selectors, services, services_registry
from shegong.recipients.models import Attachment, Household, Recipient, TimelineEntry, child_birth_cutoff

from .factories import id_for, make_household, make_recipient
from .test_registry_pages import build_registry

pytestmark = pytest.mark.django_db


@pytest.fixture
def reg(regions, people):
    return build_registry(regions)


def person(reg, **changes):
    fields = {
        "name": "孙七", "region_code": reg["v1"].code, "sex": "female", "birth_date": date(1955, 3, 4), "relation": "head",
        "categories": ["dibao"], "current_address": "东村5号",
    }
    fields.update(changes)
    return fields


class TestRegisterPerson:
    def test_a_new_household_and_its_head_are_written_together(self, reg, people):
        recipient = services_registry.register_person(people["worker_a"], new_household=True, **person(reg))
        household = recipient.household
        assert household.head == recipient and household.head_name == "孙七" and household.region_id == reg["v1"].code
        assert household.address == "东村5号"

    def test_a_refused_registration_leaves_no_household_behind(self, reg, people):
        with pytest.raises(ValidationError) as caught:
            services_registry.register_person(people["worker_a"], new_household=True, **person(reg, id_number="210381195503040000"))
        assert "id_number" in caught.value.message_dict
        assert not Household.objects.filter(head_name="孙七").exists()
        assert not AuditEntry.objects.filter(action="recipient.household_create").exists()

    def test_a_new_household_headed_by_someone_else_needs_the_heads_name(self, reg, people):
        with pytest.raises(ValidationError) as caught:
            services_registry.register_person(people["worker_a"], new_household=True, **person(reg, relation="child"))
        assert "new_head_name" in caught.value.message_dict
        child = services_registry.register_person(
            people["worker_a"], new_household=True, new_head_name="孙大", **person(reg, relation="child")
        )
        assert child.household.head is None and child.household.head_name == "孙大"

    def test_only_those_who_may_change_the_village_register(self, reg, people):
        for who in ("county_bureau", "supervisor", "worker_b"):
            with pytest.raises(PermissionDenied):
                services_registry.register_person(people[who], new_household=True, **person(reg))
        assert not Recipient.objects.filter(name="孙七").exists() and not Household.objects.filter(head_name="孙七").exists()

    def test_a_household_of_another_village_is_refused(self, reg, people):
        with pytest.raises(ValidationError) as caught:
            services_registry.register_person(people["worker_a"], household=reg["zhang_home"], **person(reg, region_code=reg["v2"].code))
        assert "household" in caught.value.message_dict


class TestUpdatePerson:
    def test_moving_the_head_out_frees_the_household_and_the_move_is_audited(self, reg, people):
        zhang = reg["zhang"]
        new_home = make_household(reg["v1"].code, head_name="张大")
        services_registry.update_person(people["worker_a"], zhang, household=new_home, relation="child")
        zhang.refresh_from_db()
        reg["zhang_home"].refresh_from_db()
        assert zhang.household == new_home and reg["zhang_home"].head is None
        assert AuditEntry.objects.get(action="recipient.update").detail["fields"] == ["household", "relation"]

    def test_services_update_takes_a_household(self, reg, people):
        services.update(people["worker_a"], reg["li"], household=reg["zhang_home"])
        reg["li"].refresh_from_db()
        assert reg["li"].household == reg["zhang_home"]

    def test_a_read_only_role_is_refused(self, reg, people):
        with pytest.raises(PermissionDenied):
            services_registry.update_person(people["county_bureau"], reg["zhang"], name="改名")


class TestHouseholdUpdate:
    def test_the_head_must_be_a_member(self, reg, people):
        with pytest.raises(ValidationError):
            services_registry.household_update(people["worker_a"], reg["zhang_home"], address="", head=reg["li"])
        with pytest.raises(ValidationError):
            services_registry.household_update(people["worker_a"], reg["zhang_home"], address="", head=reg["merged"])

    def test_only_those_who_may_change_the_village(self, reg, people):
        for who in ("county_bureau", "officer_b"):
            with pytest.raises(PermissionDenied):
                services_registry.household_update(people[who], reg["zhang_home"], address="x", head=None)
        reg["zhang_home"].refresh_from_db()
        assert reg["zhang_home"].address == "东村1号"

    def test_address_alone(self, reg, people):
        services_registry.household_update(people["officer_a"], reg["zhang_home"], address="  东村3号 ", head=reg["zhang"])
        reg["zhang_home"].refresh_from_db()
        assert reg["zhang_home"].address == "东村3号" and reg["zhang_home"].head == reg["zhang"]
        assert AuditEntry.objects.get(action="recipient.household_update").detail == {"fields": ["address"]}


def office(member: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(member, "<x/>")
    return buffer.getvalue()


class TestAttachmentAdd:
    @pytest.mark.parametrize("name, content, content_type, suffix", [
        ("photo.JPG", b"\xff\xd8\xff\xe0" + b"0" * 20, "image/jpeg", ".jpg"),
        ("scan.png", b"\x89PNG\r\n\x1a\n" + b"0" * 20, "image/png", ".png"),
        ("证明.pdf", b"%PDF-1.7 x", "application/pdf", ".pdf"),
        ("评估.docx", office("word/document.xml"), "application/vnd.openxmlformats-officedocument.wordprocessingml.document", ".docx"),
        ("名单.xlsx", office("xl/workbook.xml"), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", ".xlsx"),
    ])
    def test_accepted_types_are_stored_under_generated_names(self, name, content, content_type, suffix, reg, people):
        attachment = services_registry.attachment_add(people["worker_a"], reg["zhang"], title="材料", file=SimpleUploadedFile(name, content))
        assert attachment.content_type == content_type and attachment.file.name.endswith(suffix)
        assert name.rsplit(".", 1)[0] not in attachment.file.name and attachment.size == len(content)
        assert TimelineEntry.objects.filter(recipient=reg["zhang"], kind="attachment").exists()

    @pytest.mark.parametrize("name, content", [
        ("setup.pdf", b"MZ\x90\x00" + b"0" * 40),          # a program renamed
        ("表格.docx", office("xl/workbook.xml")),           # a workbook named as a document
        ("表格.xlsx", office("payload.bin")),               # any zip named as a workbook
        ("archive.zip", office("word/document.xml")),       # a zip by name
        ("empty.pdf", b""),
    ])
    def test_other_content_is_refused_on_the_file_field(self, name, content, reg, people):
        with pytest.raises(ValidationError) as caught:
            services_registry.attachment_add(people["worker_a"], reg["zhang"], title="材料", file=SimpleUploadedFile(name, content))
        assert "file" in caught.value.message_dict
        assert not Attachment.objects.exists()

    def test_a_title_is_required_and_read_only_roles_are_refused(self, reg, people):
        with pytest.raises(ValidationError):
            services_registry.attachment_add(people["worker_a"], reg["zhang"], title=" ", file=SimpleUploadedFile("a.pdf", b"%PDF-1"))
        with pytest.raises(PermissionDenied):
            services_registry.attachment_add(people["county_bureau"], reg["zhang"], title="x", file=SimpleUploadedFile("a.pdf", b"%PDF-1"))


class TestListReads:
    def test_the_children_filter_turns_at_the_fourteenth_birthday(self, reg, people):
        cutoff = child_birth_cutoff()
        village = reg["v1"].code
        make_recipient(village, "刚满十四", id_number=id_for(cutoff, 31))
        from datetime import timedelta

        make_recipient(village, "差一天十四", id_number=id_for(cutoff + timedelta(days=1), 33))
        _, qs = selectors.recipient_list(actor=people["worker_a"], params=QueryDict("children=on"))
        assert {r.name for r in qs} == {"差一天十四", "王小明"}

    def test_full_export_permission_follows_the_narrowest_place_of_the_filter(self, reg, people):
        allowed = selectors.full_export_allowed
        assert allowed(actor=people["station_lead"], params=QueryDict(""))
        assert allowed(actor=people["officer_a"], params=QueryDict(f"village={reg['v2'].code}"))
        assert not allowed(actor=people["officer_a"], params=QueryDict(f"village={reg['vb'].code}"))
        assert not allowed(actor=people["county_bureau"], params=QueryDict(f"township={reg['v1'].code[:9]}"))
        assert not allowed(actor=people["worker_a"], params=QueryDict(""))
        assert not allowed(actor=people["admin"], params=QueryDict(""))

    def test_an_invalid_filter_lists_nothing(self, reg, people):
        filterset, qs = selectors.recipient_list(actor=people["officer_a"], params=QueryDict(f"village={reg['vb'].code}"))
        assert not filterset.is_valid() and not qs.exists()
