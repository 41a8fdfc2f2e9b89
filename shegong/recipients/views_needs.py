"""Pages of the recipients app: needs assessments and the needs list (需求清单), the resource
database (资源库), referrals (资源链接/转介) and the duplicate review queue.

Every read starts from ``visible_to``; outside the jurisdiction is a 404 like a missing row.
Writes go through ``services_needs`` (and ``services`` for duplicates) and refusals are shown
on the form or as messages.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Prefetch, Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from shegong.core.exports import xlsx_response
from shegong.core.flow import flash_refusal, post_and_flash, submit
from shegong.core.lists import filters_of, page_of
from shegong.core.scoping import CHANGE, VIEW, assignments_of

from . import services, services_needs
from .forms_needs import (
    AssessmentForm,
    DuplicateFilterForm,
    NeedFormSet,
    NeedsFilterForm,
    NeedUpdateForm,
    PlaceFilterForm,
    ReferralForm,
    ReferralUpdateForm,
    ResourceCreateForm,
    ResourceEditForm,
    ResourceFilterForm,
)
from .models import (
    MERGE_ROLES,
    RECIPIENT_ROLES,
    RESOURCE_ROLES,
    DuplicateCandidate,
    DuplicateStatus,
    Household,
    NeedDomain,
    NeedItem,
    NeedsAssessment,
    NeedStatus,
    Recipient,
    Referral,
    Resource,
)


def _page(request, template, context):
    """Render one of these pages with its local navigation (only the parts the user may read)."""
    roles = {a.role for a in assignments_of(request.user)}
    nav = {
        "recipients": bool(roles & RECIPIENT_ROLES[VIEW]),
        "resources": bool(roles & RESOURCE_ROLES[VIEW]),
        "current": request.resolver_match.url_name if request.resolver_match else "",
    }
    return render(request, template, {"needs_nav": nav, **context})


# --- Needs assessments ----------------------------------------------------------------------


@login_required
def household_assessments(request, pk):
    """A household's assessments, newest first: the needs archive of the household."""
    household = get_object_or_404(Household.objects.visible_to(request.user).select_related("region"), pk=pk)
    assessments = household.assessments.select_related("assessor").annotate(
        need_count=Count("needs"), open_count=Count("needs", filter=Q(needs__status=NeedStatus.OPEN)),
        referred_count=Count("needs", filter=Q(needs__status=NeedStatus.REFERRED)),
    ).order_by("-assessed_on", "-pk")
    page, query = page_of(request, assessments)
    return _page(request, "recipients/assessment_history.html", {
        "household": household, "page": page, "query": query, "today": timezone.localdate(),
        "can_change": services.may_change(request.user, household.region_id),
        "members": services_needs.household_members(household).select_related("region"),
    })


@login_required
def assessment_create(request, pk):
    """Record a household's assessment with its needs (a few empty rows; empty rows are skipped)."""
    household = get_object_or_404(Household.objects.visible_to(request.user, CHANGE).select_related("region"), pk=pk)
    members = services_needs.household_members(household)
    form = AssessmentForm(request.POST or None, initial={"assessed_on": timezone.localdate()})
    formset = NeedFormSet(request.POST or None, form_kwargs={"members": members}, prefix="needs")
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        needs = [row.as_input() for row in formset if row.cleaned_data]
        done = submit(
            request, form,
            lambda **data: services_needs.create_assessment(request.user, household, needs=needs, **data),
            success=_("The assessment has been recorded."),
            then=lambda assessment: redirect("recipients:assessment_detail", pk=assessment.pk),
        )
        if done:
            return done
    return _page(request, "recipients/assessment_form.html", {"household": household, "form": form, "formset": formset})


