"""Attachments of casework records: checked by content and size, photos must decode, thumbnails
carry no camera metadata, served only to those who see the record, audited."""

import io
import uuid
from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.template import Context, Template
from django.test import RequestFactory
from PIL import Image

from shegong.casework import attachments as att
from shegong.casework.models import Attachment, GroupSession
from shegong.casework.tests.factories import make_activity, make_group, make_visit
from shegong.core.models import AuditEntry
from shegong.core.uploads import MAX_UPLOAD_BYTES
from shegong.recipients.models import TimelineEntry
from shegong.recipients.tests import factories as rf

pytestmark = pytest.mark.django_db

CAMERA = "HUAWEI-P60-MARK"


def jpeg_with_gps(size=(1600, 1200)) -> bytes:
    """A real photo carrying a camera make and a GPS position in its EXIF."""
    image = Image.new("RGB", size, (200, 120, 40))
    exif = Image.Exif()
    exif[0x010F] = CAMERA  # Make
    gps = exif.get_ifd(0x8825)
    gps[1], gps[2] = "N", (40.0, 51.0, 12.5)
    gps[3], gps[4] = "E", (122.0, 45.0, 3.25)
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif)
    return out.getvalue()


def png(size=(64, 48), mode="RGBA") -> bytes:
    out = io.BytesIO()
    Image.new(mode, size, (0, 128, 255, 128) if mode == "RGBA" else (0, 128, 255)).save(out, "PNG")
    return out.getvalue()


def upload(content: bytes, name="photo.jpg", content_type="image/jpeg"):
    return SimpleUploadedFile(name, content, content_type=content_type)


class HugeUpload(SimpleUploadedFile):
    """Claims to be bigger than the cap without holding the bytes in memory."""

    @property
    def size(self):
        return MAX_UPLOAD_BYTES + 1

    @size.setter
    def size(self, value):
        pass


@pytest.fixture
def visit(regions, people):
    person = rf.make_recipient(rf.village_of(regions["township_a"]), "王桂兰")
    return make_visit(person, people["worker_a"], on=date(2025, 3, 1))


@pytest.fixture
def visit_b(regions, people):
    person = rf.make_recipient(rf.village_of(regions["township_b"]), "乙某某")
    return make_visit(person, people["worker_b"])


