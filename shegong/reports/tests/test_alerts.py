"""The reports part of the to-do list (``shegong.reports.alerts.items_for``).

Given the 海城市 programme (monthly operator reports, quarterly county reports under the province's
rules), on 20 November 2025: the operator manager has October's and September's reports to write,
September's overdue; once October's is submitted it is off the list and on the county official's
list to review; returned, it is back on the manager's list with the comment.
"""

from datetime import date

import pytest

from shegong.monitoring.alerts import Item
from shegong.monitoring.periods import Period
from shegong.reports import services
from shegong.reports.alerts import complete_periods, due_date, items_for

pytestmark = pytest.mark.django_db
TODAY = date(2025, 11, 20)
KEYS = {"kind", "title", "detail", "url", "due", "overdue"}


def test_periods_and_due_dates():
    assert [p.key for p in complete_periods("monthly", TODAY)] == ["2025-10", "2025-09"]
    assert [p.key for p in complete_periods("quarterly", date(2026, 1, 5))] == ["2025-Q4", "2025-Q3"]
    assert due_date("monthly", Period.month(2025, 10)) == date(2025, 11, 30)
    assert due_date("quarterly", Period.quarter(2025, 4)) == date(2026, 3, 31)


def test_reports_to_write_submit_review_and_return(programme, monthly):
    people = programme["people"]
    manager, bureau = people["operator_manager"], people["county_bureau"]

    todo = items_for(manager, TODAY)
    assert all(isinstance(item, Item) and item.kind == "reports" for item in todo)
    by_url = {item.url: item for item in todo}
    october = by_url[f"/reports/{monthly.pk}/"]  # started, not submitted
    assert october.due == date(2025, 11, 30) and not october.overdue
    september = next(i for i in todo if "period=2025-09" in i.url)
    assert september.url == f"/reports/new/?period=2025-09&contract={programme['contract'].pk}"
    assert september.due == date(2025, 10, 31) and september.overdue
    assert todo[0] is september  # the oldest due first

    county = items_for(bureau, TODAY)
    assert {i.url for i in county} == {"/reports/new/?period=2025-Q3&region=210381",
                                          "/reports/new/?period=2025-Q2&region=210381"}  # its own, not yet written
    submitted = services.submit(actor=manager, report=monthly)
    assert f"/reports/{monthly.pk}/" not in {i.url for i in items_for(manager, TODAY)}
    review = [i for i in items_for(bureau, TODAY) if i.url == f"/reports/{monthly.pk}/"]
    assert len(review) == 1 and monthly.title in review[0].title and review[0].due is None
    assert items_for(people["city_bureau"], TODAY) == []  # the county reviews operators' reports

    services.return_report(actor=bureau, report=submitted, comment="请补充培训情况")
    returned = [i for i in items_for(manager, TODAY) if i.url == f"/reports/{monthly.pk}/"]
    assert len(returned) == 1 and "请补充培训情况" in returned[0].detail
    assert f"/reports/{monthly.pk}/" not in {i.url for i in items_for(bureau, TODAY)}


def test_people_who_write_no_reports_have_none_to_write(programme):
    for who in ("worker_a", "officer_a", "admin", "evaluator"):
        assert items_for(programme["people"][who], TODAY) == [], who