@login_required
def assessment_detail(request, pk):
    """One assessment: the household's situation, its needs, their status and referrals."""
    assessment = get_object_or_404(
        NeedsAssessment.objects.visible_to(request.user).select_related("household", "household__region", "assessor"), pk=pk
    )
    referrals = Referral.objects.visible_to(request.user).select_related("resource", "recipient").order_by("-referred_on", "-pk")
    needs = list(
        assessment.needs.select_related("recipient").prefetch_related(Prefetch("referrals", queryset=referrals))
        .order_by("pk")
    )
    can_change = services.may_change(request.user, assessment.region_id)
    if can_change:
        for need in needs:
            need.update_form = NeedUpdateForm(auto_id=f"need{need.pk}_%s", initial={"status": need.status, "on": need.resolved_on})
    latest = assessment.household.assessments.order_by("-assessed_on", "-pk").values_list("pk", flat=True).first()
    return _page(request, "recipients/assessment_detail.html", {
        "assessment": assessment, "needs": needs, "can_change": can_change, "is_latest": latest == assessment.pk,
        "today": timezone.localdate(),
    })


@login_required
@require_POST
def need_update(request, pk):
    """Move one need to open, referred or met (posted from the assessment page)."""
    need = get_object_or_404(NeedItem.objects.visible_to(request.user, CHANGE).select_related("recipient"), pk=pk)
    form = NeedUpdateForm(request.POST)
    post_and_flash(
        request, form, lambda status, on: services_needs.update_need(request.user, need, status=status, on=on),
        success=_("The need has been updated."),
    )
    return redirect("recipients:assessment_detail", pk=need.assessment_id)


@login_required
def assessments_due(request):
    """Households within reach whose yearly needs assessment is overdue or was never made."""
    form = PlaceFilterForm(request.GET or None, actor=request.user)
    today = timezone.localdate()
    values = form.values()
    households = services_needs.assessments_due(request.user, **(values or {}), today=today)
    if values is None:  # a place outside the choices: nothing, rather than everything
        households = households.none()
    if request.GET.get("format") == "xlsx":
        return xlsx_response(
            filename=_("needs assessments due"), sheet=_("Assessments due"),
            headers=[_("Township"), _("Village"), _("Head of household"), _("Active members"), _("Assessment due on"), _("Days overdue")],
            rows=(
                (h.region.parent.name if h.region.parent_id else "", h.region.name, h.head_name, h.active_members,
                 h.due_on or _("never assessed"), services_needs.days_overdue(h.due_on, today) if h.due_on else "")
                for h in households
            ),
            action="recipient.assessments_due_export", detail={"filters": filters_of(request)},
        )
    page, query = page_of(request, households)
    for household in page.object_list:
        household.overdue_days = services_needs.days_overdue(household.due_on, today)
    return _page(request, "recipients/assessment_due.html", {
        "filter": form, "page": page, "query": query, "today": today,
        "can_change": _may_change_any(request.user),
    })


def _may_change_any(user) -> bool:
    """Whether the user records assessments anywhere (the list then links to the form)."""
    return any(a.role in RECIPIENT_ROLES[CHANGE] for a in assignments_of(user))


# --- The needs list -------------------------------------------------------------------------


@login_required
def needs_list(request):
    """The needs list (需求清单): open and referred needs per place and domain, then each need."""
    form = NeedsFilterForm(request.GET or None, actor=request.user)
    values = form.values()
    needs = services_needs.needs_list(request.user, **(values or {}))
    if values is None:
        needs = needs.none()
    if request.GET.get("format") == "xlsx":
        return xlsx_response(
            filename=_("needs list"), sheet=_("Needs list"),
            headers=[_("Village"), _("Head of household"), _("Person concerned"), _("Domain"), _("Need"), _("Priority"),
                     _("Status"), _("Assessed on")],
            rows=(
                (n.region.name, n.assessment.household.head_name, n.recipient.name if n.recipient_id else "",
                 n.get_domain_display(), n.description, n.get_priority_display(), n.get_status_display(),
                 n.assessment.assessed_on)
                for n in needs.order_by("region_id", "assessment__household__head_name", "pk")
            ),
            action="recipient.needs_export", detail={"filters": filters_of(request)},
        )
    summary = services_needs.needs_summary(request.user, needs, place=(values or {}).get("place", ""))
    page, query = page_of(request, needs.order_by("region_id", "-assessment__assessed_on", "pk"))
    return _page(request, "recipients/need_list.html", {"filter": form, "summary": summary, "page": page, "query": query})


