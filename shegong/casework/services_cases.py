"""Cases (个案, MZ/T 094): opening, the stage machine, supervisor approval, confidential notes,
hand-over and transfer.

The stage of a case changes here and nowhere else. :data:`TRANSITIONS` is the whole machine: for
each action, the stages it may start from, the stage it leads to, who may take it and what it
needs. :func:`check_transition` refuses everything else with a message that says what to do
instead. Every move writes a :class:`StageChange`, a line on the recipient's timeline (never the
content of a confidential note) and an audit row, in one transaction.

Who acts:

* ``worker`` actions: the case's worker, or a station lead of the case's station (a station lead
  also covers a case awaiting a worker after a transfer). Other workers of the station read the
  case but do not act on it.
* ``supervisor`` actions: the case's own supervisor only (role supervisor, case in reach), and
  never the person who submitted what is being decided.
* ``lead`` actions (assigning a worker or supervisor): a station lead of the case's station.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from shegong.core import audit, crypto
from shegong.core.concurrency import EditConflict, conflict_message
from shegong.core.scoping import CHANGE, VIEW, assignments_of, users_acting_at
from shegong.recipients import services as recipient_services
from shegong.recipients.models import Recipient, Status

from .catalogue import check_items
from .models import (
    APPROVER_ROLES,
    LEAD_ROLES,
    OPEN_STAGES,
    Approval,
    ApprovalStatus,
    ApprovalSubject,
    Case,
    CasePlan,
    CaseRecord,
    CaseSource,
    CaseStage,
    CaseTransfer,
    ClosureReason,
    ConfidentialNote,
    ContactKind,
    StageChange,
    Visit,
)

NOTE_PURPOSE = "casework.confidential_note"
WORKER_ROLE = "worker"

# Who may take an action (see the module's docstring).
BY_WORKER, BY_SUPERVISOR = "worker", "supervisor"
# A "to" stage meaning: back to the stage the submission came from.
BACK = "back"
# A "to" stage meaning: the case stays where it is (a service record).
STAY = None


@dataclass(frozen=True)
class Transition:
    """One action of the stage machine."""

    action: str
    sources: tuple[str, ...]
    target: str | None
    by: str
    label: str  # what the action does, for buttons ("Submit the plan")
    refused: str  # completes "A case in <stage> cannot …"
    needs_supervisor: bool = False


S = CaseStage
TRANSITIONS: dict[str, Transition] = {
    t.action: t
    for t in (
        Transition("assess", (S.INTAKE,), S.ASSESSMENT, BY_WORKER,
                   gettext_lazy("Record the assessment"), gettext_lazy("be assessed")),
        Transition("submit_plan", (S.ASSESSMENT, S.REVIEW), S.PLAN_REVIEW, BY_WORKER,
                   gettext_lazy("Submit a service plan"), gettext_lazy("have a plan submitted"), needs_supervisor=True),
        Transition("approve_plan", (S.PLAN_REVIEW,), S.INTERVENTION, BY_SUPERVISOR,
                   gettext_lazy("Approve the plan"), gettext_lazy("have a plan approved")),
        Transition("return_plan", (S.PLAN_REVIEW,), BACK, BY_SUPERVISOR,
                   gettext_lazy("Return the plan"), gettext_lazy("have a plan returned")),
        Transition("add_record", (S.INTERVENTION, S.REVIEW), STAY, BY_WORKER,
                   gettext_lazy("Add a service record"), gettext_lazy("take service records")),
        Transition("start_review", (S.INTERVENTION,), S.REVIEW, BY_WORKER,
                   gettext_lazy("Start the review"), gettext_lazy("be reviewed")),
        Transition("continue_service", (S.REVIEW,), S.INTERVENTION, BY_WORKER,
                   gettext_lazy("Continue the service"), gettext_lazy("go back to intervention")),
        Transition("submit_closure", (S.REVIEW, S.INTAKE), S.CLOSURE_REVIEW, BY_WORKER,
                   gettext_lazy("Propose closing the case"), gettext_lazy("be put forward for closure"),
                   needs_supervisor=True),
        Transition("approve_closure", (S.CLOSURE_REVIEW,), S.CLOSED, BY_SUPERVISOR,
                   gettext_lazy("Approve the closure"), gettext_lazy("have a closure approved")),
        Transition("return_closure", (S.CLOSURE_REVIEW,), BACK, BY_SUPERVISOR,
                   gettext_lazy("Return the closure"), gettext_lazy("have a closure returned")),
        Transition("reopen", (S.CLOSED,), S.ASSESSMENT, BY_WORKER,
                   gettext_lazy("Reopen the case"), gettext_lazy("be reopened")),
    )
}

# What a case at each stage needs next (the second half of a refusal).
NEXT_STEP = {
    S.INTAKE: gettext_lazy("record the assessment first"),
    S.ASSESSMENT: gettext_lazy("submit the plan first"),
    S.PLAN_REVIEW: gettext_lazy("wait for the supervisor's decision on the plan"),
    S.INTERVENTION: gettext_lazy("start the review first"),
    S.REVIEW: gettext_lazy("continue the service or propose closing the case"),
    S.CLOSURE_REVIEW: gettext_lazy("wait for the supervisor's decision on the closure"),
    S.CLOSED: gettext_lazy("reopen it first"),
}

# The MZ/T 094 stages in order, for the progress bar (approval stages shown with their step).
PROGRESS = (
    (S.INTAKE, gettext_lazy("Intake (接案)")),
    (S.ASSESSMENT, gettext_lazy("Assessment (预估)")),
    (S.PLAN_REVIEW, gettext_lazy("Plan (服务计划)")),
    (S.INTERVENTION, gettext_lazy("Intervention (服务介入)")),
    (S.REVIEW, gettext_lazy("Review (评估)")),
    (S.CLOSURE_REVIEW, gettext_lazy("Closure (结案)")),
)


def _stage_label(stage: str) -> str:
    return str(CaseStage(stage).label)


def _user(user):
    return user if getattr(user, "pk", None) else None


# --- Who is who -------------------------------------------------------------------------------


def holds_role_over(user, roles, region_code: str) -> bool:
    """Whether ``user`` holds one of ``roles`` at ``region_code`` or above it."""
    for assignment in assignments_of(user):
        if assignment.role in roles and (not assignment.region_id or region_code.startswith(assignment.region_id)):
            return True
    return False


def _reaches(user, case: Case, action: str = VIEW) -> bool:
    return Case.objects.visible_to(user, action).filter(pk=case.pk).exists()


def is_lead_of(user, case: Case) -> bool:
    """A station lead of the case's station, who reaches the case to change it."""
    return holds_role_over(user, LEAD_ROLES, case.region_id) and _reaches(user, case, CHANGE)


