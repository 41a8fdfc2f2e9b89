"""Visit plans (走访计划): which recipients are due a home visit, by when, and who goes.

The rules are the policy profile's (never numbers in code), read with
:func:`shegong.policies.selectors.policy_for` for the recipient's township on the planning day:

- a new recipient never visited is due ``visit_new_within_days`` after registration (on the day of
  registration when the profile sets no value), when ``visit_rate_new`` is above zero;
- a recipient whose follow-up level has a ``visit_every_days_<level>`` value is due that many days
  after the last visit that met them (at once when never met);
- of the others, at least ``visit_rate_others`` of them are visited each year: the ones not visited
  this year, longest unvisited first, are planned for the end of the year until the share is reached.

At most one plan is open per recipient (a database constraint). A visit that met the person
(``FULFILLING_OUTCOMES``) marks the open plan done and plans the next at once; "nobody home" and
"house empty" leave it open. Plans of people no longer served are cancelled. Running the planner
again changes nothing that is already right (idempotent).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import Max, Min, Q
from django.utils import timezone

from shegong.core import audit
from shegong.policies.selectors import policy_for
from shegong.recipients.models import ACTIVE_STATUSES, FollowUpLevel, Recipient, Status

from .models import FULFILLING_OUTCOMES, OPEN_STAGES, Case, PlannedVisit, PlanReason, PlanStatus, Visit

TOWNSHIP_LENGTH = 9


@dataclass
class PlanSummary:
    """What one planning run did."""

    planned: int = 0
    updated: int = 0
    closed: int = 0
    cancelled: int = 0

    def add(self, other: PlanSummary) -> None:
        for key, value in asdict(other).items():
            setattr(self, key, getattr(self, key) + value)

    def as_dict(self) -> dict:
        return asdict(self)


# --- The rules of a profile -------------------------------------------------------------------


def _int_or_none(policy, key: str) -> int | None:
    value = policy.get(key)
    return None if value in (None, "") else int(value)


def _rate(policy, key: str) -> Decimal | None:
    value = policy.get(key)
    return None if value in (None, "") else Decimal(str(value))


@dataclass(frozen=True)
class VisitRules:
    """The visit rules in force at one township on one day."""

    rate_new: Decimal | None
    new_within_days: int | None
    rate_others: Decimal | None
    every_days: dict  # follow-up level -> days (only levels the profile sets)

    @classmethod
    def at(cls, township_code: str, on: date) -> VisitRules:
        policy = policy_for(township_code, on)
        every = {}
        for level in FollowUpLevel.values:
            days = _int_or_none(policy, f"visit_every_days_{level}")
            if days:
                every[level] = days
        return cls(
            rate_new=_rate(policy, "visit_rate_new"),
            new_within_days=_int_or_none(policy, "visit_new_within_days"),
            rate_others=_rate(policy, "visit_rate_others"),
            every_days=every,
        )

    def plans_new(self) -> bool:
        return self.rate_new is not None and self.rate_new > 0

    def new_due(self, registered_on: date) -> date:
        return registered_on + timedelta(days=self.new_within_days or 0)


def registered_on(recipient: Recipient) -> date:
    """The day the person was registered: the first status of the file, else the day it was written."""
    first = getattr(recipient, "first_status_on", None)
    if first is None:
        first = recipient.status_changes.aggregate(first=Min("changed_on"))["first"]
    created = timezone.localdate(recipient.created_at) if recipient.created_at else timezone.localdate()
    return min(first, created) if first else created


def _fulfilling() -> Q:
    return Q(outcome__in=FULFILLING_OUTCOMES)


def last_met(recipients: list[Recipient]) -> dict[int, date]:
    """The last day each person was met by a visit to them or to their household (two queries)."""
    ids = [r.pk for r in recipients]
    met: dict[int, date] = {}
    for row in (
        Visit.objects.filter(_fulfilling(), recipient_id__in=ids).values("recipient_id").annotate(last=Max("visited_on"))
    ):
        met[row["recipient_id"]] = row["last"]
    households = {r.household_id for r in recipients if r.household_id}
    if households:
        by_household = dict(
            Visit.objects.filter(_fulfilling(), recipient__isnull=True, household_id__in=households)
            .values("household_id").annotate(last=Max("visited_on")).values_list("household_id", "last")
        )
        for r in recipients:
            day = by_household.get(r.household_id)
            if day and (r.pk not in met or met[r.pk] < day):
                met[r.pk] = day
    return met


def _last_workers(recipient_ids) -> dict[int, int]:
    """The worker of each person's latest visit (one query)."""
    found: dict[int, int] = {}
    rows = (
        Visit.workers.through.objects.filter(visit__recipient_id__in=recipient_ids)
        .order_by("visit__recipient_id", "-visit__visited_on", "-visit_id", "pk")
        .values_list("visit__recipient_id", "user_id")
    )
    for recipient_id, user_id in rows:
        found.setdefault(recipient_id, user_id)
    return found


