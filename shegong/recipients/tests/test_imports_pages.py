"""The import pages as a township social worker uses them: upload, watch the check, read the
preview, fix errors with the error workbook, write or discard — all inside the jurisdiction.
"""

from __future__ import annotations

import io
from datetime import date

import pytest
from django.core.files.base import ContentFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation
from openpyxl import load_workbook

from shegong.core.models import AuditEntry
from shegong.recipients import imports
from shegong.recipients.models import ImportBatch, Recipient
from shegong.recipients.tests import workbooks as wb
from shegong.recipients.tests.factories import id_for, make_recipient

pytestmark = pytest.mark.django_db

HAIZHOU, NANGUAN = "210381001", "210381001001"


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.fixture
def officer(people):
    return people["officer_a"]


@pytest.fixture
def client(officer, client_for):
    officer.language = "en"  # the profile's choice wins over any cookie
    officer.save(update_fields=["language"])
    return client_for(officer)


def upload(client, content: bytes, name: str = "名单.xlsx", kind: str = "import", township: str = HAIZHOU):
    return client.post("/recipients/imports/new/", {"file": wb.upload(content, name), "township": township, "kind": kind})


def bad_row():
    row = wb.person("乙", date(1951, 4, 5), 3)
    row["身份证号码"] = row["身份证号码"][:17] + ("0" if row["身份证号码"][17] != "0" else "1")
    return row


class TestUpload:
    def test_the_form_offers_the_users_own_township_preselected(self, client):
        page = client.get("/recipients/imports/new/")
        assert page.status_code == 200
        choices = [code for code, _label in page.context["form"].fields["township"].choices if code]
        assert [str(c) for c in choices] == [HAIZHOU]
        assert page.context["form"].fields["township"].initial == HAIZHOU
        assert "姓名" in page.content.decode() and "/recipients/imports/template.xlsx" in page.content.decode()

    def test_roles_that_cannot_change_recipients_get_no_form(self, people, client_for):
        for who in ("county_bureau", "supervisor", "evaluator", "admin"):
            assert client_for(people[who]).get("/recipients/imports/new/").status_code == 404, who

    def test_another_township_cannot_be_chosen(self, client, regions):
        response = upload(client, wb.xlsx(wb.family("兴源社区")), township=regions["township_b"].code)
        assert response.status_code == 200 and response.context["form"].errors["township"]
        assert not ImportBatch.objects.exists()

    def test_a_wrong_file_is_refused_on_the_form(self, client):
        response = upload(client, wb.png(), "名单.xlsx")
        assert response.status_code == 200
        assert response.context["form"].errors["file"] == ["Only Excel workbooks (.xlsx) and CSV files are accepted."]
        assert not ImportBatch.objects.exists()

    def test_upload_check_preview_and_write(self, client):
        rows = wb.family()
        response = upload(client, wb.xlsx(rows))
        batch = ImportBatch.objects.get()
        assert response.status_code == 302 and response["Location"] == f"/recipients/imports/{batch.pk}/"
        page = client.get(response["Location"]).content.decode()
        assert "王建国" in page and "王小明" in page and "Write" in page
        assert batch.kind == "import" and "Left-behind child" in page
        for row in rows:  # only masked numbers on the page
            assert row["身份证号码"] not in page and row["身份证号码"][:6] + "********" + row["身份证号码"][-4:] in page
        done = client.post(f"/recipients/imports/{batch.pk}/commit/")
        assert done.status_code == 302
        assert Recipient.objects.count() == 3
        page = client.get(done["Location"]).content.decode()
        assert "Written: 3 people registered, 0 updated." in page and "people registered" in page
        assert "Discard this list" not in page and 'action="/recipients/imports/' not in page.split("Written")[1].split("</section>")[0]

    def test_the_template_workbook(self, client):
        response = client.get("/recipients/imports/template.xlsx")
        assert response.status_code == 200 and response["Content-Type"].startswith("application/vnd.openxmlformats")
        sheet = load_workbook(io.BytesIO(response.content))["名单"]
        assert [c.value for c in sheet[1]] == list(imports.TEMPLATE_HEADERS)
        assert sheet["C2"].number_format == "@"


