"""Pages of home visits and visit plans: the visit list and its export, visits due, the phone-first
visit form (which also answers the offline outbox in JSON), the visit page and its edit, the plan
list (assign, plan now) and the outbox page.

Every read starts from ``visible_to``; outside the jurisdiction is the same 404 as missing.
"""

from __future__ import annotations

from datetime import timedelta

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q
from django.db.models.functions import Substr
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from shegong.core import audit
from shegong.core.concurrency import EditConflict
from shegong.core.exports import xlsx_response
from shegong.core.flow import attach_errors
from shegong.core.lists import filters_of, page_of
from shegong.core.scoping import CHANGE, assignments_of, regions_within_reach
from shegong.recipients import pinyin
from shegong.recipients.models import Household, Recipient
from shegong.regions.fields import region_q
from shegong.regions.models import Level, Region

from . import services_visits
from .forms_visits import PlanAssignForm, PlanFilterForm, VisitEditForm, VisitFilterForm, VisitForm
from .models import CASEWORK_ROLES, Condition, FollowUp, PlannedVisit, PlanStatus, Risk, Visit, VisitOutcome

OFFLINE_HEADER = "HTTP_X_SHEGONG_OFFLINE"
PICK_LIMIT = 20
DUE_ROWS = 50


def _offline(request) -> bool:
    """A submission from the outbox script: it wants JSON, not a page."""
    return request.META.get(OFFLINE_HEADER) == "1"


def _visit_or_404(request, pk, action="view") -> Visit:
    try:
        return (
            Visit.objects.visible_to(request.user, action)
            .select_related("recipient", "household", "region", "region__parent", "created_by")
            .get(pk=pk)
        )
    except Visit.DoesNotExist:
        raise Http404 from None


def _view_codes(user) -> list[str]:
    return [a.region_id or "" for a in assignments_of(user) if a.role in CASEWORK_ROLES["view"]]


def _workers_in_reach(user):
    """Visiting workers (workers, station leads) of the places ``user`` reaches (filter choices)."""
    codes = _view_codes(user)
    if not codes:
        return get_user_model().objects.none()
    reach = Q()
    for code in codes:
        reach |= Q(role_assignments__region__code__under=code)
    return (
        get_user_model().objects.filter(reach, role_assignments__role__in=services_visits.VISITING_ROLES)
        .distinct().order_by("name", "username").prefetch_related("role_assignments")
    )


def _villages_in_reach(user):
    return regions_within_reach(user, CASEWORK_ROLES["view"]).filter(level=Level.VILLAGE).order_by("code")


CHOICES_CAP = 500


def _choices(queryset):
    """A filter's choices, or None when there are too many to choose from in a list (a province
    official reaches 16,000 villages and 4,000 social workers): the filter is then left out."""
    rows = list(queryset[: CHOICES_CAP + 1])
    return rows if len(rows) <= CHOICES_CAP else None


# --- The visit list and its export --------------------------------------------------------------


def _visit_rows(request, form):
    qs = (
        Visit.objects.visible_to(request.user)
        .select_related("recipient", "household", "region")
        .prefetch_related("workers")
        .order_by("-visited_on", "-pk")
    )
    if not form.is_valid():
        return qs.none()
    data = form.cleaned_data
    if data.get("date_from"):
        qs = qs.filter(visited_on__gte=data["date_from"])
    if data.get("date_to"):
        qs = qs.filter(visited_on__lte=data["date_to"])
    if data.get("worker"):
        qs = qs.filter(workers=data["worker"])
    if data.get("outcome"):
        qs = qs.filter(outcome=data["outcome"])
    if data.get("village"):
        qs = qs.filter(region_id=data["village"])
    if data.get("region"):
        qs = qs.filter(region_q("region__code", data["region"]))
    recipient = request.GET.get("recipient", "")
    if recipient.isdigit():
        qs = qs.filter(recipient_id=int(recipient))
    return qs


