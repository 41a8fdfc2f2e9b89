"""Case pages (个案, MZ/T 094): the list, opening a case (also from a visit), the case file with
its stage bar and the actions of its stage, a form per action, the edit of the texts, the
supervisor's approvals queue (待我审批) and decision page.

Reads start from ``visible_to``; outside the jurisdiction is the same 404 as missing. Writes go
through :mod:`services_cases`, whose refusals show on the form or as messages.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Prefetch, Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from shegong.core.concurrency import EditConflict
from shegong.core.flow import attach_errors
from shegong.core.lists import page_of
from shegong.core.scoping import assignments_of
from shegong.recipients.models import Recipient
from shegong.regions.fields import region_q

from . import forms_cases as forms
from . import services_cases as svc
from .models import (
    CASEWORK_ROLES,
    OPEN_STAGES,
    Approval,
    ApprovalStatus,
    Case,
    CasePlan,
    CaseRecord,
    CaseStage,
    StageChange,
    Visit,
)


def _cases(user):
    return Case.objects.visible_to(user).select_related("recipient", "recipient__region", "worker", "supervisor")


def _case_or_404(request, pk) -> Case:
    case = _cases(request.user).select_related("region", "source_visit").filter(pk=pk).first()
    if case is None:
        raise Http404
    return case


# --- The list ------------------------------------------------------------------------------


@login_required
def case_list(request):
    visible = Case.objects.visible_to(request.user)
    form = forms.CaseFilterForm(request.GET or None, cases=visible)
    qs = _cases(request.user).order_by("-opened_on", "-pk")
    if form.is_valid():
        data = form.cleaned_data
        if data["stage"] == "open":
            qs = qs.filter(stage__in=OPEN_STAGES)
        elif data["stage"]:
            qs = qs.filter(stage=data["stage"])
        if data["worker"]:
            qs = qs.filter(worker=data["worker"])
        if data["supervisor"]:
            qs = qs.filter(supervisor=data["supervisor"])
        if data["q"]:
            qs = qs.filter(Q(recipient__name__icontains=data["q"]) | Q(number__icontains=data["q"]))
        if data["awaiting"]:
            qs = qs.filter(supervisor=request.user, approvals__status=ApprovalStatus.PENDING)
        if data["region"]:
            qs = qs.filter(region_q("region__code", data["region"]))
        if data["date_from"]:
            qs = qs.filter(opened_on__gte=data["date_from"])
        if data["date_to"]:
            qs = qs.filter(opened_on__lte=data["date_to"])
    page, query = page_of(request, qs)
    awaiting = Approval.objects.visible_to(request.user).filter(status=ApprovalStatus.PENDING, case__supervisor=request.user).count()
    return render(request, "casework/case_list.html", {
        "filter": form, "page": page, "query": query, "awaiting": awaiting,
        "stages": svc.PROGRESS,
        "may_open": any(a.role in CASEWORK_ROLES["change"] for a in assignments_of(request.user)),
    })


# --- Opening -------------------------------------------------------------------------------


def _int(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


@login_required
def case_create(request):
    """Open a case for a person (``?recipient=<pk>``), optionally from a visit (``&visit=<pk>``,
    which fills in the source and the visit's findings). Without a person: find one first."""
    params = request.POST if request.method == "POST" else request.GET
    recipient_pk = _int(params.get("recipient"))
    if recipient_pk is None:
        return _choose_recipient(request)
    recipient = Recipient.objects.visible_to(request.user).select_related("region").filter(pk=recipient_pk, merged_into__isnull=True).first()
    if recipient is None:
        raise Http404
    visit = None
    if _int(params.get("visit")):
        visit = Visit.objects.visible_to(request.user).filter(pk=_int(params.get("visit"))).first()
        if visit is None:
            raise Http404
    form = forms.CaseCreateForm(request.POST or None, recipient=recipient, user=request.user, initial=_from_visit(visit))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            case = svc.open_case(
                request.user, recipient, source=data["source"], source_detail=data["source_detail"], source_visit=visit,
                problem=data["problem"], worker=data["worker"], supervisor=data["supervisor"], items=data["items"],
                opened_on=data["opened_on"],
            )
        except PermissionDenied:
            raise Http404 from None
        except ValidationError as exc:
            attach_errors(form, exc)
        else:
            messages.success(request, _("Case %(number)s opened.") % {"number": case.number})
            return redirect("casework:case_detail", pk=case.pk)
    return render(request, "casework/case_form.html", {
        "form": form, "recipient": recipient, "visit": visit, "title": _("Open a case"),
    })


def _from_visit(visit) -> dict:
    if visit is None:
        return {"source": "outreach"}
    parts = [visit.findings, visit.needs_found, visit.follow_up_note]
    risks = [str(dict(_risk_choices()).get(r, r)) for r in (visit.risks or [])]
    if risks:
        parts.append(_("Risks found: %(risks)s") % {"risks": "、".join(risks)})
    lead = _("From the home visit of %(date)s:") % {"date": visit.visited_on.isoformat()}
    return {"source": "outreach", "problem": "\n".join([lead, *(p for p in parts if p)])}


def _risk_choices():
    from .models import Risk

    return Risk.choices


def _choose_recipient(request):
    q = request.GET.get("q", "").strip()
    found = []
    if q:
        found = list(
            Recipient.objects.visible_to(request.user).filter(merged_into__isnull=True, name__icontains=q)
            .select_related("region").order_by("name", "pk")[:20]
        )
    return render(request, "casework/case_choose.html", {"q": q, "found": found})


# --- The case file -------------------------------------------------------------------------


@login_required
def case_detail(request, pk):
    case = _case_or_404(request, pk)
    user = request.user
    plans = list(
        CasePlan.objects.visible_to(user).filter(case=case).select_related("written_by")
        .prefetch_related(Prefetch("approvals", queryset=Approval.objects.select_related("decided_by").order_by("-requested_at", "-pk")))
        .order_by("-number")
    )
    closures = list(
        Approval.objects.visible_to(user).filter(case=case, subject="closure").select_related("decided_by", "requested_by")
        .order_by("-requested_at", "-pk")
    )
    records = list(
        CaseRecord.objects.visible_to(user).filter(case=case).select_related("written_by").prefetch_related("items")
        .order_by("-occurred_on", "-pk")
    )
    history = list(StageChange.objects.visible_to(user).filter(case=case).select_related("changed_by").order_by("changed_at", "pk"))
    transfers = list(case.transfers.select_related("from_worker", "to_worker", "from_region", "to_region", "transferred_by").order_by("transferred_at", "pk"))
    pending = svc.pending_approval(case)
    actions = svc.allowed_actions(user, case)
    may_notes = svc.may_read_notes(user, case)
    notes = svc.read_notes(user, case) if may_notes else None
    is_lead = svc.is_lead_of(user, case)
    context = {
        "case": case, "recipient": case.recipient, "plans": plans, "closures": closures, "records": records,
        "history": history, "transfers": transfers, "pending": pending, "progress": _progress(case),
        "actions": [(a, svc.TRANSITIONS[a].label, ACTION_URLS.get(a)) for a in actions if a in ACTION_URLS],
        "decide": pending if any(a.startswith(("approve_", "return_")) for a in actions) else None,
        "may_notes": may_notes, "notes": notes, "note_form": forms.NoteForm() if may_notes else None,
        "may_edit": svc.may_act_as_worker(user, case) and case.stage != CaseStage.CLOSED,
        "may_transfer": svc.may_act_as_worker(user, case) and case.stage in (CaseStage.INTAKE, CaseStage.ASSESSMENT, CaseStage.INTERVENTION, CaseStage.REVIEW),
        "may_assign": is_lead, "items": list(case.items.all()),
    }
    return render(request, "casework/case_detail.html", context)


def _progress(case: Case) -> list[dict]:
    """The MZ/T 094 stages as a bar: done, current, to come."""
    order = [stage for stage, _label in svc.PROGRESS]
    if case.stage == CaseStage.CLOSED:
        return [{"label": label, "state": "done"} for _s, label in svc.PROGRESS] + [
            {"label": CaseStage.CLOSED.label, "state": "current"}]
    here = order.index(case.stage)
    steps = [{"label": label, "state": "done" if i < here else "current" if i == here else "todo"}
             for i, (_s, label) in enumerate(svc.PROGRESS)]
    return steps + [{"label": CaseStage.CLOSED.label, "state": "todo"}]


# --- Actions -------------------------------------------------------------------------------


def _run(request, case, form, call, success):
    """Run a service call for a valid form; a refusal shows on the form."""
    try:
        call(form.cleaned_data)
    except EditConflict as exc:
        form.add_error(None, exc.messages)
    except ValidationError as exc:
        attach_errors(form, exc)
    except PermissionDenied as exc:
        form.add_error(None, str(exc) or _("You may not do this."))
    else:
        messages.success(request, success)
        return redirect("casework:case_detail", pk=case.pk)
    return None


ACTION_PAGES = {
    # action: (form class, needs case in form, call(user, case, data), title, success message)
    "assess": (forms.AssessForm, False,
               lambda u, c, d: svc.record_assessment(u, c, assessment=d["assessment"], expected_version=d.get("version")),
               gettext_lazy("Record the assessment"), gettext_lazy("Assessment recorded.")),
    "submit_plan": (forms.PlanForm, False,
                    lambda u, c, d: svc.submit_plan(u, c, goals=d["goals"], actions=d["actions"], timetable=d["timetable"],
                                                    review_on=d["review_on"]),
                    gettext_lazy("Submit a service plan"), gettext_lazy("The plan was sent to the supervisor.")),
    "add_record": (forms.RecordForm, True,
                   lambda u, c, d: svc.add_record(u, c, occurred_on=d["occurred_on"], contact=d["contact"],
                                                  content=d["content"], items=d["items"]),
                   gettext_lazy("Add a service record"), gettext_lazy("Service record saved.")),
    "start_review": (forms.ReviewForm, False,
                     lambda u, c, d: svc.start_review(u, c, review_summary=d["review_summary"]),
                     gettext_lazy("Start the review"), gettext_lazy("Review recorded.")),
    "continue_service": (forms.ContinueForm, False, lambda u, c, d: svc.continue_service(u, c, note=d["note"]),
                         gettext_lazy("Continue the service"), gettext_lazy("The service continues.")),
    "submit_closure": (forms.ClosureForm, True,
                       lambda u, c, d: svc.submit_closure(u, c, reason=d["reason"], summary=d["summary"]),
                       gettext_lazy("Propose closing the case"), gettext_lazy("The closure was sent to the supervisor.")),
    "reopen": (forms.ReopenForm, False, lambda u, c, d: svc.reopen(u, c, reason=d["reason"]),
               gettext_lazy("Reopen the case"), gettext_lazy("Case reopened.")),
}


def _plan_initial(case) -> dict:
    last = case.plans.order_by("-number").first()
    if last is None:
        return {}
    return {"goals": last.goals, "actions": last.actions, "timetable": last.timetable, "review_on": last.review_on}


def _action_view(action):
    form_class, with_case, call, title, success = ACTION_PAGES[action]

    @login_required
    def view(request, pk):
        case = _case_or_404(request, pk)
        if not svc.may_act_as_worker(request.user, case):
            raise Http404
        kwargs = {"case": case} if with_case else {}
        initial = _plan_initial(case) if action == "submit_plan" else {}
        form = form_class(request.POST or None, initial=initial, **kwargs)
        if request.method == "POST" and form.is_valid():
            done = _run(request, case, form, lambda data: call(request.user, case, data), str(success))
            if done:
                return done
        refusal = None
        if request.method == "GET":
            try:
                svc.check_transition(request.user, case, action)
            except (ValidationError, PermissionDenied) as exc:
                refusal = " ".join(getattr(exc, "messages", [str(exc)]))
        return render(request, "casework/case_action.html", {
            "case": case, "recipient": case.recipient, "form": form, "title": title, "refusal": refusal,
            "action": action, "returned": _last_return(case) if action == "submit_plan" else None,
        })

    view.__name__ = f"case_{action}"
    return view


def _last_return(case):
    return case.approvals.filter(status=ApprovalStatus.RETURNED, subject="plan").select_related("decided_by").order_by("-decided_at").first()


ACTION_URLS = {
    "assess": "casework:case_assess", "submit_plan": "casework:case_plan", "add_record": "casework:case_record",
    "start_review": "casework:case_review", "continue_service": "casework:case_continue",
    "submit_closure": "casework:case_closure", "reopen": "casework:case_reopen",
}


@login_required
def case_edit(request, pk):
    case = _case_or_404(request, pk)
    if not svc.may_act_as_worker(request.user, case) or case.stage == CaseStage.CLOSED:
        raise Http404
    form = forms.CaseEditForm(request.POST or None, instance=case)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        texts = {k: data[k] for k in svc.EDITABLE_FIELDS if k in form.fields}
        done = _run(request, case, form,
                    lambda d: svc.update_case(request.user, Case.objects.get(pk=case.pk), expected_version=d["version"],
                                              items=d["items"], **texts),
                    _("Saved."))
        if done:
            return done
    return render(request, "casework/case_edit.html", {"case": case, "recipient": case.recipient, "form": form})


@login_required
def case_note_add(request, pk):
    case = _case_or_404(request, pk)
    if not svc.may_read_notes(request.user, case):
        raise Http404
    form = forms.NoteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        done = _run(request, case, form, lambda d: svc.add_note(request.user, case, text=d["text"]), _("Confidential note saved."))
        if done:
            return done
    return render(request, "casework/case_action.html", {
        "case": case, "recipient": case.recipient, "form": form, "title": _("Confidential note"), "action": "note",
    })


@login_required
def case_transfer(request, pk):
    case = _case_or_404(request, pk)
    if not svc.may_act_as_worker(request.user, case):
        raise Http404
    form = forms.TransferForm(request.POST or None, case=case, user=request.user)
    if request.method == "POST" and form.is_valid():
        def call(d):
            svc.transfer_case(request.user, case, to_worker=d["to_worker"], to_township=d["to_township"] or None,
                              to_village=d["to_village"] or None, reason=d["reason"])

        try:
            call(form.cleaned_data)
        except ValidationError as exc:
            attach_errors(form, exc)
        except PermissionDenied as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("Case transferred."))
            if Case.objects.visible_to(request.user).filter(pk=case.pk).exists():
                return redirect("casework:case_detail", pk=case.pk)
            return redirect("casework:case_list")
    return render(request, "casework/case_action.html", {
        "case": case, "recipient": case.recipient, "form": form, "title": _("Transfer the case"), "action": "transfer",
    })


