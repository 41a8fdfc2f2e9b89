"""A social worker records a home visit on a phone with the network cut.

She opens the visit form for a recipient (375 × 812), loses the connection, fills the form with a
few taps and submits it: the page says it is kept on the device and the top bar counts it. When the
connection returns the outbox sends it on its own and says "sent"; the recipient's file shows the
visit, recorded exactly once — also when the outbox is made to send the same entry twice at once.

``record_visit_offline`` is the reusable step: the lead's full journey (visit → case → approval →
closure → timeline) starts from it.
"""

import re

import pytest
from django.utils import timezone, translation
from playwright.sync_api import expect

from .test_login_roles import sign_in

pytestmark = pytest.mark.browser

PERSON = "赵桂兰"


def zh(text) -> str:
    with translation.override("zh-hans"):
        return translation.gettext(text)


def zh_count(text: str, n: int) -> str:
    return zh(text).replace("{n}", str(n))


def shot(page, screenshots_dir, name):
    if screenshots_dir is not None:
        page.screenshot(path=screenshots_dir / f"visit-offline-{name}.png", full_page=True)


def outbox_ready(page):
    page.wait_for_function("() => window.ShegongOutbox !== undefined")


def fill_visit_form(page, *, findings="老人独居，腿脚不便，屋内较冷；冬季取暖困难"):
    """Fill the phone form the way a worker does: taps on pills and chips, one short note."""
    page.locator("label.pill-choice:has(input[name=outcome][value=at_home])").click()
    page.locator("label.pill-choice:has(input[name=living_conditions][value=fair])").click()
    page.locator("label.pill-choice:has(input[name=health][value=poor])").click()
    page.locator("label.pill-choice:has(input[name=safety][value=good])").click()
    page.locator("label.chip:has(input[name=risks][value=untreated_illness])").click()
    page.locator("label.chip:has(input[name=follow_ups][value=open_case])").click()
    page.locator("details.visit-notes > summary").click()
    page.locator("#id_findings").fill(findings)


def record_visit_offline(page, context, base_url, recipient, screenshots_dir=None):
    """Open the visit form for ``recipient``, cut the network, fill and submit the form, then bring
    the network back and wait until the outbox says it was sent. Returns the page, left on the
    recipient's file (which lists the visit)."""
    page.goto(base_url + f"/casework/visits/new/?recipient={recipient.pk}")
    outbox_ready(page)
    expect(page.get_by_test_id("visit-subject")).to_contain_text(recipient.name)
    shot(page, screenshots_dir, "01-form")
    context.set_offline(True)
    page.wait_for_function("() => navigator.onLine === false")
    fill_visit_form(page)
    shot(page, screenshots_dir, "02-filled")
    page.locator("form[data-offline] button[type=submit]").click()
    expect(page.locator(".outbox-note")).to_have_text(zh("Saved on this device — it will be sent when you are back online."))
    badge = page.get_by_test_id("outbox-badge")
    expect(badge).to_have_text(zh_count("{n} waiting to send", 1))
    # The form is ready for the next visit: cleared, with a new form id.
    expect(page.locator("input[name=outcome]:checked")).to_have_count(0)
    shot(page, screenshots_dir, "03-kept-offline")
    context.set_offline(False)
    expect(badge).to_have_text(zh("Sent"), timeout=15_000)
    shot(page, screenshots_dir, "04-sent")
    page.goto(base_url + f"/recipients/{recipient.pk}/")
    expect(page.get_by_test_id("file-visits")).to_contain_text(zh("At home (在家)"))
    return page


@pytest.fixture
def field_world(make_account, live_regions):
    from shegong.recipients.tests.factories import make_household, make_recipient, village_of

    worker = make_account("worker")
    village = village_of(live_regions["township_a"])
    household = make_household(village, head_name=PERSON)
    person = make_recipient(village, PERSON, household=household, relation="head", status="in_service",
                            follow_up_level="key")
    return worker, person


def open_phone(browser):
    from .conftest import VIEWPORTS

    context = browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai", **VIEWPORTS["phone"])
    context.set_default_timeout(10_000)
    return context, context.new_page()


