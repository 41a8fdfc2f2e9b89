"""Case pages: opening a case from a visit, the case file with the actions of its stage, the
approvals queue, confidential notes hidden from other roles, edit conflicts, transfers, and
query counts that stay constant as cases and records grow."""

from datetime import timedelta

import pytest
from django.utils import timezone

from shegong.casework import services_cases as svc
from shegong.casework.models import Case, CaseRecord, CaseStage
from shegong.casework.tests.factories import make_case, make_visit
from shegong.recipients.models import TimelineEntry
from shegong.recipients.tests import factories as rf

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
PLAN = {"goals": "恢复自理", "actions": "每周上门", "timetable": "三个月", "review_on": (TODAY + timedelta(days=60)).isoformat()}


@pytest.fixture
def person(regions):
    return rf.make_recipient(rf.village_of(regions["township_a"]), "王秀英")


@pytest.fixture
def case(people, person):
    return make_case(person, people["worker_a"], supervisor=people["supervisor"], opened_on=TODAY - timedelta(days=10))


def test_open_a_case_from_a_visit(english, person, client_for):
    worker = english["worker_a"]
    visit = make_visit(person, worker, on=TODAY, findings="屋顶漏雨，老人独居", needs_found="需要危房改造", risks=["unsafe_housing"])
    client = client_for(worker)
    url = f"/casework/cases/new/?recipient={person.pk}&visit={visit.pk}"
    page = client.get(url)
    assert page.status_code == 200
    html = page.content.decode()
    assert "屋顶漏雨，老人独居" in html and "需要危房改造" in html
    assert 'value="outreach" class="case-pills" id="id_source_1" checked' in html or 'value="outreach"' in html and "checked" in html
    response = client.post("/casework/cases/new/", {
        "recipient": person.pk, "visit": visit.pk, "source": "outreach", "problem": "屋顶漏雨，老人独居",
        "worker": worker.pk, "supervisor": english["supervisor"].pk, "opened_on": TODAY.isoformat(),
    })
    case = Case.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/casework/cases/{case.pk}/"
    assert case.source_visit == visit and case.supervisor == english["supervisor"] and case.stage == CaseStage.INTAKE
    assert TimelineEntry.objects.filter(recipient=person, kind="case_opened", link=f"/casework/cases/{case.pk}/").exists()


def test_open_a_case_refuses_a_person_or_visit_out_of_reach(people, regions, client_for, person):
    far = rf.make_recipient(rf.village_of(regions["township_b"]), "乙某")
    client = client_for(people["worker_a"])
    assert client.get(f"/casework/cases/new/?recipient={far.pk}").status_code == 404
    far_visit = make_visit(far, people["worker_b"])
    assert client.get(f"/casework/cases/new/?recipient={person.pk}&visit={far_visit.pk}").status_code == 404
    chooser = client.get("/casework/cases/new/?q=王秀").content.decode()
    assert "王秀英" in chooser and "乙某" not in client.get("/casework/cases/new/?q=乙").content.decode()


def test_detail_offers_only_the_actions_of_the_stage(case, people, client_for):
    client = client_for(people["worker_a"])
    html = client.get(f"/casework/cases/{case.pk}/").content.decode()
    assert 'data-action="assess"' in html and 'data-action="submit_closure"' in html
    assert 'data-action="submit_plan"' not in html and 'data-action="reopen"' not in html
    assert 'data-testid="attachments"' in html and 'data-testid="referrals"' in html
    assert html.count('aria-current="step"') == 1 and '<li class="current" aria-current="step">' in html
    # The officer reads the case but has no actions.
    officer = client_for(people["officer_a"]).get(f"/casework/cases/{case.pk}/").content.decode()
    assert case.number in officer and "data-action" not in officer


def test_illegal_action_page_is_refused_and_changes_nothing(case, english, client_for):
    client = client_for(english["worker_a"])
    page = client.get(f"/casework/cases/{case.pk}/plan/").content.decode()
    assert "cannot have a plan submitted: record the assessment first" in page
    response = client.post(f"/casework/cases/{case.pk}/plan/", PLAN)
    assert response.status_code == 200 and "record the assessment first" in response.content.decode()
    case.refresh_from_db()
    assert case.stage == CaseStage.INTAKE and not case.plans.exists()


def test_approval_flow_through_the_pages(case, english, client_for):
    worker, supervisor = client_for(english["worker_a"]), client_for(english["supervisor"])
    assert worker.post(f"/casework/cases/{case.pk}/assess/", {"assessment": "独居，行动不便"}).status_code == 302
    assert worker.post(f"/casework/cases/{case.pk}/plan/", PLAN).status_code == 302
    case.refresh_from_db()
    assert case.stage == CaseStage.PLAN_REVIEW
    queue = supervisor.get("/casework/approvals/").content.decode()
    approval = svc.pending_approval(case)
    assert case.number in queue and f"/casework/approvals/{approval.pk}/" in queue
    assert case.number not in client_for(english["worker_a"]).get("/casework/approvals/").content.decode()
    # The worker cannot decide, not even by posting.
    assert worker.post(f"/casework/approvals/{approval.pk}/", {"decision": "approve"}).status_code == 404
    refused = supervisor.post(f"/casework/approvals/{approval.pk}/", {"decision": "return", "comment": ""})
    assert "comments are required" in refused.content.decode()
    supervisor.post(f"/casework/approvals/{approval.pk}/", {"decision": "return", "comment": "目标要可衡量"})
    case.refresh_from_db()
    assert case.stage == CaseStage.ASSESSMENT
    resubmit = worker.get(f"/casework/cases/{case.pk}/plan/").content.decode()
    assert "目标要可衡量" in resubmit and "恢复自理" in resubmit  # comments shown, last plan pre-filled
    worker.post(f"/casework/cases/{case.pk}/plan/", PLAN)
    supervisor.post(f"/casework/approvals/{svc.pending_approval(case).pk}/", {"decision": "approve"})
    case.refresh_from_db()
    assert case.stage == CaseStage.INTERVENTION
    detail = worker.get(f"/casework/cases/{case.pk}/").content.decode()
    assert "目标要可衡量" in detail and "Plan 2" in detail


