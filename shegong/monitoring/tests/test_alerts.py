"""The to-do list (monitoring/alerts.py, views_todo.py) on hand-built data with known counts.

Township A and B of 海城市, plus a second county (铁东区) built here, hold visit plans, cases,
workers without a certificate, households, resources and contracts. Each kind of to-do is read as
the people who should see it — and as those who should not — on 15 June 2026.
"""

import sys
import types
from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation

from shegong.accounts.models import RoleAssignment
from shegong.casework import models as cw
from shegong.casework.tests.factories import make_case
from shegong.contracts.models import Contract
from shegong.monitoring import alerts
from shegong.policies.models import PolicyProfile, PolicyVersion
from shegong.recipients.tests.factories import (
    make_assessment,
    make_household,
    make_recipient,
    make_resource,
    village_of,
)
from shegong.regions.models import Region
from shegong.stations.models import EightHaves, Evidence, Station
from shegong.workforce.tests.factories import make_station, make_worker

pytestmark = pytest.mark.django_db

TODAY = date(2026, 6, 15)


@pytest.fixture(autouse=True)
def english(people):
    """The tests match the to-dos by their English words: the people read the pages in English (their
    profile's choice) and the list built outside a request is in English too; the Chinese pages are
    checked by core/tests/test_language.py."""
    from shegong.accounts.models import User

    User.objects.filter(pk__in=[u.pk for u in people.values()]).update(language="en")
    with translation.override("en"):
        yield


def of_kind(items, kind):
    return [i for i in items if i.kind == kind]


def by_title(items, kind):
    return {i.title: i for i in of_kind(items, kind)}


@pytest.fixture
def other_county(regions, make_user):
    """铁东区 of 鞍山市: a county next door, with a township, a village and its own people."""
    county = Region.objects.create(code="210302", name="铁东区", level=3, parent=regions["city"])
    township = Region.objects.create(code="210302001", name="解放街道", level=4, parent=county)
    Region.objects.create(code="210302001001", name="解放社区", level=5, parent=township)
    return {
        "county": county, "township": township,
        "bureau": make_user("bureau", county, username="td_bureau"),
        "lead": make_user("station_lead", township, username="td_lead"),
    }


def plan(region, due, assigned_to=None, *, status=cw.PlanStatus.OPEN, name="走访对象"):
    person = make_recipient(region, name)
    return cw.PlannedVisit.objects.create(region_id=region, recipient=person, reason=cw.PlanReason.NEW, due_on=due,
                                          assigned_to=assigned_to, status=status)


# --- Home visits ---------------------------------------------------------------------------------


@pytest.fixture
def visits(people, regions, other_county):
    a, b = village_of(regions["township_a"]), village_of(regions["township_b"])
    worker = people["worker_a"]
    for day in (date(2026, 6, 1), date(2026, 6, 10), date(2026, 6, 14)):
        plan(a, day, worker)  # mine, overdue: 3
    plan(a, TODAY, worker)  # mine, this week: 2
    plan(a, date(2026, 6, 21), worker)
    plan(a, date(2026, 6, 22), worker)  # mine, after the week
    plan(a, date(2026, 5, 1), worker, status=cw.PlanStatus.DONE)  # done
    plan(a, date(2026, 6, 2), people["station_lead"])  # the lead's own, overdue
    plan(a, date(2026, 6, 3))  # unassigned in A, overdue: 2
    plan(a, date(2026, 6, 12))
    plan(a, date(2026, 6, 18))  # unassigned in A, this week: 1
    plan(a, date(2026, 7, 1))  # unassigned in A, later
    for _ in range(4):
        plan(b, date(2026, 6, 1))  # unassigned in township B, overdue
    plan("210302001001", date(2026, 6, 1))  # unassigned in the other county, overdue
    plan("210302001001", date(2026, 6, 1), worker)  # given to worker_a, but outside worker_a's reach


def test_a_worker_sees_own_overdue_and_this_weeks_visits(visits, people):
    items = by_title(alerts.todo_for(people["worker_a"], TODAY), "visits")
    assert set(items) == {"Overdue home visits", "Home visits due this week"}
    late, soon = items["Overdue home visits"], items["Home visits due this week"]
    assert (late.count, late.overdue, late.due) == (3, True, date(2026, 6, 1))
    assert (soon.count, soon.overdue, soon.due) == (2, False, TODAY)
    assert late.url == "/casework/visits/due/"


