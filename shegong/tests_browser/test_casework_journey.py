"""The casework journey, phone-sized, end to end.

A social worker records a home visit with the network cut; when the connection returns it is sent
exactly once. From the visit she opens a case, records the assessment and submits the service plan.
The county supervisor, on her own phone, approves the plan. The worker records an intervention,
reviews the case and puts it forward for closure; the supervisor approves the closure. The person's
file then tells the whole story on its timeline.
"""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from .test_login_roles import sign_in
from .test_visit_offline import PERSON, open_phone, record_visit_offline, zh

pytestmark = pytest.mark.browser


def shot(page, screenshots_dir, name):
    page.screenshot(path=screenshots_dir / f"casework-journey-{name}.png", full_page=True)


def pick(page, name, value):
    """Tap the pill of a radio choice."""
    page.locator(f"label:has(input[name={name}][value={value}])").first.click()


def act(page, action):
    """Tap the case page's button for one stage action and wait for its form."""
    with page.expect_navigation():
        page.locator(f"a[data-action={action}]").click()


def save(page):
    with page.expect_navigation():
        page.locator("main form button[type=submit].primary").first.click()


def decide(page, base_url, case, decision, screenshots_dir, name):
    """The supervisor opens her approval queue, opens the case's submission and decides."""
    page.goto(base_url + "/casework/approvals/")
    expect(page.locator("main")).to_contain_text(case.number)
    shot(page, screenshots_dir, f"{name}-queue")
    with page.expect_navigation():
        page.locator("tr", has_text=case.number).locator("a.button.primary").click()
    pick(page, "decision", decision)
    page.locator("#id_comment").fill("计划具体可行，注意冬季取暖安全。")
    shot(page, screenshots_dir, f"{name}-decide")
    save(page)


@pytest.fixture
def journey_world(make_account, live_regions):
    from shegong.recipients.tests.factories import make_household, make_recipient, village_of

    worker = make_account("worker")
    supervisor = make_account("supervisor")
    village = village_of(live_regions["township_a"])
    household = make_household(village, head_name=PERSON)
    person = make_recipient(village, PERSON, household=household, relation="head", status="new",
                            follow_up_level="key")
    return worker, supervisor, person


def test_visit_offline_then_case_from_intake_to_approved_closure(browser, journey_world, live_server, screenshots_dir):
    from shegong.casework.models import Case, CaseStage, Visit
    from shegong.recipients.models import TimelineEntry

    worker, supervisor, person = journey_world
    base = live_server.url
    phone, page = open_phone(browser)
    supervisor_phone, desk = open_phone(browser)
    try:
        # 1. The visit, recorded without a connection, sent once when it returns.
        sign_in(page, base, worker.username)
        record_visit_offline(page, phone, base, person, screenshots_dir)
        visit = Visit.objects.get(recipient=person)

        # 2. From the visit, open a case: the form is filled from the visit.
        page.goto(base + f"/casework/visits/{visit.pk}/")
        with page.expect_navigation():
            page.get_by_test_id("open-case").click()
        expect(page.locator("#id_problem")).to_have_value(re.compile("冬季取暖困难"))
        page.locator("#id_supervisor").select_option(str(supervisor.pk))
        shot(page, screenshots_dir, "01-open-case")
        save(page)
        case = Case.objects.get(recipient=person)
        assert case.source_visit_id == visit.pk and case.worker_id == worker.pk
        expect(page).to_have_url(re.compile(rf"/casework/cases/{case.pk}/$"))

        # 3. Assessment, then the service plan, which goes to the supervisor.
        act(page, "assess")
        page.locator("#id_assessment").fill("独居老人，患慢性支气管炎未规律就医；子女在外地务工，冬季取暖存在困难。")
        save(page)
        act(page, "submit_plan")
        page.locator("#id_goals").fill("一、规律就医；二、解决冬季取暖。")
        page.locator("#id_actions").fill("联系村卫生室每月随访；链接慈善资源申请取暖补助；每周电话关怀。")
        page.locator("#id_timetable").fill("12月完成取暖补助申请；次年3月前每周随访。")
        page.locator("#id_review_on").fill((timezone.localdate() + timedelta(days=90)).isoformat())
        save(page)
        expect(page.get_by_test_id("pending")).to_be_visible()
        shot(page, screenshots_dir, "02-plan-submitted")
        case.refresh_from_db()
        assert case.stage == CaseStage.PLAN_REVIEW

        # 4. The supervisor approves the plan from her queue.
        sign_in(desk, base, supervisor.username)
        decide(desk, base, case, "approve", screenshots_dir, "03-plan")
        case.refresh_from_db()
        assert case.stage == CaseStage.INTERVENTION

        # 5. The worker serves, reviews and puts the case forward for closure.
        page.reload()
        act(page, "add_record")
        page.locator("#id_content").fill("陪同赵桂兰到镇卫生院复诊，协助提交取暖补助申请。")
        save(page)
        act(page, "start_review")
        page.locator("#id_review_summary").fill("已规律就医，取暖补助已到位，目标达成。")
        save(page)
        act(page, "submit_closure")
        pick(page, "reason", "goals_met")
        page.locator("#id_summary").fill("服务目标均已达成，转入常规走访。")
        save(page)
        shot(page, screenshots_dir, "04-closure-submitted")
        case.refresh_from_db()
        assert case.stage == CaseStage.CLOSURE_REVIEW

        # 6. The supervisor approves the closure: the case is closed.
        decide(desk, base, case, "approve", screenshots_dir, "05-closure")
        case.refresh_from_db()
        assert case.stage == CaseStage.CLOSED and case.closed_on == timezone.localdate()
        page.reload()
        expect(page.locator("main")).to_contain_text(zh(CaseStage.CLOSED.label))
        shot(page, screenshots_dir, "06-closed")

        # 7. The person's file tells the whole story, once each.
        page.goto(base + f"/recipients/{person.pk}/")
        timeline = page.locator(".file-timeline")
        expect(timeline).to_contain_text(case.number)
        shot(page, screenshots_dir, "07-timeline")
        kinds = list(TimelineEntry.objects.filter(recipient=person).values_list("kind", flat=True))
        for kind in ("visit", "case_opened", "case_assessed", "case_plan_submitted", "case_plan_approved",
                     "case_record", "case_review", "case_closure_submitted", "case_closed"):
            assert kinds.count(kind) == 1, (kind, kinds)
        shown = timeline.locator("li")
        entries = TimelineEntry.objects.filter(recipient=person).order_by("-occurred_at")
        for entry in entries:
            expect(timeline).to_contain_text(entry.summary)
        assert shown.count() >= entries.count() - 1  # the registration line may be folded away
    finally:
        phone.close()
        supervisor_phone.close()
