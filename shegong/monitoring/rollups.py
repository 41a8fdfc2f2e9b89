"""Keep the :class:`~shegong.monitoring.models.Tally` rows true to the records.

The unit of work is a township's year: :func:`refresh` recounts every figure of the townships
under a prefix for one year from the records (a few thousand rows for a township), replaces their
rows, and re-adds the county, city and province rows above them. Recounting instead of adding and
subtracting deltas keeps the figures exact whatever happened to a record (edited, moved, deleted,
merged): the same function, run over everything, is ``shegong rollups rebuild``.

Record changes reach it through :func:`touch` (the signal handlers in :mod:`.signals` and the bulk
writers call it): the township and year are noted and refreshed once, after the transaction
commits, so a form that writes ten rows costs one refresh.
"""

from __future__ import annotations

from collections import defaultdict
from contextlib import contextmanager
from datetime import date
from decimal import Decimal

from django.db import IntegrityError, connection, transaction
from django.db.models import Count, Max, Min, Q, Sum
from django.db.models.functions import ExtractMonth
from django.utils import timezone

from shegong.regions.models import parent_code

from .models import Tally

UNIT_LENGTH = 9  # a township
OFF = "000"  # the unit of records placed above a township: the county's ``…000``

# Figures counted per month.
MONTHLY = (
    "registered",  # recipients registered
    "visits",  # home visits
    "visited_new",  # new recipients visited for the first time this year
    "visited_others",  # other recipients visited for the first time this year
    "cases_opened",
    "cases_closed",
    "groups_started",
    "groups_valid",  # groups that meet the profile, in the month of their end (or last session)
    "activities",  # community activities
    "publicity",  # policy publicity events
    "training_hours",  # credited to the station the worker was at on the day
    "supervision_hours",
    "volunteer_hours",
    "staff_months",  # workers on post on the 15th of the month
    "plans_open",  # visit plans still open, in the month they are due (overdue: the months gone by)
)
# Figures of the whole year (month 0): who a coverage rate is measured against.
YEARLY = ("people_others",)
# Per category: ``visited:<category>`` (monthly), ``people:<category>`` (yearly).


def unit_of(code: str) -> str:
    """The township a region code counts towards (``…000`` of its county above a township)."""
    if len(code) >= UNIT_LENGTH:
        return code[:UNIT_LENGTH]
    return (code + "0" * UNIT_LENGTH)[:UNIT_LENGTH] if len(code) >= 6 else code


def parent_of(unit: str) -> str:
    if len(unit) == UNIT_LENGTH:
        return unit[:6]
    return parent_code(unit) or ""


def _place(path: str, prefix: str) -> Q:
    """Records at or under ``prefix``; for a county's ``…000`` unit, those placed at the county."""
    if len(prefix) == UNIT_LENGTH and prefix.endswith(OFF):
        return Q(**{path: prefix[:6]})
    return Q(**{f"{path}__under": prefix})


def _local_day(moment) -> date:
    return timezone.localtime(moment).date() if timezone.is_aware(moment) else moment.date()


# --- Counting --------------------------------------------------------------------------------------


class Counts:
    def __init__(self):
        self.values: dict[tuple[str, int, str], int | Decimal] = defaultdict(int)  # Decimal once hours are added
        self.units: dict[str, str] = {}

    def add(self, code: str, month: int, metric: str, value=1):
        unit = self.units.get(code)
        if unit is None:
            unit = self.units[code] = unit_of(code)
        self.values[(unit, month, metric)] += value


def _grouped(queryset, date_field: str, region: str, value: str | None = None):
    """(region code, month, total) for each region and month of ``queryset``."""
    aggregate = Sum(value) if value else Count("pk")
    return (
        queryset.annotate(_m=ExtractMonth(date_field)).order_by().values_list(region, "_m").annotate(_n=aggregate)
    )