class TestChecks:
    @pytest.mark.parametrize("content", [
        b"\x7fELF\x02\x01\x01" + b"\x00" * 200,  # a Linux executable named photo.jpg
        b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 200,  # a Windows one
    ])
    def test_a_renamed_executable_is_refused(self, visit, people, content):
        with pytest.raises(ValidationError):
            att.attach(visit, upload(content), user=people["worker_a"])
        with pytest.raises(ValidationError):
            att.attach(visit, upload(content, "sheet.pdf", "application/pdf"), user=people["worker_a"], kind="document")
        assert not Attachment.objects.exists()

    def test_an_oversized_file_is_refused(self, visit, people):
        big = HugeUpload("photo.jpg", jpeg_with_gps((32, 32)), content_type="image/jpeg")
        with pytest.raises(ValidationError) as refused:
            att.attach(visit, big, user=people["worker_a"])
        assert "20" in " ".join(refused.value.messages)
        assert not Attachment.objects.exists()

    def test_a_fake_jpeg_is_refused(self, visit, people):
        fake = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(range(256)) * 40
        with pytest.raises(ValidationError):
            att.attach(visit, upload(fake), user=people["worker_a"])
        truncated = jpeg_with_gps((400, 300))[:600]
        with pytest.raises(ValidationError):
            att.attach(visit, upload(truncated), user=people["worker_a"])
        assert not Attachment.objects.exists()

    def test_a_pdf_is_no_photo_but_may_be_a_sign_in_sheet(self, visit, people):
        pdf = b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n"
        with pytest.raises(ValidationError):
            att.attach(visit, upload(pdf, "sheet.pdf", "application/pdf"), user=people["worker_a"], kind="photo")
        sheet = att.attach(visit, upload(pdf, "sheet.pdf", "application/pdf"), user=people["worker_a"], kind="sign_in")
        assert sheet.content_type == "application/pdf" and not sheet.thumbnail
        assert sheet.file.name.endswith(".pdf") and "sheet" not in sheet.file.name  # a generated name

    def test_a_real_photo_gets_a_thumbnail_without_exif(self, visit, people):
        original = jpeg_with_gps()
        assert Image.open(io.BytesIO(original)).getexif()  # the camera did write metadata
        photo = att.attach(visit, upload(original, "IMG_2025.jpg"), user=people["worker_a"], title="住房外观")
        assert photo.region_id == visit.region_id and photo.content_type == "image/jpeg" and photo.size == len(original)
        assert "IMG_2025" not in photo.file.name
        thumb_bytes = photo.thumbnail.open("rb").read()
        thumb = Image.open(io.BytesIO(thumb_bytes))
        assert thumb.format == "JPEG" and max(thumb.size) <= 480
        assert not thumb.getexif() and CAMERA.encode() not in thumb_bytes and b"Exif" not in thumb_bytes
        entry = AuditEntry.objects.get(action="casework.attachment_add")
        assert entry.detail["owner"] == f"visit:{visit.pk}" and entry.region_code == visit.region_id
        assert TimelineEntry.objects.filter(recipient=visit.recipient, kind="attachment").exists()

    def test_a_transparent_png_is_accepted(self, visit, people):
        photo = att.attach(visit, upload(png(), "a.png", "image/png"), user=people["worker_a"])
        assert photo.content_type == "image/png"
        assert Image.open(photo.thumbnail.open("rb")).mode == "RGB"

    def test_several_files_all_or_nothing(self, visit, people):
        good = upload(png(), "a.png", "image/png")
        bad = upload(b"MZ" + b"\x00" * 100, "b.jpg")
        with pytest.raises(ValidationError) as refused:
            att.attach_many(visit, [good, bad], user=people["worker_a"])
        assert "b.jpg" in " ".join(refused.value.messages)
        assert not Attachment.objects.exists()
        added = att.attach_many(visit, [upload(png(), "a.png", "image/png"), upload(jpeg_with_gps((40, 40)))], user=people["worker_a"])
        assert len(added) == 2

    def test_only_who_may_change_the_record_uploads(self, visit, visit_b, people):
        for who in ("officer_a", "supervisor", "county_bureau", "worker_b"):
            with pytest.raises(PermissionDenied):
                att.attach(visit, upload(png(), "a.png", "image/png"), user=people[who])
        with pytest.raises(PermissionDenied):
            att.attach(visit_b, upload(png(), "a.png", "image/png"), user=people["worker_a"])
        assert not Attachment.objects.exists()

    def test_group_sessions_and_activities_take_their_place(self, regions, people):
        village = rf.village_of(regions["township_a"])
        session = GroupSession.objects.create(group=make_group(village, people["worker_a"]), number=1,
                                              held_on=date(2025, 4, 8), topic="相识")
        added = att.attach(session, upload(png(), "a.png", "image/png"), user=people["worker_a"], kind="sign_in")
        assert added.region_id == village
        activity = make_activity(village, people["worker_a"])
        assert att.attach(activity, upload(png(), "a.png", "image/png"), user=people["worker_a"]).region_id == village

    def test_the_same_form_id_stores_the_file_once(self, visit, people):
        form_id = uuid.uuid4()
        first = att.attach(visit, upload(png(), "a.png", "image/png"), user=people["worker_a"], client_uuid=form_id)
        again = att.attach(visit, upload(png(), "a.png", "image/png"), user=people["worker_a"], client_uuid=form_id)
        assert first.pk == again.pk and Attachment.objects.count() == 1