class TestErrors:
    def test_errors_are_listed_and_block_writing(self, client):
        upload(client, wb.xlsx([wb.person("甲", date(1950, 3, 4), 1), bad_row()]))
        batch = ImportBatch.objects.get()
        page = client.get(f"/recipients/imports/{batch.pk}/").content.decode()
        assert "The check digit (last character) is wrong: the number was mistyped." in page
        assert "Fix the rows in the error workbook and upload the file again." in page
        assert f"/recipients/imports/{batch.pk}/errors.xlsx" in page
        assert f'action="/recipients/imports/{batch.pk}/commit/"' in page  # the (empty) form of the gone list
        assert 'type="submit" class="primary">Write' not in page
        refused = client.post(f"/recipients/imports/{batch.pk}/commit/", follow=True)
        assert "Fix the rows in the error workbook" in refused.content.decode()
        assert not Recipient.objects.exists()

    def test_the_error_workbook_download_is_audited_and_only_for_who_may_change(self, client, people, client_for):
        upload(client, wb.xlsx([bad_row()]))
        batch = ImportBatch.objects.get()
        response = client.get(f"/recipients/imports/{batch.pk}/errors.xlsx")
        assert response.status_code == 200
        sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
        rows = list(sheet.values)
        assert rows[0][-1] == "错误说明" and rows[1][1] == "乙"
        assert AuditEntry.objects.filter(action="recipient.import_errors", object_id=str(batch.pk)).count() == 1
        viewer = client_for(people["supervisor"])
        assert viewer.get(f"/recipients/imports/{batch.pk}/").status_code == 200
        assert viewer.get(f"/recipients/imports/{batch.pk}/errors.xlsx").status_code == 404

    def test_a_failed_file_says_why(self, client):
        upload(client, wb.xlsx([], footer=False))
        batch = ImportBatch.objects.get()
        page = client.get(f"/recipients/imports/{batch.pk}/").content.decode()
        assert batch.state == "failed" and "The list has a header row but no people." in page
        assert "Upload a corrected file" in page


class TestReconcilePage:
    def test_gone_people_are_ticked_and_ended(self, client):
        leaves = make_recipient(NANGUAN, "走", id_number=id_for(date(1952, 1, 1), 5), categories=("dibao",))
        stays = make_recipient(NANGUAN, "留", id_number=id_for(date(1953, 1, 1), 7), categories=("dibao",))
        upload(client, wb.xlsx([wb.person("新", date(1960, 1, 1), 11)]), kind="reconcile")
        batch = ImportBatch.objects.get()
        page = client.get(f"/recipients/imports/{batch.pk}/").content.decode()
        assert f'name="gone" value="{leaves.pk}"' in page and f'name="gone" value="{stays.pk}"' in page
        assert 'name="gone_all"' in page
        client.post(f"/recipients/imports/{batch.pk}/commit/", {"gone": [str(leaves.pk)]})
        leaves.refresh_from_db()
        stays.refresh_from_db()
        assert leaves.status == "closed" and stays.status == "new"

    def test_select_all(self, client):
        people = [make_recipient(NANGUAN, n, id_number=id_for(date(1950 + i, 1, 1), 5), categories=("dibao",)) for i, n in enumerate("甲乙")]
        upload(client, wb.xlsx([wb.person("新", date(1960, 1, 1), 11)]), kind="reconcile")
        batch = ImportBatch.objects.get()
        client.post(f"/recipients/imports/{batch.pk}/commit/", {"gone_all": "1"})
        assert {p.status for p in Recipient.objects.filter(pk__in=[p.pk for p in people])} == {"closed"}