def test_a_station_lead_also_sees_the_unassigned_visits_of_the_township(visits, people):
    items = by_title(alerts.todo_for(people["station_lead"], TODAY), "visits")
    assert items["Overdue home visits"].count == 1  # the lead's own
    late, soon = items["Unassigned visits overdue"], items["Unassigned visits due this week"]
    assert (late.count, late.due, soon.count, soon.due) == (2, date(2026, 6, 3), 1, date(2026, 6, 18))
    assert late.url == "/casework/visits/plans/?when=overdue&worker=none"


def test_another_townships_or_countys_visits_never_appear(visits, people, other_county):
    assert not of_kind(alerts.todo_for(people["worker_b"], TODAY), "visits")
    assert not of_kind(alerts.todo_for(people["county_bureau"], TODAY), "visits")  # not a visitor
    lead = by_title(alerts.todo_for(other_county["lead"], TODAY), "visits")
    assert set(lead) == {"Unassigned visits overdue"} and lead["Unassigned visits overdue"].count == 1


# --- Cases ---------------------------------------------------------------------------------------


@pytest.fixture
def cases(people, regions, make_user):
    a, b = village_of(regions["township_a"]), village_of(regions["township_b"])
    supervisor, other = people["supervisor"], make_user("supervisor", regions["county"], username="sup2")
    worker = people["worker_a"]

    def case(region, **fields):
        return make_case(make_recipient(region, "个案对象"), worker, **fields)

    for region, subject in ((a, cw.ApprovalSubject.PLAN), (b, cw.ApprovalSubject.PLAN), (a, cw.ApprovalSubject.CLOSURE)):
        cw.Approval.objects.create(case=case(region, supervisor=supervisor), subject=subject)
    cw.Approval.objects.create(case=case(a, supervisor=other), subject=cw.ApprovalSubject.PLAN)  # another's
    cw.Approval.objects.create(case=case(a, supervisor=supervisor), subject=cw.ApprovalSubject.PLAN,
                               status=cw.ApprovalStatus.APPROVED)  # decided

    def with_plans(stage, *reviews, worker_=worker):
        c = make_case(make_recipient(a, "计划对象"), worker_, stage=stage)
        for number, review_on in enumerate(reviews, start=1):
            cw.CasePlan.objects.create(case=c, number=number, goals="目标", actions="上门", timetable="每周",
                                       review_on=review_on)
        return c

    overdue = with_plans(cw.CaseStage.INTERVENTION, date(2026, 6, 1))
    with_plans(cw.CaseStage.INTERVENTION, date(2026, 1, 1), date(2026, 5, 20))  # the latest plan counts
    with_plans(cw.CaseStage.INTERVENTION, date(2026, 1, 1), date(2026, 7, 1))  # latest plan not due yet
    with_plans(cw.CaseStage.REVIEW, date(2026, 6, 1))  # the review has started
    with_plans(cw.CaseStage.INTERVENTION, TODAY)  # due today, not passed
    with_plans(cw.CaseStage.INTERVENTION, date(2026, 6, 1), worker_=people["station_lead"])  # someone else's
    return overdue


def test_a_supervisor_sees_the_plans_and_closures_awaiting_a_decision(cases, people):
    items = by_title(alerts.todo_for(people["supervisor"], TODAY), "cases")
    assert items["Service plans awaiting your approval"].count == 2
    assert items["Case closures awaiting your approval"].count == 1
    assert items["Service plans awaiting your approval"].url == "/casework/approvals/"
    lead = by_title(alerts.todo_for(people["station_lead"], TODAY), "cases")
    assert set(lead) == {"Case reviews overdue"}  # supervises nothing


def test_a_worker_sees_the_cases_whose_plan_review_has_passed(cases, people):
    items = by_title(alerts.todo_for(people["worker_a"], TODAY), "cases")
    assert set(items) == {"Case reviews overdue"}
    review = items["Case reviews overdue"]
    assert (review.count, review.due, review.overdue) == (2, date(2026, 5, 20), True)
    assert review.url.startswith("/casework/cases/?") and f"worker={people['worker_a'].pk}" in review.url