def is_case_worker(user, case: Case) -> bool:
    return case.worker_id is not None and case.worker_id == getattr(user, "pk", None) and _reaches(user, case, CHANGE)


def may_act_as_worker(user, case: Case) -> bool:
    """The case's worker, or a station lead of its station."""
    return is_case_worker(user, case) or is_lead_of(user, case)


def is_case_supervisor(user, case: Case) -> bool:
    return (
        case.supervisor_id is not None and case.supervisor_id == getattr(user, "pk", None)
        and holds_role_over(user, APPROVER_ROLES, case.region_id) and _reaches(user, case)
    )


def may_read_notes(user, case: Case) -> bool:
    """Only the case's worker and its supervisor (the note model's rule says the same in queries)."""
    uid = getattr(user, "pk", None)
    return uid is not None and uid in (case.worker_id, case.supervisor_id) and _reaches(user, case)


def _users_with_role_over(role: str, region_code: str):
    """People holding ``role`` at ``region_code`` or above (the candidates for a case there)."""
    return users_acting_at({role}, region_code)


def workers_for(region_code: str):
    """Social workers whose station reaches ``region_code`` (choices for a case there)."""
    return _users_with_role_over(WORKER_ROLE, region_code)


def supervisors_for(region_code: str):
    """Supervisors who reach ``region_code``."""
    return _users_with_role_over("supervisor", region_code)


def _check_worker(worker, region_code: str, field: str = "worker") -> None:
    if worker is not None and not workers_for(region_code).filter(pk=worker.pk).exists():
        raise ValidationError({field: _("This person is not a social worker of the station that serves this place.")})


def _check_supervisor(supervisor, region_code: str) -> None:
    if supervisor is not None and not supervisors_for(region_code).filter(pk=supervisor.pk).exists():
        raise ValidationError({"supervisor": _("This person does not supervise the station that serves this place.")})


# --- The stage machine ------------------------------------------------------------------------


def allowed_actions(user, case: Case) -> list[str]:
    """The actions ``user`` may take on ``case`` at its current stage (for buttons and forms)."""
    as_worker = may_act_as_worker(user, case)
    as_supervisor = is_case_supervisor(user, case) and case.worker_id != user.pk
    found = []
    for t in TRANSITIONS.values():
        if case.stage not in t.sources:
            continue
        if (t.by == BY_WORKER and as_worker) or (t.by == BY_SUPERVISOR and as_supervisor):
            found.append(t.action)
    return found