@login_required
def case_assign(request, pk):
    case = _case_or_404(request, pk)
    if not svc.is_lead_of(request.user, case):
        raise Http404
    form = forms.AssignForm(request.POST or None, case=case)
    if request.method == "POST" and form.is_valid():
        done = _run(request, case, form, lambda d: svc.assign(request.user, case, worker=d["worker"], supervisor=d["supervisor"],
                                                             reason=d["reason"]), _("Saved."))
        if done:
            return done
    return render(request, "casework/case_action.html", {
        "case": case, "recipient": case.recipient, "form": form, "title": _("Assign the case"), "action": "assign",
    })


# --- Approvals -----------------------------------------------------------------------------


def _approvals(user):
    return (
        Approval.objects.visible_to(user).select_related("case", "case__recipient", "case__recipient__region", "case__worker", "plan", "requested_by")
    )


@login_required
def approval_list(request):
    """The supervisor's queue (待我审批): submissions on the cases they supervise, oldest first."""
    pending = _approvals(request.user).filter(status=ApprovalStatus.PENDING, case__supervisor=request.user).order_by("requested_at", "pk")
    recent = _approvals(request.user).filter(decided_by=request.user).order_by("-decided_at", "-pk")[:20]
    return render(request, "casework/approval_list.html", {"pending": list(pending), "recent": list(recent)})


