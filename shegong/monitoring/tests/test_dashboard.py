"""The dashboards, as their users see them.

海城市 has two operating stations run by the same operator: township A (two social workers, one of
them worker_a's file) and township B (one). Records of 2025 are written by hand — cases, activities,
policy publicity, a valid and an invalid group, visits, a training session — plus a few outside
2025 or outside the county, the rollups are recounted, and the pages are opened for 2025 by the
people of the fixture: the county official, the township officers, the operator's manager, a
social worker.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from lxml import html

from shegong.casework import models as cw
from shegong.casework.tests.factories import make_activity, make_case, make_visit
from shegong.contracts.models import Contract
from shegong.monitoring import rollups
from shegong.recipients.models import Recipient
from shegong.recipients.tests.factories import make_household, make_recipient, village_of
from shegong.regions.models import Region
from shegong.stations.models import Station
from shegong.workforce.tests.factories import make_session, make_station, make_worker

pytestmark = pytest.mark.django_db

YEAR = 2025
COUNTY = "210381"
PERIOD = f"?period={YEAR}"


def dashboard(code, period=PERIOD):
    return f"/monitoring/{code}/{period}"


def page(response):
    assert response.status_code == 200, response.status_code
    return html.fromstring(response.content.decode())


def text(node) -> str:
    return " ".join(node.text_content().split())


def figure_row(doc, key) -> dict:
    """The row of figure ``key`` in the figures table: {actual, target, completion}."""
    row = doc.xpath(f"//table[@data-testid='figures-table']//tr[@data-figure='{key}']")[0]
    return {col: text(row.xpath(f".//td[@data-col='{col}']")[0]) for col in ("actual", "target", "completion")}


def child_cell(doc, code, key) -> str:
    row = doc.xpath(f"//table[@data-testid='children-table']//tr[@data-code='{code}']")[0]
    return text(row.xpath(f".//td[@data-figure='{key}']//strong")[0])


def drill(doc, key) -> str:
    return doc.xpath(f"//article[@data-figure='{key}']//a[contains(@class, 'drill')]/@href")[0]


def group(region, name, members, *, sessions=4):
    """A 2025 group that ended on 30 June with everyone present at every session."""
    g = cw.Group.objects.create(region_id=region, name=name, goal="互助", starts_on=date(YEAR, 3, 1), ends_on=date(YEAR, 6, 30),
                                status=cw.GroupStatus.FINISHED)
    people = [cw.GroupMember.objects.create(group=g, name=f"{name}组员{i}", joined_on=date(YEAR, 3, 1)) for i in range(members)]
    for n in range(sessions):
        session = cw.GroupSession.objects.create(group=g, number=n + 1, held_on=date(YEAR, 4, 1 + 7 * n), topic="活动")
        cw.SessionAttendance.objects.bulk_create([cw.SessionAttendance(session=session, member=m, present=True) for m in people])
    return g


@pytest.fixture
def county(regions, operator, people, other_operator):
    """The hand-built county: what each page must show is spelled out here."""
    from shegong.policies.services import preset_apply

    preset_apply(actor=None, preset="haicheng", region=regions["county"], valid_from=date(2024, 1, 1))
    a = make_station(regions["township_a"], operator, name="甲镇社工站")
    b = make_station(regions["township_b"], operator, name="乙镇社工站")
    Station.objects.filter(pk__in=[a.pk, b.pk]).update(status=Station.Status.OPERATING)
    own = make_worker(a, name="甲社工一", user=people["worker_a"], start=date(2024, 1, 1))
    other = make_worker(a, name="甲社工二", start=date(2024, 1, 1))
    b_worker = make_worker(b, name="乙社工一", start=date(2024, 1, 1))
    village_a, village_b = village_of(regions["township_a"]), village_of(regions["township_b"])
    worker = people["worker_a"]

    person_a = make_recipient(village_a, "甲对象", household=make_household(village_a, head_name="甲户主"), status="in_service")
    person_a2 = make_recipient(village_a, "甲对象二", status="in_service")
    person_b = make_recipient(village_b, "乙对象", status="in_service")
    cases = {
        "a1": make_case(person_a, worker, number="CASE-A-1", opened_on=date(YEAR, 3, 1)),
        "a2": make_case(person_a2, worker, number="CASE-A-2", opened_on=date(YEAR, 7, 1)),
        "b1": make_case(person_b, people["worker_b"], number="CASE-B-1", opened_on=date(YEAR, 5, 1)),
        "old": make_case(person_a, worker, number="CASE-A-OLD", opened_on=date(YEAR - 1, 6, 1)),
    }
    cw.CaseRecord.objects.create(case=cases["old"], occurred_on=date(YEAR, 2, 3), content="跟进")
    activities = {
        "a1": make_activity(village_a, worker, title="甲活动一", held_on=date(YEAR, 4, 1)),
        "a2": make_activity(village_a, worker, title="甲活动二", held_on=date(YEAR, 10, 11)),
        "a_pub": make_activity(village_a, worker, title="甲宣传", kind=cw.ActivityKind.PUBLICITY, held_on=date(YEAR, 6, 1)),
        "b1": make_activity(village_b, None, title="乙活动", held_on=date(YEAR, 5, 5)),
        "a_old": make_activity(village_a, worker, title="甲旧活动", held_on=date(YEAR - 1, 10, 1)),
    }
    groups = {"valid": group(village_a, "甲有效小组", 6), "invalid": group(village_a, "甲人少小组", 5)}
    visits = [make_visit(person_a, worker, on=date(YEAR, m, 2)) for m in (2, 5, 9)]
    make_visit(person_a2, worker, on=date(YEAR - 1, 12, 1))
    make_visit(person_b, people["worker_b"], on=date(YEAR, 3, 3))
    training = make_session(regions["county"], hours="30", on=date(YEAR, 5, 10), attendees=[own], topic="甲镇培训",
                            operator=operator)
    make_session(regions["township_b"], hours="8", on=date(YEAR, 5, 11), attendees=[b_worker], topic="乙镇培训",
                 operator=operator)
    make_session(regions["township_a"], kind="supervision", hours="6", on=date(YEAR, 8, 1), attendees=[own, other],
                 topic="甲镇督导", operator=operator)
    # Everyone registered in 2024: in 2025 they are the "other recipients" a coverage rate counts.
    Recipient.objects.update(created_at=timezone.make_aware(datetime(YEAR - 1, 6, 1, 9)))
    rollups.rebuild(COUNTY, [YEAR - 1, YEAR])
    return {"stations": (a, b), "cases": cases, "activities": activities, "groups": groups, "visits": visits,
            "training": training, "workers": (own, other, b_worker)}


# --- Access -------------------------------------------------------------------------------------


def test_other_county_city_and_unknown_places_are_404(county, people, regions, client_for):
    Region.objects.create(code="210302", name="铁东区", level=3, parent=regions["city"])
    client = client_for(people["county_bureau"])
    assert client.get(dashboard(COUNTY)).status_code == 200
    for code in ("210302", "2103", "21", "219999", "210381999"):
        assert client.get(dashboard(code)).status_code == 404, code
    province = client_for(people["province_bureau"])
    assert province.get(dashboard("219999")).status_code == 404  # within reach, but no such place
    assert province.get(dashboard("210302")).status_code == 200


def test_township_officers_read_their_own_township_only(county, people, regions, client_for):
    a, b = regions["township_a"].code, regions["township_b"].code
    officer = client_for(people["officer_a"])
    assert officer.get(dashboard(a)).status_code == 200
    for code in (b, COUNTY, "2103"):
        assert officer.get(dashboard(code)).status_code == 404
    home = officer.get("/monitoring/")
    assert home.status_code == 302 and home["Location"] == f"/monitoring/{a}/"


def test_a_social_worker_is_sent_to_their_township_and_sees_their_own_row(county, people, regions, client_for):
    client = client_for(people["worker_a"])
    response = client.get("/monitoring/", follow=True)
    assert response.redirect_chain[-1][0] == f"/monitoring/{regions['township_a'].code}/"
    doc = page(response)
    names = [text(th) for th in doc.xpath("//table[@data-testid='workers-table']/tbody/tr/th")]
    assert names == ["甲社工一"]  # not their colleague's file: a social worker reads no worker files


def test_the_operator_manager_lists_its_stations_townships_only(county, people, regions, other_operator, client_for):
    third = Region.objects.filter(code__under=COUNTY, level=4).order_by("code")[2]
    Station.objects.create(name="丙镇社工站", region=third, operator=other_operator, status=Station.Status.OPERATING)
    rollups.rebuild(COUNTY, [YEAR])
    client = client_for(people["operator_manager"])
    doc = page(client.get("/monitoring/" + PERIOD))
    codes = doc.xpath("//table[@data-testid='children-table']/tbody/tr/@data-code")
    assert sorted(codes) == sorted([regions["township_a"].code, regions["township_b"].code])
    assert third.name not in doc.text_content()
    # Its townships' figures, not the county's (which count other operators' stations).
    assert child_cell(doc, regions["township_a"].code, "activities") == "2"
    assert client.get(dashboard(regions["township_a"].code)).status_code == 200
    assert client.get(dashboard(third.code)).status_code == 404
    assert client.get(dashboard(COUNTY)).status_code == 404


def test_the_county_dashboard_drills_down_to_a_township(county, people, regions, client_for):
    client = client_for(people["county_bureau"])
    assert client.get("/monitoring/")["Location"] == f"/monitoring/{COUNTY}/"
    doc = page(client.get(dashboard(COUNTY)))
    link = doc.xpath(f"//table[@data-testid='children-table']//tr[@data-code='{regions['township_a'].code}']//a/@href")[0]
    assert link == dashboard(regions["township_a"].code)
    township = page(client.get(link))
    assert text(township.xpath("//h1")[0]) == regions["township_a"].name
    # The way back up: the county and the places above it that the official reads.
    assert f"/monitoring/{COUNTY}/?period={YEAR}" in township.xpath("//nav[contains(@class, 'dash-crumbs')]//a/@href")


# --- The figures ----------------------------------------------------------------------------------


def test_the_county_figures_are_the_hand_built_ones(county, people, regions, client_for):
    doc = page(client_for(people["county_bureau"]).get(dashboard(COUNTY)))
    # 3 cases opened in 2025 (not the 2024 one) against the county's 15.
    assert figure_row(doc, "cases") == {"actual": "3", "target": "15", "completion": "20%"}
    # 5 community activities a station, two stations: 3 held in 2025 (the 2024 one not counted).
    assert figure_row(doc, "activities") == {"actual": "3", "target": "10", "completion": "30%"}
    assert figure_row(doc, "publicity") == {"actual": "1", "target": "4", "completion": "25%"}
    # Only the 6-member group is valid under the 海城市 profile (at least 6 members).
    assert figure_row(doc, "groups_valid")["actual"] == "1"
    # 30 h of training for township A's worker, 8 h for township B's.
    assert figure_row(doc, "training")["actual"] == "38"
    assert figure_row(doc, "supervision")["actual"] == "12"
    # The children: township A's own numbers.
    a = regions["township_a"].code
    assert child_cell(doc, a, "cases") == "2"
    assert child_cell(doc, a, "activities") == "2"
    assert child_cell(doc, regions["township_b"].code, "activities") == "1"
    # Home visits: of the three people registered before 2025, two were visited in 2025.
    assert figure_row(doc, "visit_others") == {"actual": "66.7%", "target": "20%", "completion": "333.5%"}
    categories = {text(tr.xpath("th")[0]): [text(td) for td in tr.xpath("td")]
                  for tr in doc.xpath("//table[@data-testid='categories-table']/tbody/tr")}
    assert list(categories.values()) == [["3", "2", "66.7%"]]  # all three hold 低保 (dibao)
    # Services by month: the visit of March in township B and the two cases of March and July.
    months = {text(tr.xpath("th")[0]): [text(td) for td in tr.xpath("td")]
              for tr in doc.xpath("//table[@data-testid='monthly-table']/tbody/tr")}
    assert months[f"{YEAR}-03"][:2] == ["1", "1"]  # visits, cases opened
    assert months[f"{YEAR}-07"][1] == "1"
    totals = [text(td) for td in doc.xpath("//table[@data-testid='monthly-table']/tfoot//td")]
    assert totals[:2] == ["4", "3"]  # 4 visits in 2025, 3 cases


def test_the_township_workers_table_counts_each_workers_records(county, people, regions, client_for):
    doc = page(client_for(people["station_lead"]).get(dashboard(regions["township_a"].code)))
    rows = {text(tr.xpath("th")[0]): [text(td) for td in tr.xpath("td")]
            for tr in doc.xpath("//table[@data-testid='workers-table']/tbody/tr")}
    # visits, cases opened, cases worked, training hours, supervision hours
    assert rows["甲社工一"] == ["3", "2", "1", "30", "6"]
    assert rows["甲社工二"] == ["0", "0", "0", "0", "6"]
    assert "乙社工一" not in rows


def test_the_charts_read_the_same_numbers_as_the_tables(county, people, client_for):
    import json

    response = client_for(people["county_bureau"]).get(dashboard(COUNTY))
    doc = page(response)
    data = json.loads(doc.xpath("//script[@id='dashboard-data']")[0].text)
    series = {s["name"]: s["values"] for s in data["monthly"]["series"]}
    assert sum(v for v in series[next(iter(series))] if v) == 4  # visits: the first series
    completion = dict(zip(data["completion"]["names"], data["completion"]["values"], strict=True))
    assert 20.0 in completion.values()  # cases: 3 of 15
    assert data["completion"]["elapsed"] == 100.0  # 2025 is over


def test_every_chart_has_its_table_and_the_page_prints(county, people, client_for, settings):
    doc = page(client_for(people["county_bureau"]).get(dashboard(COUNTY)))
    charts = doc.xpath("//div[@data-chart]/@data-chart")
    assert set(charts) == {"completion", "monthly", "domains", "categories", "staffing", "plans"} - {"domains"}  # no catalogue tags
    for chart in charts:
        section = doc.xpath(f"//div[@data-chart='{chart}']/ancestor::section[1]")[0]
        table = section.xpath(".//table")
        assert table and "visually-hidden" not in (table[0].get("class") or ""), chart
    assert doc.xpath("//button[@data-print]")
    assert doc.xpath("//table[@data-testid='children-table']")
    css = (settings.BASE_DIR / "static" / "shegong" / "shegong.css").read_text()
    print_rules = css[css.index("/* --- Dashboards"):]
    assert "@media print" in print_rules and ".dashboard-page" in print_rules
    # No inline script (CSP): the data is JSON, the code a static file.
    scripts = doc.xpath("//main//script")
    assert all(s.get("src") or s.get("type") == "application/json" for s in scripts)


def test_without_echarts_the_page_shows_its_tables(county, people, client_for, monkeypatch):
    from shegong.monitoring import views_dashboard

    monkeypatch.setattr(views_dashboard, "asset_url", lambda *a: None)
    doc = page(client_for(people["county_bureau"]).get(dashboard(COUNTY)))
    assert not doc.xpath("//script[contains(@src, 'echarts')]")
    assert figure_row(doc, "cases")["actual"] == "3"


def test_echarts_is_served_by_the_project(county, people, client_for):
    from shegong.monitoring.vendor import asset_url

    url = asset_url()
    if url is None:
        pytest.skip("node_modules is not installed (npm ci): the dashboards show tables only")
    assert not url.startswith(("http:", "https:", "//"))
    doc = page(client_for(people["county_bureau"]).get(dashboard(COUNTY)))
    assert doc.xpath(f"//script[@src='{url}']")
    from django.contrib.staticfiles import finders

    assert finders.find(url.removeprefix("/static/"))


# --- Periods ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("bad", ["2025-Q5", "2025-13", "twenty", "2025-H3", "0000"])
def test_a_wrong_period_is_an_error_on_the_page(county, people, client_for, bad):
    response = client_for(people["county_bureau"]).get(dashboard(COUNTY, f"?period={bad}"))
    assert response.status_code == 400
    doc = html.fromstring(response.content.decode())
    error = doc.xpath("//*[@data-testid='period-error']")
    assert error and bad in text(error[0])
    assert not doc.xpath("//article[@data-figure]")
    assert doc.xpath("//select[@name='period']")  # a period to choose instead


def test_periods_narrow_the_figures(county, people, client_for):
    client = client_for(people["county_bureau"])
    assert figure_row(page(client.get(dashboard(COUNTY, f"?period={YEAR}-H1"))), "cases")["actual"] == "2"
    assert figure_row(page(client.get(dashboard(COUNTY, f"?period={YEAR}-Q3"))), "cases")["actual"] == "1"
    assert figure_row(page(client.get(dashboard(COUNTY, f"?period={YEAR}-03"))), "cases")["actual"] == "1"
    doc = page(client.get(dashboard(COUNTY, f"?period={YEAR}-Q3")))
    assert doc.xpath("//select[@name='period']/optgroup/option[@selected]/@value") == [f"{YEAR}-Q3"]


# --- Drill-down: every figure's link lists exactly its records -------------------------------------


def listed(client, url) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    return response.content.decode()


def test_drill_down_links_list_exactly_the_records_counted(county, people, regions, client_for):
    client = client_for(people["county_bureau"])
    township = page(client.get(dashboard(regions["township_a"].code)))
    cases = listed(client, drill(township, "cases"))
    assert "CASE-A-1" in cases and "CASE-A-2" in cases
    assert "CASE-B-1" not in cases and "CASE-A-OLD" not in cases
    activities = listed(client, drill(township, "activities"))
    assert "甲活动一" in activities and "甲活动二" in activities
    assert not {"甲宣传", "乙活动", "甲旧活动"} & set(re.findall(r"甲宣传|乙活动|甲旧活动", activities))
    publicity = listed(client, drill(township, "publicity"))
    assert "甲宣传" in publicity and "甲活动一" not in publicity
    groups = listed(client, drill(township, "groups_valid"))
    assert "甲有效小组" in groups and "甲人少小组" not in groups
    sessions = listed(client, drill(township, "training"))
    assert "甲镇培训" in sessions and "乙镇培训" not in sessions and "甲镇督导" not in sessions
    workers = listed(client, drill(township, "staffing"))
    assert "甲社工一" in workers and "甲社工二" in workers and "乙社工一" not in workers
    stations = listed(client, drill(township, "eight_haves"))
    assert "甲镇社工站" in stations and "乙镇社工站" not in stations
    visits = listed(client, drill(township, "visit_others"))
    assert visits.count("甲对象") >= 3 and "乙对象" not in visits


def test_the_county_drill_down_lists_both_townships(county, people, client_for):
    client = client_for(people["county_bureau"])
    doc = page(client.get(dashboard(COUNTY)))
    cases = listed(client, drill(doc, "cases"))
    assert all(n in cases for n in ("CASE-A-1", "CASE-A-2", "CASE-B-1")) and "CASE-A-OLD" not in cases


def test_a_drill_down_narrows_what_the_user_already_sees(county, people, regions, client_for):
    """An officer of township A following a link to township B's cases sees none of them."""
    client = client_for(people["officer_a"])
    body = listed(client, f"/casework/cases/?region={regions['township_b'].code}")
    assert "CASE-B-1" not in body and "CASE-A-1" not in body


