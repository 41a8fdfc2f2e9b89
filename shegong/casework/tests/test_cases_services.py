"""Cases (MZ/T 094): the stage machine, supervisor approval, confidential notes, transfer.

Given a person in township A, their social worker and the county's supervisor,
when the case moves through its stages, then every move the table does not allow is refused,
plans and closures wait for the case's own supervisor, confidential notes reach only the worker
and the supervisor, and a transfer moves the case, the file and the access together.
"""

from datetime import date, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from shegong.casework import services_cases as svc
from shegong.casework.models import (
    Approval,
    ApprovalStatus,
    ApprovalSubject,
    Case,
    CaseStage,
    CaseTransfer,
    ConfidentialNote,
    StageChange,
)
from shegong.casework.tests.factories import make_case, make_visit
from shegong.core.models import AuditEntry
from shegong.recipients.models import Recipient, Status, TimelineEntry
from shegong.recipients.tests import factories as rf

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


@pytest.fixture
def person(regions):
    return rf.make_recipient(rf.village_of(regions["township_a"]), "王秀英", birth_date=date(1948, 5, 2))


@pytest.fixture
def case(people, person):
    return make_case(person, people["worker_a"], supervisor=people["supervisor"], opened_on=TODAY - timedelta(days=30))


PLAN = {"goals": "恢复基本生活自理", "actions": "每周上门一次，链接医疗资源", "timetable": "三个月"}


def advance(case, people, to):
    """Walk ``case`` along the main path until it reaches stage ``to``."""
    w, s = people["worker_a"], people["supervisor"]
    steps = [
        (CaseStage.ASSESSMENT, lambda: svc.record_assessment(w, case, assessment="独居，行动不便")),
        (CaseStage.PLAN_REVIEW, lambda: svc.submit_plan(w, case, review_on=TODAY + timedelta(days=60), **PLAN)),
        (CaseStage.INTERVENTION, lambda: svc.decide(s, svc.pending_approval(case), approve=True)),
        (CaseStage.REVIEW, lambda: svc.start_review(w, case, review_summary="目标基本达成")),
        (CaseStage.CLOSURE_REVIEW, lambda: svc.submit_closure(w, case, reason="goals_met", summary="已能自理")),
        (CaseStage.CLOSED, lambda: svc.decide(s, svc.pending_approval(case), approve=True)),
    ]
    for stage, step in steps:
        if case.stage == to:
            return case
        step()
        case.refresh_from_db()
        assert case.stage == stage
    assert case.stage == to
    return case


def run(action, user, case):
    """Call the service of ``action`` with valid input."""
    if action == "assess":
        return svc.record_assessment(user, case, assessment="评估")
    if action == "submit_plan":
        return svc.submit_plan(user, case, review_on=TODAY, **PLAN)
    if action in ("approve_plan", "approve_closure", "return_plan", "return_closure"):
        approval = svc.pending_approval(case) or Approval(case=case, subject=(
            ApprovalSubject.PLAN if "plan" in action else ApprovalSubject.CLOSURE), status=ApprovalStatus.PENDING)
        if approval.pk is None:
            approval.save()
        return svc.decide(user, approval, approve=action.startswith("approve"), comment="请修改")
    if action == "add_record":
        return svc.add_record(user, case, occurred_on=TODAY, content="上门探访")
    if action == "start_review":
        return svc.start_review(user, case, review_summary="评估")
    if action == "continue_service":
        return svc.continue_service(user, case)
    if action == "submit_closure":
        return svc.submit_closure(user, case, reason="not_eligible" if case.stage == CaseStage.INTAKE else "goals_met", summary="结案")
    if action == "reopen":
        return svc.reopen(user, case, reason="再次求助")
    raise AssertionError(action)


ILLEGAL = [
    (action, stage)
    for action, t in svc.TRANSITIONS.items()
    for stage in CaseStage.values
    if stage not in t.sources
]