def check_transition(user, case: Case, action: str) -> Transition:
    """The transition ``action`` from the case's stage, or a refusal: ValidationError for a move
    the machine does not allow, PermissionDenied for a person who may not make it."""
    t = TRANSITIONS.get(action)
    if t is None:
        raise ValidationError(_("Unknown action."))
    if case.stage not in t.sources:
        raise ValidationError(
            _("A case in %(stage)s cannot %(what)s: %(next)s.")
            % {"stage": _stage_label(case.stage), "what": t.refused, "next": NEXT_STEP[case.stage]},
            code="illegal_transition",
        )
    if t.by == BY_WORKER and not may_act_as_worker(user, case):
        raise PermissionDenied(_("Only the case's social worker or the station lead may do this."))
    if t.by == BY_SUPERVISOR:
        if not is_case_supervisor(user, case):
            raise PermissionDenied(_("Only the case's supervisor may decide on this."))
        if user.pk == case.worker_id:
            raise PermissionDenied(_("You cannot decide on your own case."))
    if t.needs_supervisor and case.supervisor_id is None:
        raise ValidationError(_("This case has no supervisor: ask the station lead to assign one first."))
    return t


def _locked(case: Case, expected_version: int | None = None) -> Case:
    """The case row, locked for the transaction; refuses when it changed since it was read."""
    fresh = Case.objects.select_for_update().get(pk=case.pk)
    if expected_version is not None and fresh.version != expected_version:
        raise EditConflict(conflict_message(), code="conflict")
    # The caller's object follows the row (stage, version and texts may have moved).
    for field in Case._meta.concrete_fields:
        setattr(case, field.attname, getattr(fresh, field.attname))
    return case


def _save(case: Case, fields: list[str]) -> None:
    """Write ``fields`` and move the version on (so that an open edit form sees a conflict)."""
    case.updated_at = timezone.now()
    Case.objects.filter(pk=case.pk).update(version=F("version") + 1, updated_at=case.updated_at,
                                           **{Case._meta.get_field(f).attname: getattr(case, Case._meta.get_field(f).attname) for f in fields})
    case.version += 1


def case_link(case: Case) -> str:
    return reverse("casework:case_detail", kwargs={"pk": case.pk})


def _move(user, case: Case, t: Transition, new_stage: str, *, note: str = "", kind: str, summary: str,
          fields: tuple[str, ...] = (), detail: dict | None = None) -> StageChange:
    """Apply a stage move: the case row, its StageChange, the timeline line and the audit row."""
    old = case.stage
    case.stage = new_stage
    _save(case, ["stage", *fields])
    change = StageChange.objects.create(case=case, old_stage=old, new_stage=new_stage, note=note[:300], changed_by=_user(user))
    recipient_services.add_to_timeline(case.recipient, kind, summary, actor=user, link=case_link(case))
    audit.record(f"casework.case_{t.action}", obj=case, actor=user,
                 detail={"from": old, "to": new_stage, **(detail or {})})
    return change


def _required(value: str, field: str, message: str) -> str:
    value = (value or "").strip()
    if not value:
        raise ValidationError({field: message})
    return value



def _summary(template: str, case: Case, **extra) -> str:
    return template % {"number": case.number, **extra}


# --- Opening ---------------------------------------------------------------------------------


def _next_number(township: str, year: int) -> str:
    prefix = f"{township}-{year}-"
    last = (
        Case.objects.filter(number__startswith=prefix).order_by("-number").values_list("number", flat=True).first()
    )
    seq = int(last.rsplit("-", 1)[1]) + 1 if last and last.rsplit("-", 1)[1].isdigit() else 1
    return f"{prefix}{seq:04d}"


