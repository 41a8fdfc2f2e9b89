"""Signing in through the real pages, for every role, on a desktop and on a phone.

Bureau officials and administrators pass a real TOTP second factor: the enrolment page on first
sign-in, the verify page afterwards. Also covered: the lockout after five wrong passwords and
signing out.
"""

import base64
import re
import time

import pytest
from django.urls import reverse
from django_otp.oath import totp
from playwright.sync_api import expect

from .conftest import ACCOUNTS, PASSWORD

pytestmark = pytest.mark.browser

SECOND_FACTOR_ROLES = {"bureau", "admin"}
# What each account's breadcrumb (its widest region, top first) must show.
CRUMBS = {
    "county": ["辽宁省", "鞍山市", "海城市"],
    "township_a": ["辽宁省", "鞍山市", "海城市"],
    "province": ["辽宁省"],
}


def expected_nav_urls(role):
    from shegong.core.context_processors import NAVIGATION

    return [reverse(name) for name, _label, allowed in NAVIGATION if allowed is None or role in allowed]


def code_for(secret_b32: str, *, step=30, t0=0, drift=0) -> str:
    return f"{totp(base64.b32decode(secret_b32), step=step, t0=t0, drift=drift):06d}"


def sign_in(page, base_url, username, password=PASSWORD):
    """Open the home page, get sent to the login form, fill it in and submit it. Returns the response."""
    page.goto(base_url + "/")
    expect(page).to_have_url(re.compile(r"/accounts/login/\?next=/$"))
    page.locator("#id_username").fill(username)
    page.locator("#id_password").fill(password)
    with page.expect_navigation() as navigation:
        page.locator("main form button[type=submit]").first.click()
    return navigation.value


def enrol_second_factor(page):
    expect(page).to_have_url(re.compile(r"/accounts/otp/enrol/"))
    secret = page.get_by_test_id("otp-secret").inner_text().replace(" ", "").strip()
    assert re.fullmatch(r"[A-Z2-7]+=*", secret), secret
    page.locator("#id_token").fill(code_for(secret))
    page.locator("main form button[type=submit]").first.click()


def assert_home(page, base_url, name):
    expect(page).to_have_url(base_url + "/")
    expect(page.get_by_test_id("home-title")).to_be_visible()
    expect(page.get_by_test_id("home-title")).to_contain_text(name)
    expect(page.locator("html")).to_have_attribute("lang", "zh-CN")


@pytest.mark.parametrize("viewport", ["desktop", "phone"])
@pytest.mark.parametrize("key", list(ACCOUNTS))
def test_sign_in_lands_home(key, viewport, new_page, make_account, live_server, screenshots_dir):
    role, where, _operator, name = ACCOUNTS[key]
    user = make_account(key)
    page = new_page(viewport)

    sign_in(page, live_server.url, user.username)
    if role in SECOND_FACTOR_ROLES:
        enrol_second_factor(page)
    assert_home(page, live_server.url, name)

    crumbs = page.locator("nav.crumbs")
    expect(crumbs).to_be_visible()
    for region_name in CRUMBS[where]:
        expect(crumbs).to_contain_text(region_name)

    wide_nav = page.locator("header.topbar nav.nav.wide")
    menu = page.locator("header.topbar details.menu")
    nav_urls = expected_nav_urls(role)
    if viewport == "desktop":
        expect(wide_nav).to_be_visible()
        expect(menu).to_be_hidden()
        expect(page.locator("header.topbar .who-name")).to_have_text(name)
        assert [a.get_attribute("href") for a in wide_nav.locator("a").all()] == nav_urls
        page.screenshot(path=screenshots_dir / f"{key}-desktop.png", full_page=True)
    else:
        expect(wide_nav).to_be_hidden()
        expect(menu).to_be_visible()
        expect(menu.locator("summary")).to_contain_text("菜单")
        links = menu.locator("nav a")
        expect(links.first).to_be_hidden()
        page.screenshot(path=screenshots_dir / f"{key}-phone.png", full_page=True)
        menu.locator("summary").tap()
        expect(menu).to_have_attribute("open", "")
        expect(links).to_have_count(len(nav_urls))
        for link in links.all():
            expect(link).to_be_visible()
        assert [a.get_attribute("href") for a in links.all()] == nav_urls
        page.screenshot(path=screenshots_dir / f"{key}-phone-menu.png")
        # Nothing may push the page sideways on a 375-pixel screen.
        widths = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
        assert widths[0] <= widths[1], f"page is {widths[0]}px wide on a {widths[1]}px screen"