EXPORT_HEADERS = ("走访日期", "服务对象", "户主", "村(社区)", "走访社工", "走访结果", "居住条件", "健康状况", "收入状况", "安全状况",
                  "发现的风险", "后续跟进", "走访情况", "发现的需求", "跟进说明")


def _export_row(v: Visit) -> list:
    return [
        v.visited_on, v.recipient.name if v.recipient_id else "", v.household.head_name if v.household_id else "",
        v.region.name, "、".join(w.name or w.username for w in v.workers.all()), v.get_outcome_display(),
        v.get_living_conditions_display(), v.get_health_display(), v.get_income_display(), v.get_safety_display(),
        "、".join(str(Risk(r).label) for r in v.risks if r in Risk.values),
        "、".join(str(FollowUp(f).label) for f in v.follow_ups if f in FollowUp.values),
        v.findings, v.needs_found, v.follow_up_note,
    ]


@login_required
def visit_list(request):
    """Home visits within reach, filtered; a worker's own by default ("my visits")."""
    workers = _choices(_workers_in_reach(request.user))
    params = request.GET.copy()
    roles = {a.role for a in assignments_of(request.user)}
    if "worker" not in params and roles == {"worker"} and any(w.pk == request.user.pk for w in workers or ()):
        params["worker"] = str(request.user.pk)
    form = VisitFilterForm(params, workers=workers, villages=_choices(_villages_in_reach(request.user).only("code", "name")))
    qs = _visit_rows(request, form)
    if request.GET.get("format") == "xlsx":
        codes = _view_codes(request.user)
        return xlsx_response(
            filename="入户走访", sheet="入户走访", headers=EXPORT_HEADERS,
            rows=(_export_row(v) for v in qs.iterator(chunk_size=1000)), action="casework.visit_export",
            region_code=audit.longest_common_prefix(codes), detail={"filters": filters_of(request)},
        )
    page, query = page_of(request, qs)
    return render(request, "casework/visit_list.html", {
        "form": form, "page": page, "query": query, "export_query": "&".join(p for p in (params.urlencode(), "format=xlsx") if p),
        "can_record": bool(services_visits.recording_places(request.user)),
    })


# --- Visits due ---------------------------------------------------------------------------------


def _week_end(today):
    """The last day of the coming week (the next seven days, today included)."""
    return today + timedelta(days=6)


def _due_counts(qs, today):
    week_end = _week_end(today)
    return {
        "overdue": Count("pk", filter=Q(due_on__lt=today)),
        "week": Count("pk", filter=Q(due_on__gte=today, due_on__lte=week_end)),
        "total": Count("pk"),
    }


@login_required
def visit_due(request):
    """Planned visits: mine first, then per worker and per station, with what is overdue."""
    today = timezone.localdate()
    base = PlannedVisit.objects.visible_to(request.user).filter(status=PlanStatus.OPEN)
    counts = _due_counts(base, today)
    per_worker = list(base.values("assigned_to").annotate(**counts).order_by())
    names = {u.pk: u for u in get_user_model().objects.filter(pk__in=[r["assigned_to"] for r in per_worker if r["assigned_to"]])}
    for row in per_worker:
        row["user"] = names.get(row["assigned_to"])
        row["mine"] = row["assigned_to"] == request.user.pk
    per_worker.sort(key=lambda r: (not r["mine"], r["user"] is None, -r["overdue"], str(r["user"] or "")))
    per_station = list(base.annotate(township=Substr("region_id", 1, 9)).values("township").annotate(**counts).order_by("township"))
    townships = dict(Region.objects.filter(code__in=[r["township"] for r in per_station]).values_list("code", "name"))
    for row in per_station:
        row["name"] = townships.get(row["township"], row["township"])
    soon = base.filter(due_on__lte=_week_end(today)).select_related("recipient", "region", "assigned_to").order_by("due_on", "pk")
    mine = list(soon.filter(assigned_to=request.user)[:DUE_ROWS])
    unassigned = list(soon.filter(assigned_to__isnull=True)[:DUE_ROWS])
    return render(request, "casework/visit_due.html", {
        "today": today, "per_worker": per_worker, "per_station": per_station, "mine": mine, "unassigned": unassigned,
        "totals": base.aggregate(**counts), "can_record": bool(services_visits.recording_places(request.user)),
        "is_lead": bool(services_visits.lead_townships(request.user)),
    })