def test_a_single_overdue_review_links_to_its_case(cases, people):
    cw.Case.objects.filter(worker=people["worker_a"], plans__review_on=date(2026, 5, 20)).update(stage=cw.CaseStage.REVIEW)
    review = by_title(alerts.todo_for(people["worker_a"], TODAY), "cases")["Case reviews overdue"]
    assert review.count == 1 and review.url == f"/casework/cases/{cases.pk}/"


# --- Certificates --------------------------------------------------------------------------------


def _profile(region, values, name="规则"):
    profile = PolicyProfile.objects.create(name=name, region=region)
    PolicyVersion.objects.create(profile=profile, number=1, valid_from=date(2020, 1, 1), values=values)
    return profile


@pytest.fixture
def certificates(people, regions, operator, other_operator, other_county):
    _profile(regions["county"], {"certificate_deadline_years": 3, "certificate_warning_months": 6})
    _profile(regions["township_b"], {"certificate_deadline_years": 5}, name="乙街道规则")  # narrower: 5 years in B
    _profile(other_county["county"], {"certificate_deadline_years": 3, "certificate_warning_months": 6})
    a = make_station(regions["township_a"], operator, name="甲社工站")
    b = make_station(regions["township_b"], operator, name="乙社工站")
    other = make_station(regions["township_a"], other_operator, name="甲另一站")
    td = make_station(other_county["township"], other_operator, name="解放社工站")
    make_worker(a, name="已逾期", took_post_on=date(2023, 1, 1))  # deadline 2026-01-01: overdue
    make_worker(a, name="将到期", took_post_on=date(2023, 10, 1))  # 2026-10-01: within six months
    make_worker(a, name="未到期", took_post_on=date(2024, 6, 1))  # 2027-06-01
    make_worker(a, name="已持证", took_post_on=date(2020, 1, 1), certificate_level="assistant",
                certificate_date=date(2021, 1, 1))
    make_worker(b, name="乙五年", took_post_on=date(2023, 1, 1))  # B's five years: 2028
    make_worker(b, name="乙将到期", took_post_on=date(2021, 10, 1))  # 2026-10-01 under B's rule
    make_worker(a, name="已离岗", took_post_on=date(2020, 1, 1), start=date(2020, 1, 1), end=date(2025, 12, 31))
    make_worker(other, name="他机构", took_post_on=date(2022, 1, 1))  # another operator's, overdue
    make_worker(td, name="邻县", took_post_on=date(2022, 1, 1))  # the other county's, overdue


@pytest.mark.parametrize(("who", "late", "soon"), [
    ("county_bureau", 2, 2),  # 已逾期 + 他机构; 将到期 + 乙将到期
    ("operator_manager", 1, 2),  # its own organisation's workers only
    ("station_lead", 1, 1),  # its station's (township A, its operator)
])
def test_certificate_deadlines_under_the_profile_of_each_workers_station(certificates, people, who, late, soon):
    items = by_title(alerts.todo_for(people[who], TODAY), "certificates")
    passed, coming = items["Certificate deadlines passed"], items["Certificate deadlines coming"]
    assert (passed.count, passed.overdue, coming.count, coming.overdue) == (late, True, soon, False)
    assert coming.due == date(2026, 10, 1)
    assert passed.url == "/workforce/workers/?certificate_level=none"


def test_certificate_deadlines_are_not_for_other_roles_or_counties(certificates, people, other_county):
    for who in ("officer_a", "supervisor", "worker_a", "admin"):
        assert not of_kind(alerts.todo_for(people[who], TODAY), "certificates"), who
    items = by_title(alerts.todo_for(other_county["bureau"], TODAY), "certificates")
    assert set(items) == {"Certificate deadlines passed"} and items["Certificate deadlines passed"].count == 1


# --- KPI figures ---------------------------------------------------------------------------------


@pytest.fixture
def kpi_places(regions, operator):
    """Station A meets the eight-haves, station B has no evidence: B and the county (50 %) lag."""
    a = make_station(regions["township_a"], operator, name="甲社工站")
    b = make_station(regions["township_b"], operator, name="乙社工站")
    Station.objects.filter(pk__in=[a.pk, b.pk]).update(status=Station.Status.OPERATING)
    for item in EightHaves.values:
        Evidence.objects.create(station=a, item=item, kind="note", note="有")
    return a, b