@pytest.mark.parametrize("url", [
    "/casework/cases/?region=999999", "/casework/cases/?region=abc", "/casework/visits/?region=21038",
    "/casework/groups/?region=9", "/casework/groups/?valid=maybe", "/casework/activities/?region=%E4%B8%AD",
    "/workforce/workers/?region=210381999", "/workforce/sessions/?region=x&date_from=nope", "/stations/?region=21038100",
])
def test_a_wrong_region_is_a_form_error_not_a_500(county, people, client_for, url):
    response = client_for(people["county_bureau"]).get(url)
    assert response.status_code == 200
    assert b'class="error"' in response.content


def test_the_api_refuses_a_wrong_region_and_filters_a_right_one(county, people, regions, client_for):
    client = client_for(people["county_bureau"])
    assert client.get("/api/v1/workers/?region=abc").status_code == 400
    names = {w["name"] for w in client.get(f"/api/v1/workers/?region={regions['township_b'].code}").json()["results"]}
    assert names == {"乙社工一"}


# --- The contract scorecard -----------------------------------------------------------------------


@pytest.fixture
def contract(county, regions, operator):
    contract = Contract.objects.create(
        number="HC-2025-看板", purchaser_region=regions["county"], purchaser_name="海城市民政局", operator=operator,
        cycle_start=date(YEAR, 1, 1), period_start=date(YEAR, 1, 1), period_end=date(YEAR, 12, 31),
        signed_on=date(YEAR, 1, 1), amount="100000", status="active",
    )
    contract.stations.add(county["stations"][0])
    contract.kpi_targets.create(key="activities_per_year", value="4")
    return contract


