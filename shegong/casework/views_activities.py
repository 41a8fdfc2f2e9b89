"""Pages of community activities (社区活动) and policy publicity (政策宣传): the list with its
filters, yearly counts against the profile and export; the phone-first form (which also answers
the offline outbox); the activity page; edit and delete.

Every read starts from ``visible_to``; outside the jurisdiction is the same 404 as missing.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from shegong.core import audit
from shegong.core.exports import xlsx_response
from shegong.core.flow import attach_errors, flash_refusal
from shegong.core.lists import filters_of, page_of
from shegong.core.scoping import CHANGE, assignments_of, regions_within_reach
from shegong.regions.models import Level

from . import services_activities as svc
from .forms_activities import ActivityEditForm, ActivityFilter, ActivityForm
from .forms_groups import places_for
from .models import CASEWORK_ROLES, Activity, ActivityKind
from .views_groups import attachments_context

OFFLINE_HEADER = "X-Shegong-Offline"


def _activity_or_404(request, pk, action="view") -> Activity:
    activity = (
        Activity.objects.visible_to(request.user, action)
        .select_related("region", "region__parent", "organiser", "created_by").filter(pk=pk).first()
    )
    if activity is None:
        raise Http404
    return activity


def _offline(request) -> bool:
    return request.headers.get(OFFLINE_HEADER) == "1"


def _errors_of(form) -> dict:
    return {field: [str(e) for e in errors] for field, errors in form.errors.items()}


# --- List, counts, export --------------------------------------------------------------------


def _year_of(request) -> int:
    raw = request.GET.get("year", "")
    today = timezone.localdate()
    return int(raw) if raw.isdigit() and 2000 <= int(raw) <= today.year + 1 else today.year


def _townships(request):
    return (
        regions_within_reach(request.user, CASEWORK_ROLES["view"]).filter(level=Level.TOWNSHIP).order_by("code")
    )


EXPORT_HEADERS = ("类型", "日期", "标题", "乡镇(街道)", "村(社区)", "地点", "服务主题", "参与人数", "实名参与者", "志愿者", "志愿服务时长", "组织者", "活动内容")


def _export_row(a: Activity) -> list:
    township = a.region.parent.name if a.region.level == Level.VILLAGE and a.region.parent_id else a.region.name
    village = a.region.name if a.region.level == Level.VILLAGE else ""
    volunteers = list(a.volunteers.all())
    return [
        a.get_kind_display(), a.held_on, a.title, township, village, a.place, "、".join(i.name for i in a.items.all()),
        a.participant_count, len(a.named.all()), "、".join(v.volunteer.name for v in volunteers),
        float(sum((v.hours for v in volunteers), 0)), a.organiser.name if a.organiser_id else "", a.description,
    ]


@require_safe
@login_required
def activity_list(request):
    base = (
        Activity.objects.visible_to(request.user).select_related("region", "region__parent", "organiser")
        .prefetch_related("items", "named", "volunteers__volunteer")
    )
    filterset = ActivityFilter(request.GET or None, queryset=base, actor=request.user)
    qs = (filterset.qs if filterset.is_bound and filterset.is_valid() else base).order_by("-held_on", "-pk")
    if request.GET.get("format") == "xlsx":
        codes = [a.region_id or "" for a in assignments_of(request.user) if a.role in CASEWORK_ROLES["view"]]
        return xlsx_response(
            filename="社区活动与政策宣传", sheet="活动", headers=EXPORT_HEADERS,
            rows=(_export_row(a) for a in qs.iterator(chunk_size=500)), action="casework.activity_export",
            region_code=audit.longest_common_prefix(codes), detail={"filters": filters_of(request)},
        )
    page, query = page_of(request, qs)
    year = _year_of(request)
    counts = svc.year_counts(actor=request.user, year=year, townships=_townships(request))
    export_query = "&".join(p for p in (query, "format=xlsx") if p)
    return render(
        request, "casework/activity_list.html",
        {
            "filter": filterset, "page": page, "query": query, "export_query": export_query, "counts": counts,
            "year": year, "kind": request.GET.get("kind", ""), "kinds": ActivityKind.choices,
            "can_create": places_for(request.user).exists(),
        },
    )


# --- Create (also the offline outbox's endpoint), detail, edit, delete --------------------------


@login_required
def activity_create(request):
    offline = _offline(request)
    initial = {}
    if request.GET.get("kind") in ActivityKind.values:
        initial["kind"] = request.GET["kind"]
    form = ActivityForm(request.POST or None, actor=request.user, initial=initial)
    if not form.fields["place_region"].queryset.exists():
        if offline:
            return JsonResponse({"ok": False, "errors": {"__all__": [_("You cannot record activities.")]}}, status=400)
        raise Http404
    if request.method == "POST":
        if form.is_valid():
            try:
                activity, created = svc.activity_create(actor=request.user, **form.service_fields())
            except (ValidationError, PermissionDenied) as exc:
                attach_errors(form, exc, "place_region" if isinstance(exc, PermissionDenied) else None)
            else:
                url = reverse("casework:activity_detail", args=[activity.pk])
                if offline:
                    if request.headers.get("X-Shegong-Live") == "1":  # the person sees the next page
                        messages.success(request, _("Recorded.") if created else _("This form was already submitted: here is the record."))
                    return JsonResponse({"ok": True, "url": url, "created": created})
                messages.success(request, _("Recorded.") if created else _("This form was already submitted: here is the record."))
                return redirect(url)
        if offline:
            return JsonResponse({"ok": False, "errors": _errors_of(form)}, status=400)
    return render(request, "casework/activity_form.html", {"form": form, "title": _("Record an activity or publicity event")})


@require_safe
@login_required
def activity_detail(request, pk):
    activity = _activity_or_404(request, pk)
    can_change = Activity.objects.visible_to(request.user, CHANGE).filter(pk=activity.pk).exists()
    return render(
        request, "casework/activity_detail.html",
        {
            "activity": activity, "items": list(activity.items.select_related("domain")),
            "participants": list(activity.participants.select_related("region").order_by("name_pinyin", "pk")),
            "volunteers": list(activity.volunteers.select_related("volunteer").order_by("volunteer__name")),
            "can_change": can_change, **attachments_context(request, activity),
        },
    )


@login_required
def activity_edit(request, pk):
    activity = _activity_or_404(request, pk, CHANGE)
    form = ActivityEditForm(request.POST or None, instance=activity, actor=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            svc.activity_update(actor=request.user, activity=activity, version=form.cleaned_data["version"], **form.service_fields())
        except (ValidationError, PermissionDenied) as exc:
            attach_errors(form, exc)
        else:
            messages.success(request, _("Saved."))
            return redirect("casework:activity_detail", pk=activity.pk)
    return render(
        request, "casework/activity_form.html",
        {"form": form, "activity": activity, "title": _("Edit %(title)s") % {"title": activity.title}},
    )


@require_POST
@login_required
def activity_delete(request, pk):
    activity = _activity_or_404(request, pk, CHANGE)
    try:
        svc.activity_delete(actor=request.user, activity=activity)
    except (ValidationError, PermissionDenied) as exc:
        flash_refusal(request, exc)
        return redirect("casework:activity_detail", pk=activity.pk)
    messages.success(request, _("The activity and the volunteer hours it recorded have been deleted."))
    return redirect("casework:activity_list")


urlpatterns = [
    path("activities/", activity_list, name="activity_list"),
    path("activities/new/", activity_create, name="activity_create"),
    path("activities/<int:pk>/", activity_detail, name="activity_detail"),
    path("activities/<int:pk>/edit/", activity_edit, name="activity_edit"),
    path("activities/<int:pk>/delete/", activity_delete, name="activity_delete"),
]