def test_kpi_items_name_each_lagging_place_under_the_users_roots(kpi_places, people, regions):
    items = of_kind(alerts.todo_for(people["county_bureau"], TODAY), "kpi")
    assert [i.title for i in items] == ["海城市", regions["township_b"].name]
    for item in items:
        assert "Stations meeting the eight-haves" in item.detail
        assert item.url == f"/monitoring/{'210381' if item.title == '海城市' else regions['township_b'].code}/"
        assert (item.count, item.overdue, item.due) == (1, False, None)


def test_kpi_items_of_a_province_stop_at_its_cities(kpi_places, people):
    titles = [i.title for i in of_kind(alerts.todo_for(people["province_bureau"], TODAY), "kpi")]
    assert titles == ["辽宁省", "鞍山市"]


def test_kpi_items_are_scoped_to_the_users_places(kpi_places, people, regions):
    assert not of_kind(alerts.todo_for(people["officer_a"], TODAY), "kpi")  # A meets the standard
    assert not of_kind(alerts.todo_for(people["station_lead"], TODAY), "kpi")
    assert [i.title for i in of_kind(alerts.todo_for(people["officer_b"], TODAY), "kpi")] == [regions["township_b"].name]
    # The operator manager reads its stations' townships, never the county as a whole.
    assert [i.title for i in of_kind(alerts.todo_for(people["operator_manager"], TODAY), "kpi")] == [regions["township_b"].name]
    for who in ("worker_a", "supervisor", "evaluator"):
        assert not of_kind(alerts.todo_for(people[who], TODAY), "kpi"), who


# --- Needs assessments and resources -------------------------------------------------------------


@pytest.fixture
def yearly(regions):
    a, b = village_of(regions["township_a"]), village_of(regions["township_b"])

    def household(region, *assessed, active=True):
        h = make_household(region, head_name="户主")
        make_recipient(region, "成员", household=h, status="in_service" if active else "closed")
        for day in assessed:
            make_assessment(h, on=day)
        return h

    household(a, date(2025, 6, 1))  # due 2026-06-01: overdue
    household(a, date(2025, 7, 1))  # due 2026-07-01: within 30 days
    household(a, date(2025, 8, 1))  # due 2026-08-01: later
    household(a, date(2025, 1, 1), date(2026, 3, 1))  # reassessed: due 2027
    household(a, date(2025, 5, 1), active=False)  # nobody served any more
    household(a)  # never assessed: the needs page's business
    household(b, date(2025, 5, 1))  # township B: overdue
    make_resource(a, "甲资源一", checked_on=date(2025, 1, 1))  # due since 2026-01-01
    make_resource(a, "甲资源二", checked_on=date(2025, 6, 14))  # due since yesterday
    make_resource(a, "甲资源三", checked_on=date(2025, 6, 15))  # a year ago today: not yet
    make_resource(b, "乙资源", checked_on=date(2024, 1, 1))


def test_assessments_and_resources_due_for_the_people_who_keep_them(yearly, people):
    for who in ("officer_a", "station_lead", "worker_a"):
        items = alerts.todo_for(people[who], TODAY)
        assessments = by_title(items, "assessments")
        assert assessments["Needs assessments overdue"].count == 1, who
        assert assessments["Needs assessments overdue"].due == date(2026, 6, 1)
        assert assessments["Needs assessments due within 30 days"].count == 1
        assert assessments["Needs assessments due within 30 days"].due == date(2026, 7, 1)
        (resources,) = of_kind(items, "resources")
        assert (resources.count, resources.due, resources.overdue) == (2, date(2026, 1, 1), True)
        assert resources.url == "/recipients/resources/?due=on"
    b = alerts.todo_for(people["officer_b"], TODAY)
    assert [i.count for i in of_kind(b, "assessments")] == [1] and [i.count for i in of_kind(b, "resources")] == [1]


def test_assessments_and_resources_are_not_for_those_who_only_read_them(yearly, people):
    for who in ("county_bureau", "operator_manager", "supervisor", "evaluator"):
        items = alerts.todo_for(people[who], TODAY)
        assert not of_kind(items, "assessments") and not of_kind(items, "resources"), who


# --- Contracts -----------------------------------------------------------------------------------


