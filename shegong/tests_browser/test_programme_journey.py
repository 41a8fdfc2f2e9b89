"""One programme journey through the real pages, on a desktop.

A county official registers an operator, signs a purchase contract for three township stations
(its KPI targets copied from the 海城市 profile, a staff-on-post deadline in working days), then
the operator's manager posts two social workers and logs a training session, and the station file
shows what is still missing: eight-haves evidence, and the uncertified worker's certificate
deadline coming up.

Only the setup writes through the ORM (regions, policy presets, stations, users); everything
else goes through the pages.
"""

import re
from datetime import date, timedelta

import pytest
from django.utils import timezone, translation
from playwright.sync_api import expect
from stdnum.cn import uscc

from .conftest import PASSWORD
from .test_login_roles import assert_home, enrol_second_factor, sign_in

pytestmark = pytest.mark.browser

COUNTY = "210381"
OPERATOR_NAME = "海城市同心社会工作服务中心"
CREDIT_BASE = "52210381MJ0X1Y2W3"  # "Z" (as in …2Z3) is not in the USCC alphabet
CONTRACT_NUMBER = "HCMZ-2026-SGZ-001"
CERTIFIED = "孙丽华"
UNCERTIFIED = "周明轩"


def zh(text) -> str:
    """``text`` (a message id or a lazy translation) as the pages show it, in Chinese."""
    with translation.override("zh-hans"):
        return translation.gettext(text) if isinstance(text, str) else str(text)


def add_months(day: date, months: int) -> date:
    from shegong.workforce.compliance import add_months as shift

    return shift(day, months)


def add_years(day: date, years: int) -> date:
    from shegong.workforce.compliance import add_years as shift

    return shift(day, years)


def shot(page, screenshots_dir, name):
    page.screenshot(path=screenshots_dir / f"journey-{name}.png", full_page=True)


def sign_out(page):
    page.locator("header.topbar .who form button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/accounts/login/"))


def fill_fields(page, values: dict):
    """Fill text and date inputs by their Django ids (id_<name>)."""
    for name, value in values.items():
        page.locator(f"#id_{name}").fill(str(value))


@pytest.fixture
def programme(live_regions, make_user):
    """Regions, the 山西 preset for the province and the 海城市 one for the county, three
    operating stations without an operator, and the county official."""
    from shegong.policies.services import preset_apply
    from shegong.regions.models import Region
    from shegong.stations.models import Station

    preset_apply(actor=None, preset="shanxi", region=live_regions["province"], valid_from=date(2020, 1, 1))
    preset_apply(actor=None, preset="haicheng", region=live_regions["county"], valid_from=date(2020, 1, 1))
    townships = list(Region.objects.filter(code__under=COUNTY, level=4).order_by("code")[:3])
    assert len(townships) == 3
    stations = [
        Station.objects.create(
            name=f"{t.name}社会工作服务站", kind=Station.Kind.STATION, region=t, status=Station.Status.OPERATING
        )
        for t in townships
    ]
    official = make_user("bureau", live_regions["county"], username="hc_bureau", name="王建国", password=PASSWORD)
    return {"regions": live_regions, "stations": stations, "official": official}