def test_the_contract_scorecard_uses_the_contracts_targets(contract, people, other_operator, make_user, regions, client_for):
    url = f"/monitoring/contracts/{contract.pk}/"
    doc = page(client_for(people["county_bureau"]).get(url))
    assert "HC-2025-看板" in doc.text_content()
    # Township A's station only: 2 activities against the contract's 4.
    assert figure_row(doc, "activities") == {"actual": "2", "target": "4", "completion": "50%"}
    assert page(client_for(people["operator_manager"]).get(url)) is not None
    stranger = make_user("operator_manager", regions["county"], operator=other_operator)
    for who in (people["officer_a"], people["worker_a"], stranger):
        assert client_for(who).get(url).status_code == 404
    assert client_for(people["county_bureau"]).get("/monitoring/contracts/999999/").status_code == 404


# --- Cost ---------------------------------------------------------------------------------------------


def test_the_township_dashboard_costs_the_same_for_few_or_many_workers(county, people, regions, client_for):
    client = client_for(people["station_lead"])
    url = dashboard(regions["township_a"].code)
    client.get(url)

    def cost():
        cache.clear()  # the cost of computing the figures, not of the cached page
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(url)
        assert response.status_code == 200
        return len(ctx.captured_queries), response.content.decode()

    few, _body = cost()
    station = county["stations"][0]
    for i in range(6):
        w = make_worker(station, name=f"新社工{i}", start=date(2024, 1, 1))
        make_session(regions["township_a"], hours="2", on=date(YEAR, 9, 1 + i), attendees=[w], topic=f"新培训{i}")
    rollups.rebuild(COUNTY, [YEAR])
    many, body = cost()
    assert "新社工5" in body
    assert many == few


