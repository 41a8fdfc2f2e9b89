"""Without Pango (WeasyPrint's system library) PDF files cannot be made: the system says so clearly.

Given a server whose Pango is missing (simulated), then the start-up check warns with what to
install, a PDF download answers 503 with that message (page and API) while Excel and Word still
download, an approval still goes through (the PDF is made later, once Pango is there), and
``shegong report … --pdf`` stops with the message.
"""

import ctypes
import ctypes.util

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from shegong.reports import files, services
from shegong.reports.apps import pdf_check

pytestmark = pytest.mark.django_db


@pytest.fixture
def no_pango(monkeypatch):
    def missing():
        raise files.PdfUnavailable(files.PANGO_MISSING)

    monkeypatch.setattr(files, "weasyprint", missing)


def test_the_check_names_what_to_install(monkeypatch):
    assert pdf_check() == []  # this machine has Pango

    def cannot_open(name, *args, **kwargs):
        raise OSError(f"{name}: cannot open shared object file")

    monkeypatch.setattr(ctypes, "CDLL", cannot_open)
    monkeypatch.setattr(ctypes.util, "find_library", lambda name: None)
    (warning,) = pdf_check()
    assert warning.id == "reports.W001" and "libpangoft2-1.0-0" in warning.msg and "Pango" in warning.msg


def test_downloads_and_approval_without_pango(no_pango, monthly, programme, client_for):
    people = programme["people"]
    report = services.submit(actor=people["operator_manager"], report=monthly)
    approved = services.approve(actor=people["county_bureau"], report=report)
    assert approved.status == "approved" and approved.xlsx_file and approved.docx_file and not approved.pdf_file

    client = client_for(people["county_bureau"])
    page = client.get(f"/reports/{report.pk}/report.pdf")
    assert page.status_code == 503 and "libpango-1.0-0" in page.content.decode()
    assert client.get(f"/reports/{report.pk}/report.docx").status_code == 200
    api = client.get(f"/api/v1/reports/{report.pk}/pdf/")
    assert api.status_code == 503 and api["Content-Type"].startswith("application/problem+json")
    assert "Pango" in api.json()["detail"]


def test_the_command_stops_with_the_message(no_pango, programme, tmp_path):
    with pytest.raises(CommandError) as error:
        call_command("report", "monthly", "--county", "210381", "--month", "2025-10", "--out", str(tmp_path), "--pdf")
    assert "Pango" in str(error.value)