@transaction.atomic
def open_case(user, recipient: Recipient, *, source: str, problem: str, source_detail: str = "",
              source_visit: Visit | None = None, worker=None, supervisor=None, items=(),
              opened_on: date | None = None) -> Case:
    """Open a case (接案) for a person: numbered ``<township>-<year>-<seq>``, at the person's
    village, in intake. A person still "new" becomes "in service"."""
    if not Recipient.objects.visible_to(user, CHANGE).filter(pk=recipient.pk).exists() or not holds_role_over(
        user, {"worker", "station_lead"}, recipient.region_id
    ):
        raise PermissionDenied(_("You may not open a case for this person."))
    errors = {}
    if recipient.merged_into_id:
        errors["recipient"] = _("This file was merged into another: open the case on that file.")
    elif recipient.status == Status.DECEASED:
        errors["recipient"] = _("This person has died: no case can be opened.")
    if source not in CaseSource.values:
        errors["source"] = _("Choose where the case came from.")
    if source == CaseSource.REFERRAL and not (source_detail or "").strip():
        errors["source_detail"] = _("Name who referred the person.")
    if not (problem or "").strip():
        errors["problem"] = _("Describe the presenting problem.")
    if source_visit is not None:
        visit = Visit.objects.visible_to(user).filter(pk=source_visit.pk).first()
        about = visit is not None and (
            visit.recipient_id == recipient.pk
            or (visit.recipient_id is None and visit.household_id and visit.household_id == recipient.household_id)
        )
        if not about:
            errors["source_visit"] = _("This visit is not about this person.")
    if worker is None and holds_role_over(user, {WORKER_ROLE}, recipient.region_id):
        worker = user
    try:
        _check_worker(worker, recipient.region_id)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    try:
        _check_supervisor(supervisor, recipient.region_id)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    try:
        items = check_items(recipient.region_id, items)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    opened_on = opened_on or timezone.localdate()
    if opened_on > timezone.localdate():
        errors["opened_on"] = _("A case cannot be opened in the future.")
    if errors:
        raise ValidationError(errors)
    case = Case(
        region_id=recipient.region_id, recipient=recipient, worker=worker, supervisor=supervisor, source=source,
        source_detail=(source_detail or "").strip()[:200], source_visit=source_visit, stage=CaseStage.INTAKE,
        opened_on=opened_on, problem=problem.strip(), created_by=_user(user),
    )
    for attempt in range(5):
        case.number = _next_number(recipient.region_id[:9], opened_on.year)
        try:
            with transaction.atomic():
                case.save()
            break
        except IntegrityError:
            if attempt == 4:
                raise
    case.items.set(items)
    StageChange.objects.create(case=case, old_stage="", new_stage=CaseStage.INTAKE, changed_by=_user(user),
                               note=str(CaseSource(source).label))
    if recipient.status == Status.NEW:
        recipient_services.change_status(user, recipient, Status.IN_SERVICE, on=opened_on)
    recipient_services.add_to_timeline(
        recipient, "case_opened",
        _summary(_("Case %(number)s opened (%(source)s)"), case, source=CaseSource(source).label),
        actor=user, link=case_link(case),
    )
    audit.record("casework.case_open", obj=case, actor=user,
                 detail={"source": source, "visit": source_visit.pk if source_visit else None})
    return case


# --- The stage actions -----------------------------------------------------------------------


@transaction.atomic
def record_assessment(user, case: Case, *, assessment: str, expected_version: int | None = None) -> Case:
    """Intake → assessment (预估), with the assessment written."""
    _locked(case, expected_version)
    t = check_transition(user, case, "assess")
    case.assessment = _required(assessment, "assessment", _("Write the assessment."))
    _move(user, case, t, t.target, kind="case_assessed", fields=("assessment",),
          summary=_summary(_("Case %(number)s: assessment recorded"), case))
    return case


@transaction.atomic
def submit_plan(user, case: Case, *, goals: str, actions: str, timetable: str, review_on: date | None = None,
                expected_version: int | None = None) -> CasePlan:
    """Assessment (or review) → plan awaiting approval: the plan is a new numbered version, put
    to the case's supervisor."""
    _locked(case, expected_version)
    t = check_transition(user, case, "submit_plan")
    errors = {}
    for name, value, message in (
        ("goals", goals, _("Write the goals.")), ("actions", actions, _("Write the actions.")),
        ("timetable", timetable, _("Write the timetable.")),
    ):
        if not (value or "").strip():
            errors[name] = message
    if review_on is None:
        errors["review_on"] = _("Give the date of the review.")
    elif review_on < case.opened_on:
        errors["review_on"] = _("The review cannot come before the case was opened.")
    if errors:
        raise ValidationError(errors)
    number = (case.plans.order_by("-number").values_list("number", flat=True).first() or 0) + 1
    plan = CasePlan.objects.create(case=case, number=number, goals=goals.strip(), actions=actions.strip(),
                                   timetable=timetable.strip(), review_on=review_on, written_by=_user(user))
    _open_approval(user, case, ApprovalSubject.PLAN, plan)
    _move(user, case, t, t.target, kind="case_plan_submitted", detail={"plan": number},
          summary=_summary(_("Case %(number)s: service plan %(plan)s submitted for approval"), case, plan=number))
    return plan