# --- The resource database ------------------------------------------------------------------


def _may_keep_resources(user) -> bool:
    return services_needs.resource_regions(user).exists()


@login_required
def resource_list(request):
    """The resource database within reach: filter by kind, place, need domain, yearly check."""
    form = ResourceFilterForm(request.GET or None, actor=request.user)
    values = form.values()
    qs = services_needs.resources(request.user, **(values or {}))
    if values is None:
        qs = qs.none()
    if request.GET.get("format") == "xlsx":
        return xlsx_response(
            filename=_("resources"), sheet=_("Resources"),
            headers=[_("Place"), _("Kind"), _("Name"), _("What it offers"), _("Need domains served"), _("Contact person"),
                     _("Contact phone"), _("Address"), _("Active"), _("Last checked"), _("Next check due")],
            rows=(
                (r.region.name, r.get_kind_display(), r.name, r.services, _domain_labels(r.domains), r.contact_person,
                 r.contact_phone, r.address, _("yes") if r.active else _("no"), r.checked_on, r.next_check_due)
                for r in qs
            ),
            action="recipient.resource_export", detail={"filters": filters_of(request)},
        )
    page, query = page_of(request, qs)
    cutoff = services_needs.resource_check_cutoff()
    for resource in page.object_list:
        resource.check_due = resource.checked_on < cutoff
        resource.domain_labels = _domain_labels(resource.domains)
    return _page(request, "recipients/resource_list.html", {
        "filter": form, "page": page, "query": query, "can_create": _may_keep_resources(request.user),
    })


def _domain_labels(domains) -> str:
    labels = dict(NeedDomain.choices)
    return "、".join(str(labels.get(d, d)) for d in domains or [])


@login_required
def resource_create(request):
    form = ResourceCreateForm(request.POST or None, actor=request.user, initial={"checked_on": timezone.localdate(), "active": True})
    if not form.fields["region"].queryset.exists():
        raise Http404
    if request.method == "POST" and form.is_valid():
        done = submit(
            request, form, lambda **data: services_needs.create_resource(request.user, **form.service_fields()),
            error_field="name", denied_field="region", success=_("The resource has been added."),
            then=lambda resource: redirect("recipients:resource_detail", pk=resource.pk),
        )
        if done:
            return done
    return _page(request, "recipients/resource_form.html", {"form": form, "title": _("New resource")})


@login_required
def resource_detail(request, pk):
    resource = get_object_or_404(Resource.objects.visible_to(request.user).select_related("region"), pk=pk)
    referrals = (
        Referral.objects.visible_to(request.user).filter(resource=resource)
        .select_related("recipient", "recipient__region").order_by("-referred_on", "-pk")[:50]
    )
    return _page(request, "recipients/resource_detail.html", {
        "resource": resource, "referrals": referrals, "domain_labels": _domain_labels(resource.domains),
        "check_due": resource.checked_on < services_needs.resource_check_cutoff(),
        "can_change": Resource.objects.visible_to(request.user, CHANGE).filter(pk=resource.pk).exists(),
        "path": resource.region.path(),
    })


@login_required
def resource_edit(request, pk):
    """Edit a resource; saving counts as this year's check unless "mark as checked" is cleared."""
    resource = get_object_or_404(Resource.objects.visible_to(request.user, CHANGE).select_related("region"), pk=pk)
    form = ResourceEditForm(request.POST or None, actor=request.user, resource=resource)
    if request.method == "POST" and form.is_valid():
        done = submit(
            request, form, lambda **data: services_needs.update_resource(request.user, resource, **form.service_fields()),
            error_field="name", denied_field="region", success=_("Saved."),
            then=lambda r: redirect("recipients:resource_detail", pk=r.pk),
        )
        if done:
            return done
    return _page(request, "recipients/resource_form.html", {
        "form": form, "title": _("Edit %(name)s") % {"name": resource.name}, "resource": resource,
    })


