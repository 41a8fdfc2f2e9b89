"""Workforce rules against the policy profile in force: per worker and year, per station and day.

The ``*_verdict`` functions are pure: they take the facts and a resolved policy and return a
:class:`Verdict`. The selectors at the bottom gather the facts from the database. Every verdict
names the profile version it used, and says "no rule" when the profile does not set the
parameter: no rule is neither a pass nor a failure. Thresholds are never written here.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db.models import Q, Sum
from django.utils.translation import gettext_lazy as _

from shegong.policies.parameters import EDUCATION_LEVELS
from shegong.policies.selectors import ResolvedPolicy, Source, policy_for
from shegong.regions.models import ancestor_codes

OK = "ok"
FAIL = "fail"
DUE_SOON = "due_soon"
OVERDUE = "overdue"
NOT_APPLICABLE = "not_applicable"
NO_RULE = "no_rule"
NO_DATA = "no_data"

STATUS_LABELS = {
    OK: _("Meets the rule"),
    FAIL: _("Does not meet the rule"),
    DUE_SOON: _("Due soon"),
    OVERDUE: _("Overdue"),
    NOT_APPLICABLE: _("Not applicable"),
    NO_RULE: _("No rule in the profile"),
    NO_DATA: _("Data missing"),
}

RULE_LABELS = {
    "hire_age": _("Age on hiring"),
    "hire_education": _("Education on hiring"),
    "certificate": _("Certificate deadline"),
    "training": _("Training hours"),
    "supervision": _("Supervision hours"),
    "pay": _("Pay against the local average wage"),
    "staffing": _("Workers on the station"),
    "staffing_small": _("Professional workers in a small township"),
}


@dataclass(frozen=True)
class Verdict:
    """One rule applied to one worker (or station): the figure, the threshold and its source."""

    rule: str
    status: str
    actual: object = None
    required: object = None
    source: Source | None = None
    due: date | None = None

    @property
    def label(self) -> str:
        return str(RULE_LABELS[self.rule])

    @property
    def status_label(self) -> str:
        return str(STATUS_LABELS[self.status])

    @property
    def passed(self) -> bool | None:
        """True/False for a pass or failure; None when no rule applies or data is missing."""
        if self.status in (OK, DUE_SOON):
            return True
        if self.status in (FAIL, OVERDUE):
            return False
        return None


def _no_rule(rule: str) -> Verdict:
    return Verdict(rule, NO_RULE)


def add_years(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February in a common year
        return day.replace(year=day.year + years, day=28)


def add_months(day: date, months: int) -> date:
    month0 = day.month - 1 + months
    year, month = day.year + month0 // 12, month0 % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def age_on(birth: date, on: date) -> int:
    return on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))


# ---- pure rules --------------------------------------------------------------------------


def hire_age_verdict(*, birth_date: date, took_post_on: date, policy: ResolvedPolicy) -> Verdict:
    """Age on taking the post against ``hire_max_age``."""
    if "hire_max_age" not in policy:
        return _no_rule("hire_age")
    limit = policy["hire_max_age"]
    age = age_on(birth_date, took_post_on)
    return Verdict("hire_age", OK if age <= limit else FAIL, age, limit, policy.source("hire_max_age"))


def hire_education_verdict(*, education: str, policy: ResolvedPolicy) -> Verdict:
    """Education against ``hire_min_education`` (levels ordered as EDUCATION_LEVELS)."""
    if "hire_min_education" not in policy:
        return _no_rule("hire_education")
    minimum = policy["hire_min_education"]
    passed = EDUCATION_LEVELS.index(education) >= EDUCATION_LEVELS.index(minimum)
    from .models import Education

    labels = dict(Education.choices)
    return Verdict(
        "hire_education", OK if passed else FAIL, labels.get(education, education), labels.get(minimum, minimum),
        policy.source("hire_min_education"),
    )


def certificate_verdict(*, certified: bool, took_post_on: date, today: date, policy: ResolvedPolicy) -> Verdict:
    """Deadline = took_post_on + ``certificate_deadline_years``: not applicable once certified;
    overdue on or after the deadline; due soon within ``certificate_warning_months`` of it."""
    if "certificate_deadline_years" not in policy:
        return _no_rule("certificate")
    source = policy.source("certificate_deadline_years")
    deadline = add_years(took_post_on, policy["certificate_deadline_years"])
    if certified:
        return Verdict("certificate", NOT_APPLICABLE, None, None, source, deadline)
    if today >= deadline:
        return Verdict("certificate", OVERDUE, None, None, source, deadline)
    warning = policy.get("certificate_warning_months")
    if warning is not None and today >= add_months(deadline, -warning):
        return Verdict("certificate", DUE_SOON, None, None, source, deadline)
    return Verdict("certificate", OK, None, None, source, deadline)


def hours_verdict(*, rule: str, hours: Decimal, policy: ResolvedPolicy) -> Verdict:
    """Training (``rule="training"``) or supervision hours in a year against the yearly target."""
    key = {"training": "training_hours_per_year", "supervision": "supervision_hours_per_year"}[rule]
    if key not in policy:
        return Verdict(rule, NO_RULE, hours)
    target = Decimal(policy[key])
    return Verdict(rule, OK if hours >= target else FAIL, hours, target, policy.source(key))


def pay_verdict(*, monthly_salary: Decimal | None, average: Decimal | None, policy: ResolvedPolicy) -> Verdict:
    """Monthly salary not below the local average monthly wage, when the profile requires it."""
    key = "pay_at_least_local_average"
    if key not in policy:
        return Verdict("pay", NO_RULE, monthly_salary, average)
    source = policy.source(key)
    if not policy[key]:
        return Verdict("pay", NOT_APPLICABLE, monthly_salary, average, source)
    if monthly_salary is None or average is None:
        return Verdict("pay", NO_DATA, monthly_salary, average, source)
    return Verdict("pay", OK if monthly_salary >= average else FAIL, monthly_salary, average, source)


def staffing_verdict(*, count: int, policy: ResolvedPolicy) -> Verdict:
    """Workers assigned to a station on a day against ``staff_min_per_station``."""
    if "staff_min_per_station" not in policy:
        return Verdict("staffing", NO_RULE, count)
    minimum = policy["staff_min_per_station"]
    return Verdict("staffing", OK if count >= minimum else FAIL, count, minimum, policy.source("staff_min_per_station"))


def small_township_verdict(*, population: int | None, professionals: int, policy: ResolvedPolicy) -> Verdict:
    """In a township below ``small_township_population`` residents, professional workers
    (certified or social-work major) against ``staff_min_small_township``."""
    if "small_township_population" not in policy or "staff_min_small_township" not in policy:
        return Verdict("staffing_small", NO_RULE, professionals)
    source = policy.source("staff_min_small_township")
    if population is None:
        return Verdict("staffing_small", NO_DATA, professionals, None, source)
    if population >= policy["small_township_population"]:
        return Verdict("staffing_small", NOT_APPLICABLE, professionals, None, source)
    minimum = policy["staff_min_small_township"]
    return Verdict("staffing_small", OK if professionals >= minimum else FAIL, professionals, minimum, source)


# ---- selectors: the facts behind the rules -------------------------------------------------


@dataclass
class WorkerYear:
    """Every rule for one worker in one year, and the policy versions they were computed under."""

    worker: object
    year: int
    station: object
    policy: ResolvedPolicy | None
    verdicts: list[Verdict] = field(default_factory=list)

    @property
    def version_ids(self) -> list[int]:
        return self.policy.version_ids if self.policy else []

    def verdict(self, rule: str) -> Verdict | None:
        return next((v for v in self.verdicts if v.rule == rule), None)


def policy_day(year: int, today: date) -> date:
    """The day whose policy applies to a year: its last day, or today for the current year."""
    return min(date(year, 12, 31), today)


def station_of(worker, on: date):
    """The station the worker served on ``on``, else the latest one before, else the first."""
    assignment = worker.assignment_on(on) or (
        worker.assignments.filter(start__lte=on).order_by("-start").first() or worker.assignments.order_by("start").first()
    )
    return assignment.station if assignment else None


def hours_in_year(worker, kind: str, year: int) -> Decimal:
    total = worker.attendance.filter(session__kind=kind, session__date__year=year).aggregate(h=Sum("hours"))["h"]
    return total or Decimal("0")


def local_average_wage(region_code: str, year: int) -> Decimal | None:
    """The average monthly wage of the place for the year, from the nearest place that has one.
    Average wages are published statistics, not personal data, so this read is not scoped."""
    from .models import LocalAverageWage

    codes = [region_code, *reversed(ancestor_codes(region_code))]
    rows = {w.region_id: w.monthly_amount for w in LocalAverageWage.objects.filter(region_id__in=codes, year=year)}
    return next((rows[c] for c in codes if c in rows), None)


def worker_year(worker, year: int, *, today: date | None = None, policy: ResolvedPolicy | None = None) -> WorkerYear:
    """All rules for ``worker`` (already scoped by the caller) in ``year``.

    ``policy`` rebuilds a figure under the versions it was first computed with
    (:func:`shegong.policies.selectors.policy_from_versions`); by default the profile in force
    at the worker's station on the year's last day (or today) applies.
    """
    today = today or date.today()
    on = policy_day(year, today)
    station = station_of(worker, on)
    if station is None:
        return WorkerYear(worker, year, None, policy)
    if policy is None:
        policy = policy_for(station.region_id, on)
    verdicts = [
        hire_age_verdict(birth_date=worker.birth_date, took_post_on=worker.took_post_on, policy=policy),
        hire_education_verdict(education=worker.education, policy=policy),
        certificate_verdict(certified=worker.is_certified, took_post_on=worker.took_post_on, today=on, policy=policy),
        hours_verdict(rule="training", hours=hours_in_year(worker, "training", year), policy=policy),
        hours_verdict(rule="supervision", hours=hours_in_year(worker, "supervision", year), policy=policy),
        pay_verdict(
            monthly_salary=worker.monthly_salary, average=local_average_wage(station.region_id, year), policy=policy
        ),
    ]
    return WorkerYear(worker, year, station, policy, verdicts)


@dataclass
class StationDay:
    station: object
    on: date
    policy: ResolvedPolicy
    workers: int
    professionals: int
    verdicts: list[Verdict]

    @property
    def version_ids(self) -> list[int]:
        return self.policy.version_ids


def workers_at(station, on: date):
    """Workers assigned to ``station`` on ``on`` (the station must already be one the caller sees)."""
    from .models import SocialWorker

    return SocialWorker.objects.filter(
        pk__in=station.assignments.filter(start__lte=on).filter(Q(end__isnull=True) | Q(end__gte=on)).values("worker")
    )


def station_staffing(station, on: date, *, policy: ResolvedPolicy | None = None) -> StationDay:
    """Staffing rules for ``station`` on ``on``, under the profile of its township."""
    policy = policy if policy is not None else policy_for(station.region_id, on)
    workers = list(workers_at(station, on))
    professionals = sum(1 for w in workers if w.is_professional)
    verdicts = [
        staffing_verdict(count=len(workers), policy=policy),
        small_township_verdict(population=station.township_population, professionals=professionals, policy=policy),
    ]
    return StationDay(station, on, policy, len(workers), professionals, verdicts)