def _case_workers(recipient_ids) -> dict[int, int]:
    """The worker of each person's open case (one query)."""
    rows = (
        Case.objects.filter(recipient_id__in=recipient_ids, stage__in=OPEN_STAGES, worker__isnull=False)
        .order_by("recipient_id", "-opened_on", "-pk").values_list("recipient_id", "worker_id")
    )
    found: dict[int, int] = {}
    for recipient_id, worker_id in rows:
        found.setdefault(recipient_id, worker_id)
    return found


def _worker_for(recipient_id: int, case_workers: dict, last_workers: dict) -> int | None:
    return case_workers.get(recipient_id) or last_workers.get(recipient_id)


def wanted_plan(recipient: Recipient, rules: VisitRules, met_on: date | None, on: date) -> tuple[str, date] | None:
    """The plan the rules call for now (reason, due day), or None when only the yearly share applies."""
    if met_on is None and recipient.status == Status.NEW and rules.plans_new():
        return PlanReason.NEW, rules.new_due(registered_on(recipient))
    every = rules.every_days.get(recipient.follow_up_level)
    if every:
        return PlanReason.LEVEL, (met_on + timedelta(days=every)) if met_on else on
    return None


# --- Running the planner ----------------------------------------------------------------------


def _active(qs):
    return qs.filter(status__in=ACTIVE_STATUSES, merged_into__isnull=True)


def cancel_inactive(region_prefix: str) -> int:
    """Cancel the open plans of people no longer served (closed, moved, deceased, merged)."""
    stale = PlannedVisit.objects.filter(region__code__under=region_prefix, status=PlanStatus.OPEN).filter(
        ~Q(recipient__status__in=ACTIVE_STATUSES) | Q(recipient__merged_into__isnull=False)
    )
    return stale.update(status=PlanStatus.CANCELLED, closed_at=timezone.now())


def close_fulfilled(region_prefix: str) -> int:
    """Mark done the open plans that a visit recorded after them has met (a visit written by a
    path that did not fulfil the plan itself, e.g. an import). A few queries per 500 plans."""
    closed = 0
    open_plans = (
        PlannedVisit.objects.filter(region__code__under=region_prefix, status=PlanStatus.OPEN)
        .select_related("recipient").order_by("pk")
    )
    plans = list(open_plans)
    for start in range(0, len(plans), 500):
        batch = plans[start:start + 500]
        latest: dict[tuple[str, int], tuple] = {}
        person_ids = [p.recipient_id for p in batch]
        household_ids = [p.recipient.household_id for p in batch if p.recipient.household_id]
        for visit in (
            Visit.objects.filter(_fulfilling())
            .filter(Q(recipient_id__in=person_ids) | Q(recipient__isnull=True, household_id__in=household_ids))
            .only("pk", "recipient_id", "household_id", "created_at", "visited_on").order_by("created_at", "pk")
        ):
            key = ("r", visit.recipient_id) if visit.recipient_id else ("h", visit.household_id)
            latest[key] = visit  # the last one recorded wins
        for plan in batch:
            candidates = [latest.get(("r", plan.recipient_id)), latest.get(("h", plan.recipient.household_id))]
            found = [v for v in candidates if v is not None and v.created_at > plan.created_at]
            if not found:
                continue
            visit = max(found, key=lambda v: (v.visited_on, v.pk))
            closed += PlannedVisit.objects.filter(pk=plan.pk, status=PlanStatus.OPEN).update(
                status=PlanStatus.DONE, visit=visit, closed_at=timezone.now()
            )
    return closed


def _plan_township(township_code: str, on: date) -> PlanSummary:
    summary = PlanSummary()
    rules = VisitRules.at(township_code, on)
    people = list(
        _active(Recipient.objects.filter(region__code__under=township_code))
        .annotate(first_status_on=Min("status_changes__changed_on")).order_by("pk")
    )
    if not people:
        return summary
    ids = [p.pk for p in people]
    met = last_met(people)
    open_plans = {p.recipient_id: p for p in PlannedVisit.objects.filter(recipient_id__in=ids, status=PlanStatus.OPEN)}
    case_workers = _case_workers(ids)
    last_workers = _last_workers(ids)
    to_create: list[PlannedVisit] = []
    others: list[Recipient] = []
    for person in people:
        wanted = wanted_plan(person, rules, met.get(person.pk), on)
        existing = open_plans.get(person.pk)
        if wanted is None:
            others.append(person)
            continue
        reason, due = wanted
        if existing is None:
            to_create.append(PlannedVisit(
                region_id=person.region_id, recipient=person, reason=reason, due_on=due,
                assigned_to_id=_worker_for(person.pk, case_workers, last_workers),
            ))
        elif existing.reason != PlanReason.MANUAL and (existing.reason, existing.due_on) != (reason, due) and due < existing.due_on:
            # The rules now ask for an earlier visit (the level went up, a profile shortened it).
            PlannedVisit.objects.filter(pk=existing.pk, status=PlanStatus.OPEN).update(reason=reason, due_on=due)
            summary.updated += 1
    to_create += _annual_share(others, rules, met, open_plans, on, case_workers, last_workers)
    for plan in to_create:
        try:
            with transaction.atomic():
                plan.save()
        except IntegrityError:  # another run planned this person a moment ago: one open plan is enough
            continue
        summary.planned += 1
    return summary


