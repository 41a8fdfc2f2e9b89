"""Writes on the workforce: workers, assignments, sessions, volunteers, wages. Atomic, audited."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from shegong.core import audit
from shegong.core.scoping import CHANGE, may_act_at
from shegong.stations.models import Station

from .models import (
    Attendance,
    LocalAverageWage,
    Session,
    SocialWorker,
    StationAssignment,
    Volunteer,
    VolunteerService,
)

WORKER_FIELDS = (
    "name", "sex", "birth_date", "education", "major", "is_social_work_major", "certificate_level",
    "certificate_number", "certificate_date", "took_post_on", "has_labour_contract", "contract_start",
    "contract_end", "has_social_insurance", "monthly_salary", "phone", "user",
)


def _check_station(actor, station: Station, employer) -> None:
    """The actor may post ``employer``'s workers at ``station``."""
    if actor is None:
        return
    if not Station.objects.visible_to(actor).filter(pk=station.pk).exists() or not may_act_at(
        actor, SocialWorker.scope, CHANGE, station.region_id, employer.pk if employer else None
    ):
        raise PermissionDenied(_("You cannot manage workers at this station."))


def _check_worker(actor, worker: SocialWorker) -> None:
    if actor is not None and not SocialWorker.objects.visible_to(actor, CHANGE).filter(pk=worker.pk).exists():
        raise PermissionDenied(_("You cannot change this worker."))


def _plain(value):
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if hasattr(value, "pk"):
        return value.pk
    return value


def worker_create_unchecked(*, actor, employer, station: Station, start: date, **fields) -> SocialWorker:
    """Create a worker and its first assignment; the caller has checked permission and opened
    the transaction (the import writes many in one)."""
    worker = SocialWorker(employer=employer, **{k: v for k, v in fields.items() if k in WORKER_FIELDS})
    worker.full_clean()
    worker.save()
    assignment = StationAssignment(worker=worker, station=station, start=start)
    assignment.full_clean()
    assignment.save()
    audit.record(
        "workforce.worker_create", obj=worker, actor=actor, region_code=station.region_id,
        detail={"station": station.pk, "start": start.isoformat()},
    )
    return worker


@transaction.atomic
def worker_create(*, actor, employer, station: Station, start: date | None = None, **fields) -> SocialWorker:
    """Register a social worker employed by ``employer`` and post them at ``station`` from
    ``start`` (default: the day they took the post)."""
    _check_station(actor, station, employer)
    if station.operator_id and station.operator_id != employer.pk:
        raise ValidationError({"station": _("This station is run by another operator.")})
    return worker_create_unchecked(
        actor=actor, employer=employer, station=station, start=start or fields.get("took_post_on"), **fields
    )


@transaction.atomic
def worker_update(*, actor, worker: SocialWorker, **fields) -> SocialWorker:
    """Change a worker's record; the audit row lists the fields that changed."""
    _check_worker(actor, worker)
    changed = {}
    for key, value in fields.items():
        if key not in WORKER_FIELDS:
            raise ValueError(f"unknown worker field {key!r}")
        if getattr(worker, key) != value:
            changed[key] = [_plain(getattr(worker, key)), _plain(value)]
            setattr(worker, key, value)
    worker.full_clean()
    worker.save()
    if changed:
        # Salaries are personal data: record that they changed, not the amounts.
        if "monthly_salary" in changed:
            changed["monthly_salary"] = ["*", "*"]
        audit.record("workforce.worker_update", obj=worker, actor=actor, detail={"changed": changed})
    return worker


@transaction.atomic
def worker_assign(*, actor, worker: SocialWorker, station: Station, start: date) -> StationAssignment:
    """Post ``worker`` at ``station`` from ``start``, closing the assignment in force the day before."""
    _check_worker(actor, worker)
    _check_station(actor, station, worker.employer)
    current = worker.assignment_on(start)
    if current is not None:
        if current.station_id == station.pk:
            raise ValidationError({"station": _("The worker is already at this station on that day.")})
        if current.start >= start:
            raise ValidationError({"start": _("The new assignment must start after the current one.")})
        current.end = start - timedelta(days=1)
        current.save(update_fields=["end"])
    if worker.assignments.filter(start__gt=start).exists():
        raise ValidationError({"start": _("The worker already has a later assignment.")})
    assignment = StationAssignment(worker=worker, station=station, start=start)
    assignment.full_clean()
    assignment.save()
    audit.record(
        "workforce.worker_assign", obj=worker, actor=actor, region_code=station.region_id,
        detail={"station": station.pk, "start": start.isoformat(), "closed": current.pk if current else None},
    )
    return assignment