def test_a_visit_recorded_offline_is_sent_once_when_back_online(browser, field_world, live_server, screenshots_dir):
    from shegong.casework.models import Visit
    from shegong.recipients.models import TimelineEntry

    worker, person = field_world
    context, page = open_phone(browser)
    try:
        sign_in(page, live_server.url, worker.username)
        assert not Visit.objects.exists()
        record_visit_offline(page, context, live_server.url, person, screenshots_dir)
        shot(page, screenshots_dir, "05-file")
        page.reload()
        expect(page.get_by_test_id("file-visits")).to_be_visible()
        visits = Visit.objects.filter(recipient=person)
        assert visits.count() == 1
        visit = visits.get()
        assert visit.client_uuid is not None and visit.outcome == "at_home" and visit.health == "poor"
        assert list(visit.workers.all()) == [worker]
        assert visit.risks == ["untreated_illness"] and "冬季取暖困难" in visit.findings
        assert TimelineEntry.objects.filter(recipient=person, kind="visit").count() == 1
        # The visit page offers to open a case from it (the next step of the journey).
        page.goto(live_server.url + f"/casework/visits/{visit.pk}/")
        expect(page.get_by_test_id("visit-outcome")).to_be_visible()
        shot(page, screenshots_dir, "06-visit")
        assert page.evaluate("() => window.ShegongOutbox.entries().then(e => e.length)") == 0
    finally:
        context.close()


def test_the_same_entry_sent_twice_at_once_is_recorded_once(browser, field_world, live_server, screenshots_dir):
    from shegong.casework.models import Visit

    worker, person = field_world
    context, page = open_phone(browser)
    try:
        sign_in(page, live_server.url, worker.username)
        page.goto(live_server.url + f"/casework/visits/new/?recipient={person.pk}")
        outbox_ready(page)
        context.set_offline(True)
        page.wait_for_function("() => navigator.onLine === false")
        fill_visit_form(page, findings="重复发送检查")
        page.locator("form[data-offline] button[type=submit]").click()
        expect(page.get_by_test_id("outbox-badge")).to_have_text(zh_count("{n} waiting to send", 1))
        posts = []
        page.on("request", lambda r: posts.append(r.url) if r.method == "POST" and "/casework/visits/new/" in r.url else None)
        kept = page.evaluate("() => window.ShegongOutbox.entries().then(e => e[0])")
        # Back online: the "online" event starts a flush, and two more are triggered at once:
        # they are the same flush, so the entry goes out once.
        context.set_offline(False)
        page.evaluate("() => Promise.all([window.ShegongOutbox.flush(), window.ShegongOutbox.flush()])")
        page.wait_for_function("() => window.ShegongOutbox.entries().then(e => e.length === 0)", polling=200)
        assert Visit.objects.filter(recipient=person).count() == 1
        assert len(posts) == 1
        # The answer is lost on the way back (the entry comes back to the device): sending it again
        # returns the visit already recorded, and the entry leaves the device.
        page.evaluate("(entry) => window.ShegongOutbox.put(entry).then(() => window.ShegongOutbox.flush())", kept)
        page.wait_for_function("() => window.ShegongOutbox.entries().then(e => e.length === 0)", polling=200)
        assert len(posts) == 2
        assert Visit.objects.filter(recipient=person).count() == 1
        assert Visit.objects.get(recipient=person).findings == "重复发送检查"
        # The outbox page, now empty, on the phone.
        page.goto(live_server.url + "/casework/outbox/")
        expect(page.locator("[data-outbox-empty]")).to_be_visible()
        shot(page, screenshots_dir, "07-outbox-empty")
    finally:
        context.close()