@pytest.mark.parametrize(("action", "stage"), ILLEGAL, ids=[f"{a}-from-{s}" for a, s in ILLEGAL])
def test_every_illegal_transition_is_refused(action, stage, case, people):
    Case.objects.filter(pk=case.pk).update(stage=stage)
    case.refresh_from_db()
    t = svc.TRANSITIONS[action]
    actor = people["supervisor"] if t.by == svc.BY_SUPERVISOR else people["worker_a"]
    changes, records = StageChange.objects.count(), case.records.count()
    with pytest.raises(ValidationError) as refused:
        run(action, actor, case)
    assert refused.value.code == "illegal_transition"
    case.refresh_from_db()
    assert case.stage == stage
    assert StageChange.objects.count() == changes and case.records.count() == records


def test_the_refusal_says_what_to_do_instead(case, people, english):
    from django.utils import translation

    advance(case, people, CaseStage.ASSESSMENT)
    with translation.override("en"), pytest.raises(ValidationError) as refused:
        svc.submit_closure(people["worker_a"], case, reason="goals_met", summary="x")
    assert refused.value.messages == ["A case in Assessment (预估) cannot be put forward for closure: submit the plan first."]


def test_main_path_writes_stage_changes_timeline_and_audit(case, people, person):
    advance(case, people, CaseStage.CLOSED)
    case.refresh_from_db()
    assert case.closed_on == TODAY and case.closure_reason == "goals_met"
    moves = list(case.stage_changes.values_list("old_stage", "new_stage"))
    assert moves == [
        ("intake", "assessment"), ("assessment", "plan_review"), ("plan_review", "intervention"),
        ("intervention", "review"), ("review", "closure_review"), ("closure_review", "closed"),
    ]
    kinds = list(TimelineEntry.objects.filter(recipient=person).order_by("pk").values_list("kind", flat=True))
    assert kinds == ["case_assessed", "case_plan_submitted", "case_plan_approved", "case_review",
                     "case_closure_submitted", "case_closed"]
    actions = set(AuditEntry.objects.filter(object_type="casework.case", object_id=str(case.pk)).values_list("action", flat=True))
    assert {"casework.case_assess", "casework.case_submit_plan", "casework.case_approve_plan",
            "casework.case_approve_closure"} <= actions


def test_open_case_numbers_it_and_puts_the_person_in_service(people, person, regions):
    visit = make_visit(person, people["worker_a"], findings="独居老人，屋顶漏雨")
    first = svc.open_case(people["worker_a"], person, source="outreach", problem="屋顶漏雨，行动不便",
                          source_visit=visit, supervisor=people["supervisor"], opened_on=date(2025, 4, 1))
    second = svc.open_case(people["worker_a"], person, source="own_request", problem="申请临时救助",
                           opened_on=date(2025, 5, 1))
    township = regions["township_a"].code
    assert first.number == f"{township}-2025-0001" and second.number == f"{township}-2025-0002"
    assert first.worker == people["worker_a"] and first.region_id == person.region_id and first.stage == "intake"
    person.refresh_from_db()
    assert person.status == Status.IN_SERVICE
    assert TimelineEntry.objects.filter(recipient=person, kind="case_opened").count() == 2
    assert AuditEntry.objects.filter(action="casework.case_open").count() == 2


def test_open_case_refuses_a_visit_about_someone_else_or_out_of_reach(people, person, regions):
    other = rf.make_recipient(person.region_id, "李四")
    with pytest.raises(ValidationError) as refused:
        svc.open_case(people["worker_a"], person, source="outreach", problem="x", source_visit=make_visit(other))
    assert "source_visit" in refused.value.message_dict
    far = rf.make_recipient(rf.village_of(regions["township_b"]), "乙某")
    with pytest.raises(PermissionDenied):
        svc.open_case(people["worker_a"], far, source="outreach", problem="x")
    with pytest.raises(PermissionDenied):
        svc.open_case(people["supervisor"], person, source="outreach", problem="x")
    with pytest.raises(ValidationError) as refused:
        svc.open_case(people["worker_a"], person, source="referral", problem="x")
    assert "source_detail" in refused.value.message_dict
    assert not Case.objects.exists()


