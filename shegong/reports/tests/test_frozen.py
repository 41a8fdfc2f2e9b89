"""An approved report is frozen: its figures and its files stay as approved whatever the records do.

Given the operator's October report approved with 3 community activities, when 5 more activities
of October are recorded and the rollups recounted, then the approved report still says 3 — in its
snapshot, on its page, in each of its files (stored on approval, byte for byte, and the same bytes
made again from the snapshot) — while a correction started afterwards says 8.
"""

import io

import pytest

from shegong.reports import files, services
from shegong.reports.models import Report
from shegong.reports.tests.test_pages import _done_cell

pytestmark = pytest.mark.django_db


def _activities(snapshot) -> str:
    return next(f for f in snapshot["figures"] if f["key"] == "activities")["actual"]


def _kpi_row(data: bytes, label: str) -> list:
    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(data))["指标完成情况"]
    return next([c.value for c in row] for row in sheet.iter_rows() if row[0].value and str(row[0].value).startswith(label))


def test_changing_records_after_approval_changes_nothing_approved(monthly, programme, add_activities, client_for):
    people = programme["people"]
    manager, bureau = people["operator_manager"], people["county_bureau"]
    add_activities(3)
    approved = services.approve(actor=bureau, report=services.submit(actor=manager, report=monthly))
    label = next(f for f in approved.snapshot["figures"] if f["key"] == "activities")["label"]
    assert _activities(approved.snapshot) == "3"
    snapshot = approved.snapshot
    stored = {fmt: getattr(approved, f"{fmt}_file").read() for fmt in files.FORMATS}
    assert _kpi_row(stored["xlsx"], label)[1] == 3

    add_activities(5)  # eight in October now

    frozen = Report.objects.get(pk=approved.pk)
    assert frozen.snapshot == snapshot and _activities(frozen.snapshot) == "3"
    client = client_for(bureau)
    for fmt in files.FORMATS:
        served = client.get(f"/reports/{frozen.pk}/report.{fmt}")
        assert served.status_code == 200
        assert served.content == stored[fmt], fmt
        assert files.build(frozen, fmt) == stored[fmt], f"{fmt} made again from the snapshot differs"
    assert _kpi_row(client.get(f"/reports/{frozen.pk}/report.xlsx").content, label)[1] == 3
    page = client.get(f"/reports/{frozen.pk}/").content.decode()
    assert _done_cell(page, label).split()[0] == "3"

    v2 = services.correct(actor=manager, report=frozen, reason="十月补录五次活动")
    assert _activities(v2.snapshot) == "8"
    assert _kpi_row(files.build(v2, "xlsx"), label)[1] == 8
    assert Report.objects.get(pk=approved.pk).snapshot == snapshot


def test_a_draft_shows_the_figures_it_was_started_with_until_taken_again(monthly, programme, add_activities):
    manager = programme["people"]["operator_manager"]
    assert _activities(monthly.snapshot) == "0"
    add_activities(2)
    assert _activities(Report.objects.get(pk=monthly.pk).snapshot) == "0"
    refreshed = services.refresh_figures(actor=manager, report=monthly)
    assert _activities(refreshed.snapshot) == "2"