class TestProgressAndDiscard:
    def test_progress_polls_while_working_and_reloads_when_done(self, client, officer):
        batch = imports.create_batch(officer, wb.upload(wb.xlsx(wb.family())), HAIZHOU)
        ImportBatch.objects.filter(pk=batch.pk).update(state="validating", rows_total=400, rows_done=100)
        page = client.get(f"/recipients/imports/{batch.pk}/").content.decode()
        assert f'hx-get="/recipients/imports/{batch.pk}/progress/"' in page and 'hx-trigger="every 1s"' in page
        assert "Write" not in page
        partial = client.get(f"/recipients/imports/{batch.pk}/progress/", HTTP_HX_REQUEST="true")
        assert partial.status_code == 200 and 'value="100"' in partial.content.decode() and 'max="400"' in partial.content.decode()
        imports.check(batch)
        done = client.get(f"/recipients/imports/{batch.pk}/progress/", HTTP_HX_REQUEST="true")
        assert done.status_code == 200 and done["HX-Refresh"] == "true"
        plain = client.get(f"/recipients/imports/{batch.pk}/progress/")
        assert plain.status_code == 302 and plain["Location"] == f"/recipients/imports/{batch.pk}/"

    def test_discard(self, client):
        upload(client, wb.xlsx(wb.family()))
        batch = ImportBatch.objects.get()
        response = client.post(f"/recipients/imports/{batch.pk}/discard/")
        assert response.status_code == 302 and response["Location"] == "/recipients/imports/"
        batch.refresh_from_db()
        assert batch.state == "discarded" and not Recipient.objects.exists()
        assert client.get(f"/recipients/imports/{batch.pk}/discard/").status_code == 405


class TestScoping:
    def test_township_b_batches_are_404_and_not_listed(self, client, people, regions):
        other = people["officer_b"]
        batch = imports.create_batch(other, wb.upload(wb.xlsx([bad_row() | {"所属村（社区）": "兴源社区"}]), "b名单.xlsx"), regions["township_b"].code)
        imports.check(batch)
        assert batch.error_file
        for suffix in ("", "progress/", "errors.xlsx"):
            assert client.get(f"/recipients/imports/{batch.pk}/{suffix}").status_code == 404, suffix
        for suffix in ("commit/", "discard/"):
            assert client.post(f"/recipients/imports/{batch.pk}/{suffix}").status_code == 404, suffix
        assert "b名单.xlsx" not in client.get("/recipients/imports/").content.decode()
        batch.refresh_from_db()
        assert batch.state == "validated"

    def test_viewers_see_but_cannot_write(self, client, people, client_for):
        upload(client, wb.xlsx(wb.family()))
        batch = ImportBatch.objects.get()
        county = client_for(people["county_bureau"])
        page = county.get(f"/recipients/imports/{batch.pk}/").content.decode()
        assert "王建国" in page and 'class="primary">Write' not in page
        assert county.post(f"/recipients/imports/{batch.pk}/commit/").status_code == 404
        assert not Recipient.objects.exists()


class TestQueryCounts:
    def _queries(self, client, url):
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(url)
            assert response.status_code == 200
        return len(ctx.captured_queries), response.content.decode()

    def test_the_list_costs_the_same_for_3_or_30_lists(self, client, officer, regions):
        def add(start, n):
            for i in range(start, start + n):
                ImportBatch.objects.create(region=regions["township_a"], original_name=f"名单{i}.xlsx", uploaded_by=officer,
                                           file=ContentFile(b"x", name="x.xlsx"), summary={"errors": i % 2})

        add(0, 3)
        client.get("/recipients/imports/")
        few, _ = self._queries(client, "/recipients/imports/")
        add(3, 27)
        many, page = self._queries(client, "/recipients/imports/")
        assert "名单29.xlsx" in page
        assert few == many <= 15  # session, user, roles, frame: ~11; the page: 2

    def test_the_preview_costs_the_same_for_3_or_30_rows(self, client, officer):
        small = imports.check(imports.create_batch(officer, wb.upload(wb.xlsx(wb.many(3))), HAIZHOU))
        large = imports.check(imports.create_batch(officer, wb.upload(wb.xlsx(wb.many(30, start=100))), HAIZHOU))
        client.get(f"/recipients/imports/{small.pk}/")
        few, _ = self._queries(client, f"/recipients/imports/{small.pk}/")
        many, page = self._queries(client, f"/recipients/imports/{large.pk}/")
        assert page.count("<tr>") > 30
        assert few == many <= 15  # session, user, roles, frame: ~11; the page: 2