# --- Plans: the list, assignment, planning now -----------------------------------------------------


@login_required
def plan_list(request):
    """Every open planned visit within reach, filtered, with assignment for the station lead."""
    today = timezone.localdate()
    workers = _choices(_workers_in_reach(request.user))
    form = PlanFilterForm(request.GET or None, workers=workers, villages=_choices(_villages_in_reach(request.user).only("code", "name")))
    qs = (
        PlannedVisit.objects.visible_to(request.user).filter(status=PlanStatus.OPEN)
        .select_related("recipient", "region", "assigned_to").order_by("due_on", "pk")
    )
    if form.is_valid():
        data = form.cleaned_data
        if data["when"] == "overdue":
            qs = qs.filter(due_on__lt=today)
        elif data["when"] == "week":
            qs = qs.filter(due_on__gte=today, due_on__lte=_week_end(today))
        if data.get("worker", "") == "none":
            qs = qs.filter(assigned_to__isnull=True)
        elif data.get("worker", "").isdigit():
            qs = qs.filter(assigned_to_id=int(data["worker"]))
        if data["reason"]:
            qs = qs.filter(reason=data["reason"])
        if data.get("village"):
            qs = qs.filter(region_id=data["village"])
    page, query = page_of(request, qs)
    leads = services_visits.lead_townships(request.user)
    assignable = [w for w in workers if any(
        a.region_id and any(a.region_id.startswith(code) or code.startswith(a.region_id) for code in leads)
        for a in w.role_assignments.all()
    )] if leads else []
    return render(request, "casework/plan_list.html", {
        "form": form, "page": page, "query": query, "today": today, "leads": leads,
        "assignable": assignable, "can_record": bool(services_visits.recording_places(request.user)),
    })


@login_required
@require_POST
def plan_assign(request, pk):
    try:
        plan = PlannedVisit.objects.visible_to(request.user).get(pk=pk)
    except PlannedVisit.DoesNotExist:
        raise Http404 from None
    form = PlanAssignForm(request.POST, region_code=plan.region_id)
    if form.is_valid():
        try:
            services_visits.assign_plan(request.user, plan, form.cleaned_data["assigned_to"])
        except PermissionDenied:
            raise Http404 from None
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
        else:
            messages.success(request, _("The visit has been assigned."))
    else:
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
    return redirect(_back(request, reverse("casework:plan_list")))


def _back(request, default: str) -> str:
    """Where a small form posted from a list returns: the list as it was (same site only)."""
    nxt = request.POST.get("next", "")
    return nxt if nxt.startswith("/casework/") and "//" not in nxt else default


@login_required
@require_POST
def plan_run(request):
    """The station lead's "plan now": the planner for the lead's stations, with what it did."""
    try:
        summary = services_visits.plan_now(request.user)
    except PermissionDenied:
        raise Http404 from None
    messages.success(request, _(
        "Visits planned: %(planned)s new, %(updated)s brought forward, %(closed)s done, %(cancelled)s cancelled."
    ) % summary.as_dict())
    return redirect("casework:plan_list")


# --- The visit form -----------------------------------------------------------------------------


def _subject(request, action=CHANGE):
    """The person or household the form is for (from the address), or (None, None) to pick one."""
    raw_recipient = request.GET.get("recipient") or request.POST.get("recipient")
    raw_household = request.GET.get("household") or request.POST.get("household")
    if raw_recipient:
        if not str(raw_recipient).isdigit():
            raise Http404
        try:
            recipient = (
                Recipient.objects.visible_to(request.user, action).filter(merged_into__isnull=True)
                .select_related("region", "household").get(pk=raw_recipient)
            )
        except Recipient.DoesNotExist:
            raise Http404 from None
        return recipient, None
    if raw_household:
        if not str(raw_household).isdigit():
            raise Http404
        try:
            return None, Household.objects.visible_to(request.user, action).select_related("region").get(pk=raw_household)
        except Household.DoesNotExist:
            raise Http404 from None
    return None, None


