"""Attachments of the recipient file over the API: the same service, scope and audit as the pages.

Given a person in township A and one in township B, when staff use
/api/v1/recipients/{id}/attachments/ and /api/v1/attachments/{id}/file/, then a worker adds and
lists documents checked by content (a renamed program or an oversized file is a 400 problem and
nothing is stored), every download returns the bytes and writes an audit row, the county bureau
reads but cannot add, township A never reaches township B's files (404 like missing ones), and the
list costs the same number of queries however many documents there are.
"""

from datetime import date
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from shegong.core.models import AuditEntry
from shegong.core.uploads import MAX_UPLOAD_BYTES
from shegong.recipients.models import Attachment, TimelineEntry
from shegong.recipients.tests.factories import id_for, make_recipient, village_of

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4 test document\n%%EOF"
REFUSED_TYPE = "Only photos (JPEG, PNG), PDF and Office documents (.docx, .xlsx) are accepted."


@pytest.fixture(autouse=True)
def _english(people):
    """Everyone reads English here, so the reasons asserted do not depend on the Chinese catalogue."""
    from shegong.accounts.models import User

    User.objects.filter(pk__in=[u.pk for u in people.values()]).update(language="en")


@pytest.fixture
def pair(regions):
    """One person in each township."""
    a = make_recipient(village_of(regions["township_a"]), "甲某某", id_number=id_for(date(1950, 3, 4), 5))
    b = make_recipient(village_of(regions["township_b"]), "乙某某", id_number=id_for(date(1950, 3, 4), 7))
    return {"a": a, "b": b}


def upload(client, recipient, name="证明.pdf", content=PDF, title="低保证明"):
    return client.post(f"/api/v1/recipients/{recipient.pk}/attachments/", {"title": title, "file": SimpleUploadedFile(name, content)})


def stored(recipient, title="证明") -> Attachment:
    """An attachment written directly (no service): for arranging tests."""
    return Attachment.objects.create(recipient=recipient, title=title, file=ContentFile(PDF, name="a.pdf"),
                                     content_type="application/pdf", size=len(PDF))


def assert_problem(response, status: int) -> dict:
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["status"] == status and body["title"]
    return body


def assert_nothing_stored(settings):
    assert not Attachment.objects.exists()
    assert not TimelineEntry.objects.filter(kind="attachment").exists()
    assert not AuditEntry.objects.filter(action="recipient.attachment_add").exists()
    folder = Path(settings.MEDIA_ROOT) / "recipients"
    assert not folder.exists() or not [p for p in folder.rglob("*") if p.is_file()]


class TestUploadAndList:
    def test_a_worker_uploads_a_pdf_and_lists_it(self, pair, people, client_for):
        client = client_for(people["worker_a"])
        response = upload(client, pair["a"])
        assert response.status_code == 201, response.content
        body = response.json()
        attachment = Attachment.objects.get()
        assert body["id"] == attachment.pk and body["recipient"] == pair["a"].pk
        assert (body["title"], body["content_type"], body["size"]) == ("低保证明", "application/pdf", len(PDF))
        assert body["uploaded_by"] == people["worker_a"].pk and body["uploaded_by_name"] == people["worker_a"].name
        assert body["file"] == f"http://testserver/api/v1/attachments/{attachment.pk}/file/"
        assert "证明" not in attachment.file.name and attachment.file.name.endswith(".pdf")  # a generated name
        assert TimelineEntry.objects.filter(recipient=pair["a"], kind="attachment").exists()
        assert AuditEntry.objects.get(action="recipient.attachment_add").actor == people["worker_a"]

        listed = client.get(f"/api/v1/recipients/{pair['a'].pk}/attachments/")
        assert listed.status_code == 200
        assert listed.json()["results"] == [body]
        assert client.get(f"/api/v1/attachments/{attachment.pk}/").json() == body

    def test_the_list_is_newest_first(self, pair, people, client_for):
        client = client_for(people["worker_a"])
        for title in ("第一份", "第二份"):
            assert upload(client, pair["a"], title=title).status_code == 201
        listed = client.get(f"/api/v1/recipients/{pair['a'].pk}/attachments/").json()["results"]
        assert [row["title"] for row in listed] == ["第二份", "第一份"]

    def test_a_renamed_program_is_refused_and_nothing_is_stored(self, pair, people, client_for, settings):
        response = upload(client_for(people["worker_a"]), pair["a"], "证明.pdf", b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 64)
        assert assert_problem(response, 400)["errors"] == {"file": [REFUSED_TYPE]}
        assert_nothing_stored(settings)

    def test_a_file_over_the_cap_is_refused_and_nothing_is_stored(self, pair, people, client_for, settings):
        response = upload(client_for(people["worker_a"]), pair["a"], "big.pdf", b"%PDF-" + b"0" * MAX_UPLOAD_BYTES)
        assert assert_problem(response, 400)["errors"] == {"file": ["The file is larger than 20 MB."]}
        assert_nothing_stored(settings)

    def test_a_missing_title_or_file_names_the_field(self, pair, people, client_for, settings):
        client = client_for(people["worker_a"])
        assert set(assert_problem(upload(client, pair["a"], title=" "), 400)["errors"]) == {"title"}
        no_file = client.post(f"/api/v1/recipients/{pair['a'].pk}/attachments/", {"title": "低保证明"})
        assert set(assert_problem(no_file, 400)["errors"]) == {"file"}
        as_json = client.post(f"/api/v1/recipients/{pair['a'].pk}/attachments/", {"title": "低保证明"}, content_type="application/json")
        assert_problem(as_json, 415)
        assert_nothing_stored(settings)

    def test_a_merged_file_takes_no_new_attachment(self, pair, people, regions, client_for, settings):
        from shegong.recipients.models import Recipient

        twin = make_recipient(village_of(regions["township_a"]), "甲某某")
        Recipient.objects.filter(pk=twin.pk).update(merged_into=pair["a"])
        body = assert_problem(upload(client_for(people["worker_a"]), twin), 400)
        assert body["errors"] == {"detail": [f"This file was merged into file no. {pair['a'].pk}: change that file instead."]}
        assert_nothing_stored(settings)


