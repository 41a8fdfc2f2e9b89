"""Importing township lists: messy workbooks in, the right people, households and categories out.

Given lists laid out the way townships send them (title and subtitle rows, merged cells, ID numbers
typed every way Excel allows, CSV in GBK), when an officer uploads, checks and writes them, then
every row lands or is refused with a message naming its row and column, and writing is all or
nothing.
"""

from __future__ import annotations

import io
from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import translation
from openpyxl import load_workbook

from shegong.core.models import AuditEntry
from shegong.recipients import imports
from shegong.recipients.models import (
    CategoryMembership,
    DuplicateCandidate,
    Household,
    ImportBatch,
    Recipient,
    StatusChange,
    TimelineEntry,
)
from shegong.recipients.tests import workbooks as wb
from shegong.recipients.tests.factories import id_for, make_household, make_recipient

pytestmark = pytest.mark.django_db

HAIZHOU = "210381001"  # township A: 海州街道 (南关社区, 三义社区 …)
NANGUAN, SANYI = "210381001001", "210381001002"


@pytest.fixture(autouse=True)
def english():
    """Messages are compared in English (the msgids); the Chinese catalogue has some of them."""
    with translation.override("en"):
        yield


@pytest.fixture
def officer(people, regions):
    assert regions["township_a"].code == HAIZHOU
    return people["officer_a"]


def checked(user, content: bytes, name: str = "名单.xlsx", kind: str = "import", township: str = HAIZHOU) -> ImportBatch:
    batch = imports.create_batch(user, wb.upload(content, name), township, kind)
    return imports.check(batch)


def counts() -> dict:
    return {m.__name__: m.objects.count() for m in (Recipient, CategoryMembership, Household, TimelineEntry, StatusChange, DuplicateCandidate)}


def errors_of(batch) -> list[tuple[int, str, str]]:
    return [(e["row"], e["column"], e["message"]) for e in batch.preview["errors"]]


class TestReadingMessyLists:
    def test_title_subtitle_merged_title_and_village_cells(self, officer):
        rows = wb.family() + wb.family("三义社区", seq=20)
        content = wb.xlsx(rows, merge_down=("所属村（社区）", "户主姓名"))
        batch = checked(officer, content)
        assert batch.state == "validated", batch.message
        assert batch.preview["header_row"] == 3
        assert batch.summary | {} == batch.summary and batch.summary["new"] == 6 and batch.summary["errors"] == 0
        assert [r["row"] for r in batch.preview["new"]] == [4, 5, 6, 7, 8, 9]  # the 合计 and 制表人 rows are skipped
        imports.commit(officer, batch)
        households = Household.objects.order_by("region_id")
        assert [(h.region_id, h.head_name) for h in households] == [(NANGUAN, "王建国"), (SANYI, "王建国")]
        for household in households:
            members = {m.name: m.relation for m in household.members.all()}
            assert members == {"王建国": "head", "李秀英": "spouse", "王小明": "child"}
            assert household.head.name == "王建国" and household.head.region_id == household.region_id
        child = Recipient.objects.get(name="王小明", region_id=NANGUAN)
        assert sorted(child.categories.values_list("category", flat=True)) == ["dibao", "left_behind_child"]

    def test_read_rows_gives_fields_by_header_variant(self, officer, tmp_path):
        headers = ("编号", "姓 名", "公民身份号码", "出生年月", "手机号", "村(居)委会", "救助类别", "户主", "家庭关系", "备用列")
        row = {"姓 名": "张三", "公民身份号码": id_for(date(1950, 3, 4), 7), "出生年月": "1950.03", "手机号": "13812345678",
               "村(居)委会": "南关", "救助类别": "五保户", "户主": "张三", "家庭关系": "本人", "备用列": "x"}
        path = tmp_path / "l.xlsx"
        path.write_bytes(wb.xlsx([row], headers=headers, subtitle=None))
        [(number, fields)] = list(imports.read_rows(path))
        assert number == 3
        assert fields["name"] == "张三" and fields["village"] == "南关" and fields["categories"] == "五保户"
        assert fields["birth_date"] == "1950.03" and fields["head_name"] == "张三" and fields["relation"] == "本人"
        batch = checked(officer, path.read_bytes())
        assert batch.summary["errors"] == 0, batch.preview["errors"]
        assert batch.preview["unknown_columns"] == ["备用列"]
        assert batch.preview["new"][0]["categories"] == ["tekun"] and batch.preview["new"][0]["village"] == "南关社区"

    def test_full_width_digits_spaces_and_lower_case_x(self, officer):
        number = id_for(date(1962, 8, 9), 22)
        assert number.endswith("X")
        typed = wb.to_full_width(number[:6]) + " " + number[6:14] + " " + number[14:].lower()
        batch = checked(officer, wb.xlsx([wb.person("李秀英", date(1962, 8, 9), 22, **{"身份证号码": typed})]))
        assert batch.summary["errors"] == 0, batch.preview["errors"]
        imports.commit(officer, batch)
        person = Recipient.objects.get()
        assert person.id_masked == number[:6] + "********" + number[-4:]
        assert person.sex == "female" and person.birth_date == date(1962, 8, 9)

    def test_excel_date_serials_and_date_cells(self, officer):
        rows = [wb.person("甲", date(1950, 3, 4), 1), wb.person("乙", date(1951, 4, 5), 3), wb.person("丙", date(1952, 5, 6), 5)]
        serial = (date(1950, 3, 4) - date(1899, 12, 30)).days
        content = wb.xlsx(rows, raw={(0, "出生日期"): serial, (1, "出生日期"): date(1951, 4, 5), (2, "出生日期"): "1952年5月6日"})
        batch = checked(officer, content)
        assert batch.summary["errors"] == 0, batch.preview["errors"]
        wrong = checked(officer, wb.xlsx([wb.person("丁", date(1950, 3, 4), 7, **{"出生日期": "1950/3/5"})]))
        assert errors_of(wrong) == [(4, "出生日期", "The birth date does not match the ID number.")]

    def test_phone_stored_as_a_number_is_fine(self, officer):
        content = wb.xlsx([wb.person("甲", date(1950, 3, 4), 1)], raw={(0, "联系电话"): 13812345678})
        batch = checked(officer, content)
        assert batch.summary["errors"] == 0
        imports.commit(officer, batch)
        assert Recipient.objects.get().phone_masked == "138****5678"

    def test_csv_in_gbk_and_in_utf8_with_bom(self, officer):
        rows = wb.family()
        for encoding in ("gbk", "utf-8-sig"):
            content = wb.csv_bytes(rows, encoding=encoding, title="海州街道低保名单")
            batch = checked(officer, content, name="名单.csv")
            assert batch.state == "validated", batch.message
            assert batch.summary["new"] == 3 and batch.summary["errors"] == 0, batch.preview["errors"]
            assert {r["name"] for r in batch.preview["new"]} == {"王建国", "李秀英", "王小明"}
            assert batch.file.name.endswith(".csv")