def _pick(request):
    """Find the person to visit by name or pinyin, within reach (big buttons, little typing)."""
    q = (request.GET.get("q") or "").strip()[:50]
    found = []
    if q:
        people = Recipient.objects.visible_to(request.user, CHANGE).filter(merged_into__isnull=True).select_related("region")
        if pinyin.looks_like_pinyin(q):
            compact = q.replace(" ", "").lower()
            people = people.filter(pinyin.name_search(compact))
        else:
            people = people.filter(name__icontains=q)
        found = list(people.order_by("name_pinyin", "pk")[:PICK_LIMIT])
    return render(request, "casework/visit_pick.html", {"q": q, "found": found, "limit": PICK_LIMIT})


def _json_errors(errors: dict, status=400):
    return JsonResponse({"ok": False, "errors": errors}, status=status)


def _form_errors(form) -> dict:
    return {field: [str(e) for e in errs] for field, errs in form.errors.items()}


def _form_labels(form) -> dict:
    return {name: str(field.label) for name, field in form.fields.items()}


@login_required
def visit_create(request):
    """Record a visit (``?recipient=`` or ``?household=``; without either, pick the person)."""
    offline = request.method == "POST" and _offline(request)
    try:
        recipient, household = _subject(request)
    except Http404:
        if offline:
            return _json_errors({"__all__": [_("This person is not in your jurisdiction, or the file no longer exists.")]}, 404)
        raise
    if recipient is None and household is None:
        if offline:
            return _json_errors({"__all__": [_("Choose the person or household visited.")]})
        return _pick(request)
    region_code = recipient.region_id if recipient else household.region_id
    if not services_visits.may_record_at(request.user, region_code):
        if offline:
            return _json_errors({"__all__": [_("Your role may not record home visits here.")]}, 404)
        raise Http404
    form = VisitForm(request.POST or None, request.FILES or None, region_code=region_code, user=request.user)
    if request.method == "POST":
        visit = None
        if form.is_valid():
            try:
                visit = services_visits.record_visit(
                    request.user, recipient=recipient, household=household, **form.service_fields()
                )
            except (ValidationError, PermissionDenied) as exc:
                attach_errors(form, exc)
        if visit is not None:
            url = reverse("casework:visit_detail", kwargs={"pk": visit.pk})
            if not offline or request.META.get("HTTP_X_SHEGONG_LIVE") == "1":
                messages.success(request, _("The visit has been recorded."))
            if offline:
                return JsonResponse({"ok": True, "url": url, "id": visit.pk})
            return redirect(url)
        if offline:
            return JsonResponse({"ok": False, "errors": _form_errors(form), "labels": _form_labels(form)}, status=400)
    subject_query = f"recipient={recipient.pk}" if recipient else f"household={household.pk}"
    return render(request, "casework/visit_form.html", {
        "form": form, "recipient": recipient, "household": household, "subject_query": subject_query,
        "subject_label": recipient.name if recipient else str(household),
        "title": _("Record a home visit"), "offline_form": True,
    })


# --- One visit ----------------------------------------------------------------------------------


def _safe_reverse(name: str, **kwargs) -> str:
    try:
        return reverse(name, kwargs=kwargs or None)
    except NoReverseMatch:
        return ""


