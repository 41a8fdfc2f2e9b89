"""Reads of the workforce, always scoped on their first line."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.db.models import DecimalField, Prefetch, Q, Sum
from django.db.models.functions import Coalesce

from shegong.core.scoping import CHANGE
from shegong.stations.models import Station

from . import compliance
from .filters import SessionFilter, VolunteerFilter, WorkerFilter
from .models import (
    Attendance,
    LocalAverageWage,
    Session,
    SocialWorker,
    StationAssignment,
    Volunteer,
    VolunteerService,
)


def _current_assignments():
    today = date.today()
    return Prefetch(
        "assignments",
        queryset=StationAssignment.objects.filter(start__lte=today)
        .filter(Q(end__isnull=True) | Q(end__gte=today))
        .select_related("station"),
        to_attr="current_assignments",
    )


def worker_list(*, actor, params=None):
    """Workers ``actor`` may see, filtered; returns (filterset, queryset) with the employer and
    current station loaded in a constant number of queries."""
    base = SocialWorker.objects.visible_to(actor).select_related("employer").prefetch_related(_current_assignments())
    filterset = WorkerFilter(params or None, queryset=base, actor=actor)
    qs = filterset.qs if not filterset.is_bound or filterset.is_valid() else base.none()
    return filterset, qs.order_by("name", "pk")


def worker_get(*, actor, pk, action="view") -> SocialWorker:
    """One worker ``actor`` may see (or change); raises SocialWorker.DoesNotExist otherwise."""
    return SocialWorker.objects.visible_to(actor, action).select_related("employer", "user").get(pk=pk)


def worker_changeable(*, actor, worker) -> bool:
    return SocialWorker.objects.visible_to(actor, CHANGE).filter(pk=worker.pk).exists()


def worker_file(*, actor, worker, years, today=None) -> dict:
    """Everything the worker file shows; ``worker`` comes from :func:`worker_get`."""
    today = today or date.today()
    return {
        "assignments": worker.assignments.select_related("station", "station__region").order_by("-start"),
        "attendance": Attendance.objects.filter(worker=worker).select_related("session").order_by("-session__date"),
        "years": [compliance.worker_year(worker, y, today=today) for y in years],
    }


def session_list(*, actor, params=None):
    """Sessions ``actor`` may see, filtered, with attendee counts."""
    from django.db.models import Count

    base = Session.objects.visible_to(actor).select_related("region", "operator").annotate(n_attendees=Count("attendance"))
    filterset = SessionFilter(params or None, queryset=base)
    qs = filterset.qs if not filterset.is_bound or filterset.is_valid() else base.none()
    return filterset, qs.order_by("-date", "pk")


def session_get(*, actor, pk) -> Session:
    return Session.objects.visible_to(actor).select_related("region", "operator").get(pk=pk)


def stations_for_workers(actor):
    """Stations where ``actor`` may post workers (visible stations at places it may change)."""
    from shegong.core.scoping import may_act_at

    stations = Station.objects.visible_to(actor).select_related("operator", "region")
    keep = [s.pk for s in stations if s.operator_id and may_act_at(actor, SocialWorker.scope, CHANGE, s.region_id, s.operator_id)]
    return Station.objects.filter(pk__in=keep).select_related("operator", "region")


def _hours(year=None):
    """The volunteer's summed service hours (of ``year`` when given), 0 when none."""
    condition = Q(services__date__year=year) if year else None
    return Coalesce(
        Sum("services__hours", filter=condition), Decimal("0"), output_field=DecimalField(max_digits=9, decimal_places=1)
    )


def volunteer_list(*, actor, params=None, year=None):
    """Volunteers ``actor`` may see, filtered, with their hours of ``year`` (default: this year)
    as ``year_hours``; returns (filterset, queryset)."""
    year = year or date.today().year
    base = Volunteer.objects.visible_to(actor).select_related("station", "station__region")
    filterset = VolunteerFilter(params or None, queryset=base, actor=actor)
    qs = filterset.qs if not filterset.is_bound or filterset.is_valid() else base.none()
    return filterset, qs.annotate(year_hours=_hours(year)).order_by("name", "pk")


def volunteer_get(*, actor, pk, action="view") -> Volunteer:
    """One volunteer ``actor`` may see (or change), with ``year_hours`` of this year and
    ``total_hours``; raises Volunteer.DoesNotExist otherwise."""
    return (
        Volunteer.objects.visible_to(actor, action)
        .select_related("station", "station__region")
        .annotate(year_hours=_hours(date.today().year), total_hours=_hours())
        .get(pk=pk)
    )


def volunteer_changeable(*, actor, volunteer) -> bool:
    return Volunteer.objects.visible_to(actor, CHANGE).filter(pk=volunteer.pk).exists()


def volunteer_services(*, actor, volunteer):
    """The hours logged for ``volunteer``, newest first."""
    return VolunteerService.objects.visible_to(actor).filter(volunteer=volunteer).order_by("-date", "-pk")


def stations_for_volunteers(actor):
    """Stations where ``actor`` may register volunteers (visible stations at places it may change)."""
    from shegong.core.scoping import may_act_at

    stations = Station.objects.visible_to(actor).select_related("operator", "region")
    keep = [s.pk for s in stations if may_act_at(actor, Volunteer.scope, CHANGE, s.region_id, s.operator_id)]
    return Station.objects.filter(pk__in=keep).select_related("operator", "region").order_by("name", "pk")


def wage_list(*, actor):
    """Local average wages of the places ``actor`` may see."""
    return LocalAverageWage.objects.visible_to(actor).select_related("region").order_by("region_id", "-year")