@pytest.fixture
def contracts(regions, operator, other_operator):
    def contract(number, end, *, status="active", renewal="pending", op=operator):
        return Contract.objects.create(
            number=number, purchaser_region=regions["county"], purchaser_name="海城市民政局", operator=op,
            cycle_start=date(2025, 8, 1), period_start=end - timedelta(days=364), period_end=end,
            signed_on=date(2025, 7, 1), amount="100000", status=status, renewal=renewal,
        )

    contract("HC-即将到期", date(2026, 7, 31))
    contract("HC-尚早", date(2026, 9, 30))
    contract("HC-已决定", date(2026, 7, 31), renewal="renew")
    contract("HC-草稿", date(2026, 7, 31), status="draft")
    contract("HC-他机构", date(2026, 6, 30), op=other_operator)
    contract("HC-已到期", date(2026, 5, 31))


def test_contracts_nearing_renewal_one_item_each(contracts, people):
    items = of_kind(alerts.todo_for(people["county_bureau"], TODAY), "contracts")
    assert [(i.title.split()[1].rstrip(":"), i.overdue, i.due) for i in items] == [
        ("HC-已到期", True, date(2026, 5, 31)), ("HC-他机构", False, date(2026, 6, 30)),
        ("HC-即将到期", False, date(2026, 7, 31)),
    ]
    assert all(i.count == 1 and i.url.startswith("/contracts/") for i in items)


def test_an_operator_manager_sees_only_its_own_contracts(contracts, people):
    titles = [i.title for i in of_kind(alerts.todo_for(people["operator_manager"], TODAY), "contracts")]
    assert len(titles) == 2 and not any("HC-他机构" in t for t in titles)
    for who in ("officer_a", "admin", "station_lead"):
        assert not of_kind(alerts.todo_for(people[who], TODAY), "contracts"), who


# --- Reports, order, counts, cost ----------------------------------------------------------------


def test_the_reports_apps_items_join_the_list(people, monkeypatch):
    module = types.ModuleType("shegong.reports.alerts")
    module.items_for = lambda user, today: [
        alerts.Item("reports", "十月月报待提交", url="/reports/1/", due=date(2026, 6, 10), overdue=True),
        alerts.Item("reports", "nothing", count=0),  # a kind with nothing to do is left out
    ]
    monkeypatch.setitem(sys.modules, "shegong.reports.alerts", module)
    items = of_kind(alerts.todo_for(people["operator_manager"], TODAY), "reports")
    assert [(i.title, i.count, i.overdue) for i in items] == [("十月月报待提交", 1, True)]


def test_overdue_first_then_by_due_date_and_empty_kinds_left_out(visits, yearly, cases, people):
    items = alerts.todo_for(people["worker_a"], TODAY)
    assert [i.kind for i in items if not i.overdue] and all(i.overdue for i in items[: sum(i.overdue for i in items)])
    overdue = [i for i in items if i.overdue]
    assert [i.due for i in overdue] == sorted(i.due for i in overdue)
    assert [i.title for i in overdue] == ["Resources due for their yearly check", "Case reviews overdue",
                                          "Overdue home visits", "Needs assessments overdue"]
    assert {i.kind for i in items} == {"visits", "cases", "assessments", "resources"}
    summary = {s.kind: (s.count, s.overdue) for s in alerts.summary(items)}
    assert summary == {"visits": (5, 3), "cases": (2, 2), "assessments": (2, 1), "resources": (2, 2)}


def test_nobody_without_a_role_has_anything_to_do(make_user, regions, people):
    from shegong.accounts.models import User

    assert alerts.todo_for(User.objects.create(username="nobody"), TODAY) == []
    assert alerts.todo_for(people["evaluator"], TODAY) == []


def _cost(user):
    """Queries of the list from this module's own sources (the reports app's items are its own
    module's business and are pinned through the pages in core/tests/test_page_queries.py)."""
    user = type(user).objects.get(pk=user.pk)  # a fresh object: no cached assignments
    with CaptureQueriesContext(connection) as ctx:
        items = alerts.todo_for(user, TODAY)
    return len(ctx.captured_queries), items