@login_required
def approval_decide(request, pk):
    approval = _approvals(request.user).select_related("plan__written_by", "decided_by").filter(pk=pk).first()
    if approval is None:
        raise Http404
    case = approval.case
    may_decide = approval.status == ApprovalStatus.PENDING and svc.is_case_supervisor(request.user, case)
    form = forms.DecisionForm(request.POST or None) if may_decide else None
    if request.method == "POST":
        if not may_decide:
            raise Http404
        if form.is_valid():
            approve = form.cleaned_data["decision"] == "approve"
            try:
                svc.decide(request.user, approval, approve=approve, comment=form.cleaned_data["comment"])
            except ValidationError as exc:
                attach_errors(form, exc)
            except PermissionDenied as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(request, _("Approved.") if approve else _("Returned with comments."))
                return redirect("casework:approval_list")
    return render(request, "casework/approval_detail.html", {
        "approval": approval, "case": case, "recipient": case.recipient, "form": form,
    })


urlpatterns = [
    path("cases/", case_list, name="case_list"),
    path("cases/new/", case_create, name="case_create"),
    path("cases/<int:pk>/", case_detail, name="case_detail"),
    path("cases/<int:pk>/edit/", case_edit, name="case_edit"),
    path("cases/<int:pk>/assess/", _action_view("assess"), name="case_assess"),
    path("cases/<int:pk>/plan/", _action_view("submit_plan"), name="case_plan"),
    path("cases/<int:pk>/records/new/", _action_view("add_record"), name="case_record"),
    path("cases/<int:pk>/review/", _action_view("start_review"), name="case_review"),
    path("cases/<int:pk>/continue/", _action_view("continue_service"), name="case_continue"),
    path("cases/<int:pk>/closure/", _action_view("submit_closure"), name="case_closure"),
    path("cases/<int:pk>/reopen/", _action_view("reopen"), name="case_reopen"),
    path("cases/<int:pk>/notes/new/", case_note_add, name="case_note"),
    path("cases/<int:pk>/transfer/", case_transfer, name="case_transfer"),
    path("cases/<int:pk>/assign/", case_assign, name="case_assign"),
    path("approvals/", approval_list, name="approval_list"),
    path("approvals/<int:pk>/", approval_decide, name="approval_decide"),
]


# --- The recipient file section ------------------------------------------------------------

SECTION_TEMPLATE = "casework/case_recipient_section.html"


def cases_section(request, recipient) -> dict | None:
    """The person's cases with their stage (one query)."""
    if recipient.merged_into_id:
        return None
    cases = list(Case.objects.visible_to(request.user).filter(recipient=recipient).select_related("worker").order_by("-opened_on", "-pk"))
    from shegong.core.scoping import CHANGE, may_act_at

    can_open = recipient.is_active and svc.holds_role_over(request.user, {"worker", "station_lead"}, recipient.region_id) and may_act_at(
        request.user, Case.scope, CHANGE, recipient.region_id)
    return {"cases_section": {"recipient": recipient, "cases": cases, "can_open": can_open}}