class TestRowErrors:
    def test_bad_check_digit_names_row_and_column_and_goes_to_the_error_workbook(self, officer):
        good = wb.person("甲", date(1950, 3, 4), 1)
        bad = wb.person("乙", date(1951, 4, 5), 3)
        bad["身份证号码"] = bad["身份证号码"][:17] + ("0" if bad["身份证号码"][17] != "0" else "1")
        batch = checked(officer, wb.xlsx([good, bad]))
        assert batch.state == "validated"
        assert errors_of(batch) == [(5, "身份证号码", "The check digit (last character) is wrong: the number was mistyped.")]
        assert batch.summary["new"] == 1 and batch.summary["errors"] == 1
        sheet = load_workbook(io.BytesIO(batch.error_file.read())).active
        values = list(sheet.values)
        assert values[0][-1] == "错误说明" and values[0][1] == "姓名"
        assert len(values) == 2 and values[1][1] == "乙" and values[1][2] == bad["身份证号码"]
        assert "check digit" in values[1][-1]
        with pytest.raises(ValidationError):
            imports.commit(officer, batch)
        assert Recipient.objects.count() == 0

    def test_id_number_stored_as_a_float_gets_its_own_message(self, officer):
        content = wb.xlsx([wb.person("甲", date(1950, 3, 4), 1)], raw={(0, "身份证号码"): 2.10381195003041e17})
        batch = checked(officer, content)
        [(row, column, message)] = errors_of(batch)
        assert (row, column) == (4, "身份证号码")
        assert "stored as a number" in message and "Format the column as text" in message

    def test_the_same_id_twice_in_the_file(self, officer):
        first = wb.person("甲", date(1950, 3, 4), 1)
        again = dict(first, 姓名="甲二")
        batch = checked(officer, wb.xlsx([first, wb.person("乙", date(1951, 1, 1), 3), again]))
        assert errors_of(batch) == [(6, "身份证号码", "The same ID number is already on row 4.")]

    def test_village_outside_the_township_is_an_error_never_a_write(self, officer):
        rows = [wb.person("甲", date(1950, 3, 4), 1), wb.person("乙", date(1951, 4, 5), 3, village="兴源社区"),
                wb.person("丙", date(1952, 5, 6), 5, village="火星村")]
        batch = checked(officer, wb.xlsx(rows))
        assert errors_of(batch) == [
            (5, "所属村（社区）", "“兴源社区” belongs to 兴海街道, not to 海州街道: a list is imported into its own township only."),
            (6, "所属村（社区）", "“火星村” is not a village or community of 海州街道."),
        ]
        with pytest.raises(ValidationError):
            imports.commit(officer, batch)
        assert Recipient.objects.count() == 0

    def test_village_names_match_without_suffixes(self, officer, regions):
        from shegong.recipients.imports import Villages

        villages = Villages(regions["township_a"])
        for written in ("南关", "南关社区", "南关社区居委会", "海城市海州街道南关社区", "南关社区居民委员会"):
            assert villages.resolve(written) == (NANGUAN, "南关社区"), written

    def test_categories_sex_name_and_phone(self, officer):
        rows = [
            wb.person("甲", date(1950, 3, 4), 1, categories="低保户，残疾人/五保"),
            wb.person("乙", date(1951, 4, 5), 3, categories="贫困户"),
            wb.person("丙", date(1952, 5, 6), 5, categories=""),
            wb.person("丁", date(1953, 6, 7), 7, **{"性别": "女"}),
            wb.person("", date(1954, 7, 8), 9),
            wb.person("戊", date(1955, 8, 9), 11, **{"联系电话": "12345"}),
        ]
        batch = checked(officer, wb.xlsx(rows))
        assert errors_of(batch) == [
            (5, "人员类别", "Unknown category “贫困户”."),
            (6, "人员类别", "At least one category is required."),
            (7, "性别", "The sex does not match the ID number (Male)."),
            (8, "姓名", "The name is required."),
            (9, "联系电话", "“12345” is neither an 11-digit mobile number nor a landline number."),
        ]
        assert batch.preview["new"][0]["categories"] == ["dibao", "disabled", "tekun"]

    def test_a_person_registered_outside_the_jurisdiction_is_an_error_that_does_not_say_where(self, officer, regions):
        from shegong.recipients.tests.factories import village_of

        number = id_for(date(1950, 3, 4), 7)
        make_recipient(village_of(regions["township_b"]), "乙某某", id_number=number)
        batch = checked(officer, wb.xlsx([wb.person("乙某某", date(1950, 3, 4), 7)]))
        [(row, column, message)] = errors_of(batch)
        assert message == "This person is already registered outside your jurisdiction; ask the county bureau to transfer the file."
        assert "兴" not in message and batch.summary["new"] == 0

    def test_a_deceased_person_on_the_list_is_an_error(self, officer):
        make_recipient(NANGUAN, "甲", id_number=id_for(date(1950, 3, 4), 1), status="deceased")
        batch = checked(officer, wb.xlsx([wb.person("甲", date(1950, 3, 4), 1)]))
        assert errors_of(batch)[0][2] == "This person is recorded as deceased: check the list, or correct the file first."