def test_a_refused_entry_stays_on_the_outbox_page(browser, field_world, live_server, screenshots_dir):
    """The person was closed while the form waited: the server refuses it, the device keeps it."""
    from shegong.casework.models import Visit

    worker, person = field_world
    context, page = open_phone(browser)
    try:
        sign_in(page, live_server.url, worker.username)
        page.goto(live_server.url + f"/casework/visits/new/?recipient={person.pk}")
        outbox_ready(page)
        context.set_offline(True)
        page.wait_for_function("() => navigator.onLine === false")
        fill_visit_form(page, findings="离线期间对象已迁出")
        page.locator("#id_visited_on").fill("2099-01-01")  # a date the server refuses
        page.locator("form[data-offline] button[type=submit]").click()
        expect(page.get_by_test_id("outbox-badge")).to_have_text(zh_count("{n} waiting to send", 1))
        context.set_offline(False)
        badge = page.get_by_test_id("outbox-badge")
        expect(badge).to_have_text(zh_count("{n} not accepted: open the outbox", 1), timeout=15_000)
        badge.click()
        expect(page).to_have_url(re.compile(r"/casework/outbox/$"))
        entry = page.get_by_test_id("outbox-entry")
        expect(entry).to_have_count(1)
        expect(entry).to_contain_text(PERSON)
        expect(entry.locator(".outbox-errors")).not_to_be_empty()
        shot(page, screenshots_dir, "08-outbox-refused")
        assert not Visit.objects.exists()
        # She opens it in the form: her taps and note are back; she corrects the date and records it.
        entry.get_by_test_id("outbox-open").click()
        expect(page.locator("#id_findings")).to_have_value("离线期间对象已迁出")
        expect(page.locator("input[name=health][value=poor]")).to_be_checked()
        expect(page.locator(".outbox-note")).to_contain_text(zh("Date of the visit"))
        shot(page, screenshots_dir, "09-restored")
        page.locator("#id_visited_on").fill(timezone.localdate().isoformat())
        page.locator("form[data-offline] button[type=submit]").click()
        expect(page).to_have_url(re.compile(r"/casework/visits/\d+/$"))
        assert Visit.objects.filter(recipient=person, findings="离线期间对象已迁出").count() == 1
        assert page.evaluate("() => window.ShegongOutbox.entries().then(e => e.length)") == 0
    finally:
        context.close()


def test_a_session_that_ended_offline_keeps_the_entry_until_she_signs_in_again(browser, field_world, live_server, screenshots_dir):
    from shegong.casework.models import Visit

    worker, person = field_world
    context, page = open_phone(browser)
    try:
        sign_in(page, live_server.url, worker.username)
        page.goto(live_server.url + f"/casework/visits/new/?recipient={person.pk}")
        outbox_ready(page)
        context.set_offline(True)
        page.wait_for_function("() => navigator.onLine === false")
        fill_visit_form(page, findings="会话过期检查")
        page.locator("form[data-offline] button[type=submit]").click()
        expect(page.get_by_test_id("outbox-badge")).to_have_text(zh_count("{n} waiting to send", 1))
        context.clear_cookies()  # the session ended while she was out of reach
        context.set_offline(False)
        expect(page.get_by_test_id("outbox-badge")).to_have_text(zh("Sign in again to send the forms kept on this device"))
        shot(page, screenshots_dir, "10-sign-in-again")
        assert not Visit.objects.exists()
        assert page.evaluate("() => window.ShegongOutbox.entries().then(e => e.length)") == 1
        sign_in(page, live_server.url, worker.username)  # the first page after signing in sends it
        expect(page.get_by_test_id("outbox-badge")).to_have_text(zh("Sent"), timeout=15_000)
        assert Visit.objects.filter(recipient=person, findings="会话过期检查").count() == 1
    finally:
        context.close()


def test_two_sends_racing_each_other_record_once(browser, field_world, live_server):
    """Two unguarded sends of the same entry at the same moment (two tabs, a retry racing the first
    answer): the server records it once. Needs a database with a connection per request thread;
    the test server's in-memory SQLite shares one connection between threads."""
    from django.db import connection

    from shegong.casework.models import Visit

    if connection.vendor == "sqlite":
        pytest.skip("the live server shares one in-memory SQLite connection between threads")
    worker, person = field_world
    context, page = open_phone(browser)
    try:
        sign_in(page, live_server.url, worker.username)
        page.goto(live_server.url + f"/casework/visits/new/?recipient={person.pk}")
        outbox_ready(page)
        context.set_offline(True)
        page.wait_for_function("() => navigator.onLine === false")
        fill_visit_form(page, findings="并发发送检查")
        page.locator("form[data-offline] button[type=submit]").click()
        expect(page.get_by_test_id("outbox-badge")).to_have_text(zh_count("{n} waiting to send", 1))
        posts = []
        page.on("request", lambda r: posts.append(r.url) if r.method == "POST" and "/casework/visits/new/" in r.url else None)
        context.set_offline(False)
        page.evaluate("() => Promise.all([window.ShegongOutbox.sendWaiting(), window.ShegongOutbox.sendWaiting()])")
        page.wait_for_function(
            "() => window.ShegongOutbox.flush().then(() => window.ShegongOutbox.entries()).then(e => e.length === 0)",
            polling=500,
        )
        assert len(posts) >= 2
        assert Visit.objects.filter(recipient=person).count() == 1
    finally:
        context.close()