@transaction.atomic
def session_create(
    *, actor, kind: str, date: date, hours: Decimal, provider: str, topic: str, region, operator=None,
    attendees=(), credited: dict | None = None,
) -> Session:
    """Record a training or supervision session and credit its attendees (all the session's
    hours unless ``credited`` gives a worker fewer). Attendees must be workers the actor sees."""
    if actor is not None and not may_act_at(actor, Session.scope, CHANGE, region.code, operator.pk if operator else None):
        raise PermissionDenied(_("You cannot record sessions for this place."))
    session = Session(kind=kind, date=date, hours=hours, provider=provider, topic=topic, region=region, operator=operator)
    session.full_clean()
    session.save()
    attendees = list(attendees)
    if actor is not None:
        visible = set(SocialWorker.objects.visible_to(actor).filter(pk__in=[w.pk for w in attendees]).values_list("pk", flat=True))
        if any(w.pk not in visible for w in attendees):
            raise PermissionDenied(_("You cannot record attendance of this worker."))
    credited = credited or {}
    for worker in attendees:
        row = Attendance(session=session, worker=worker, hours=credited.get(worker.pk, hours))
        row.full_clean()
        row.save()
    audit.record(
        "workforce.session_create", obj=session, actor=actor,
        detail={"kind": kind, "date": date.isoformat(), "hours": str(hours), "attendees": [w.pk for w in attendees]},
    )
    return session


@transaction.atomic
def volunteer_create(*, actor, station: Station, name: str, phone: str = "", joined_on: date | None = None) -> Volunteer:
    """Register a volunteer serving with ``station``."""
    if actor is not None and not may_act_at(actor, Volunteer.scope, CHANGE, station.region_id, station.operator_id):
        raise PermissionDenied(_("You cannot register volunteers at this station."))
    volunteer = Volunteer(station=station, name=name, phone=phone, joined_on=joined_on)
    volunteer.full_clean()
    volunteer.save()
    audit.record("workforce.volunteer_create", obj=volunteer, actor=actor)
    return volunteer


@transaction.atomic
def volunteer_service_add(*, actor, volunteer: Volunteer, date: date, hours: Decimal, activity: str = "") -> VolunteerService:
    """Log hours a volunteer served."""
    if actor is not None and not Volunteer.objects.visible_to(actor, CHANGE).filter(pk=volunteer.pk).exists():
        raise PermissionDenied(_("You cannot log hours for this volunteer."))
    service = VolunteerService(volunteer=volunteer, date=date, hours=hours, activity=activity)
    service.full_clean()
    service.save()
    audit.record("workforce.volunteer_service_add", obj=service, actor=actor, detail={"hours": str(hours), "date": date.isoformat()})
    return service


@transaction.atomic
def wage_set(*, actor, region, year: int, monthly_amount: Decimal, source: str = "") -> LocalAverageWage:
    """Enter (or correct) the local average monthly wage of a place for a year."""
    if actor is not None and not may_act_at(actor, LocalAverageWage.scope, CHANGE, region.code):
        raise PermissionDenied(_("You cannot set the average wage of this place."))
    wage = LocalAverageWage.objects.filter(region=region, year=year).first() or LocalAverageWage(region=region, year=year)
    old = wage.monthly_amount
    wage.monthly_amount, wage.source = monthly_amount, source
    wage.full_clean()
    wage.save()
    audit.record(
        "workforce.wage_set", obj=wage, actor=actor,
        detail={"year": year, "amount": str(monthly_amount), "previous": str(old) if old is not None else None},
    )
    return wage