@login_required
@require_POST
def resource_check(request, pk):
    """Confirm a resource is up to date: it counts as checked today."""
    resource = get_object_or_404(Resource.objects.visible_to(request.user, CHANGE), pk=pk)
    try:
        services_needs.check_resource(request.user, resource)
    except (ValidationError, PermissionDenied) as exc:
        flash_refusal(request, exc)
    else:
        messages.success(request, _("Marked as checked today."))
    return redirect("recipients:resource_detail", pk=resource.pk)


# --- Referrals ------------------------------------------------------------------------------


@login_required
def referral_create(request, pk):
    """Refer a person to a resource of their township or to another agency."""
    recipient = get_object_or_404(
        Recipient.objects.visible_to(request.user, CHANGE).filter(merged_into__isnull=True).select_related("region"), pk=pk
    )
    initial = {"referred_on": timezone.localdate(), "need": request.GET.get("need") or None}
    form = ReferralForm(request.POST or None, actor=request.user, recipient=recipient, initial=initial)
    if request.method == "POST" and form.is_valid():
        done = submit(
            request, form, lambda **data: services_needs.create_referral(request.user, recipient, **data),
            error_field="reason", denied_field="resource", success=_("The referral has been recorded."),
            then=lambda referral: redirect("recipients:referral_update", pk=referral.pk),
        )
        if done:
            return done
    return _page(request, "recipients/referral_form.html", {"form": form, "recipient": recipient})


@login_required
def referral_update(request, pk):
    """A referral and, for those who may change it, how it went (accepted, completed, declined)."""
    action = CHANGE if request.method == "POST" else VIEW
    referral = get_object_or_404(
        Referral.objects.visible_to(request.user, action).select_related("recipient", "recipient__region", "resource", "need", "created_by"),
        pk=pk,
    )
    can_change = action == CHANGE or Referral.objects.visible_to(request.user, CHANGE).filter(pk=referral.pk).exists()
    form = ReferralUpdateForm(request.POST or None, referral=referral) if can_change else None
    if request.method == "POST" and form.is_valid():
        done = submit(
            request, form, lambda **data: services_needs.update_referral(request.user, referral, **data),
            error_field="status", success=_("The referral has been updated."),
            then=lambda r: redirect("recipients:referral_update", pk=r.pk),
        )
        if done:
            return done
    return _page(request, "recipients/referral_detail.html", {"referral": referral, "form": form})


# --- The duplicate review queue -------------------------------------------------------------


def _duplicates(user):
    """Pairs within reach: the pair's place and both files must be visible (the other file of a
    pair that crosses a township line belongs to someone else's jurisdiction)."""
    people = Recipient.objects.visible_to(user).values("pk")
    return DuplicateCandidate.objects.visible_to(user).filter(first__in=people, second__in=people)


def _may_decide(user, candidate) -> bool:
    return services.may_merge(user, candidate.first) and services.may_merge(user, candidate.second)


def _may_decide_anywhere(user) -> bool:
    return any(a.role in MERGE_ROLES for a in assignments_of(user))


@login_required
def duplicate_list(request):
    """Possible duplicates within reach, awaiting review (or decided)."""
    form = DuplicateFilterForm(request.GET or None)
    state = form.state_value()
    qs = _duplicates(request.user).select_related("first", "second", "first__region", "second__region", "decided_by")
    qs = qs.filter(status=DuplicateStatus.OPEN) if state == "open" else qs.exclude(status=DuplicateStatus.OPEN)
    page, query = page_of(request, qs.order_by("-found_at", "-pk"))
    return _page(request, "recipients/duplicate_list.html", {
        "filter": form, "page": page, "query": query, "state": state, "may_decide": _may_decide_anywhere(request.user),
    })


def _side(person) -> dict:
    return {"person": person, "categories": [m for m in person.categories.all() if m.ended_on is None]}


