"""Fixtures for the browser tests: Debian's Chromium through Playwright against a live server.

The root conftest loads the region slice once per session, but live-server tests are
transactional: every table is flushed after each test. So each browser test loads the slice
again before it creates anyone, and the module puts it back when it is done, for whatever runs
after it in the same session.
"""

from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = REPO_ROOT / "test-artifacts" / "screenshots"
PASSWORD = "Hc-2026-demo-pass!"

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

VIEWPORTS = {
    "desktop": {"viewport": {"width": 1440, "height": 900}},
    "phone": {
        "viewport": {"width": 375, "height": 812},
        "is_mobile": True,
        "has_touch": True,
        "device_scale_factor": 2,
    },
}

# key -> (role, where it sits, needs an operator, Chinese full name)
ACCOUNTS = {
    "bureau": ("bureau", "county", False, "王建国"),
    "township_officer": ("township_officer", "township_a", False, "李秀英"),
    "operator_manager": ("operator_manager", "county", True, "张海燕"),
    "station_lead": ("station_lead", "township_a", True, "刘晓东"),
    "worker": ("worker", "township_a", True, "陈静怡"),
    "supervisor": ("supervisor", "county", True, "杨志远"),
    "evaluator": ("evaluator", "county", False, "赵文博"),
    "admin": ("admin", "province", False, "周振华"),
}


def _load_slice():
    from shegong.regions.loader import default_slice_dir, load_regions

    load_regions(default_slice_dir())


@pytest.fixture(scope="module", autouse=True)
def _allow_orm_beside_event_loop():
    """Playwright's sync API keeps an event loop running in this thread; Django's ORM would otherwise
    refuse to run beside it. Only while these tests run: left set, it would leak into the rest of
    the session (``check --deploy`` reports it as async.E001)."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        yield


@pytest.fixture(scope="module", autouse=True)
def _restore_regions_afterwards(_allow_orm_beside_event_loop, django_db_setup, django_db_blocker):
    """After the module's last flush, put the region slice back for later tests in the session."""
    yield
    with django_db_blocker.unblock():
        _load_slice()


@pytest.fixture(scope="module")
def browser(_allow_orm_beside_event_loop):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def new_page(browser):
    """Open a page in a fresh context (no cookies) with the named viewport."""
    contexts = []

    def open_page(kind="desktop"):
        context = browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai", **VIEWPORTS[kind])
        context.set_default_timeout(10_000)
        contexts.append(context)
        return context.new_page()

    yield open_page
    for context in contexts:
        context.close()


@pytest.fixture
def live_regions(transactional_db, live_server, request):
    """The region slice, loaded into this test's (flushed) database; then the root ``regions``."""
    _load_slice()
    return request.getfixturevalue("regions")


@pytest.fixture
def make_account(live_regions, make_user, request):
    """Create the user for one ACCOUNTS key, with a real password and a Chinese name."""

    def make(key, *, username=None):
        role, where, needs_operator, name = ACCOUNTS[key]
        operator = request.getfixturevalue("operator") if needs_operator else None
        return make_user(
            role,
            live_regions[where],
            operator=operator,
            username=username or f"{key}_user",
            name=name,
            password=PASSWORD,
        )

    return make


@pytest.fixture
def screenshots_dir():
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS
