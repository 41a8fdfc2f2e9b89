"""The dashboard journey of a county official, through the real pages.

海城市 under its own profile has two operating stations: township A's has done little this year
(one case, one activity) and township B's has done nothing. The county official signs in, opens
the dashboard from the menu, sees the lagging places named at the top and in the table of places
below, drills into township A's dashboard, follows the cases figure to the records behind it and
opens the case. Screenshots at desktop and phone width (test-artifacts/screenshots/dashboard-*.png).

Only the setup writes through the ORM; everything else goes through the pages.
"""

import re
from datetime import date

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from .conftest import PASSWORD
from .test_login_roles import enrol_second_factor, sign_in

pytestmark = pytest.mark.browser

COUNTY = "210381"
CASE_NUMBER = "210381-KB-0001"


def shot(page, screenshots_dir, name):
    page.screenshot(path=screenshots_dir / f"dashboard-{name}.png", full_page=True)


@pytest.fixture
def county(live_regions, make_user, operator):
    from shegong.casework.tests.factories import make_activity, make_case, make_visit
    from shegong.monitoring import rollups
    from shegong.policies.services import preset_apply
    from shegong.recipients.tests.factories import make_recipient, village_of
    from shegong.stations.models import Station
    from shegong.workforce.tests.factories import make_worker

    preset_apply(actor=None, preset="haicheng", region=live_regions["county"], valid_from=date(2020, 1, 1))
    a, b = live_regions["township_a"], live_regions["township_b"]
    stations = [
        Station.objects.create(name=f"{t.name}社会工作服务站", region=t, operator=operator, status=Station.Status.OPERATING)
        for t in (a, b)
    ]
    worker = make_user("worker", a, operator=operator, username="a_worker", name="陈静怡")
    make_worker(stations[0], name="陈静怡", user=worker, start=date(2024, 1, 1))
    start = date(timezone.localdate().year, 1, 1)  # this year, already begun: the default period
    person = make_recipient(village_of(a), "孙桂兰", status="in_service")
    make_case(person, worker, number=CASE_NUMBER, opened_on=start)
    make_visit(person, worker, on=start)
    make_activity(village_of(a), worker, title="重阳节敬老活动", held_on=start)
    rollups.rebuild(COUNTY)
    official = make_user("bureau", live_regions["county"], username="hc_official", name="王建国", password=PASSWORD)
    return {"official": official, "a": a, "b": b}


def test_a_county_official_drills_from_the_county_to_a_case(county, new_page, live_server, screenshots_dir):
    base = live_server.url
    a = county["a"]
    page = new_page("desktop")
    errors = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    sign_in(page, base, county["official"].username)
    enrol_second_factor(page)
    expect(page).to_have_url(base + "/")

    # 1. The dashboard from the menu: the county, this year.
    page.locator("header.topbar nav.nav.wide a[href='/monitoring/']").click()
    expect(page).to_have_url(base + f"/monitoring/{COUNTY}/")
    expect(page.get_by_test_id("dashboard-title")).to_have_text("海城市")
    expect(page.get_by_test_id("kpi-cards").locator("article")).not_to_have_count(0)
    # Charts are drawn (ECharts from the project's own static files) next to their tables.
    expect(page.locator("body.charts-on")).to_have_count(1)
    expect(page.locator("[data-chart='completion'] svg")).to_have_count(1)
    expect(page.get_by_test_id("figures-table")).to_be_visible()

    # 2. The lagging places are named at the top and flagged in the table of places.
    summary = page.locator(".lag-summary")
    expect(summary).to_contain_text(a.name)
    row = page.locator(f"[data-testid='children-table'] tr[data-code='{a.code}']")
    expect(row).to_have_class(re.compile(r"is-lagging"))
    expect(row.locator(".lag-flag")).to_be_visible()
    expect(row.locator("td[data-figure='activities'] strong")).to_have_text("1")
    shot(page, screenshots_dir, "county-desktop")

    # 3. Drill into township A: its own dashboard, with its social workers.
    row.locator("th a").click()
    expect(page).to_have_url(re.compile(rf"/monitoring/{a.code}/\?period=\d{{4}}$"))
    expect(page.get_by_test_id("dashboard-title")).to_have_text(a.name)
    expect(page.get_by_test_id("workers-table")).to_contain_text("陈静怡")
    cases = page.locator("article[data-figure='cases']")
    expect(cases.locator(".kpi-value strong")).to_have_text("1")
    shot(page, screenshots_dir, "township-desktop")

    # 4. The records behind the cases figure: exactly township A's case of this year.
    cases.locator("a.drill").click()
    expect(page).to_have_url(re.compile(rf"/casework/cases/\?region={a.code}&date_from=\d{{4}}-01-01&date_to=\d{{4}}-12-31"))
    expect(page.locator("#id_region")).to_have_value(a.code)
    rows = page.locator("table.cases tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text(CASE_NUMBER)
    shot(page, screenshots_dir, "records-desktop")

    # 5. One record opened.
    rows.first.locator("a", has_text=CASE_NUMBER).click()
    expect(page).to_have_url(re.compile(r"/casework/cases/\d+/$"))
    expect(page.locator("main")).to_contain_text(CASE_NUMBER)
    expect(page.locator("main")).to_contain_text("孙桂兰")
    assert not [e for e in errors if "Content Security Policy" in e or "echarts" in e.lower()], errors

    # 6. The same dashboards on a phone (the official's session carried over).
    phone = new_page("phone")
    phone.context.add_cookies(page.context.cookies())
    phone.goto(base + f"/monitoring/{COUNTY}/")
    expect(phone.get_by_test_id("dashboard-title")).to_have_text("海城市")
    expect(phone.locator("[data-chart='completion'] svg")).to_have_count(1)
    assert phone.evaluate("document.documentElement.scrollWidth") <= 375 + 1, "the page scrolls sideways on a phone"
    shot(phone, screenshots_dir, "county-phone")
    phone.goto(base + f"/monitoring/{a.code}/")
    expect(phone.get_by_test_id("workers-table")).to_contain_text("陈静怡")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 375 + 1, "the page scrolls sideways on a phone"
    shot(phone, screenshots_dir, "township-phone")


def test_print_shows_the_tables_without_the_menu(county, new_page, live_server, screenshots_dir):
    base = live_server.url
    page = new_page("desktop")
    sign_in(page, base, county["official"].username)
    enrol_second_factor(page)
    page.goto(base + f"/monitoring/{COUNTY}/")
    expect(page.locator("body.charts-on")).to_have_count(1)
    page.emulate_media(media="print")
    expect(page.locator("header.topbar")).to_be_hidden()
    expect(page.locator(".period-form")).to_be_hidden()
    expect(page.get_by_test_id("figures-table")).to_be_visible()
    expect(page.get_by_test_id("children-table")).to_be_visible()
    expect(page.locator("[data-chart='monthly'] svg")).to_be_visible()
    page.pdf(path=str(screenshots_dir / "dashboard-county.pdf"), format="A4")
    shot(page, screenshots_dir, "county-print")