def test_county_programme_journey(programme, make_user, new_page, live_server, screenshots_dir):
    from shegong.contracts.staffing import add_working_days
    from shegong.policies.parameters import PARAMETERS
    from shegong.stations.models import Operator

    base = live_server.url
    stations = programme["stations"]
    station = stations[0]
    today = timezone.localdate()
    credit_code = CREDIT_BASE + uscc.calc_check_digit(CREDIT_BASE)
    assert uscc.is_valid(credit_code)

    # ---- 1. The county official signs in (enrolling TOTP) and registers the operator. ----------
    page = new_page("desktop")
    sign_in(page, base, programme["official"].username)
    enrol_second_factor(page)
    assert_home(page, base, "王建国")

    page.locator("header.topbar nav.nav.wide a[href='/stations/operators/']").click()
    expect(page).to_have_url(base + "/stations/operators/")
    expect(page.locator("main h1")).to_have_text("承接主体")
    page.locator("main a.button.primary[href='/stations/operators/new/']").click()
    expect(page).to_have_url(base + "/stations/operators/new/")
    fill_fields(
        page,
        {
            "name": OPERATOR_NAME,
            "credit_code": credit_code,
            "legal_representative": "刘淑芬",
            "registration_authority": "海城市民政局",
            "registered_on": "2019-05-16",
            "address": "辽宁省海城市海州管理区永安路 88 号",
            "phone": "0412-3212345",
        },
    )
    page.locator("#id_region").select_option(COUNTY)
    shot(page, screenshots_dir, "01-operator-form")
    page.locator("main form button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/stations/operators/\d+/$"))
    expect(page.locator("main h1")).to_have_text(OPERATOR_NAME)
    expect(page.locator("main dl.facts code")).to_have_text(credit_code)
    expect(page.locator("ul.messages .msg.success")).to_be_visible()
    shot(page, screenshots_dir, "02-operator-page")

    # ---- 2. The official signs the contract for the three stations. -----------------------------
    period_end = add_years(today, 1) - timedelta(days=1)
    page.goto(base + "/contracts/new/")
    expect(page.locator("main h1")).to_be_visible()
    fill_fields(
        page,
        {
            "number": CONTRACT_NUMBER,
            "purchaser_name": "海城市民政局",
            "cycle_start": today.isoformat(),
            "period_start": today.isoformat(),
            "period_end": period_end.isoformat(),
            "signed_on": today.isoformat(),
            "amount": "900000",
            "first_due_on": (today + timedelta(days=30)).isoformat(),
            "first_amount": "450000",
            "second_due_on": add_months(today, 6).isoformat(),
            "second_amount": "450000",
        },
    )
    page.locator("#id_purchaser_region").select_option(COUNTY)
    page.locator("#id_operator").select_option(label=OPERATOR_NAME)
    page.locator("#id_status").select_option("active")
    for s in stations:
        page.get_by_label(s.name, exact=True).check()
    shot(page, screenshots_dir, "03-contract-form")
    page.locator("main form button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/contracts/\d+/$"))
    expect(page.locator("main h1")).to_contain_text(CONTRACT_NUMBER)

    targets = page.get_by_test_id("targets")
    training_row = targets.locator("tbody tr").filter(has_text=zh(PARAMETERS["training_hours_per_year"].label))
    expect(training_row).to_have_count(1)
    expect(training_row.locator("td").nth(1)).to_have_text(re.compile(r"^\s*40(\.0+)?\s"))
    expect(training_row.locator("td").nth(2)).to_contain_text("海城市")
    supervision_row = targets.locator("tbody tr").filter(has_text=zh(PARAMETERS["supervision_hours_per_year"].label))
    expect(supervision_row.locator("td").nth(1)).to_contain_text("24")

    deadline = add_working_days(today, 15)
    staffing = page.get_by_test_id("staffing")
    expect(staffing).to_contain_text("15")
    expect(staffing).to_contain_text(deadline.isoformat())
    for s in stations:
        expect(staffing.locator("tbody tr").filter(has_text=s.name)).to_have_count(1)
    expect(page.get_by_test_id("money").locator("tbody tr").filter(has_text="450000")).to_have_count(2)
    shot(page, screenshots_dir, "04-contract-page")

    # The stations now belong to the operator: its page lists all three.
    page.goto(base + "/stations/operators/")
    page.locator("main table a").filter(has_text=OPERATOR_NAME).click()
    for s in stations:
        expect(page.locator("main").get_by_role("link", name=s.name)).to_be_visible()
    sign_out(page)

    # ---- 3. The operator's manager posts two workers and logs a training session. ---------------
    operator = Operator.objects.get(credit_code=credit_code)  # setup: the manager's account
    manager = make_user(
        "operator_manager",
        programme["regions"]["county"],
        operator=operator,
        username="hc_manager",
        name="张海燕",
        password=PASSWORD,
    )
    sign_in(page, base, manager.username)
    assert_home(page, base, "张海燕")

    workers = [
        {
            "name": CERTIFIED,
            "sex": "female",
            "birth_date": "1994-03-12",
            "education": "bachelor",
            "major": "社会工作",
            "social_work_major": True,
            "certificate_level": "assistant",
            "certificate_number": "ZS2021210300123",
            "certificate_date": "2021-06-20",
            "took_post_on": add_months(today, -20),
        },
        {
            "name": UNCERTIFIED,
            "sex": "male",
            "birth_date": "1998-07-20",
            "education": "college",
            "major": "行政管理",
            "social_work_major": False,
            "certificate_level": "none",
            "certificate_number": "",
            "certificate_date": "",
            "took_post_on": add_months(today, -32),  # 2 years 8 months ago: 4 months to the deadline
        },
    ]
    for w in workers:
        page.goto(base + "/workforce/workers/new/")
        page.locator("#id_station").select_option(label=station.name)
        fill_fields(
            page,
            {
                "name": w["name"],
                "birth_date": w["birth_date"],
                "phone": "13904121234",
                "major": w["major"],
                "certificate_number": w["certificate_number"],
                "certificate_date": w["certificate_date"],
                "took_post_on": w["took_post_on"].isoformat(),
                "contract_start": w["took_post_on"].isoformat(),
                "monthly_salary": "4200",
            },
        )
        page.locator("#id_sex").select_option(w["sex"])
        page.locator("#id_education").select_option(w["education"])
        page.locator("#id_certificate_level").select_option(w["certificate_level"])
        page.locator("#id_is_social_work_major").set_checked(w["social_work_major"])
        page.locator("#id_has_labour_contract").check()
        page.locator("#id_has_social_insurance").check()
        if w["name"] == UNCERTIFIED:
            shot(page, screenshots_dir, "05-worker-form")
        page.locator("main form button[type=submit]").click()
        expect(page).to_have_url(re.compile(r"/workforce/workers/\d+/$"))
        expect(page.locator("main h1")).to_contain_text(w["name"])

    page.goto(base + "/workforce/sessions/new/")
    page.locator("#id_kind").select_option("training")
    fill_fields(
        page,
        {
            "date": today.isoformat(),
            "hours": "8",
            "provider": "鞍山市社会工作协会",
            "topic": "个案工作实务与伦理",
        },
    )
    page.locator("#id_region").select_option(COUNTY)
    page.locator("#id_operator").select_option(label=OPERATOR_NAME)
    page.get_by_label(CERTIFIED, exact=True).check()
    page.get_by_label(UNCERTIFIED, exact=True).check()
    page.locator("main form button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/workforce/sessions/\d+/$"))
    expect(page.locator("main h1")).to_have_text("个案工作实务与伦理")
    attendees = page.locator("main table tbody tr")
    expect(attendees).to_have_count(2)
    expect(attendees.filter(has_text=CERTIFIED)).to_contain_text("8")
    expect(attendees.filter(has_text=UNCERTIFIED)).to_contain_text("8")
    shot(page, screenshots_dir, "06-session")

    # ---- 4. The station file: eight-haves evidence still missing, the certificate deadline near.
    page.locator("header.topbar nav.nav.wide a[href='/stations/']").click()
    page.locator("main table a").filter(has_text=station.name).click()
    expect(page).to_have_url(base + f"/stations/{station.pk}/")
    expect(page.locator("main h1")).to_contain_text(station.name)

    haves = page.get_by_test_id("eight-haves")
    expect(haves.locator("li.missing")).to_have_count(8)
    expect(haves.locator("h2 small")).to_have_text("0/8")

    staff = page.get_by_test_id("station-staff")
    expect(staff.locator("tr[data-worker]")).to_have_count(2)
    due_row = staff.locator(f'tr[data-worker="{UNCERTIFIED}"]')
    certificate_due = add_years(add_months(today, -32), 3)
    expect(due_row.locator(".pill")).to_have_class(re.compile(r"\bbad\b"))
    expect(due_row.locator(".pill")).to_have_text(zh("Due soon"))
    expect(due_row).to_contain_text(certificate_due.isoformat())
    ok_row = staff.locator(f'tr[data-worker="{CERTIFIED}"]')
    expect(ok_row.locator(".pill")).not_to_have_class(re.compile(r"\bbad\b"))
    shot(page, screenshots_dir, "07-station-file")

    details = haves.locator("details.grant")
    details.locator("summary").click()
    form = details.locator("form")
    form.locator("#id_item").select_option("rules")
    form.locator("#id_kind").select_option("note")
    form.locator("#id_note").fill("《海城市乡镇社工站工作制度》已上墙：值班、服务、档案、安全四项制度。")
    form.locator("button[type=submit]").click()
    expect(page).to_have_url(base + f"/stations/{station.pk}/")
    expect(page.locator("ul.messages .msg.success")).to_be_visible()
    haves = page.get_by_test_id("eight-haves")
    expect(haves.locator("li.missing")).to_have_count(7)
    expect(haves.locator("li.met")).to_have_count(1)
    expect(haves.locator("li.met")).to_have_attribute("data-item", "rules")
    expect(haves.locator("h2 small")).to_have_text("1/8")
    shot(page, screenshots_dir, "08-station-file-evidence")