@login_required
def duplicate_detail(request, pk):
    """The two files side by side (masked values only), and for MERGE_ROLES the decision."""
    candidate = get_object_or_404(_duplicates(request.user).select_related("decided_by"), pk=pk)
    people = {
        p.pk: p for p in Recipient.objects.visible_to(request.user).filter(pk__in=[candidate.first_id, candidate.second_id])
        .select_related("region", "region__parent", "household", "merged_into")
        .prefetch_related("categories")
        .annotate(timeline_count=Count("timeline", distinct=True), referral_count=Count("referrals", distinct=True),
                  need_count=Count("needs", distinct=True))
    }
    candidate.first, candidate.second = people[candidate.first_id], people[candidate.second_id]
    return _page(request, "recipients/duplicate_detail.html", {
        "candidate": candidate, "sides": [_side(candidate.first), _side(candidate.second)],
        "may_decide": candidate.status == DuplicateStatus.OPEN and _may_decide(request.user, candidate),
        "ids_differ": bool(candidate.first.id_index and candidate.second.id_index),
    })


def _decidable(request, pk):
    """The open pair posted to, for a user who may decide it: 404 outside reach, 403 otherwise."""
    candidate = get_object_or_404(_duplicates(request.user).select_related("first", "second"), pk=pk)
    if not _may_decide(request.user, candidate):
        raise PermissionDenied(_("Only the township office and the station lead decide on duplicates."))
    return candidate


@login_required
@require_POST
def duplicate_merge(request, pk):
    """Merge the pair into the file chosen to keep; the other file points to it from now on."""
    candidate = _decidable(request, pk)
    keep = request.POST.get("keep", "")
    survivor = {str(candidate.first_id): candidate.first, str(candidate.second_id): candidate.second}.get(keep)
    if survivor is None:
        messages.error(request, _("Choose the file to keep."))
        return redirect("recipients:duplicate_detail", pk=candidate.pk)
    try:
        services.merge(request.user, candidate, survivor)
    except ValidationError as exc:
        flash_refusal(request, exc)
        return redirect("recipients:duplicate_detail", pk=candidate.pk)
    messages.success(request, _("The files have been merged into file no. %(pk)s (%(name)s).") % {
        "pk": survivor.pk, "name": survivor.name})
    return redirect("recipients:duplicate_list")


@login_required
@require_POST
def duplicate_dismiss(request, pk):
    """Record that the two files are different people; the pair leaves the queue."""
    candidate = _decidable(request, pk)
    try:
        services.dismiss_duplicate(request.user, candidate)
    except ValidationError as exc:
        flash_refusal(request, exc)
        return redirect("recipients:duplicate_detail", pk=candidate.pk)
    messages.success(request, _("Recorded as two different people."))
    return redirect("recipients:duplicate_list")


urlpatterns = [
    path("households/<int:pk>/assessments/", household_assessments, name="household_assessments"),
    path("households/<int:pk>/assessments/new/", assessment_create, name="assessment_create"),
    path("assessments/due/", assessments_due, name="assessments_due"),
    path("assessments/<int:pk>/", assessment_detail, name="assessment_detail"),
    path("needs/", needs_list, name="needs_list"),
    path("needs/<int:pk>/", need_update, name="need_update"),
    path("resources/", resource_list, name="resource_list"),
    path("resources/new/", resource_create, name="resource_create"),
    path("resources/<int:pk>/", resource_detail, name="resource_detail"),
    path("resources/<int:pk>/edit/", resource_edit, name="resource_edit"),
    path("resources/<int:pk>/check/", resource_check, name="resource_check"),
    path("<int:pk>/referrals/new/", referral_create, name="referral_create"),
    path("referrals/<int:pk>/", referral_update, name="referral_update"),
    path("duplicates/", duplicate_list, name="duplicate_list"),
    path("duplicates/<int:pk>/", duplicate_detail, name="duplicate_detail"),
    path("duplicates/<int:pk>/merge/", duplicate_merge, name="duplicate_merge"),
    path("duplicates/<int:pk>/dismiss/", duplicate_dismiss, name="duplicate_dismiss"),
]