def _open_approval(user, case: Case, subject: str, plan: CasePlan | None = None) -> Approval:
    if case.approvals.filter(status=ApprovalStatus.PENDING).exists():
        raise ValidationError(_("This case already has a submission awaiting the supervisor's decision."))
    try:
        with transaction.atomic():
            return Approval.objects.create(case=case, subject=subject, plan=plan, requested_by=_user(user))
    except IntegrityError:
        raise ValidationError(_("This case already has a submission awaiting the supervisor's decision.")) from None


def pending_approval(case: Case) -> Approval | None:
    return case.approvals.filter(status=ApprovalStatus.PENDING).select_related("plan").first()


def _stage_before(case: Case, stage: str) -> str:
    """The stage a case was in when it last entered ``stage`` (where a returned submission goes)."""
    last = case.stage_changes.filter(new_stage=stage).order_by("-changed_at", "-pk").first()
    return last.old_stage if last and last.old_stage else CaseStage.ASSESSMENT


@transaction.atomic
def decide(user, approval: Approval, *, approve: bool, comment: str = "", closed_on: date | None = None) -> Approval:
    """The supervisor's decision on a plan or a closure: approve, or return with comments.

    Plan: approved → intervention; returned → back to the stage it was submitted from (the plan
    is then revised and submitted again as the next number). Closure: approved → closed (on
    ``closed_on``, today by default); returned → back where it came from."""
    case = approval.case
    _locked(case)
    approval = Approval.objects.select_for_update().get(pk=approval.pk)
    if approval.status != ApprovalStatus.PENDING:
        raise ValidationError(_("This submission has already been decided."))
    if approval.requested_by_id == getattr(user, "pk", None):
        raise PermissionDenied(_("You cannot decide on your own submission."))
    plan_subject = approval.subject == ApprovalSubject.PLAN
    action = ("approve_plan" if approve else "return_plan") if plan_subject else ("approve_closure" if approve else "return_closure")
    t = check_transition(user, case, action)
    comment = (comment or "").strip()
    if not approve and not comment:
        raise ValidationError({"comment": _("Say what needs to change: comments are required to return a submission.")})
    approval.status = ApprovalStatus.APPROVED if approve else ApprovalStatus.RETURNED
    approval.comment, approval.decided_by, approval.decided_at = comment, _user(user), timezone.now()
    approval.save(update_fields=["status", "comment", "decided_by", "decided_at"])
    fields: tuple[str, ...] = ()
    target = t.target
    if target == BACK:
        target = _stage_before(case, case.stage)
    if plan_subject:
        number = approval.plan.number if approval.plan_id else ""
        kind = "case_plan_approved" if approve else "case_plan_returned"
        summary = (_("Case %(number)s: service plan %(plan)s approved by the supervisor") if approve
                   else _("Case %(number)s: service plan %(plan)s returned by the supervisor"))
        summary = _summary(summary, case, plan=number)
    else:
        kind = "case_closed" if approve else "case_closure_returned"
        if approve:
            case.closed_on = closed_on or timezone.localdate()
            if case.closed_on < case.opened_on:
                raise ValidationError({"closed_on": _("A case cannot close before it was opened.")})
            fields = ("closed_on",)
            summary = _summary(_("Case %(number)s closed (%(reason)s)"), case,
                               reason=ClosureReason(case.closure_reason).label if case.closure_reason else "—")
        else:
            summary = _summary(_("Case %(number)s: closure returned by the supervisor"), case)
    _move(user, case, t, target, kind=kind, summary=summary, fields=fields, note=comment,
          detail={"approval": approval.pk})
    return approval


@transaction.atomic
def add_record(user, case: Case, *, occurred_on: date, content: str, contact: str = ContactKind.HOME,
               items=()) -> CaseRecord:
    """An intervention record (服务记录): allowed in intervention and in review."""
    _locked(case)
    check_transition(user, case, "add_record")
    errors = {}
    if not (content or "").strip():
        errors["content"] = _("Write what was done.")
    if occurred_on is None:
        errors["occurred_on"] = _("Give the date.")
    elif occurred_on > timezone.localdate():
        errors["occurred_on"] = _("A record cannot be dated in the future.")
    elif occurred_on < case.opened_on:
        errors["occurred_on"] = _("A record cannot be dated before the case was opened.")
    if contact not in ContactKind.values:
        errors["contact"] = _("Choose how the contact was made.")
    try:
        items = check_items(case.region_id, items)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if errors:
        raise ValidationError(errors)
    record = CaseRecord.objects.create(case=case, occurred_on=occurred_on, contact=contact, content=content.strip(),
                                       written_by=_user(user))
    record.items.set(items)
    if items:
        case.items.add(*items)
    recipient_services.add_to_timeline(
        case.recipient, "case_record",
        _summary(_("Case %(number)s: service record (%(contact)s)"), case, contact=ContactKind(contact).label),
        actor=user, link=case_link(case),
    )
    audit.record("casework.case_record_add", obj=case, actor=user, detail={"record": record.pk})
    return record