def test_plan_returned_with_comment_then_resubmitted_as_next_number(case, people):
    advance(case, people, CaseStage.PLAN_REVIEW)
    with pytest.raises(ValidationError) as refused:
        svc.decide(people["supervisor"], svc.pending_approval(case), approve=False, comment="  ")
    assert "comment" in refused.value.message_dict
    returned = svc.decide(people["supervisor"], svc.pending_approval(case), approve=False, comment="目标要具体、可衡量")
    case.refresh_from_db()
    assert case.stage == CaseStage.ASSESSMENT
    assert returned.status == ApprovalStatus.RETURNED and returned.comment == "目标要具体、可衡量"
    plan2 = svc.submit_plan(people["worker_a"], case, review_on=TODAY + timedelta(days=30), **PLAN)
    assert plan2.number == 2
    svc.decide(people["supervisor"], svc.pending_approval(case), approve=True)
    case.refresh_from_db()
    assert case.stage == CaseStage.INTERVENTION
    assert list(case.approvals.order_by("pk").values_list("plan__number", "status")) == [(1, "returned"), (2, "approved")]


def test_revised_plan_from_review_and_continue_service(case, people):
    advance(case, people, CaseStage.REVIEW)
    svc.add_record(people["worker_a"], case, occurred_on=TODAY, content="评估期间电话回访", contact="phone")
    svc.continue_service(people["worker_a"], case, note="需要继续")
    case.refresh_from_db()
    assert case.stage == CaseStage.INTERVENTION
    svc.start_review(people["worker_a"], case, review_summary="需要修改计划")
    svc.submit_plan(people["worker_a"], case, review_on=TODAY + timedelta(days=30), **PLAN)
    svc.decide(people["supervisor"], svc.pending_approval(case), approve=False, comment="再细化")
    case.refresh_from_db()
    assert case.stage == CaseStage.REVIEW  # a returned plan goes back where it came from


def test_closure_returned_goes_back_to_review_and_intake_closure_only_not_eligible(case, people, person):
    advance(case, people, CaseStage.CLOSURE_REVIEW)
    svc.decide(people["supervisor"], svc.pending_approval(case), approve=False, comment="总结不完整")
    case.refresh_from_db()
    assert case.stage == CaseStage.REVIEW
    fresh = make_case(person, people["worker_a"], supervisor=people["supervisor"], opened_on=TODAY)
    with pytest.raises(ValidationError) as refused:
        svc.submit_closure(people["worker_a"], fresh, reason="goals_met", summary="x")
    assert "reason" in refused.value.message_dict
    svc.submit_closure(people["worker_a"], fresh, reason="not_eligible", summary="不符合条件")
    svc.decide(people["supervisor"], svc.pending_approval(fresh), approve=True)
    fresh.refresh_from_db()
    assert fresh.stage == CaseStage.CLOSED and fresh.closure_reason == "not_eligible"


def test_reopen_needs_a_reason_and_counts(case, people):
    advance(case, people, CaseStage.CLOSED)
    with pytest.raises(ValidationError):
        svc.reopen(people["worker_a"], case, reason=" ")
    svc.reopen(people["worker_a"], case, reason="老人再次摔倒")
    case.refresh_from_db()
    assert case.stage == CaseStage.ASSESSMENT and case.reopened_count == 1 and case.closed_on is None
    assert case.stage_changes.last().note == "老人再次摔倒"


def test_a_worker_cannot_approve(case, people, make_user, regions):
    advance(case, people, CaseStage.PLAN_REVIEW)
    for who in (people["worker_a"], people["station_lead"], people["officer_a"], people["county_bureau"]):
        with pytest.raises(PermissionDenied):
            svc.decide(who, svc.pending_approval(case), approve=True)
    # Even a worker who also supervises cannot approve the plan they submitted.
    from shegong.accounts.models import RoleAssignment

    RoleAssignment.objects.create(user=people["worker_a"], role="supervisor", region=regions["county"])
    Case.objects.filter(pk=case.pk).update(supervisor=people["worker_a"])
    case.refresh_from_db()
    with pytest.raises(PermissionDenied):
        svc.decide(people["worker_a"], svc.pending_approval(case), approve=True)
    case.refresh_from_db()
    assert case.stage == CaseStage.PLAN_REVIEW


