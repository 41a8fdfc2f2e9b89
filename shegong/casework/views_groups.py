"""Pages of groups (小组, MZ/T 095): the list with each group's validity, the group page with
its members and sessions, and the session page where attendance is ticked on one screen.

Every read starts from ``visible_to``; outside the jurisdiction is the same 404 as missing.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Max, Prefetch, Q
from django.db.models.functions import Coalesce
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from shegong.core.flow import attach_errors, flash_form_errors, flash_refusal
from shegong.core.lists import page_of
from shegong.core.scoping import CHANGE
from shegong.recipients import pinyin
from shegong.recipients.models import Recipient
from shegong.regions.fields import region_q

from . import services_groups as svc
from .forms_groups import (
    GroupDrillForm,
    GroupEditForm,
    GroupForm,
    LeaveForm,
    MemberForm,
    SessionEditForm,
    SessionForm,
    places_for,
)
from .models import Group, GroupMember, GroupSession, GroupStatus, SessionAttendance

SEARCH_LIMIT = 20


def _group_or_404(request, pk, action="view") -> Group:
    group = (
        Group.objects.visible_to(request.user, action).select_related("region", "region__parent", "leader")
        .prefetch_related("items").filter(pk=pk).first()
    )
    if group is None:
        raise Http404
    return group


def _with_validity_data(qs):
    """What :func:`services_groups.validity` reads, for every group of a page in three queries."""
    return qs.prefetch_related(
        Prefetch("members", queryset=GroupMember.objects.order_by("pk")),
        Prefetch("sessions", queryset=GroupSession.objects.order_by("number")),
        Prefetch("sessions__attendance", queryset=SessionAttendance.objects.only("pk", "session_id", "member_id", "present")),
    )


def _can_change(request, group) -> bool:
    return Group.objects.visible_to(request.user, CHANGE).filter(pk=group.pk).exists()


def attachments_context(request, owner) -> dict:
    """The shared attachments block (photos, sign-in sheets) of a record."""
    from .attachments import section_context

    return {"attachments_block": section_context(owner, request.user)}


# --- List ------------------------------------------------------------------------------------


@require_safe
@login_required
def group_list(request):
    qs = Group.objects.visible_to(request.user).select_related("region", "region__parent", "leader")
    status = request.GET.get("status", "")
    if status in GroupStatus.values:
        qs = qs.filter(status=status)
    year = request.GET.get("year", "")
    if year.isdigit() and len(year) == 4:
        qs = qs.filter(Q(starts_on__year__lte=int(year)) & (Q(ends_on__isnull=True) | Q(ends_on__year__gte=int(year))))
    q = request.GET.get("q", "").strip()[:50]
    if q:
        qs = qs.filter(name__icontains=q)
    drill = GroupDrillForm(request.GET)
    qs = _drilled(qs, drill)
    page, query = page_of(request, _with_validity_data(qs.order_by("-starts_on", "-pk")))
    groups = list(page.object_list)
    pairs = {}
    for group in groups:
        sessions = list(group.sessions.all())
        pairs[group.pk] = (group.region_id, svc.validity_day(group, sessions))
    policies = svc.policies_for(pairs.values())
    rows = [(g, svc.validity(g, policy=policies[pairs[g.pk]])) for g in groups]
    return render(
        request, "casework/group_list.html",
        {
            "page": page, "query": query, "rows": rows, "statuses": GroupStatus.choices, "status": status, "year": year,
            "q": q, "can_create": places_for(request.user).exists(), "drill": drill,
        },
    )


def _drilled(qs, drill):
    """``qs`` narrowed by the drill-down filters (nothing when they are wrong: the form says why)."""
    if not drill.is_valid():
        return qs.none()
    data = drill.cleaned_data
    if data["region"]:
        qs = qs.filter(region_q("region__code", data["region"]))
    if data["date_from"] or data["date_to"]:
        qs = qs.annotate(_judged=Coalesce("ends_on", Max("sessions__held_on")))
        if data["date_from"]:
            qs = qs.filter(_judged__gte=data["date_from"])
        if data["date_to"]:
            qs = qs.filter(_judged__lte=data["date_to"])
    if data["valid"]:
        groups = list(_with_validity_data(qs.order_by()))
        days = {g.pk: (g.region_id, svc.validity_day(g, list(g.sessions.all()))) for g in groups}
        policies = svc.policies_for(days.values())
        wanted = data["valid"] == "yes"
        qs = qs.filter(pk__in=[g.pk for g in groups if svc.validity(g, policy=policies[days[g.pk]]).valid == wanted])
    return qs


# --- Create, edit, detail ---------------------------------------------------------------------


@login_required
def group_create(request):
    form = GroupForm(request.POST or None, actor=request.user)
    if not form.fields["place"].queryset.exists():
        raise Http404
    if request.method == "POST" and form.is_valid():
        try:
            group = svc.group_create(actor=request.user, **form.service_fields())
        except (ValidationError, PermissionDenied) as exc:
            attach_errors(form, exc, "place" if isinstance(exc, PermissionDenied) else None)
        else:
            messages.success(request, _("The group has been created. Add its members next."))
            return redirect("casework:group_detail", pk=group.pk)
    return render(request, "casework/group_form.html", {"form": form, "title": _("New group")})


@login_required
def group_edit(request, pk):
    group = _group_or_404(request, pk, CHANGE)
    form = GroupEditForm(request.POST or None, instance=group, actor=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            svc.group_update(actor=request.user, group=group, version=form.cleaned_data["version"], **form.service_fields())
        except (ValidationError, PermissionDenied) as exc:
            attach_errors(form, exc)
        else:
            messages.success(request, _("Saved."))
            return redirect("casework:group_detail", pk=group.pk)
    return render(request, "casework/group_form.html", {"form": form, "title": _("Edit %(name)s") % {"name": group.name}, "group": group})


@require_safe
@login_required
def group_detail(request, pk):
    group = (
        _with_validity_data(Group.objects.visible_to(request.user))
        .select_related("region", "region__parent", "leader").prefetch_related("items").filter(pk=pk).first()
    )
    if group is None:
        raise Http404
    members = list(
        GroupMember.objects.visible_to(request.user).filter(group=group).select_related("recipient", "recipient__region").order_by("left_on", "pk")
    )
    validity = svc.validity(group)
    sessions = list(group.sessions.all())
    for session in sessions:
        session.present_count = sum(1 for a in session.attendance.all() if a.present)
        session.expected_count = len(svc.expected_members(group.members.all(), session.held_on))
    can_change = _can_change(request, group)
    return render(
        request, "casework/group_detail.html",
        {
            "group": group, "members": members, "sessions": sessions, "validity": validity, "can_change": can_change,
            "member_form": MemberForm(actor=request.user, group=group) if can_change else None,
        },
    )


# --- Members ---------------------------------------------------------------------------------


@require_POST
@login_required
def group_member_add(request, pk):
    group = _group_or_404(request, pk, CHANGE)
    form = MemberForm(request.POST, actor=request.user, group=group)
    if not form.is_valid():
        flash_form_errors(request, form)
        return redirect("casework:group_detail", pk=group.pk)
    data = form.cleaned_data
    try:
        member = svc.member_add(actor=request.user, group=group, joined_on=data["joined_on"], recipient=data["person"], name=data["name"])
    except (ValidationError, PermissionDenied) as exc:
        flash_refusal(request, exc)
    else:
        messages.success(request, _("%(name)s joined the group.") % {"name": member})
    return redirect("casework:group_detail", pk=group.pk)


@require_POST
@login_required
def group_member_leave(request, pk):
    group = _group_or_404(request, pk, CHANGE)
    form = LeaveForm(request.POST)
    if not form.is_valid():
        flash_form_errors(request, form)
        return redirect("casework:group_detail", pk=group.pk)
    member = group.members.filter(pk=form.cleaned_data["member"]).select_related("recipient").first()
    if member is None:
        raise Http404
    try:
        svc.member_leave(actor=request.user, member=member, left_on=form.cleaned_data["left_on"])
    except (ValidationError, PermissionDenied) as exc:
        flash_refusal(request, exc)
    else:
        messages.success(request, _("%(name)s has left the group.") % {"name": member})
    return redirect("casework:group_detail", pk=group.pk)


@require_safe
@login_required
def person_search(request):
    """Recipients within reach whose name (or pinyin) matches ``q``, as tappable choices for the
    member and participant pickers (htmx)."""
    q = request.GET.get("q", "").strip()[:50]
    field = request.GET.get("field", "recipient")
    if field not in ("recipient", "participants"):
        field = "recipient"
    found = []
    if q and sum(ch.isdigit() for ch in q) < 6:  # names only: an ID number stays out of addresses
        qs = Recipient.objects.visible_to(request.user).filter(merged_into__isnull=True).select_related("region")
        if pinyin.looks_like_pinyin(q):
            compact = q.replace(" ", "").lower()
            qs = qs.filter(pinyin.name_search(compact))
        else:
            qs = qs.filter(name__icontains=q)
        found = list(qs.order_by("name_pinyin", "pk")[:SEARCH_LIMIT])
    return render(
        request, "casework/group_person_options.html",
        {"found": found, "q": q, "field": field, "multiple": field == "participants", "limit": SEARCH_LIMIT},
    )


# --- Sessions --------------------------------------------------------------------------------


def _session_or_404(request, pk, action="view") -> GroupSession:
    session = (
        GroupSession.objects.visible_to(request.user, action)
        .select_related("group", "group__region", "written_by").prefetch_related("attendance").filter(pk=pk).first()
    )
    if session is None:
        raise Http404
    return session


@login_required
def session_create(request, pk):
    group = _group_or_404(request, pk, CHANGE)
    form = SessionForm(request.POST or None, group=group)
    if request.method == "POST" and form.is_valid():
        try:
            session = svc.session_add(actor=request.user, group=group, **form.service_fields())
        except (ValidationError, PermissionDenied) as exc:
            attach_errors(form, exc)
        else:
            messages.success(request, _("Session %(number)s has been recorded.") % {"number": session.number})
            return redirect("casework:session_detail", pk=session.pk)
    number = (group.sessions.count() or 0) + 1
    return render(
        request, "casework/session_form.html",
        {"form": form, "group": group, "title": _("Session %(number)s of %(group)s") % {"number": number, "group": group.name}},
    )


@login_required
def session_edit(request, pk):
    session = _session_or_404(request, pk, CHANGE)
    group = session.group
    form = SessionEditForm(request.POST or None, instance=session, group=group)
    if request.method == "POST" and form.is_valid():
        try:
            svc.session_update(actor=request.user, session=session, version=form.cleaned_data["version"], **form.service_fields())
        except (ValidationError, PermissionDenied) as exc:
            attach_errors(form, exc)
        else:
            messages.success(request, _("Saved."))
            return redirect("casework:session_detail", pk=session.pk)
    return render(
        request, "casework/session_form.html",
        {"form": form, "group": group, "session": session,
         "title": _("Session %(number)s of %(group)s") % {"number": session.number, "group": group.name}},
    )


@require_safe
@login_required
def session_detail(request, pk):
    session = _session_or_404(request, pk)
    group = session.group
    rows = list(session.attendance.select_related("member", "member__recipient", "member__recipient__region").order_by("member_id"))
    can_change = Group.objects.visible_to(request.user, CHANGE).filter(pk=group.pk).exists()
    return render(
        request, "casework/session_detail.html",
        {
            "session": session, "group": group, "rows": rows, "present": sum(1 for r in rows if r.present),
            "can_change": can_change, **attachments_context(request, session),
        },
    )


urlpatterns = [
    path("groups/", group_list, name="group_list"),
    path("groups/new/", group_create, name="group_create"),
    path("groups/people/", person_search, name="person_search"),
    path("groups/<int:pk>/", group_detail, name="group_detail"),
    path("groups/<int:pk>/edit/", group_edit, name="group_edit"),
    path("groups/<int:pk>/members/", group_member_add, name="group_member_add"),
    path("groups/<int:pk>/members/leave/", group_member_leave, name="group_member_leave"),
    path("groups/<int:pk>/sessions/new/", session_create, name="session_create"),
    path("sessions/<int:pk>/", session_detail, name="session_detail"),
    path("sessions/<int:pk>/edit/", session_edit, name="session_edit"),
]