@transaction.atomic
def start_review(user, case: Case, *, review_summary: str, expected_version: int | None = None) -> Case:
    """Intervention → review (评估), with the review written."""
    _locked(case, expected_version)
    t = check_transition(user, case, "start_review")
    case.review_summary = _required(review_summary, "review_summary", _("Write the review."))
    _move(user, case, t, t.target, kind="case_review", fields=("review_summary",),
          summary=_summary(_("Case %(number)s: review"), case))
    return case


@transaction.atomic
def continue_service(user, case: Case, *, note: str = "", expected_version: int | None = None) -> Case:
    """Review → back to intervention, under the plan in force (or submit a revised plan instead)."""
    _locked(case, expected_version)
    t = check_transition(user, case, "continue_service")
    _move(user, case, t, t.target, kind="case_continued", note=note.strip(),
          summary=_summary(_("Case %(number)s: service continues after the review"), case))
    return case


@transaction.atomic
def submit_closure(user, case: Case, *, reason: str, summary: str, expected_version: int | None = None) -> Approval:
    """Review → closure awaiting approval (or, from intake, a person not taken on)."""
    _locked(case, expected_version)
    t = check_transition(user, case, "submit_closure")
    errors = {}
    if reason not in ClosureReason.values:
        errors["reason"] = _("Choose the reason for closing.")
    elif case.stage == CaseStage.INTAKE and reason != ClosureReason.NOT_ELIGIBLE:
        errors["reason"] = _("A case in intake can only be closed as not taken on; otherwise record the assessment first.")
    if not (summary or "").strip():
        errors["summary"] = _("Write the closing summary.")
    if errors:
        raise ValidationError(errors)
    case.closure_reason, case.closure_summary = reason, summary.strip()
    approval = _open_approval(user, case, ApprovalSubject.CLOSURE)
    _move(user, case, t, t.target, kind="case_closure_submitted", fields=("closure_reason", "closure_summary"),
          summary=_summary(_("Case %(number)s: closure proposed (%(reason)s)"), case, reason=ClosureReason(reason).label),
          detail={"reason": reason})
    return approval


@transaction.atomic
def reopen(user, case: Case, *, reason: str, expected_version: int | None = None) -> Case:
    """Closed → assessment: the case is worked again; the reason is required."""
    _locked(case, expected_version)
    t = check_transition(user, case, "reopen")
    reason = _required(reason, "reason", _("Give the reason for reopening."))
    previous = {"closed_on": case.closed_on.isoformat() if case.closed_on else None, "closure_reason": case.closure_reason}
    case.closed_on, case.closure_reason = None, ""
    case.reopened_count += 1
    _move(user, case, t, t.target, kind="case_reopened", note=reason,
          fields=("closed_on", "closure_reason", "reopened_count"), detail=previous,
          summary=_summary(_("Case %(number)s reopened"), case))
    return case


# --- Editing the texts -----------------------------------------------------------------------

EDITABLE_FIELDS = ("problem", "source_detail", "assessment", "review_summary", "closure_summary")


@transaction.atomic
def update_case(user, case: Case, *, expected_version: int, items=None, **fields) -> Case:
    """Change a case's texts. Refused (EditConflict, nothing written) when someone saved in between."""
    if not may_act_as_worker(user, case):
        raise PermissionDenied(_("Only the case's social worker or the station lead may edit it."))
    if case.stage == CaseStage.CLOSED:
        raise ValidationError(_("A closed case cannot be edited: reopen it first."))
    unknown = set(fields) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValidationError(_("These fields cannot be edited here: %(fields)s.") % {"fields": ", ".join(sorted(unknown))})
    if "problem" in fields and not (fields["problem"] or "").strip():
        raise ValidationError({"problem": _("Describe the presenting problem.")})
    if items is not None:
        items = check_items(case.region_id, items)
    changed = []
    for name, value in fields.items():
        value = (value or "").strip()
        if getattr(case, name) != value:
            setattr(case, name, value)
            changed.append(name)
    updated = Case.objects.filter(pk=case.pk, version=expected_version).update(
        version=F("version") + 1, updated_at=timezone.now(), **{n: getattr(case, n) for n in changed}
    )
    if not updated:
        raise EditConflict(conflict_message(), code="conflict")
    case.version = expected_version + 1
    if items is not None:
        case.items.set(items)
        changed.append("items")
    audit.record("casework.case_update", obj=case, actor=user, detail={"fields": sorted(changed)})
    return case