def _registry(prefix: str, shared: dict | None) -> list[tuple[int, str, date, date | None]]:
    """(id, region code, registered day, left on) of every recipient under ``prefix`` not merged
    into another file; ``left on`` is the day of the last change to a status out of service, for
    those no longer in service (None for the others). Read once for all the years of a rebuild."""
    if shared is not None and "registry" in shared:
        return shared["registry"]
    from shegong.recipients.models import ACTIVE_STATUSES, Recipient, StatusChange

    # The day each inactive file left, apart: a join of every file to its status history costs
    # more than the few files that left.
    left = dict(
        StatusChange.objects.filter(_place("recipient__region__code", prefix), recipient__merged_into__isnull=True)
        .exclude(recipient__status__in=ACTIVE_STATUSES).exclude(new_status__in=ACTIVE_STATUSES)
        .order_by().values_list("recipient_id").annotate(_left=Max("changed_on"))
    )
    zone = timezone.get_current_timezone()
    rows = []
    for pk, region, created, status in (
        Recipient.objects.filter(_place("region__code", prefix), merged_into__isnull=True)
        .order_by().values_list("pk", "region_id", "created_at", "status")
        .iterator(chunk_size=20000)
    ):
        day = created.astimezone(zone).date() if created.tzinfo is not None else created.date()
        rows.append((pk, region, day, None if status in ACTIVE_STATUSES else left.get(pk, date.min)))
    if shared is not None:
        shared["registry"] = rows
    return rows


def _people(prefix: str, year: int, shared: dict | None = None):
    """The recipients a year's coverage is measured against: registered by the end of the year,
    not merged into another file, and in service at some time in the year (still active, or left
    on or after 1 January). Returns {id: (region code, registered day)}."""
    start, end = date(year, 1, 1), date(year, 12, 31)
    return {
        pk: (region, registered)
        for pk, region, registered, left in _registry(prefix, shared)
        if registered <= end and (left is None or left >= start)
    }


def _first_visits(prefix: str, year: int) -> dict[int, date]:
    """Each recipient's first visit of the year: visits to the person, or to their household."""
    from shegong.casework.models import Visit

    in_year = Q(visited_on__gte=date(year, 1, 1), visited_on__lte=date(year, 12, 31))
    first = dict(
        Visit.objects.filter(in_year, _place("recipient__region__code", prefix))
        .order_by().values_list("recipient_id").annotate(_f=Min("visited_on"))
    )
    for member, day in (
        Visit.objects.filter(in_year, _place("household__members__region__code", prefix), recipient__isnull=True)
        .order_by().values_list("household__members__id").annotate(_f=Min("visited_on"))
    ):
        if member is not None and (member not in first or day < first[member]):
            first[member] = day
    return first


def _categories(people: dict, prefix: str, year: int, shared: dict | None = None) -> dict[int, set[str]]:
    from shegong.recipients.models import CategoryMembership

    start, end = date(year, 1, 1), date(year, 12, 31)
    if shared is None:
        rows = (
            CategoryMembership.objects.filter(_place("recipient__region__code", prefix), started_on__lte=end)
            .filter(Q(ended_on__isnull=True) | Q(ended_on__gte=start))
            .order_by().values_list("recipient_id", "category", "started_on", "ended_on")
        )
    else:  # every year of a rebuild: read once, chosen by year below
        if "categories" not in shared:
            shared["categories"] = list(
                CategoryMembership.objects.filter(_place("recipient__region__code", prefix))
                .order_by().values_list("recipient_id", "category", "started_on", "ended_on").iterator(chunk_size=20000)
            )
        rows = shared["categories"]
    held = defaultdict(set)
    for pk, category, started, ended in rows:
        if pk in people and started <= end and (ended is None or ended >= start):
            held[pk].add(category)
    return held


def _count_coverage(counts: Counts, prefix: str, year: int, shared: dict | None = None):
    people = _people(prefix, year, shared)
    first = _first_visits(prefix, year)
    held = _categories(people, prefix, year, shared)
    start = date(year, 1, 1)
    for pk, (region, registered) in people.items():
        new = registered >= start
        if not new:
            counts.add(region, 0, "people_others")
        for category in held.get(pk, ()):
            counts.add(region, 0, f"people:{category}")
        if new:
            counts.add(region, registered.month, "registered")
        day = first.get(pk)
        if day is None or (new and day < registered):
            continue
        counts.add(region, day.month, "visited_new" if new else "visited_others")
        for category in held.get(pk, ()):
            counts.add(region, day.month, f"visited:{category}")


