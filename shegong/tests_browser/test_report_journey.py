"""The monthly report's journey through the real pages.

The operator manager (on a desktop) starts last month's report for its contract, writes it and
submits it; the county official returns it with a comment; the manager (now on a phone) reads the
comment, edits the text and submits again; the official approves it and downloads the Excel, Word
and PDF files.

Only the setup writes through the ORM (regions, rules, stations, the contract, users, last month's
community activities); everything else goes through the pages. Screenshots: journey-report-*.png.
"""

import re
from datetime import date, timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from .test_login_roles import enrol_second_factor, sign_in

pytestmark = pytest.mark.browser

COUNTY = "210381"
RETURN_COMMENT = "请补充培训时长不足的原因及整改措施。"


def shot(page, screenshots_dir, name):
    page.screenshot(path=screenshots_dir / f"journey-report-{name}.png", full_page=True)


@pytest.fixture
def setting(live_regions, make_account, operator):
    """Last month inside the operator's contract, 4 community activities in it, the two people."""
    from shegong.casework.tests.factories import make_activity
    from shegong.contracts import services as contracts
    from shegong.monitoring import rollups
    from shegong.policies.services import preset_apply
    from shegong.recipients.tests.factories import village_of
    from shegong.stations.models import Station

    today = timezone.localdate()
    last_month = (today.replace(day=1) - timedelta(days=1)).replace(day=1)
    preset_apply(actor=None, preset="haicheng", region=live_regions["county"], valid_from=date(2020, 1, 1))
    station = Station.objects.create(name="海州街道社会工作服务站", region=live_regions["township_a"], operator=operator,
                                     status=Station.Status.OPERATING)
    end = last_month.replace(year=last_month.year + 1) - timedelta(days=1)
    contract = contracts.contract_create(
        actor=None, number="HCMZ-SGZ-BG-001", purchaser_region=live_regions["county"], purchaser_name="海城市民政局",
        operator=operator, stations=[station], cycle_start=last_month, period_start=last_month, period_end=end,
        signed_on=last_month, amount="300000", status="active",
    )
    for i in range(4):
        make_activity(village_of(live_regions["township_a"]), title=f"敬老活动{i}", held_on=last_month + timedelta(days=9))
    rollups.rebuild(COUNTY, [last_month.year])
    return {
        "last_month": last_month, "contract": contract,
        "manager": make_account("operator_manager"), "official": make_account("bureau"),
    }


def test_monthly_report_journey(setting, new_page, live_server, screenshots_dir):
    from shegong.reports.models import Report

    base = live_server.url
    month = setting["last_month"]
    title = f"海城市社会工作服务站{month.year}年{month.month}月工作月报"

    # ---- 1. The operator manager starts last month's report and submits it. -------------------
    manager = new_page("desktop")
    sign_in(manager, base, setting["manager"].username)
    manager.locator("header.topbar nav.nav.wide a[href='/reports/']").click()
    expect(manager).to_have_url(base + "/reports/")
    manager.locator("main .head a.button.primary[href='/reports/new/']").click()
    expect(manager.locator("#id_period")).to_have_value(f"{month:%Y-%m}")  # last month, by default
    expect(manager.locator("#id_contract option:checked")).to_contain_text("HCMZ-SGZ-BG-001")
    shot(manager, screenshots_dir, "01-new")
    manager.locator("main form button[type=submit]").click()
    expect(manager).to_have_url(re.compile(r"/reports/\d+/edit/$"))
    report = Report.objects.get()
    manager.locator("#id_summary").fill("上月社工站开展敬老活动四场，走访记录均已录入系统。")
    manager.locator("#id_highlights").fill("链接镇卫生院开展义诊。")
    manager.locator("#id_problems").fill("部分对象居住分散。")
    shot(manager, screenshots_dir, "02-text")
    manager.locator("main form button[name=then][value=submit]").click()
    expect(manager).to_have_url(base + f"/reports/{report.pk}/")
    expect(manager.get_by_test_id("report-title")).to_contain_text(title)
    figures = manager.get_by_test_id("report-figures")
    activities = next(f for f in Report.objects.get().snapshot["figures"] if f["key"] == "activities")
    expect(figures.locator("tr").filter(has_text=activities["label"]).locator("td").nth(1)).to_contain_text("4")
    assert Report.objects.get().status == "submitted"
    shot(manager, screenshots_dir, "03-submitted")

    # ---- 2. The county official returns it with a comment. --------------------------------------
    official = new_page("desktop")
    sign_in(official, base, setting["official"].username)
    enrol_second_factor(official)
    official.goto(base + "/reports/")
    official.get_by_test_id("report-list").locator("a").filter(has_text=title).click()
    expect(official).to_have_url(base + f"/reports/{report.pk}/")
    return_form = official.get_by_test_id("return-form")
    return_form.locator("textarea").fill(RETURN_COMMENT)
    shot(official, screenshots_dir, "04-review")
    return_form.locator("button[type=submit]").click()
    expect(official.get_by_test_id("return-comment")).to_contain_text(RETURN_COMMENT)
    assert Report.objects.get().status == "returned"

    # ---- 3. The manager, on a phone, reads the comment, edits and submits again. ----------------
    phone = new_page("phone")
    sign_in(phone, base, setting["manager"].username)
    phone.goto(base + f"/reports/{report.pk}/")
    expect(phone.get_by_test_id("return-comment")).to_contain_text(RETURN_COMMENT)
    expect(phone.get_by_test_id("report-history")).to_contain_text(RETURN_COMMENT)
    shot(phone, screenshots_dir, "05-phone-returned")
    phone.get_by_test_id("report-steps").locator(f"a[href='/reports/{report.pk}/edit/']").click()
    expect(phone.get_by_test_id("return-comment")).to_contain_text(RETURN_COMMENT)
    phone.locator("#id_problems").fill("部分对象居住分散；培训时长不足，原因是县级培训延期，已报名下月集中培训。")
    phone.locator("#id_next_steps").fill("下月完成培训 8 小时。")
    shot(phone, screenshots_dir, "06-phone-edit")
    phone.locator("main form button[name=then][value=submit]").click()
    expect(phone).to_have_url(base + f"/reports/{report.pk}/")
    expect(phone.get_by_test_id("report-narrative")).to_contain_text("县级培训延期")
    assert Report.objects.get().status == "submitted"
    shot(phone, screenshots_dir, "07-phone-resubmitted")

    # ---- 4. The official approves it and downloads the files. -----------------------------------
    official.reload()
    expect(official.get_by_test_id("report-narrative")).to_contain_text("县级培训延期")
    official.get_by_test_id("approve-form").locator("button[type=submit]").click()
    expect(official.get_by_test_id("report-steps")).not_to_contain_text(RETURN_COMMENT)
    approved = Report.objects.get()
    assert approved.status == "approved" and approved.approved_by == setting["official"]
    shot(official, screenshots_dir, "08-approved")
    downloads = official.get_by_test_id("downloads")
    for fmt, magic in (("xlsx", b"PK"), ("docx", b"PK"), ("pdf", b"%PDF")):
        with official.expect_download() as download:
            downloads.locator(f"a[href='/reports/{report.pk}/report.{fmt}']").click()
        path = download.value.path()
        assert download.value.suggested_filename.startswith(title) and download.value.suggested_filename.endswith(f".{fmt}")
        with open(path, "rb") as handle:
            data = handle.read()
        assert data.startswith(magic) and data == getattr(approved, f"{fmt}_file").read(), fmt
    phone.goto(base + f"/reports/{report.pk}/")
    shot(phone, screenshots_dir, "09-phone-approved")