class TestWholeFile:
    @pytest.mark.parametrize("content, message", [
        (wb.xlsx([], title=None, subtitle=None, headers=(), footer=False), "The file is empty."),
        (wb.xlsx([], footer=False), "The list has a header row but no people."),
        (wb.xlsx([wb.person("甲", date(1950, 3, 4), 1)], headers=("名字", "号码")), "No header row found in the first 10 rows"),
        (wb.xlsx([wb.person("甲", date(1950, 3, 4), 1)], headers=("姓名", "身份证号码", "人员类别")), "The list has no column for"),
        (b"\xef\xbb\xbf\n\n", "The file is empty."),
    ])
    def test_lists_that_cannot_be_used_fail_with_a_clear_message(self, officer, content, message):
        name = "名单.csv" if content.startswith(b"\xef\xbb\xbf") else "名单.xlsx"
        batch = checked(officer, content, name=name)
        assert batch.state == "failed"
        assert batch.message.startswith(message)
        with pytest.raises(ValidationError):
            imports.commit(officer, batch)

    @pytest.mark.parametrize("content, name, message", [
        (wb.png(), "名单.xlsx", "Only Excel workbooks (.xlsx) and CSV files are accepted."),
        (wb.docx(), "名单.docx", "This is a Word document, not an Excel workbook."),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600, "名单.xls", "This is an old-format Excel file (.xls)."),
        (b"", "名单.xlsx", "The file is empty."),
    ])
    def test_wrong_file_types_are_refused_and_nothing_is_stored(self, officer, settings, content, name, message):
        with pytest.raises(ValidationError) as refused:
            imports.create_batch(officer, wb.upload(content, name), HAIZHOU)
        assert refused.value.message_dict["file"][0].startswith(message)
        assert not ImportBatch.objects.exists()
        media = settings.MEDIA_ROOT
        assert not media.exists() or not any(p.is_file() for p in media.rglob("*"))

    def test_a_file_over_20_mb_is_refused_and_nothing_is_stored(self, officer, settings):
        big = wb.upload(b"PK\x03\x04" + b"\x00" * (20 * 1024 * 1024), "名单.xlsx")
        with pytest.raises(ValidationError) as refused:
            imports.create_batch(officer, big, HAIZHOU)
        assert refused.value.message_dict["file"] == ["The file is larger than 20 MB."]
        assert not ImportBatch.objects.exists()
        assert not settings.MEDIA_ROOT.exists() or not any(p.is_file() for p in settings.MEDIA_ROOT.rglob("*"))

    def test_upload_is_stored_under_a_generated_name_and_audited(self, officer):
        batch = imports.create_batch(officer, wb.upload(wb.xlsx(wb.family()), "../海州 低保.xlsx"), HAIZHOU)
        assert batch.original_name == "海州 低保.xlsx"
        assert "海州" not in batch.file.name and batch.file.name.endswith(".xlsx")
        entry = AuditEntry.objects.get(action="recipient.import_upload")
        assert entry.actor == officer and entry.region_code == HAIZHOU and entry.object_id == str(batch.pk)

    def test_an_officer_of_township_a_cannot_import_into_township_b(self, officer, regions):
        with pytest.raises(PermissionDenied):
            imports.create_batch(officer, wb.upload(wb.xlsx(wb.family("兴源社区"))), regions["township_b"].code)
        assert not ImportBatch.objects.exists()
        assert AuditEntry.objects.get(action="recipient.import_upload").result == "denied"

    def test_the_township_must_be_a_township(self, officer):
        for code in ("210381", "210381001001", "21038100x", ""):
            with pytest.raises(ValidationError):
                imports.create_batch(officer, wb.upload(wb.xlsx(wb.family())), code)