@pytest.mark.parametrize("who", ["county_bureau", "station_lead", "operator_manager", "supervisor", "worker_a"])
def test_the_list_costs_the_same_for_few_or_many_rows(who, people, regions, operator, visits, cases, certificates, yearly,
                                                       contracts, kpi_places, monkeypatch):
    few, before = _cost(people[who])
    a = village_of(regions["township_a"])
    station = Station.objects.get(name="甲社工站", region=regions["township_a"], operator=operator, kind="station",
                                  status=Station.Status.OPERATING)
    for i in range(5):
        plan(a, date(2026, 6, 1), people["worker_a"])
        plan(a, date(2026, 6, 2))
        make_worker(station, name=f"新社工{i}", took_post_on=date(2022, 1, 1))
        make_resource(a, f"新资源{i}", checked_on=date(2024, 1, 1))
        household = make_household(a, head_name=f"新户{i}")
        make_recipient(a, "成员", household=household, status="in_service")
        make_assessment(household, on=date(2025, 5, 1))
        Contract.objects.create(
            number=f"HC-新{i}", purchaser_region=regions["county"], purchaser_name="海城市民政局", operator=operator,
            cycle_start=date(2025, 8, 1), period_start=date(2025, 7, 1), period_end=date(2026, 7, 1),
            signed_on=date(2025, 7, 1), amount="1", status="active")
        make_case(make_recipient(a, "新个案"), people["worker_a"], stage=cw.CaseStage.INTERVENTION).plans.create(
            number=1, goals="目标", actions="上门", timetable="每周", review_on=date(2026, 6, 1))
        cw.Approval.objects.create(case=make_case(make_recipient(a, "新审批"), people["worker_a"],
                                                  supervisor=people["supervisor"]), subject=cw.ApprovalSubject.PLAN)
    many, after = _cost(people[who])
    assert sum(i.count for i in after) > sum(i.count for i in before), who
    assert many == few, f"{who}: {few} queries before, {many} after"


# --- The pages -----------------------------------------------------------------------------------


@pytest.fixture
def due_now(people, regions):
    """Visits of worker_a overdue and due this week, as of the real today (the pages use it)."""
    today = timezone.localdate()
    a, b = village_of(regions["township_a"]), village_of(regions["township_b"])
    plan(a, today - timedelta(days=3), people["worker_a"])
    plan(a, today - timedelta(days=1), people["worker_a"])
    plan(a, today + timedelta(days=2), people["worker_a"])
    plan(b, today - timedelta(days=2), people["worker_b"])


def test_the_page_groups_the_list_by_kind(due_now, people, client_for):
    page = client_for(people["worker_a"]).get("/monitoring/todo/")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'data-testid="todo-visits"' in html and 'data-testid="todo-total">3<' in html
    assert 'data-testid="todo-overdue">2<' in html
    assert 'href="/casework/visits/due/"' in html
    assert html.index("Overdue home visits") < html.index("Home visits due this week")


def test_the_page_of_someone_with_nothing_to_do(people, client_for):
    page = client_for(people["evaluator"]).get("/monitoring/todo/")
    assert page.status_code == 200 and b'data-testid="todo-empty"' in page.content


def test_the_home_page_loads_the_summary_which_counts_each_kind(due_now, people, client_for):
    client = client_for(people["worker_a"])
    home = client.get("/").content.decode()
    assert 'hx-get="/monitoring/todo/summary/"' in home and 'href="/monitoring/todo/"' in home
    summary = client.get("/monitoring/todo/summary/").content.decode()
    assert '#todo-visits"><strong class="bad-figure">3</strong>' in summary
    other = client_for(people["worker_b"]).get("/monitoring/todo/summary/").content.decode()
    assert '#todo-visits"><strong class="bad-figure">1</strong>' in other


def test_the_list_is_in_the_menu_for_everyone_signed_in(people, client_for):
    page = client_for(people["evaluator"]).get("/")
    assert b'href="/monitoring/todo/"' in page.content
    from django.test import Client

    assert Client().get("/monitoring/todo/").status_code == 302


def test_a_second_role_adds_its_items(visits, certificates, people, regions):
    RoleAssignment.objects.create(user=people["worker_a"], role="station_lead", region=regions["township_a"],
                                  operator=people["station_lead"].role_assignments.get().operator)
    user = type(people["worker_a"]).objects.get(pk=people["worker_a"].pk)
    kinds = {i.title for i in alerts.todo_for(user, TODAY)}
    assert {"Overdue home visits", "Unassigned visits overdue", "Certificate deadlines passed"} <= kinds
