"""The reports of ``shegong demo``: written, returned and approved through the services.

Given the 海城市 programme on 20 November 2025, when the demo's reports are built, then the
operator's August report is back with the bureau's comment, September's approved (with its files),
October's awaiting review, and the county's third-quarter report a draft with its text — and a
second run adds nothing.
"""

from datetime import date

import pytest

from shegong.reports import demo
from shegong.reports.models import Report

pytestmark = pytest.mark.django_db


def test_the_demo_reports(programme):
    county = programme["regions"]["county"]
    demo.build(county=county, today=date(2025, 11, 20))
    states = {r.period_key: r for r in Report.objects.all()}
    assert {k: r.status for k, r in states.items()} == {
        "2025-08": "returned", "2025-09": "approved", "2025-10": "submitted", "2025-Q3": "draft"}
    assert "培训时长" in states["2025-08"].return_comment
    assert states["2025-09"].xlsx_file and states["2025-09"].docx_file
    assert states["2025-10"].submitted_by == programme["people"]["operator_manager"]
    assert states["2025-10"].summary.startswith("10月，项目覆盖的2个社工站")
    assert states["2025-Q3"].created_by == programme["people"]["county_bureau"] and states["2025-Q3"].summary
    demo.build(county=county, today=date(2025, 11, 20))
    assert Report.objects.count() == 4