class TestDownload:
    def test_download_returns_the_bytes_and_writes_an_audit_row(self, pair, people, client_for):
        attachment = stored(pair["a"], title="低保证明")
        response = client_for(people["worker_a"]).get(f"/api/v1/attachments/{attachment.pk}/file/")
        assert response.status_code == 200
        assert b"".join(response.streaming_content) == PDF
        assert response["Content-Type"] == "application/pdf"
        assert response["Content-Disposition"].startswith("attachment;") and ".pdf" in response["Content-Disposition"]
        assert response["X-Content-Type-Options"] == "nosniff"
        entry = AuditEntry.objects.get(action="recipient.attachment_view")
        assert entry.detail == {"attachment": attachment.pk} and entry.actor == people["worker_a"]
        assert entry.object_id == str(pair["a"].pk) and entry.region_code == pair["a"].region_id

    def test_a_download_with_a_token_is_audited_under_its_user(self, pair, people):
        from knox.models import AuthToken
        from rest_framework.test import APIClient

        attachment = stored(pair["a"])
        _, key = AuthToken.objects.create(user=people["officer_a"])
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
        response = client.get(f"/api/v1/attachments/{attachment.pk}/file/")
        assert response.status_code == 200 and b"".join(response.streaming_content) == PDF
        assert AuditEntry.objects.get(action="recipient.attachment_view").actor == people["officer_a"]


class TestWhoMay:
    def test_the_county_bureau_lists_and_downloads_but_cannot_upload(self, pair, people, client_for, settings):
        attachment = stored(pair["a"])
        client = client_for(people["county_bureau"])
        listed = client.get(f"/api/v1/recipients/{pair['a'].pk}/attachments/")
        assert [row["id"] for row in listed.json()["results"]] == [attachment.pk]
        assert client.get(f"/api/v1/attachments/{attachment.pk}/file/").status_code == 200
        assert_problem(upload(client, pair["a"], title="新证明"), 403)
        assert list(Attachment.objects.all()) == [attachment]
        assert not AuditEntry.objects.filter(action="recipient.attachment_add").exists()

    def test_township_a_cannot_reach_township_b(self, pair, people, client_for, settings):
        theirs = stored(pair["b"])
        client = client_for(people["officer_a"])
        missing = client.get("/api/v1/attachments/999999/file/")
        for url in (f"/api/v1/recipients/{pair['b'].pk}/attachments/", f"/api/v1/attachments/{theirs.pk}/",
                    f"/api/v1/attachments/{theirs.pk}/file/"):
            outside = client.get(url)
            assert_problem(outside, 404)
            assert outside.json() | {"instance": ""} == missing.json() | {"instance": ""}
        assert_problem(upload(client, pair["b"]), 404)
        assert list(Attachment.objects.all()) == [theirs]
        assert not AuditEntry.objects.filter(action__in=["recipient.attachment_view", "recipient.attachment_add"]).exists()
        # Township B's officer reaches them.
        assert client_for(people["officer_b"]).get(f"/api/v1/attachments/{theirs.pk}/file/").status_code == 200


def _count(client, url) -> tuple[int, list]:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, response.content
    return len(ctx.captured_queries), response.json()["results"]


def test_the_list_costs_the_same_for_few_or_many_attachments(pair, people, client_for):
    client = client_for(people["worker_a"])
    url = f"/api/v1/recipients/{pair['a'].pk}/attachments/"

    def add(count):
        for i in range(count):
            Attachment.objects.create(recipient=pair["a"], title=f"附件{i}", file=ContentFile(PDF, name="a.pdf"),
                                      content_type="application/pdf", size=len(PDF), uploaded_by=people[("worker_a", "officer_a")[i % 2]])

    add(3)
    client.get(url)  # warm per-process caches
    few, rows = _count(client, url)
    assert len(rows) == 3
    add(27)
    many, rows = _count(client, url)
    assert len(rows) == 30 and {row["uploaded_by_name"] for row in rows} == {people["worker_a"].name, people["officer_a"].name}
    assert many == few, f"{few} queries for 3 attachments, {many} for 30"