class TestRemove:
    def test_uploader_or_lead_removes(self, visit, people, make_user, regions, operator, django_capture_on_commit_callbacks):
        photo = att.attach(visit, upload(png(), "a.png", "image/png"), user=people["worker_a"])
        colleague = make_user("worker", regions["township_a"], operator=operator)
        with pytest.raises(PermissionDenied):
            att.remove(photo, colleague)
        with pytest.raises(PermissionDenied):
            att.remove(photo, people["worker_b"])
        name = photo.file.name
        storage = photo.file.storage
        assert storage.exists(name)
        with django_capture_on_commit_callbacks(execute=True):
            att.remove(photo, people["station_lead"])
        assert not Attachment.objects.exists()
        assert AuditEntry.objects.filter(action="casework.attachment_remove").exists()
        assert not storage.exists(name)  # the files go once the removal is committed
        mine = att.attach(visit, upload(png(), "a.png", "image/png"), user=people["worker_a"])
        att.remove(mine, people["worker_a"])
        assert not Attachment.objects.exists()


class TestServing:
    def test_file_and_thumbnail_only_to_those_who_see_the_record(self, visit, people, client_for):
        photo = att.attach(visit, upload(jpeg_with_gps()), user=people["worker_a"], title="住房外观")
        for who in ("worker_b", "officer_b", "evaluator"):
            client = client_for(people[who])
            assert client.get(f"/casework/attachments/{photo.pk}/").status_code == 404
            assert client.get(f"/casework/attachments/{photo.pk}/thumbnail/").status_code == 404
            assert client.get(f"/api/v1/casework-attachments/{photo.pk}/file/").status_code == 404
        assert not AuditEntry.objects.filter(action="casework.attachment_view").exists()
        response = client_for(people["officer_a"]).get(f"/casework/attachments/{photo.pk}/")
        assert response.status_code == 200
        assert response["Content-Type"] == "image/jpeg"
        assert response["Content-Disposition"].startswith("inline")
        assert response["X-Content-Type-Options"] == "nosniff"
        assert "no-store" in response["Cache-Control"]
        assert b"".join(response.streaming_content).startswith(b"\xff\xd8\xff")
        assert AuditEntry.objects.filter(action="casework.attachment_view", object_id=str(photo.pk),
                                         actor=people["officer_a"]).count() == 1
        thumb = client_for(people["worker_a"]).get(f"/casework/attachments/{photo.pk}/thumbnail/")
        assert thumb.status_code == 200 and thumb["Content-Type"] == "image/jpeg"
        assert CAMERA.encode() not in b"".join(thumb.streaming_content)

    def test_documents_download_as_attachments(self, visit, people, client_for):
        import zipfile

        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as z:
            z.writestr("word/document.xml", "<w/>")
        doc = att.attach(visit, upload(buffer.getvalue(), "走访记录.docx", "application/octet-stream"),
                         user=people["worker_a"], kind="document", title="走访记录")
        response = client_for(people["worker_a"]).get(f"/casework/attachments/{doc.pk}/")
        assert response["Content-Disposition"].startswith("attachment")
        assert client_for(people["worker_a"]).get(f"/casework/attachments/{doc.pk}/thumbnail/").status_code == 404