def _count_groups(counts: Counts, prefix: str, year: int):
    from django.db.models import Prefetch

    from shegong.casework.models import Group, GroupSession
    from shegong.casework.services_groups import validity, validity_day
    from shegong.policies.selectors import policies_for

    start, end = date(year, 1, 1), date(year, 12, 31)
    groups = (
        Group.objects.filter(_place("region__code", prefix))
        .filter(
            Q(starts_on__gte=start, starts_on__lte=end)
            | Q(ends_on__gte=start, ends_on__lte=end)
            | Q(ends_on__isnull=True, sessions__held_on__gte=start, sessions__held_on__lte=end)
        )
        .distinct()
        .prefetch_related("members", Prefetch("sessions", queryset=GroupSession.objects.prefetch_related("attendance")))
    )
    groups = list(groups)
    days = {}
    for group in groups:
        if start <= group.starts_on <= end:
            counts.add(group.region_id, group.starts_on.month, "groups_started")
        sessions = list(group.sessions.all())
        if group.ends_on is None and not sessions:
            continue
        day = validity_day(group, sessions)
        if start <= day <= end:
            days[group.pk] = day
    policies = policies_for({(g.region_id, days[g.pk]) for g in groups if g.pk in days})
    for group in groups:
        day = days.get(group.pk)
        if day and validity(group, policy=policies[(group.region_id, day)]).valid:
            counts.add(group.region_id, day.month, "groups_valid")


def _on_post(assignments, worker_id: int, day: date):
    for station_region, start, stop in assignments.get(worker_id, ()):
        if start <= day and (stop is None or day <= stop):
            return station_region
    return None


def _count_workforce(counts: Counts, prefix: str, year: int):
    from shegong.workforce.models import Attendance, StationAssignment, VolunteerService

    start, end = date(year, 1, 1), date(year, 12, 31)
    assignments = defaultdict(list)
    for worker, region, first, last in (
        StationAssignment.objects.filter(_place("station__region__code", prefix), start__lte=end)
        .filter(Q(end__isnull=True) | Q(end__gte=start))
        .order_by().values_list("worker_id", "station__region_id", "start", "end")
    ):
        assignments[worker].append((region, first, last))
    today = timezone.localdate()
    for month in range(1, 13):
        middle = date(year, month, 15)
        if date(year, month, 1) > today:
            break
        for worker in assignments:
            region = _on_post(assignments, worker, middle)
            if region:
                counts.add(region, month, "staff_months")
    for worker, kind, day, hours in (
        Attendance.objects.filter(worker_id__in=list(assignments), session__date__gte=start, session__date__lte=end)
        .order_by().values_list("worker_id", "session__kind", "session__date", "hours")
    ):
        region = _on_post(assignments, worker, day)
        if region:
            counts.add(region, day.month, f"{kind}_hours", hours)
    for region, month, hours in _grouped(
        VolunteerService.objects.filter(_place("volunteer__station__region__code", prefix), date__gte=start, date__lte=end),
        "date", "volunteer__station__region_id", "hours",
    ):
        counts.add(region, month, "volunteer_hours", hours or 0)


def _count_domains(counts: Counts, prefix: str, year: int):
    """Services by domain of the catalogue: visits, case records and activities tagged with an item
    of the domain, each record once per domain (``domain:<id>``)."""
    from shegong.casework.models import Activity, CaseRecord, Visit

    start, end = date(year, 1, 1), date(year, 12, 31)
    for model, owner, day, region in (
        (Visit, "visit", "visited_on", "region_id"),
        (CaseRecord, "caserecord", "occurred_on", "case__region_id"),
        (Activity, "activity", "held_on", "region_id"),
    ):
        through = model.items.through
        rows = (
            through.objects.filter(_place(f"{owner}__{region.removesuffix('_id')}__code", prefix))
            .filter(**{f"{owner}__{day}__gte": start, f"{owner}__{day}__lte": end})
            .annotate(_m=ExtractMonth(f"{owner}__{day}"))
            .order_by().values_list(f"{owner}__{region}", "_m", "serviceitem__domain_id")
            .annotate(_n=Count(f"{owner}_id", distinct=True))
        )
        for code, month, domain, n in rows:
            counts.add(code, month, f"domain:{domain}", n)