class TestRegisteredPeople:
    def test_updated_and_unchanged(self, officer):
        same = make_recipient(NANGUAN, "甲", id_number=id_for(date(1950, 3, 4), 1), categories=("dibao",))
        moved = make_recipient(NANGUAN, "乙", id_number=id_for(date(1951, 4, 5), 3), phone="13800000000", categories=("dibao",))
        rows = [
            wb.person("甲", date(1950, 3, 4), 1, relation="", head="", **{"现住址": ""}),
            wb.person("乙", date(1951, 4, 5), 3, village="三义社区", categories="低保、残疾人", relation="", head="",
                      **{"联系电话": "13912345678", "现住址": ""}),
        ]
        batch = checked(officer, wb.xlsx(rows))
        assert (batch.summary["updated"], batch.summary["unchanged"], batch.summary["new"]) == (1, 1, 0)
        [updated] = batch.preview["updated"]
        assert updated["recipient"] == moved.pk and updated["changes"] == ["village", "phone", "+disabled"]
        assert batch.preview["unchanged"][0]["recipient"] == same.pk
        before = counts()
        written = imports.commit(officer, batch)
        assert written["updated"] == 1 and written["categories_added"] == 1 and written["created"] == 0
        moved.refresh_from_db()
        assert moved.region_id == SANYI and moved.phone_masked == "139****5678"
        assert sorted(m.category for m in moved.categories.all() if m.ended_on is None) == ["dibao", "disabled"]
        entry = moved.timeline.get()
        assert entry.summary.startswith("Updated by import of 名单.xlsx") and "phone" in entry.summary
        assert counts()["TimelineEntry"] == before["TimelineEntry"] + 1  # nothing for the unchanged person
        assert not same.timeline.exists()

    def test_import_mode_never_ends_a_category(self, officer):
        person = make_recipient(NANGUAN, "甲", id_number=id_for(date(1950, 3, 4), 1), categories=("dibao", "disabled"))
        batch = checked(officer, wb.xlsx([wb.person("甲", date(1950, 3, 4), 1, relation="", head="", **{"现住址": ""})]))
        assert batch.summary["unchanged"] == 1
        imports.commit(officer, batch)
        assert person.categories.filter(ended_on__isnull=True).count() == 2

    def test_a_closed_file_on_the_list_is_reopened(self, officer):
        person = make_recipient(NANGUAN, "甲", id_number=id_for(date(1950, 3, 4), 1), status="closed")
        batch = checked(officer, wb.xlsx([wb.person("甲", date(1950, 3, 4), 1, relation="", head="", **{"现住址": ""})]))
        assert batch.preview["updated"][0]["changes"] == ["status"]
        imports.commit(officer, batch)
        person.refresh_from_db()
        assert person.status == "new"
        change = person.status_changes.get()
        assert (change.old_status, change.new_status, change.reason) == ("closed", "new", "On the list 名单.xlsx")

    def test_new_member_joins_the_existing_household_of_that_head(self, officer):
        household = make_household(NANGUAN, head_name="王建国")
        head = make_recipient(NANGUAN, "王建国", id_number=id_for(date(1960, 5, 1), 11), household=household, relation="head")
        household.head = head
        household.save()
        rows = [wb.person("王建国", date(1960, 5, 1), 11, **{"现住址": ""}),
                wb.person("王小红", date(2016, 2, 2), 14, head="王建国", relation="次女")]
        batch = checked(officer, wb.xlsx(rows))
        assert batch.summary["unchanged"] == 1 and batch.summary["new"] == 1
        imports.commit(officer, batch)
        child = Recipient.objects.get(name="王小红")
        assert child.household_id == household.pk and child.relation == "child"
        assert Household.objects.count() == 1

    def test_two_heads_with_the_same_name_in_a_village_are_two_households(self, officer):
        rows = [wb.person("王伟", date(1960, 1, 1), 1), wb.person("李娜", date(1961, 1, 1), 2, head="王伟", relation="妻"),
                wb.person("王伟", date(1970, 2, 2), 3), wb.person("王芳", date(1995, 3, 3), 4, head="王伟", relation="女")]
        batch = checked(officer, wb.xlsx(rows))
        assert batch.summary["errors"] == 0, batch.preview["errors"]
        imports.commit(officer, batch)
        households = list(Household.objects.order_by("pk"))
        assert len(households) == 2
        assert [{m.name for m in h.members.all()} for h in households] == [{"王伟", "李娜"}, {"王伟", "王芳"}]
        assert households[0].head.birth_date == date(1960, 1, 1) and households[1].head.birth_date == date(1970, 2, 2)

    def test_reimporting_the_same_file_writes_nothing(self, officer):
        content = wb.xlsx(wb.family() + wb.family("三义社区", seq=20) + [wb.person("孤老", date(1940, 1, 1), 31, categories="特困、独居老人")],
                          merge_down=("所属村（社区）",))
        imports.commit(officer, checked(officer, content))
        before = counts()
        again = checked(officer, content)
        assert again.summary["unchanged"] == 7 and again.summary["new"] == again.summary["updated"] == 0
        written = imports.commit(officer, again)
        assert counts() == before
        assert written == {"created": 0, "updated": 0, "categories_added": 0, "categories_ended": 0,
                           "households_created": 0, "closed": 0, "duplicates_queued": 0}
        assert AuditEntry.objects.filter(action="recipient.import_commit").count() == 2