def test_a_supervisor_who_is_not_the_cases_cannot_approve(case, people, make_user, regions):
    advance(case, people, CaseStage.PLAN_REVIEW)
    other = make_user("supervisor", regions["county"], username="other_supervisor")
    with pytest.raises(PermissionDenied):
        svc.decide(other, svc.pending_approval(case), approve=True)
    case.refresh_from_db()
    assert case.stage == CaseStage.PLAN_REVIEW
    assert svc.pending_approval(case).status == ApprovalStatus.PENDING


def test_plan_needs_a_supervisor_on_the_case(people, person, english):
    case = make_case(person, people["worker_a"], supervisor=None, stage=CaseStage.ASSESSMENT)
    with pytest.raises(ValidationError, match="supervisor"):
        svc.submit_plan(people["worker_a"], case, review_on=TODAY, **PLAN)


def test_only_one_pending_approval_per_case(case, people):
    advance(case, people, CaseStage.PLAN_REVIEW)
    with pytest.raises(IntegrityError), transaction.atomic():
        Approval.objects.create(case=case, subject=ApprovalSubject.CLOSURE)
    with pytest.raises(ValidationError):
        svc._open_approval(people["worker_a"], case, ApprovalSubject.CLOSURE)
    assert case.approvals.filter(status="pending").count() == 1


def test_another_worker_of_the_station_cannot_act(case, people, make_user, regions, operator):
    colleague = make_user("worker", regions["township_a"], operator=operator, username="colleague")
    with pytest.raises(PermissionDenied):
        svc.record_assessment(colleague, case, assessment="x")
    svc.record_assessment(people["station_lead"], case, assessment="站长代为记录")  # the lead may


# --- Confidential notes --------------------------------------------------------------------


def test_confidential_notes_reach_only_worker_and_supervisor(case, people):
    note = svc.add_note(people["worker_a"], case, text="疑似遭受家庭暴力，勿向家属透露")
    assert "家庭暴力" not in note.cipher
    assert [text for _n, text in svc.read_notes(people["supervisor"], case)] == ["疑似遭受家庭暴力，勿向家属透露"]
    for who in ("officer_a", "station_lead", "county_bureau", "worker_b"):
        assert svc.read_notes(people[who], case) == []
        assert not ConfidentialNote.objects.visible_to(people[who]).exists()
        with pytest.raises(PermissionDenied):
            svc.add_note(people[who], case, text="x")
    assert AuditEntry.objects.filter(action="casework.case_note_read", actor=people["supervisor"]).exists()
    assert not TimelineEntry.objects.filter(summary__contains="家庭暴力").exists()
    assert not AuditEntry.objects.filter(detail__icontains="家庭暴力").exists()


def test_notes_follow_a_hand_over_within_the_station(case, people, make_user, regions, operator):
    svc.add_note(people["worker_a"], case, text="机密")
    colleague = make_user("worker", regions["township_a"], operator=operator, username="colleague")
    assert svc.read_notes(colleague, case) == []
    svc.transfer_case(people["station_lead"], case, to_worker=colleague, reason="工作调整")
    case.refresh_from_db()
    assert case.worker == colleague
    assert svc.read_notes(people["worker_a"], case) == []
    assert [t for _n, t in svc.read_notes(colleague, case)] == ["机密"]
    with pytest.raises(PermissionDenied):
        svc.record_assessment(people["worker_a"], case, assessment="x")


# --- Transfer across townships -------------------------------------------------------------