def test_the_figures_are_cached_until_their_rollups_change(county, people, regions, client_for):
    client = client_for(people["county_bureau"])
    url = dashboard(COUNTY)
    with CaptureQueriesContext(connection) as first:
        before = client.get(url).content.decode()
    with CaptureQueriesContext(connection) as second:
        again = client.get(url).content.decode()
    assert len(second.captured_queries) < len(first.captured_queries)
    import re

    def strip(html):
        return re.sub(r'(nonce|value)="[^"]+"', "", html)

    assert strip(again) == strip(before)
    # A new activity, recounted: the page shows it at once.
    village = regions["township_a"].code + "001"
    import shegong.casework.models as cw

    count = before.count("新的社区活动")
    cw.Activity.objects.create(region_id=village if len(village) == 12 else regions["township_a"].code, kind="activity",
                               title="新的社区活动", held_on=date(YEAR, 5, 5), place="广场", participant_count=9)
    rollups.rebuild(COUNTY, [YEAR])
    after = client.get(url).content.decode()
    assert after != before and count == 0


def test_the_county_dashboard_reads_the_scorecard_once(county, people, client_for):
    client = client_for(people["county_bureau"])
    url = dashboard(COUNTY)
    client.get(url)
    cache.clear()  # the cost of computing the figures, not of the cached page
    with CaptureQueriesContext(connection) as ctx:
        client.get(url)
    tallies = [q for q in ctx.captured_queries if "monitoring_tally" in q["sql"]]
    # The scorecard's tallies, its child places, and the open visit plans of all of them.
    assert len(tallies) == 3, [q["sql"][:120] for q in tallies]
    assert Decimal(len(ctx.captured_queries)) < 30