def test_confidential_notes_section_only_for_worker_and_supervisor(case, people, client_for, make_user, regions, operator):
    svc.add_note(people["worker_a"], case, text="MARK-SECRET 家暴线索")
    colleague = make_user("worker", regions["township_a"], operator=operator, username="colleague")
    for who in (people["worker_a"], people["supervisor"]):
        html = client_for(who).get(f"/casework/cases/{case.pk}/").content.decode()
        assert "MARK-SECRET" in html and 'data-testid="confidential-notes"' in html
    for who in (people["officer_a"], people["station_lead"], colleague, people["county_bureau"]):
        response = client_for(who).get(f"/casework/cases/{case.pk}/")
        assert response.status_code == 200
        assert "MARK-SECRET" not in response.content.decode() and "confidential-notes" not in response.content.decode()
        assert client_for(who).post(f"/casework/cases/{case.pk}/notes/new/", {"text": "x"}).status_code == 404
    timeline = client_for(people["officer_a"]).get(f"/recipients/{case.recipient_id}/").content.decode()
    assert "MARK-SECRET" not in timeline


def test_edit_conflict_on_the_page(case, english, client_for):
    first, second = client_for(english["worker_a"]), client_for(english["station_lead"])
    form = {"problem": "第二人修改", "source_detail": "", "version": case.version}
    assert first.post(f"/casework/cases/{case.pk}/edit/", {**form, "problem": "第一人修改"}).status_code == 302
    response = second.post(f"/casework/cases/{case.pk}/edit/", form)
    assert response.status_code == 200 and "Someone else saved this record" in response.content.decode()
    case.refresh_from_db()
    assert case.problem == "第一人修改"


def test_transfer_across_townships_then_the_receiving_lead_assigns(case, people, client_for, regions, make_user, operator):
    lead_b = make_user("station_lead", regions["township_b"], operator=operator, username="lead_b")
    village_b = rf.village_of(regions["township_b"])
    response = client_for(people["station_lead"]).post(f"/casework/cases/{case.pk}/transfer/", {
        "to_township": regions["township_b"].code, "to_village": village_b, "reason": "随子女迁居",
    })
    assert response.status_code == 302 and response["Location"] == "/casework/cases/"
    assert client_for(people["worker_a"]).get(f"/casework/cases/{case.pk}/").status_code == 404
    lead = client_for(lead_b)
    detail = lead.get(f"/casework/cases/{case.pk}/").content.decode()
    assert "/assign/" in detail
    assert lead.post(f"/casework/cases/{case.pk}/assign/", {"worker": people["worker_b"].pk}).status_code == 302
    case.refresh_from_db()
    assert case.worker == people["worker_b"] and case.region_id == village_b


def test_recipient_file_lists_the_cases(case, people, client_for):
    html = client_for(people["worker_a"]).get(f"/recipients/{case.recipient_id}/").content.decode()
    assert 'data-testid="file-cases"' in html and case.number in html and f"/casework/cases/new/?recipient={case.recipient_id}" in html


def _many_cases(people, regions, n, start=0):
    village = rf.village_of(regions["township_a"])
    for i in range(start, start + n):
        person = rf.make_recipient(village, f"对象{i}")
        c = make_case(person, people["worker_a"], supervisor=people["supervisor"], number=f"X-{i:04d}",
                      stage=CaseStage.INTERVENTION, opened_on=TODAY - timedelta(days=20))
        CaseRecord.objects.create(case=c, occurred_on=TODAY, content="上门")


def test_list_queries_do_not_grow(people, regions, client_for, django_assert_max_num_queries):
    client = client_for(people["worker_a"])
    _many_cases(people, regions, 3)
    with django_assert_max_num_queries(16) as small:
        assert client.get("/casework/cases/?stage=open").status_code == 200
    _many_cases(people, regions, 12, start=3)
    with django_assert_max_num_queries(len(small.captured_queries)):
        html = client.get("/casework/cases/?stage=open").content.decode()
    assert "对象14" in html


def test_detail_queries_do_not_grow(case, people, client_for, django_assert_max_num_queries):
    case.stage = CaseStage.INTERVENTION
    case.save()
    client = client_for(people["worker_a"])
    svc.add_note(people["worker_a"], case, text="机密")
    svc.add_record(people["worker_a"], case, occurred_on=TODAY, content="第一次")
    with django_assert_max_num_queries(30) as small:
        assert client.get(f"/casework/cases/{case.pk}/").status_code == 200
    for i in range(8):
        svc.add_record(people["worker_a"], case, occurred_on=TODAY, content=f"记录{i}")
        svc.add_note(people["worker_a"], case, text=f"机密{i}")
    with django_assert_max_num_queries(len(small.captured_queries)):
        html = client.get(f"/casework/cases/{case.pk}/").content.decode()
    assert "记录7" in html and "机密7" in html


@pytest.mark.parametrize("who", ["county_bureau", "officer_a", "station_lead", "worker_a", "supervisor", "evaluator", "admin"])
def test_every_role_gets_a_page_or_a_404(who, people, regions, client_for):
    from shegong.core.tests.test_language import case_pages

    client = client_for(people[who])
    for url in case_pages(people, regions):
        assert client.get(url).status_code in (200, 404), url
    if who in ("evaluator", "admin"):
        assert "个案对象" not in client.get("/casework/cases/").content.decode()  # no rows