class TestUploadView:
    def test_upload_several_files_by_form(self, visit, people, client_for):
        client = client_for(people["worker_a"])
        response = client.post(f"/casework/attachments/visit/{visit.pk}/upload/", {
            "kind": "photo", "title": "", "next": "/casework/catalogue/",
            "file": [upload(png(), "a.png", "image/png"), upload(jpeg_with_gps((300, 200)))],
        })
        assert response.status_code == 302 and response["Location"] == "/casework/catalogue/"
        assert Attachment.objects.count() == 2

    def test_htmx_gets_the_refreshed_block_with_errors(self, visit, people, client_for, english):
        client = client_for(people["worker_a"])
        response = client.post(f"/casework/attachments/visit/{visit.pk}/upload/",
                               {"kind": "photo", "file": [upload(b"MZ" + b"\x00" * 64)]}, HTTP_HX_REQUEST="true")
        assert response.status_code == 200
        text = response.content.decode()
        assert 'id="attachments-visit-' in text and "photo.jpg" in text and 'role="alert"' in text
        ok = client.post(f"/casework/attachments/visit/{visit.pk}/upload/",
                         {"kind": "photo", "file": [upload(png(), "a.png", "image/png")]}, HTTP_HX_REQUEST="true")
        photo = Attachment.objects.get()
        assert f"/casework/attachments/{photo.pk}/thumbnail/" in ok.content.decode()

    def test_out_of_reach_records_are_404(self, visit, visit_b, people, client_for):
        client = client_for(people["worker_a"])
        assert client.post(f"/casework/attachments/visit/{visit_b.pk}/upload/",
                           {"file": [upload(png(), "a.png", "image/png")]}).status_code == 404
        assert client.post(f"/casework/attachments/nonsense/{visit.pk}/upload/",
                           {"file": [upload(png(), "a.png", "image/png")]}).status_code == 404
        assert client.get(f"/casework/attachments/visit/{visit.pk}/upload/").status_code == 405
        assert not Attachment.objects.exists()

    def test_the_block_costs_the_same_queries_for_one_or_many(self, visit, people, django_assert_num_queries):
        user = people["worker_a"]
        att.attach(visit, upload(png(), "a.png", "image/png"), user=user)
        template = Template("{% load casework_records %}{% record_attachments owner %}")
        request = RequestFactory().get("/")
        request.user = user

        def render():
            return template.render(Context({"request": request, "owner": visit}))

        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        render()
        with CaptureQueriesContext(connection) as one:
            render()
        for _ in range(4):
            att.attach(visit, upload(png(), "a.png", "image/png"), user=user)
        with django_assert_num_queries(len(one.captured_queries)):
            html = render()
        assert html.count("/thumbnail/") == 5


class TestApi:
    def test_list_upload_download(self, visit, visit_b, people, client_for):
        client = client_for(people["worker_a"])
        form_id = str(uuid.uuid4())
        created = client.post("/api/v1/casework-attachments/", {
            "owner_kind": "visit", "owner_id": visit.pk, "kind": "photo", "title": "门口",
            "file": upload(png(), "a.png", "image/png"), "client_uuid": form_id,
        })
        assert created.status_code == 201, created.content
        body = created.json()
        assert body["owner_kind"] == "visit" and body["owner_id"] == visit.pk and body["thumbnail"]
        again = client.post("/api/v1/casework-attachments/", {
            "owner_kind": "visit", "owner_id": visit.pk, "file": upload(png(), "a.png", "image/png"), "client_uuid": form_id,
        })
        assert again.status_code == 201 and again.json()["id"] == body["id"]
        assert Attachment.objects.count() == 1
        refused = client.post("/api/v1/casework-attachments/", {
            "owner_kind": "visit", "owner_id": visit.pk, "file": upload(b"\x7fELF" + b"\x00" * 64)})
        assert refused.status_code == 400 and refused["Content-Type"].startswith("application/problem+json")
        assert client.post("/api/v1/casework-attachments/", {
            "owner_kind": "visit", "owner_id": visit_b.pk, "file": upload(png(), "a.png", "image/png")}).status_code == 404
        listed = client.get(f"/api/v1/casework-attachments/?owner_kind=visit&owner_id={visit.pk}").json()["results"]
        assert [a["id"] for a in listed] == [body["id"]]
        download = client.get(f"/api/v1/casework-attachments/{body['id']}/file/")
        assert download.status_code == 200 and download["X-Content-Type-Options"] == "nosniff"
        assert AuditEntry.objects.filter(action="casework.attachment_view").count() == 1
        other = client_for(people["worker_b"])
        assert other.get(f"/api/v1/casework-attachments/{body['id']}/").status_code == 404
        assert other.get("/api/v1/casework-attachments/").json()["results"] == []