@login_required
def visit_detail(request, pk):
    visit = _visit_or_404(request, pk)
    can_change = Visit.objects.visible_to(request.user, CHANGE).filter(pk=visit.pk).exists()
    context = {
        "visit": visit, "can_change": can_change,
        "workers": list(visit.workers.all()), "items": list(visit.items.select_related("domain")),
        "risks": [Risk(r).label for r in visit.risks if r in Risk.values],
        "follow_ups": [FollowUp(f).label for f in visit.follow_ups if f in FollowUp.values],
        "conditions": [(visit._meta.get_field(n).verbose_name, getattr(visit, f"get_{n}_display")(), getattr(visit, n))
                       for n in services_visits.CONDITION_FIELDS],
        "plans": list(visit.planned.all()),
        "vacant": visit.outcome == VisitOutcome.VACANT, "UNKNOWN": Condition.UNKNOWN,
    }
    if visit.recipient_id and can_change:
        case_url = _safe_reverse("casework:case_create")
        if case_url:
            context["case_url"] = f"{case_url}?recipient={visit.recipient_id}&visit={visit.pk}"
    if visit.household_id and can_change:
        context["assessment_url"] = reverse("recipients:assessment_create", kwargs={"pk": visit.household_id})
    from . import attachments, referrals

    context.update(referrals.section_context(visit, request.user, visit.recipient))
    context.update(attachments.section_context(visit, request.user))
    return render(request, "casework/visit_detail.html", context)


@login_required
def visit_edit(request, pk):
    visit = _visit_or_404(request, pk, CHANGE)
    form = VisitEditForm(request.POST or None, request.FILES or None, instance=visit, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.service_fields()
        data.pop("client_uuid", None)
        try:
            services_visits.update_visit(request.user, visit, form.cleaned_data["version"], **data)
        except EditConflict as exc:
            form.add_error(None, exc.messages)
        except PermissionDenied:
            raise Http404 from None
        except ValidationError as exc:
            attach_errors(form, exc)
        else:
            messages.success(request, _("Saved."))
            return redirect("casework:visit_detail", pk=visit.pk)
    return render(request, "casework/visit_form.html", {
        "form": form, "visit": visit, "recipient": visit.recipient, "household": visit.household,
        "subject_label": visit.recipient.name if visit.recipient_id else str(visit.household),
        "title": _("Edit the home visit"), "offline_form": False,
    })


# --- The recipient file's section ------------------------------------------------------------------

SECTION_TEMPLATE = "casework/visit_section.html"
SECTION_VISITS = 5


def visits_section(request, recipient) -> dict | None:
    """The person's last visits and the next planned one (three queries, whatever the history)."""
    if recipient.merged_into_id:
        return None
    visits = list(
        Visit.objects.visible_to(request.user).filter(recipient=recipient)
        .prefetch_related("workers").order_by("-visited_on", "-pk")[: SECTION_VISITS + 1]
    )
    plan = (
        PlannedVisit.objects.visible_to(request.user).filter(recipient=recipient, status=PlanStatus.OPEN)
        .select_related("assigned_to").first()
    )
    return {"visits_section": {
        "recipient": recipient, "visits": visits[:SECTION_VISITS], "more": len(visits) > SECTION_VISITS, "plan": plan,
        "overdue": bool(plan and plan.due_on < timezone.localdate()),
        "can_record": recipient.is_active and services_visits.may_record_at(request.user, recipient.region_id),
    }}


# --- The outbox -----------------------------------------------------------------------------------


@login_required
def outbox(request):
    """Forms kept on this device (filled without a connection, or refused): the page is drawn by
    outbox.js from the browser's own storage; the server holds none of it."""
    return render(request, "casework/visit_outbox.html")


urlpatterns = [
    path("visits/", visit_list, name="visit_list"),
    path("visits/due/", visit_due, name="visit_due"),
    path("visits/new/", visit_create, name="visit_create"),
    path("visits/<int:pk>/", visit_detail, name="visit_detail"),
    path("visits/<int:pk>/edit/", visit_edit, name="visit_edit"),
    path("visits/plans/", plan_list, name="plan_list"),
    path("visits/plans/run/", plan_run, name="plan_run"),
    path("visits/plans/<int:pk>/assign/", plan_assign, name="plan_assign"),
    path("outbox/", outbox, name="outbox"),
]