def test_transfer_to_another_township_moves_case_file_and_access(case, people, person, regions, make_user, operator):
    svc.add_note(people["worker_a"], case, text="机密")
    township_b = regions["township_b"]
    village_b = rf.village_of(township_b)
    lead_b = make_user("station_lead", township_b, operator=operator, username="lead_b")
    transfer = svc.transfer_case(people["station_lead"], case, to_township=township_b.code, to_village=village_b,
                                 to_worker=people["worker_b"], reason="随子女迁居")
    case.refresh_from_db()
    person.refresh_from_db()
    # The sending lead cannot see township B's people: the case waits for a worker there.
    assert case.region_id == village_b and person.region_id == village_b and case.worker is None
    assert transfer.from_region_id == rf.village_of(regions["township_a"]) and transfer.to_region_id == village_b
    assert not Case.objects.visible_to(people["worker_a"]).filter(pk=case.pk).exists()
    assert not Case.objects.visible_to(people["station_lead"]).filter(pk=case.pk).exists()
    assert not Recipient.objects.visible_to(people["worker_a"]).filter(pk=person.pk).exists()
    assert svc.read_notes(people["worker_a"], case) == []
    assert Case.objects.visible_to(lead_b).filter(pk=case.pk).exists()
    svc.assign(lead_b, case, worker=people["worker_b"])
    case.refresh_from_db()
    assert case.worker == people["worker_b"] and case.supervisor == people["supervisor"]
    assert [t for _n, t in svc.read_notes(people["worker_b"], case)] == ["机密"]
    svc.record_assessment(people["worker_b"], case, assessment="迁入后评估")
    assert TimelineEntry.objects.filter(recipient=person, kind="case_transferred").exists()
    assert AuditEntry.objects.filter(action="casework.case_transfer", region_code=village_b).exists()
    assert CaseTransfer.objects.filter(case=case).count() == 2  # the move and the assignment


def test_transfer_refusals(case, people, regions, make_user, operator):
    with pytest.raises(ValidationError) as refused:
        svc.transfer_case(people["station_lead"], case, reason="x")
    assert "to_worker" in refused.value.message_dict
    with pytest.raises(ValidationError) as refused:
        svc.transfer_case(people["station_lead"], case, to_worker=people["worker_b"], reason="x")
    assert "to_worker" in refused.value.message_dict  # not a worker of this station
    with pytest.raises(ValidationError) as refused:
        svc.transfer_case(people["station_lead"], case, to_township=regions["township_b"].code,
                          to_village=rf.village_of(regions["township_a"]), reason="x")
    assert "to_village" in refused.value.message_dict
    with pytest.raises(PermissionDenied):
        svc.transfer_case(people["officer_a"], case, to_township=regions["township_b"].code,
                          to_village=rf.village_of(regions["township_b"]), reason="x")
    with pytest.raises(PermissionDenied):  # the other township's lead cannot assign what it cannot reach
        svc.assign(make_user("station_lead", regions["township_b"], username="lead_b"), case, worker=people["worker_b"])
    case.refresh_from_db()
    assert case.worker == people["worker_a"] and not CaseTransfer.objects.exists()


# --- Edits ---------------------------------------------------------------------------------


def test_edit_conflict_refuses_the_second_save(case, people):
    from shegong.core.concurrency import EditConflict

    version = case.version
    svc.update_case(people["worker_a"], case, expected_version=version, problem="第一人修改")
    with pytest.raises(EditConflict):
        svc.update_case(people["station_lead"], Case.objects.get(pk=case.pk), expected_version=version, problem="第二人修改")
    case.refresh_from_db()
    assert case.problem == "第一人修改" and case.version == version + 1


def test_a_stage_move_invalidates_an_open_edit(case, people):
    from shegong.core.concurrency import EditConflict

    version = case.version
    svc.record_assessment(people["worker_a"], case, assessment="评估内容")
    with pytest.raises(EditConflict):
        svc.update_case(people["worker_a"], case, expected_version=version, assessment="旧表单的内容")
    case.refresh_from_db()
    assert case.assessment == "评估内容"