class TestCommit:
    def test_new_people_are_registered_with_status_timeline_and_one_audit_row(self, officer):
        batch = checked(officer, wb.xlsx(wb.family()))
        written = imports.commit(officer, batch)
        assert written["created"] == 3 and written["households_created"] == 1
        person = Recipient.objects.get(name="王建国")
        assert person.created_by == officer and person.status == "new" and person.id_cipher and person.id_index
        assert person.name_pinyin == "wangjianguo" and person.name_initials == "wjg"
        assert person.status_changes.get().new_status == "new"
        entry = person.timeline.get()
        assert entry.summary == "Registered by import of 名单.xlsx" and entry.link == f"/recipients/imports/{batch.pk}/"
        assert person.categories.get().source == "import of 名单.xlsx"
        [entry] = AuditEntry.objects.filter(action="recipient.import_commit")
        assert entry.detail["created"] == 3 and entry.region_code == HAIZHOU
        assert not AuditEntry.objects.filter(action="recipient.create").exists()
        batch.refresh_from_db()
        assert batch.state == "committed" and batch.committed_at and batch.summary["written"]["created"] == 3

    def test_the_uploaded_file_is_deleted_once_written(self, officer, django_capture_on_commit_callbacks):
        batch = checked(officer, wb.xlsx(wb.family()))
        path = batch.file.path
        with django_capture_on_commit_callbacks(execute=True):
            imports.commit(officer, batch)
        batch.refresh_from_db()
        assert not batch.file and not __import__("os").path.exists(path)

    def test_a_failure_half_way_leaves_nothing_and_the_list_can_be_written_again(self, officer, monkeypatch):
        existing = make_recipient(NANGUAN, "甲", id_number=id_for(date(1950, 3, 4), 1))
        rows = wb.family() + [wb.person("甲", date(1950, 3, 4), 1, categories="低保、残疾人", relation="", head="")]
        batch = checked(officer, wb.xlsx(rows))
        before = counts()
        flush = imports.BulkTable.flush

        def failing(self):
            if self.model is TimelineEntry:
                raise RuntimeError("disk full")
            return flush(self)

        monkeypatch.setattr(imports.BulkTable, "flush", failing)
        with pytest.raises(RuntimeError):
            imports.commit(officer, batch)
        assert counts() == before
        assert existing.categories.count() == 1
        batch.refresh_from_db()
        assert batch.state == "validated" and "nothing was written" in batch.message
        assert not AuditEntry.objects.filter(action="recipient.import_commit").exists()
        monkeypatch.setattr(imports.BulkTable, "flush", flush)
        written = imports.commit(officer, batch)
        assert written["created"] == 3 and written["updated"] == 1
        assert Recipient.objects.count() == before["Recipient"] + 3

    def test_commit_refuses_a_list_not_checked_or_already_written(self, officer):
        batch = checked(officer, wb.xlsx(wb.family()))
        imports.commit(officer, batch)
        with pytest.raises(ValidationError):
            imports.commit(officer, batch)
        fresh = imports.create_batch(officer, wb.upload(wb.xlsx(wb.family())), HAIZHOU)
        with pytest.raises(ValidationError):
            imports.commit(officer, fresh)

    def test_the_registry_changed_since_the_check(self, officer, people):
        batch = checked(officer, wb.xlsx(wb.family()))
        from shegong.recipients.tests.factories import village_of

        make_recipient(village_of(people["officer_b"].role_assignments.get().region), "王建国", id_number=id_for(date(1960, 5, 1), 11))
        with pytest.raises(ValidationError) as refused:
            imports.commit(officer, batch)
        assert "registry has changed" in refused.value.messages[0]
        batch.refresh_from_db()
        assert batch.state == "validated" and batch.summary["errors"] == 1
        assert Recipient.objects.count() == 1

    def test_another_township_officer_cannot_commit(self, officer, people):
        batch = checked(officer, wb.xlsx(wb.family()))
        with pytest.raises(PermissionDenied):
            imports.commit(people["officer_b"], batch)
        assert not Recipient.objects.exists()

    def test_likely_duplicates_are_counted_and_queued(self, officer):
        make_recipient(NANGUAN, "张三丰", id_number=None, categories=("dibao",))
        rows = [wb.person("张三峰", date(1950, 3, 4), 1, head="张三峰"), wb.person("王五", date(1951, 4, 5), 3)]
        batch = checked(officer, wb.xlsx(rows))
        assert batch.summary["duplicates"] == 1 and batch.summary["errors"] == 0
        [dup] = batch.preview["duplicates"]
        assert dup["row"] == 4 and dup["matches"][0]["name"] == "张三丰"
        written = imports.commit(officer, batch)
        assert written["duplicates_queued"] == 1
        pair = DuplicateCandidate.objects.get()
        assert {pair.first.name, pair.second.name} == {"张三丰", "张三峰"} and pair.reason == "similar_name_village"

    def test_discard_deletes_the_files(self, officer, django_capture_on_commit_callbacks):
        bad = wb.person("乙", date(1951, 4, 5), 3)
        bad["身份证号码"] = bad["身份证号码"][:17] + "0" if bad["身份证号码"][17] != "0" else bad["身份证号码"][:17] + "1"
        batch = checked(officer, wb.xlsx([bad]))
        assert batch.error_file
        with django_capture_on_commit_callbacks(execute=True):
            imports.discard(officer, batch)
        batch.refresh_from_db()
        assert batch.state == "discarded" and not batch.file and not batch.error_file and batch.preview == {}
        assert AuditEntry.objects.filter(action="recipient.import_discard").exists()
        with pytest.raises(ValidationError):
            imports.discard(officer, batch)