def test_second_sign_in_asks_for_code(new_page, make_account, live_server, screenshots_dir):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    user = make_account("bureau")
    device = TOTPDevice.objects.create(user=user, name="phone", confirmed=True)
    secret = base64.b32encode(device.bin_key).decode()
    page = new_page("desktop")

    sign_in(page, live_server.url, user.username)
    expect(page).to_have_url(re.compile(r"/accounts/otp/verify/\?next=/$"))
    expect(page.locator("#id_token")).to_be_visible()

    # A code valid at no time step django-otp would accept (its tolerance is one step either way).
    accepted = {code_for(secret, step=device.step, t0=device.t0, drift=device.drift + d) for d in (-2, -1, 0, 1, 2)}
    wrong = next(f"{n:06d}" for n in range(123456, 999999, 7919) if f"{n:06d}" not in accepted)
    page.locator("#id_token").fill(wrong)
    page.locator("main form button[type=submit]").first.click()
    expect(page.locator(".field.has-error .error")).to_be_visible()
    expect(page).to_have_url(re.compile(r"/accounts/otp/verify/"))
    expect(page.get_by_test_id("home-title")).to_have_count(0)
    expect(page.locator("main h1")).to_have_text("输入身份验证器验证码")
    page.screenshot(path=screenshots_dir / "otp-verify-wrong-code.png", full_page=True)

    # After a wrong code django-otp throttles the device for 1 s (then 2 s, 4 s ...).
    time.sleep(1.2)
    page.locator("#id_token").fill(code_for(secret, step=device.step, t0=device.t0, drift=device.drift))
    page.locator("main form button[type=submit]").first.click()
    assert_home(page, live_server.url, ACCOUNTS["bureau"][3])


def test_sixth_attempt_is_locked_even_with_right_password(new_page, make_account, live_server, screenshots_dir):
    user = make_account("worker")
    page = new_page("desktop")

    statuses = []
    for _attempt in range(5):
        page.goto(live_server.url + "/accounts/login/")
        if page.locator("#id_username").count() == 0:
            statuses.append("locked-page-on-GET")
            continue
        page.locator("#id_username").fill(user.username)
        page.locator("#id_password").fill("Wrong-password-2026!")
        with page.expect_navigation() as navigation:
            page.locator("main form button[type=submit]").first.click()
        statuses.append(navigation.value.status)
    # The first four are the form again with an error; the fifth failure already locks.
    assert statuses == [200, 200, 200, 200, 429], statuses

    response = sign_in(page, live_server.url, user.username, PASSWORD)
    assert response.status == 429
    heading = page.locator("main h1")
    expect(heading).to_be_visible()
    expect(heading).to_have_text("登录失败次数过多")
    expect(page.locator("#id_password")).to_have_count(0)
    expect(page.locator("main")).to_contain_text("15")
    expect(page.locator("html")).to_have_attribute("lang", "zh-CN")
    page.screenshot(path=screenshots_dir / "locked.png", full_page=True)

    # And the correct password did not sign anyone in.
    page.goto(live_server.url + "/")
    expect(page).to_have_url(re.compile(r"/accounts/login/\?next=/$"))


@pytest.mark.parametrize("viewport", ["desktop", "phone"])
def test_sign_out_ends_session(viewport, new_page, make_account, live_server):
    user = make_account("worker")
    page = new_page(viewport)
    sign_in(page, live_server.url, user.username)
    assert_home(page, live_server.url, ACCOUNTS["worker"][3])

    button = page.locator("header.topbar .who form button[type=submit]")
    expect(button).to_be_visible()
    expect(button).to_have_text("退出登录")
    button.click()
    expect(page).to_have_url(re.compile(r"/accounts/login/"))

    page.goto(live_server.url + "/")
    expect(page).to_have_url(re.compile(r"/accounts/login/\?next=/$"))
    expect(page.locator("#id_username")).to_be_visible()
    expect(page.get_by_test_id("home-title")).to_have_count(0)