def _annual_share(others, rules: VisitRules, met, open_plans, on: date, case_workers, last_workers) -> list[PlannedVisit]:
    """Plans that bring this year's visits of the others up to the profile's share."""
    if not others or not rules.rate_others:
        return []
    year_start, year_end = date(on.year, 1, 1), date(on.year, 12, 31)
    target = math.ceil(rules.rate_others * len(others))
    ids = [p.pk for p in others]
    annual_this_year = set(
        PlannedVisit.objects.filter(
            recipient_id__in=ids, reason=PlanReason.ANNUAL, due_on__year=on.year,
            status__in=(PlanStatus.OPEN, PlanStatus.DONE),
        ).values_list("recipient_id", flat=True)
    )
    visited_this_year = {pk for pk in ids if met.get(pk) and met[pk] >= year_start}
    covered = annual_this_year | visited_this_year | {pk for pk in ids if pk in open_plans}
    need = target - len(covered)
    if need <= 0:
        return []
    candidates = [p for p in others if p.pk not in covered]
    candidates.sort(key=lambda p: (met.get(p.pk) or date.min, p.pk))  # longest unvisited first
    return [
        PlannedVisit(
            region_id=p.region_id, recipient=p, reason=PlanReason.ANNUAL, due_on=year_end,
            assigned_to_id=_worker_for(p.pk, case_workers, last_workers),
        )
        for p in candidates[:need]
    ]


def plan_visits(region_prefix: str, on: date, *, actor=None) -> PlanSummary:
    """Bring the visit plans under ``region_prefix`` (a county, a township …; "" for everywhere)
    in line with the rules in force on ``on``: cancel, close, then plan. Idempotent."""
    summary = PlanSummary()
    with transaction.atomic():
        summary.cancelled = cancel_inactive(region_prefix)
        summary.closed = close_fulfilled(region_prefix)
    townships = sorted({
        code[:TOWNSHIP_LENGTH]
        for code in _active(Recipient.objects.filter(region__code__under=region_prefix))
        .values_list("region_id", flat=True).distinct()
        if len(code) >= TOWNSHIP_LENGTH
    })
    for township in townships:
        with transaction.atomic():
            summary.add(_plan_township(township, on))
    audit.record(
        "casework.plan_run", region_code=region_prefix or "", actor=actor,
        detail={"on": on.isoformat(), **summary.as_dict()},
    )
    return summary


# --- After a visit ----------------------------------------------------------------------------


def after_visit(visit: Visit, people: list[Recipient]) -> None:
    """A visit was recorded for ``people``: if it met them, mark each open plan done and plan the
    next visit their level calls for (counted from the last time they were met); otherwise
    ("nobody home", "house empty") the plan stays open."""
    if visit.outcome not in FULFILLING_OUTCOMES:
        return
    now = timezone.now()
    first_worker = visit.workers.order_by("pk").values_list("pk", flat=True).first()
    met = last_met(people)
    for person in people:
        plan = PlannedVisit.objects.filter(recipient=person, status=PlanStatus.OPEN).first()
        assigned = plan.assigned_to_id if plan else None
        if plan is not None:
            plan.status, plan.visit, plan.closed_at = PlanStatus.DONE, visit, now
            plan.save(update_fields=["status", "visit", "closed_at"])
        plan_next(person, met.get(person.pk) or visit.visited_on, assigned_to_id=assigned or first_worker)


def plan_next(person: Recipient, met_on: date, *, assigned_to_id: int | None = None) -> PlannedVisit | None:
    """Plan the next visit a person's follow-up level calls for, after meeting them on ``met_on``."""
    if not person.is_active:
        return None
    rules = VisitRules.at(person.region_id[:TOWNSHIP_LENGTH], timezone.localdate())
    every = rules.every_days.get(person.follow_up_level)
    if not every or PlannedVisit.objects.filter(recipient=person, status=PlanStatus.OPEN).exists():
        return None
    try:
        with transaction.atomic():
            return PlannedVisit.objects.create(
                region_id=person.region_id, recipient=person, reason=PlanReason.LEVEL,
                due_on=met_on + timedelta(days=every), assigned_to_id=assigned_to_id,
            )
    except IntegrityError:
        return None