# --- Confidential notes ----------------------------------------------------------------------


@transaction.atomic
def add_note(user, case: Case, *, text: str) -> ConfidentialNote:
    """A confidential note (encrypted; only the case's worker and supervisor write or read them).
    Never on the timeline; the audit row holds no content."""
    if not may_read_notes(user, case):
        raise PermissionDenied(_("Only the case's social worker and its supervisor may write confidential notes."))
    text = _required(text, "text", _("Write the note."))
    note = ConfidentialNote.objects.create(case=case, cipher=crypto.encrypt(text, NOTE_PURPOSE), written_by=_user(user))
    audit.record("casework.case_note_add", obj=case, actor=user, detail={"note": note.pk})
    return note


def read_notes(user, case: Case) -> list[tuple[ConfidentialNote, str]]:
    """The notes ``user`` may read on ``case`` with their clear text (read only through the
    notes' own scope rule); each reading of one or more notes is audited."""
    notes = list(
        ConfidentialNote.objects.visible_to(user).filter(case=case).select_related("written_by").order_by("-written_at", "-pk")
    )
    if notes:
        audit.record("casework.case_note_read", obj=case, actor=user, detail={"notes": [n.pk for n in notes]})
    return [(n, crypto.decrypt(n.cipher, NOTE_PURPOSE)) for n in notes]


# --- Assigning and transferring --------------------------------------------------------------


@transaction.atomic
def assign(user, case: Case, *, worker=None, supervisor=None, reason: str = "") -> Case:
    """The station lead names the case's worker and/or supervisor (after a transfer, or when a
    case has none). A new worker is recorded as a hand-over; access follows the names."""
    if not is_lead_of(user, case):
        raise PermissionDenied(_("Only the station lead assigns cases."))
    _locked(case)
    if worker is None and supervisor is None:
        raise ValidationError(_("Choose a social worker or a supervisor."))
    if supervisor is not None and supervisor.pk != case.supervisor_id and pending_approval(case):
        raise ValidationError({"supervisor": _("A submission awaits the supervisor's decision: change the supervisor after it.")})
    _check_worker(worker, case.region_id)
    _check_supervisor(supervisor, case.region_id)
    fields, detail = [], {}
    if worker is not None and worker.pk != case.worker_id:
        CaseTransfer.objects.create(
            case=case, from_worker_id=case.worker_id, to_worker=worker, from_region_id=case.region_id,
            to_region_id=case.region_id, reason=(reason.strip() or _("Assigned by the station lead"))[:300],
            transferred_by=_user(user),
        )
        detail["worker"] = {"from": case.worker_id, "to": worker.pk}
        case.worker = worker
        fields.append("worker")
    if supervisor is not None and supervisor.pk != case.supervisor_id:
        detail["supervisor"] = {"from": case.supervisor_id, "to": supervisor.pk}
        case.supervisor = supervisor
        fields.append("supervisor")
    if not fields:
        return case
    _save(case, fields)
    if "worker" in fields:
        recipient_services.add_to_timeline(
            case.recipient, "case_assigned",
            _summary(_("Case %(number)s assigned to %(worker)s"), case, worker=str(worker)), actor=user, link=case_link(case),
        )
    audit.record("casework.case_assign", obj=case, actor=user, detail=detail)
    return case