def count(prefix: str, year: int, shared: dict | None = None) -> dict[tuple[str, int, str], Decimal]:
    """Every figure of every township under ``prefix`` for ``year``, from the records.

    ``shared``: a dict kept across the years of one ``prefix`` (by :func:`rebuild`), holding the
    reads every year needs (the registry and its categories), so they are read once."""
    from shegong.casework.models import Activity, ActivityKind, Case, Visit

    counts = Counts()
    start, end = date(year, 1, 1), date(year, 12, 31)
    for region, month, n in _grouped(
        Visit.objects.filter(_place("region__code", prefix), visited_on__gte=start, visited_on__lte=end), "visited_on", "region_id"
    ):
        counts.add(region, month, "visits", n)
    _count_coverage(counts, prefix, year, shared)
    cases = Case.objects.filter(_place("region__code", prefix))
    for region, month, n in _grouped(cases.filter(opened_on__gte=start, opened_on__lte=end), "opened_on", "region_id"):
        counts.add(region, month, "cases_opened", n)
    for region, month, n in _grouped(cases.filter(closed_on__gte=start, closed_on__lte=end), "closed_on", "region_id"):
        counts.add(region, month, "cases_closed", n)
    _count_groups(counts, prefix, year)
    activities = Activity.objects.filter(_place("region__code", prefix), held_on__gte=start, held_on__lte=end)
    for kind, metric in ((ActivityKind.ACTIVITY, "activities"), (ActivityKind.PUBLICITY, "publicity")):
        for region, month, n in _grouped(activities.filter(kind=kind), "held_on", "region_id"):
            counts.add(region, month, metric, n)
    from shegong.casework.models import PlannedVisit, PlanStatus

    for region, month, n in _grouped(
        PlannedVisit.objects.filter(_place("region__code", prefix), status=PlanStatus.OPEN, due_on__gte=start, due_on__lte=end),
        "due_on", "region_id",
    ):
        counts.add(region, month, "plans_open", n)
    _count_workforce(counts, prefix, year)
    _count_domains(counts, prefix, year)
    return {key: Decimal(value) for key, value in counts.values.items() if value}


# --- Writing ---------------------------------------------------------------------------------------


def _lock(code: str) -> None:
    """Serialise refreshes of the same place on PostgreSQL (SQLite serialises all writes)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [7, int(code)])


def _replace(units_filter: Q, year: int, rows: list[Tally]) -> None:
    Tally.objects.filter(units_filter, year=year).delete()
    Tally.objects.bulk_create(rows, batch_size=2000)


def _aggregate(code: str, year: int) -> None:
    """Set ``code``'s rows to the sums of its children's."""
    _lock(code)
    sums = (
        Tally.objects.filter(parent=code, year=year).order_by().values_list("month", "metric").annotate(_v=Sum("value"))
    )
    parent = parent_of(code)
    rows = [Tally(unit=code, parent=parent, level=len(code), year=year, month=m, metric=k, value=v) for m, k, v in sums if v]
    _replace(Q(unit=code), year, rows)


def refresh(prefix: str, year: int, *, aggregate: bool = True, shared: dict | None = None) -> int:
    """Recount the townships under ``prefix`` (a township, county, or wider) for ``year``.

    Returns the number of rows written. With ``aggregate`` the places above are re-added too.
    ``shared``: see :func:`count`."""
    counted = count(prefix, year, shared)
    for attempt in range(3):
        try:
            with transaction.atomic():
                if len(prefix) >= UNIT_LENGTH:
                    _lock(prefix[:UNIT_LENGTH])
                rows = [
                    Tally(unit=unit, parent=parent_of(unit), level=len(unit), year=year, month=month, metric=metric, value=value)
                    for (unit, month, metric), value in counted.items()
                ]
                units = Q(unit=prefix[:UNIT_LENGTH]) if len(prefix) >= UNIT_LENGTH else Q(unit__under=prefix)
                _replace(units & Q(level=UNIT_LENGTH), year, rows)
                if aggregate:
                    for code in _ancestors(prefix):
                        _aggregate(code, year)
            _bump([prefix[:UNIT_LENGTH], *_ancestors(prefix)] if len(prefix) >= UNIT_LENGTH else ["*"])
            return len(rows)
        except IntegrityError:
            if attempt == 2:
                raise
    return 0


def _ancestors(prefix: str) -> list[str]:
    """The places whose sums include ``prefix``, narrowest first (counties under a wider prefix too)."""
    codes = []
    if len(prefix) >= 6:
        county = prefix[:6]
        codes = [county, county[:4], county[:2]]
    return codes


STAMP = "monitoring:stamp:"


def stamp(code: str) -> str:
    """A token that changes whenever the figures of ``code`` (or anything under it) are rewritten:
    what the dashboards' cached parts are keyed on."""
    from django.core.cache import cache

    got = cache.get_many([f"{STAMP}*", f"{STAMP}{code}"])
    return f"{got.get(f'{STAMP}*', 0)}.{got.get(f'{STAMP}{code}', 0)}"