class TestReconcile:
    def test_new_changed_and_gone_then_confirmed(self, officer):
        stays = make_recipient(NANGUAN, "留", id_number=id_for(date(1950, 1, 1), 1), categories=("dibao",))
        switches = make_recipient(NANGUAN, "换", id_number=id_for(date(1951, 1, 1), 3), categories=("dibao", "disabled"))
        leaves = make_recipient(NANGUAN, "走", id_number=id_for(date(1952, 1, 1), 5), categories=("dibao",))
        keeps_other = make_recipient(NANGUAN, "残", id_number=id_for(date(1953, 1, 1), 7), categories=("dibao", "disabled"))
        untouched = make_recipient(SANYI, "另", id_number=id_for(date(1954, 1, 1), 9), categories=("disabled",))
        rows = [
            wb.person("留", date(1950, 1, 1), 1, categories="低保", relation="", head="", **{"现住址": ""}),
            wb.person("换", date(1951, 1, 1), 3, categories="特困", relation="", head="", **{"现住址": ""}),
            wb.person("新", date(1960, 1, 1), 11, categories="低保"),
        ]
        batch = checked(officer, wb.xlsx(rows), kind="reconcile")
        summary = batch.summary
        assert (summary["new"], summary["updated"], summary["unchanged"], summary["category_changed"], summary["gone"]) == (1, 1, 1, 1, 2)
        assert batch.preview["scope"] == ["dibao", "tekun"]
        assert batch.preview["updated"][0]["changes"] == ["+tekun", "-dibao"]
        gone = {g["recipient"]: g["categories"] for g in batch.preview["gone"]}
        assert gone == {leaves.pk: ["dibao"], keeps_other.pk: ["dibao"]}
        written = imports.commit(officer, batch, confirm_gone=[leaves.pk, keeps_other.pk, untouched.pk])
        assert written["closed"] == 1 and written["created"] == 1
        leaves.refresh_from_db()
        assert leaves.status == "closed"
        ended = leaves.categories.get()
        assert ended.ended_on is not None and ended.end_reason == "Not on the list 名单.xlsx"
        assert leaves.status_changes.get().reason == "Not on the list 名单.xlsx"
        assert leaves.timeline.filter(kind="status").exists() and leaves.timeline.filter(kind="categories").exists()
        keeps_other.refresh_from_db()
        assert keeps_other.status == "new"
        assert sorted(m.category for m in keeps_other.categories.all() if m.ended_on is None) == ["disabled"]
        assert sorted(m.category for m in switches.categories.all() if m.ended_on is None) == ["disabled", "tekun"]
        assert stays.categories.get().ended_on is None
        assert untouched.categories.get().ended_on is None
        assert AuditEntry.objects.filter(action="recipient.status").count() == 1

    def test_gone_people_are_left_alone_unless_confirmed(self, officer):
        leaves = make_recipient(NANGUAN, "走", id_number=id_for(date(1952, 1, 1), 5), categories=("dibao",))
        batch = checked(officer, wb.xlsx([wb.person("新", date(1960, 1, 1), 11)]), kind="reconcile")
        assert batch.summary["gone"] == 1
        imports.commit(officer, batch)
        leaves.refresh_from_db()
        assert leaves.status == "new" and leaves.categories.get().ended_on is None