@transaction.atomic
def transfer_case(user, case: Case, *, reason: str, to_worker=None, to_township=None, to_village=None) -> CaseTransfer:
    """Hand a case to another worker of the station, or move it with the person to another
    township's station of the same county.

    Within the station ``to_worker`` is required. Across townships the case and the person's
    file move to ``to_village`` (a village of ``to_township``); the worker becomes ``to_worker``
    when the actor can see that person, otherwise nobody ("awaiting a worker at the receiving
    station", whose lead then assigns one). Access moves with it: the old worker no longer
    reaches the case or its confidential notes.
    """
    from shegong.accounts.models import User
    from shegong.regions.models import Level, Region

    if not may_act_as_worker(user, case):
        raise PermissionDenied(_("Only the station lead or the case's social worker may transfer a case."))
    _locked(case)
    reason = _required(reason, "reason", _("Give the reason for the transfer."))
    if case.stage == CaseStage.CLOSED:
        raise ValidationError(_("A closed case cannot be transferred: reopen it first."))
    if case.stage in (CaseStage.PLAN_REVIEW, CaseStage.CLOSURE_REVIEW):
        raise ValidationError(_("A case awaiting the supervisor's decision cannot be transferred: wait for the decision."))
    township_code = getattr(to_township, "pk", to_township) or ""
    village_code = getattr(to_village, "pk", to_village) or ""
    old_region, old_worker_id = case.region_id, case.worker_id
    if not township_code or township_code == case.region_id[:9]:
        # Within the station: another worker, same place.
        if to_worker is None:
            raise ValidationError({"to_worker": _("Choose the social worker who takes the case over.")})
        if to_worker.pk == case.worker_id:
            raise ValidationError({"to_worker": _("This person already works the case.")})
        _check_worker(to_worker, case.region_id, "to_worker")
        new_region, new_worker = case.region_id, to_worker
    else:
        township = Region.objects.filter(code=township_code, level=Level.TOWNSHIP).first()
        if township is None or township_code[:6] != case.region_id[:6]:
            raise ValidationError({"to_township": _("Choose a township of the same county.")})
        village = Region.objects.filter(code=village_code, parent_id=township_code).first() if village_code else None
        if village is None:
            raise ValidationError({"to_village": _("Choose the village of the receiving township the person moved to.")})
        new_region = village.code
        new_worker = None
        # A receiving worker the actor cannot see is left for the receiving station lead.
        if to_worker is not None and User.objects.visible_to(user).filter(pk=to_worker.pk).exists():
            _check_worker(to_worker, new_region, "to_worker")
            new_worker = to_worker
    transfer = CaseTransfer.objects.create(
        case=case, from_worker_id=old_worker_id, to_worker=new_worker, from_region_id=old_region, to_region_id=new_region,
        reason=reason[:300], transferred_by=_user(user),
    )
    case.worker = new_worker
    fields = ["worker"]
    if new_region != old_region:
        case.region_id = new_region
        fields.append("region")
        if case.supervisor_id and not supervisors_for(new_region).filter(pk=case.supervisor_id).exists():
            case.supervisor = None
            fields.append("supervisor")
        _move_file(user, case.recipient, new_region, case)
    _save(case, fields)
    if new_worker is not None:
        summary = _summary(_("Case %(number)s handed over to %(worker)s"), case, worker=str(new_worker))
    else:
        summary = _summary(_("Case %(number)s transferred to the station of %(place)s, awaiting a worker"), case,
                           place=Region.objects.get(code=new_region[:9]).name)
    recipient_services.add_to_timeline(case.recipient, "case_transferred", summary, actor=user, link=case_link(case))
    audit.record("casework.case_transfer", obj=case, actor=user, region_code=old_region, detail={
        "from_region": old_region, "to_region": new_region, "from_worker": old_worker_id,
        "to_worker": new_worker.pk if new_worker else None, "transfer": transfer.pk,
    })
    if new_region != old_region:  # the receiving station sees the move in its own log too
        audit.record("casework.case_transfer", obj=case, actor=user, region_code=new_region, detail={
            "from_region": old_region, "to_region": new_region, "transfer": transfer.pk,
        })
    return transfer


def _move_file(user, recipient: Recipient, new_region: str, case: Case) -> None:
    """The person's file follows them to the receiving township. The recipients' update service
    asks for change rights at both places, which the sending station lacks; the move is the
    case transfer's, so it is written here, audited and put on the timeline."""
    if recipient.region_id == new_region:
        return
    old = recipient.region_id
    Recipient.objects.filter(pk=recipient.pk).update(region_id=new_region, updated_at=timezone.now())
    recipient.region_id = new_region
    recipient_services.add_to_timeline(
        recipient, "moved", _("File moved with case %(number)s to the receiving station") % {"number": case.number},
        actor=user,
    )
    audit.record("recipient.update", obj=recipient, actor=user, region_code=old,
                 detail={"fields": ["region_code"], "from": old, "to": new_region, "case": case.pk})


def open_stages() -> tuple[str, ...]:
    return OPEN_STAGES