def _bump(codes) -> None:
    import time as clock

    from django.core.cache import cache

    now = clock.time_ns()
    cache.set_many({f"{STAMP}{code}": now for code in codes}, timeout=None)


def changed(region_code: str | None) -> None:
    """Present-state figures of ``region_code`` changed (a station, its evidence, a worker's
    certificate): nothing to recount, but the dashboards' cached parts above it are stale."""
    if not region_code:
        return
    unit = unit_of(region_code)
    _bump([unit, *_ancestors(unit)] if len(unit) >= 6 else [unit])


def rebuild(prefix: str = "", years=None, *, out=None) -> int:
    """Recount everything under ``prefix`` (all if empty), county by county, then the sums above."""
    from shegong.regions.models import Level, Region

    years = sorted(set(years or _years_with_records(prefix)))
    counties = list(
        Region.objects.filter(level=Level.COUNTY).filter(code__under=prefix[:6] if prefix else "")
        .order_by("code").values_list("code", flat=True)
    ) if len(prefix) <= 6 else []
    targets = counties or [prefix]
    written = 0
    # County by county, every year of a county in turn: the registry and its categories are read
    # once per county, not once per year.
    for i, code in enumerate(targets, start=1):
        shared: dict = {}
        for year in years:
            written += refresh(code, year, aggregate=False, shared=shared)
        if out and (len(targets) <= 20 or i % 10 == 0 or i == len(targets)):
            out(f"{code} ({i}/{len(targets)} 个县区 / counties): {written} rows")
    sums = sorted({c for code in targets for c in _ancestors(code)}, key=len, reverse=True)
    for year in years:
        with transaction.atomic():
            for code in sums:
                _aggregate(code, year)
    if out:
        out(f"{years[0]}–{years[-1]}: {len(targets)} 个县区 / counties, {written} rows")
    _bump(["*"])
    return written


def _years_with_records(prefix: str) -> list[int]:
    from shegong.casework.models import Visit
    from shegong.recipients.models import Recipient

    years = {timezone.localdate().year}
    first = Visit.objects.filter(_place("region__code", prefix)).aggregate(f=Min("visited_on"))["f"]
    registered = Recipient.objects.filter(_place("region__code", prefix)).aggregate(f=Min("created_at"))["f"]
    starts = [d for d in (first, registered and _local_day(registered)) if d]
    if starts:
        years.update(range(min(starts).year, timezone.localdate().year + 1))
    return sorted(years)


# --- Marking what changed ------------------------------------------------------------------------

class _Pending:
    """The townships and years a transaction changed, recounted once when it commits."""

    def __init__(self):
        self.items: set[tuple[str, int]] = set()
        self.done = False

    def flush(self):
        self.done = True
        for unit, year in sorted(self.items):
            refresh(unit, year)


def touch(region_code: str | None, *days) -> None:
    """Note that records of ``region_code`` on ``days`` changed: its township's years are
    recounted once the transaction commits (at once outside a transaction)."""
    if not region_code or getattr(transaction.get_connection(), "_shegong_rollups_suspended", 0):
        return
    years = {d.year for d in days if d}
    if not years:
        return
    unit = unit_of(region_code)
    if len(unit) < 6:
        return
    conn = transaction.get_connection()
    if not conn.in_atomic_block:
        for year in sorted(years):
            refresh(unit, year)
        return
    pending = getattr(conn, "_shegong_rollups", None)
    # A rolled-back transaction (or savepoint) drops its callback: start a new list then.
    if pending is None or pending.done or not any(entry[1] == pending.flush for entry in conn.run_on_commit):
        pending = conn._shegong_rollups = _Pending()
        transaction.on_commit(pending.flush)
    pending.items.update((unit, year) for year in years)


@contextmanager
def suspended():
    """Within it, :func:`touch` notes nothing: for bulk writers that recount what they wrote
    themselves afterwards (``rebuild``), so that their saves do not each queue a recount."""
    conn = transaction.get_connection()
    conn._shegong_rollups_suspended = getattr(conn, "_shegong_rollups_suspended", 0) + 1
    try:
        yield
    finally:
        conn._shegong_rollups_suspended -= 1


def touch_years(region_code: str | None, first: date | None, last: date | None = None) -> None:
    """``touch`` every year from ``first`` to ``last`` (today when open), at most six years."""
    if not first:
        return
    last = last or timezone.localdate()
    start = max(first.year, last.year - 5)
    touch(region_code, *(date(y, 1, 1) for y in range(start, last.year + 1)))