class TestBackground:
    def test_a_large_list_is_checked_and_written_by_tasks(self, officer, settings, django_capture_on_commit_callbacks):
        settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
        rows = wb.many(3100)
        batch = imports.create_batch(officer, wb.upload(wb.xlsx(rows)), HAIZHOU)
        assert not imports.is_small(batch)
        with django_capture_on_commit_callbacks(execute=False) as queued:
            assert imports.schedule_check(batch) is False
        batch.refresh_from_db()
        assert batch.state == "queued" and len(queued) == 1
        queued[0]()  # the worker picks it up
        batch.refresh_from_db()
        assert batch.state == "validated", batch.message
        assert batch.summary["new"] == 3100 and batch.summary["errors"] == 0 and batch.rows_done == batch.rows_total == 3100
        assert len(batch.preview["new"]) == imports.PREVIEW_ROWS
        with django_capture_on_commit_callbacks(execute=True):
            assert imports.schedule_commit(officer, batch) is None
        batch.refresh_from_db()
        assert batch.state == "committed"
        assert Recipient.objects.count() == 3100 and Household.objects.count() == 1550
        assert CategoryMembership.objects.count() == TimelineEntry.objects.count() == StatusChange.objects.count() == 3100

    def test_a_small_list_is_checked_at_once(self, officer):
        batch = imports.create_batch(officer, wb.upload(wb.xlsx(wb.family())), HAIZHOU)
        assert imports.schedule_check(batch) is True
        assert batch.state == "validated"
        assert imports.schedule_commit(officer, batch)["created"] == 3


@pytest.mark.django_db(transaction=True)
def test_a_real_commit_keeps_its_keys(people, regions):
    """Households are written after their members and ids are reserved before rows exist: at a
    real COMMIT the deferred foreign keys hold, and the next file registered by hand gets a new id."""
    officer = people["officer_a"]
    rows = wb.family() + [wb.person("王小花", date(2017, 6, 1), 24, head="王建国", relation="孙女")]
    with translation.override("en"):
        imports.commit(officer, checked(officer, wb.xlsx(rows)))
    household = Household.objects.get()
    assert household.head.name == "王建国" and household.members.count() == 4
    later = make_recipient(NANGUAN, "后来", id_number=id_for(date(1980, 1, 1), 9))
    assert later.pk > max(Recipient.objects.exclude(pk=later.pk).values_list("pk", flat=True))
    assert Household.objects.create(region_id=NANGUAN, head_name="新户").pk > household.pk


def test_a_row_with_an_error_still_counts_as_on_the_list(officer):
    person = make_recipient(NANGUAN, "留", id_number=id_for(date(1950, 1, 1), 1), categories=("dibao",))
    row = wb.person("留", date(1950, 1, 1), 1, categories="低保、不明类别", relation="", head="")
    batch = checked(officer, wb.xlsx([row]), kind="reconcile")
    assert batch.summary["errors"] == 1 and batch.summary["gone"] == 0
    assert batch.preview["scope"] == ["dibao"] and person.pk not in [g["recipient"] for g in batch.preview["gone"]]


def test_utf16_text_from_excel(officer):
    content = wb.csv_bytes(wb.family(), encoding="utf-8").decode().replace(",", "\t").encode("utf-16")
    batch = checked(officer, content, name="名单.txt")
    assert batch.state == "validated", batch.message
    assert batch.summary["new"] == 3 and batch.summary["errors"] == 0, batch.preview["errors"]


def test_the_fast_id_path_agrees_with_idnumber_parse():
    """IdParser's shortcut must accept, refuse and describe exactly as idnumber.parse does."""
    import random

    from shegong.recipients import idnumber

    parser = imports.IdParser()
    numbers = [id_for(date(1930 + i % 90, 1 + i % 12, 1 + i % 28), 1 + i % 999) for i in range(3000)]
    rng = random.Random(11)
    typed = numbers + [n.lower() for n in numbers]
    for n in numbers:
        chars = list(n)
        chars[rng.randrange(18)] = rng.choice("0123456789X")
        typed.append("".join(chars))
    typed += ["210381" + "20991231" + "0012", "210381195002301234", "999999195003041234", "21038119500304123"]

    def outcome(parse, value):
        try:
            return parse(value)
        except idnumber.InvalidIdNumber as exc:
            return str(exc)

    for value in typed:
        assert outcome(parser.parse, value) == outcome(idnumber.parse, value), value


def test_a_list_discarded_while_queued_is_not_checked_afterwards(officer, django_capture_on_commit_callbacks):
    batch = imports.create_batch(officer, wb.upload(wb.xlsx(wb.family())), HAIZHOU)
    with django_capture_on_commit_callbacks(execute=True):
        imports.discard(officer, batch)
    from shegong.recipients.tasks import check_batch

    assert check_batch.call(batch.pk) == {"skipped": True}
    with pytest.raises(ValidationError):
        imports.check(batch)
    batch.refresh_from_db()
    assert batch.state == "discarded"


def test_the_same_name_and_birth_date_in_another_village_is_a_likely_duplicate(officer):
    make_recipient(SANYI, "王五", categories=("dibao",), birth_date=date(1950, 3, 4))
    batch = checked(officer, wb.xlsx([wb.person("王五", date(1950, 3, 4), 1), wb.person("王六", date(1950, 3, 4), 3)]))
    assert batch.summary["duplicates"] == 1
    assert batch.preview["duplicates"][0]["matches"][0]["name"] == "王五"
    assert imports.commit(officer, batch)["duplicates_queued"] == 1
    assert DuplicateCandidate.objects.get().reason == "same_name_birth"
