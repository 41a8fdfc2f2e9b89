"""The KPI engine: how a place, its children and a contract stand against their targets.

Service figures come from the rollups (:mod:`.rollups`), never from the records' history; the few
figures that describe the present (workers on post with a certificate, the eight-haves of each
station, townships with a station) come from the station and workforce tables, which hold one row
per station or worker. Targets come from the policy profile in force at the end of the period — per
station (groups, activities, publicity), per county (cases), per worker (training, supervision
hours) or as a rate (visit coverage) — or, for a contract, from its own KPI targets.

A figure's status compares it with its target and with the share of the period gone by: **met**
(the target is reached), **on track** (at least the elapsed share of it), **lagging** (less), or
**no target**. Coverage of new recipients is not paced: every new person is to be visited.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import get_language, gettext_lazy, pgettext_lazy
from django.utils.translation import gettext as _

from shegong.policies.parameters import PARAMETERS
from shegong.regions.models import CODE_LENGTHS, Region

from .models import Tally
from .periods import Period
from .rollups import UNIT_LENGTH


@dataclass(frozen=True)
class Indicator:
    key: str
    label: object
    unit: object
    target_key: str | None
    per: str  # "station", "county", "worker", "rate", "share", "none"
    paced: bool = True


INDICATORS = (
    Indicator("cases", gettext_lazy("Cases opened"), gettext_lazy("cases"), "cases_per_year_county", "county"),
    Indicator("groups_valid", gettext_lazy("Valid groups"), gettext_lazy("groups"), "groups_per_year", "station"),
    Indicator("activities", gettext_lazy("Community activities"), gettext_lazy("activities"), "activities_per_year", "station"),
    Indicator("publicity", gettext_lazy("Policy publicity events"), gettext_lazy("events"), "publicity_per_year", "station"),
    Indicator("visit_new", gettext_lazy("Home-visit coverage of new recipients"), "%", "visit_rate_new", "rate", paced=False),
    Indicator("visit_others", gettext_lazy("Home-visit coverage of other recipients"), "%", "visit_rate_others", "rate"),
    Indicator("training", gettext_lazy("Training hours"), gettext_lazy("hours"), "training_hours_per_year", "worker"),
    Indicator("supervision", gettext_lazy("Supervision hours"), gettext_lazy("hours"), "supervision_hours_per_year", "worker"),
    Indicator("staffing", gettext_lazy("Social workers on post"), gettext_lazy("people"), "staff_min_per_station", "station", paced=False),
    Indicator("certificates", gettext_lazy("Workers holding a certificate"), "%", None, "share", paced=False),
    Indicator("eight_haves", gettext_lazy("Stations meeting the eight-haves"), "%", None, "share", paced=False),
    Indicator("stations", gettext_lazy("Townships with an operating station"), "%", "coverage_target", "rate", paced=False),
)
BY_KEY = {i.key: i for i in INDICATORS}

STATUS_LABELS = {
    "met": pgettext_lazy("KPI status", "Met"),
    "on_track": gettext_lazy("On track"),
    "lagging": gettext_lazy("Lagging"),
    "no_target": gettext_lazy("No target"),
}
HUNDRED = Decimal(100)


_TEXTS: dict = {}


def _texts():
    """``str()`` of the labels above in the active language, each translated once per language
    (a scorecard reads hundreds): ``text = _texts()`` then ``text(label)``."""
    table = _TEXTS.setdefault(get_language(), {})

    def text(label) -> str:
        found = table.get(id(label))
        if found is None:
            found = table[id(label)] = str(label)
        return found

    return text


def _q(value, places="0.1") -> Decimal:
    return Decimal(value).quantize(Decimal(places), rounding=ROUND_HALF_UP)


@dataclass
class Figure:
    key: str
    label: str
    unit: str
    actual: Decimal
    target: Decimal | None = None
    expected: Decimal | None = None  # the part of the target due by now
    numerator: Decimal | None = None  # for rates and shares
    denominator: Decimal | None = None
    source: str = ""
    drill: str = ""

    @property
    def status(self) -> str:
        if self.target is None:
            return "no_target"
        if self.actual >= self.target:
            return "met"
        if self.expected is not None and self.actual >= self.expected:
            return "on_track"
        return "lagging"

    @property
    def status_label(self) -> str:
        return str(STATUS_LABELS[self.status])

    @property
    def completion(self) -> Decimal | None:
        """Actual as a percentage of the target."""
        if not self.target:
            return None
        return _q(self.actual * HUNDRED / self.target)

    def as_dict(self) -> dict:
        def num(v):
            return None if v is None else str(_q(v, "0.01") if v % 1 else _q(v, "1"))

        return {
            "key": self.key, "label": self.label, "unit": self.unit, "actual": num(self.actual),
            "target": num(self.target), "expected": num(self.expected), "completion": num(self.completion),
            "numerator": num(self.numerator), "denominator": num(self.denominator),
            "status": self.status, "status_label": self.status_label, "source": self.source, "drill": self.drill,
        }


@dataclass
class Scorecard:
    code: str
    name: str
    period: Period
    today: date
    figures: list[Figure]
    months: list[str] = field(default_factory=list)
    series: dict[str, list] = field(default_factory=dict)
    domains: list[dict] = field(default_factory=list)
    categories: list[dict] = field(default_factory=list)
    children: list[Scorecard] = field(default_factory=list)
    stations: int = 0

    @property
    def elapsed(self) -> Decimal:
        return self.period.elapsed(self.today)

    def figure(self, key: str) -> Figure | None:
        return next((f for f in self.figures if f.key == key), None)

    @property
    def lagging(self) -> list[Figure]:
        return [f for f in self.figures if f.status == "lagging"]

    def as_dict(self) -> dict:
        return {
            "code": self.code, "name": self.name,
            "period": {"key": self.period.key, "label": self.period.label, "start": self.period.start.isoformat(),
                       "end": self.period.end.isoformat()},
            "as_of": self.today.isoformat(), "elapsed": str(_q(self.elapsed * HUNDRED)), "stations": self.stations,
            "figures": [f.as_dict() for f in self.figures],
            "months": self.months, "series": {k: [str(v) for v in vs] for k, vs in self.series.items()},
            "domains": self.domains, "categories": self.categories,
            "children": [
                {"code": c.code, "name": c.name, "stations": c.stations, "figures": {f.key: f.as_dict() for f in c.figures}}
                for c in self.children
            ],
        }


# --- Reading --------------------------------------------------------------------------------------


class Values:
    """The tallies of one place: ``get(metric, months)`` sums them."""

    def __init__(self):
        self.by = defaultdict(Decimal)

    def add(self, year, month, metric, value):
        self.by[(year, month, metric)] += value

    def sum(self, metric: str, months) -> Decimal:
        by, total = self.by, Decimal(0)
        for y, m in months:
            value = by.get((y, m, metric))
            if value is not None:
                total += value
        return total

    def metrics(self, prefix: str) -> set[str]:
        return {k for (_y, _m, k) in self.by if k.startswith(prefix)}


def _read(units: list[str], years: list[int], whole: str | None = None) -> dict[str, Values]:
    """The tallies of ``units``; with ``whole``, the other units' plain figures only (the figures per
    category and per domain, most of the rows, are shown for ``whole`` alone)."""
    out = defaultdict(Values)
    rows = Tally.objects.filter(unit__in=units, year__in=years)
    if whole is not None:
        rows = rows.filter(Q(unit=whole) | ~Q(metric__contains=":"))
    for unit, year, month, metric, value in rows.values_list("unit", "year", "month", "metric", "value"):
        out[unit].add(year, month, metric, value)
    return out


def _child_units(code: str, years: list[int]) -> list[str]:
    return sorted(set(Tally.objects.filter(parent=code, year__in=years).values_list("unit", flat=True).distinct()))


@dataclass
class StationRow:
    pk: int
    region: str
    operator_id: int | None
    venue_area: Decimal | None
    items: int = 0


def _station_qs(code_or_codes, kinds=("station",), station_ids=None):
    from shegong.stations.models import Station

    qs = Station.objects.filter(status=Station.Status.OPERATING, kind__in=kinds)
    if station_ids is not None:
        return qs.filter(pk__in=station_ids)
    return qs.filter(region__code__under=code_or_codes)


def _stations(code_or_codes, kinds=("station",), station_ids=None) -> list[StationRow]:
    qs = _station_qs(code_or_codes, kinds, station_ids)
    return [StationRow(pk, region, op, area) for pk, region, op, area in qs.values_list("pk", "region_id", "operator_id", "venue_area")]


def _evidence_counts(stations: list[StationRow], among=None) -> None:
    """The eight-haves items with evidence of each station. ``among``: the stations' query, asked as
    a subquery (a province's 1,400 ids cost more to send than to look up)."""
    from django.db.models import Count

    from shegong.stations.models import Evidence

    ids = among.values("pk") if among is not None else [s.pk for s in stations]
    counts = dict(
        Evidence.objects.filter(station_id__in=ids).order_by().values_list("station_id")
        .annotate(n=Count("item", distinct=True))
    )
    for station in stations:
        station.items = counts.get(station.pk, 0)


def _workers(code: str | None, on: date, station_ids=None) -> list[tuple[str, bool, date]]:
    """(station region, certified, took post) of each worker on post on ``on``."""
    from shegong.workforce.models import StationAssignment

    qs = StationAssignment.objects.filter(start__lte=on).filter(Q(end__isnull=True) | Q(end__gte=on))
    qs = qs.filter(station_id__in=station_ids) if station_ids is not None else qs.filter(station__region__code__under=code)
    return [
        (region, bool(level) and level != "none", took)
        for region, level, took in qs.values_list("station__region_id", "worker__certificate_level", "worker__took_post_on")
    ]


def _policies(codes: set[str], day: date) -> dict:
    from shegong.policies.selectors import policies_for

    return {code: policy for (code, _d), policy in policies_for({(c, day) for c in codes}).items()}


# --- Computing ------------------------------------------------------------------------------------


def _source(policy, key) -> str:
    try:
        return str(policy.source(key))
    except KeyError:
        return ""


def _compute(*, code: str, name: str, values: Values, period: Period, today: date, stations: list[StationRow],
             workers: list, townships: int | None, policies: dict, contract_targets: dict | None,
             drill: dict) -> Scorecard:
    _text = _texts()
    months = period.elapsed_months(today) or period.months[:1]
    all_months = period.months
    elapsed = period.elapsed(today)
    end_year = period.end.year
    ytd = [(end_year, m) for m in range(1, period.end.month + 1) if date(end_year, m, 1) <= today] or [(end_year, 1)]
    by_county = defaultdict(int)
    for s in stations:
        by_county[s.region[:6]] += 1
    own_policy = policies.get(code) or next(iter(policies.values()), None)

    def target(indicator: Indicator):
        """(target for the period, source) from the contract or the profiles."""
        key = indicator.target_key
        if key is None:
            return None, ""
        if contract_targets is not None and key in contract_targets:
            value, source = contract_targets[key]
            return Decimal(str(value)), source
        if indicator.per == "county" and len(code) > 6:
            return None, ""  # a county's target is not split between its townships
        if indicator.per in ("station", "county"):
            total, sources = Decimal(0), set()
            for county, n in by_county.items():
                policy = policies.get(county)
                if policy is None or key not in policy:
                    continue
                total += Decimal(str(policy[key])) * (n if indicator.per == "station" else 1)
                sources.add(_source(policy, key))
            if not by_county or not sources:
                return None, ""
            return total, "；".join(sorted(sources))
        if own_policy is None or key not in own_policy:
            return None, ""
        return Decimal(str(own_policy[key])), _source(own_policy, key)

    figures = []

    def paced(indicator, actual, period_target, source, **extra):
        expected = None
        if period_target is not None:
            expected = _q(period_target * elapsed) if indicator.paced else period_target
        figures.append(Figure(indicator.key, _text(indicator.label), _text(indicator.unit), actual, period_target, expected,
                              source=source, drill=drill.get(indicator.key, ""), **extra))

    for key, metric in (("cases", "cases_opened"), ("groups_valid", "groups_valid"), ("activities", "activities"),
                        ("publicity", "publicity")):
        indicator = BY_KEY[key]
        yearly, source = target(indicator)
        period_target = None if yearly is None else _q(yearly * period.share_of_year, "1") or Decimal(1)
        if yearly is not None and yearly == 0:
            period_target = Decimal(0)
        paced(indicator, values.sum(metric, all_months), period_target, source)

    # Coverage, year to date at the end of the period.
    for key, num_metric, den in (("visit_new", "visited_new", values.sum("registered", ytd)),
                                 ("visit_others", "visited_others", values.sum("people_others", [(end_year, 0)]))):
        indicator = BY_KEY[key]
        rate_target, source = target(indicator)
        numerator = values.sum(num_metric, ytd)
        actual = _q(numerator * HUNDRED / den) if den else Decimal(0)
        period_target = None if rate_target is None or not den else _q(rate_target * HUNDRED)
        expected = None
        if period_target is not None:
            expected = period_target if not indicator.paced else _q(period_target * Period.year(end_year).elapsed(today))
        figures.append(Figure(key, _text(indicator.label), "%", actual, period_target, expected, numerator, den, source,
                              drill.get(key, "")))

    # Hours: the yearly hours per worker times the workers on post, month by month.
    staff_months = values.sum("staff_months", months)
    for key, metric in (("training", "training_hours"), ("supervision", "supervision_hours")):
        indicator = BY_KEY[key]
        per_worker, source = target(indicator)
        actual = values.sum(metric, all_months)
        period_target = None
        if per_worker is not None and staff_months:
            average = staff_months / Decimal(len(months))
            period_target = _q(per_worker * average * period.share_of_year)
        paced(indicator, actual, period_target, source)

    last = months[-1]
    on_post = values.sum("staff_months", [last])
    indicator = BY_KEY["staffing"]
    minimum, source = target(indicator)
    figures.append(Figure("staffing", _text(indicator.label), _text(indicator.unit), on_post, minimum, minimum,
                          source=source, drill=drill.get("staffing", "")))

    certified = sum(1 for w in workers if w[1])
    figures.append(Figure("certificates", _text(BY_KEY["certificates"].label), "%",
                          _q(Decimal(certified) * HUNDRED / len(workers)) if workers else Decimal(0),
                          numerator=Decimal(certified), denominator=Decimal(len(workers)), drill=drill.get("certificates", "")))

    complete = 0
    for station in stations:
        policy = policies.get(station.region[:6]) or own_policy
        minimum_area = policy.get("station_min_area_m2") if policy is not None else None
        area_ok = minimum_area is None or (station.venue_area is not None and station.venue_area >= Decimal(str(minimum_area)))
        if station.items >= 8 and area_ok and station.operator_id:
            complete += 1
    n = len(stations)
    figures.append(Figure("eight_haves", _text(BY_KEY["eight_haves"].label), "%",
                          _q(Decimal(complete) * HUNDRED / n) if n else Decimal(0), Decimal(100) if n else None,
                          Decimal(100) if n else None, Decimal(complete), Decimal(n), drill=drill.get("eight_haves", "")))

    if townships:
        covered = len({s.region[:UNIT_LENGTH] for s in stations if len(s.region) >= UNIT_LENGTH})
        indicator = BY_KEY["stations"]
        rate_target, source = target(indicator)
        t = None if rate_target is None else _q(rate_target * HUNDRED)
        figures.append(Figure("stations", _text(indicator.label), "%", _q(Decimal(covered) * HUNDRED / townships), t, t,
                              Decimal(covered), Decimal(townships), source, drill.get("stations", "")))

    card = Scorecard(code=code, name=name, period=period, today=today, figures=figures, stations=n)
    card.months = [f"{y}-{m:02d}" for y, m in all_months]
    for metric in ("visits", "cases_opened", "groups_valid", "activities", "publicity", "training_hours",
                   "supervision_hours", "registered"):
        card.series[metric] = [values.by.get((y, m, metric), Decimal(0)) for y, m in all_months]
    return card


def _domains(values: Values, period: Period) -> list[dict]:
    from shegong.casework.models import ServiceDomain

    keys = values.metrics("domain:")
    ids = [int(k.split(":", 1)[1]) for k in keys]
    names = dict(ServiceDomain.objects.filter(pk__in=ids).values_list("pk", "name"))
    rows = []
    for pk in sorted(ids, key=lambda i: names.get(i, "")):
        by_month = [values.sum(f"domain:{pk}", [ym]) for ym in period.months]
        rows.append({"id": pk, "name": names.get(pk, str(pk)), "by_month": [str(v) for v in by_month],
                     "total": str(sum(by_month))})
    return rows


def _categories(values: Values, period: Period, today: date) -> list[dict]:
    from shegong.recipients.models import Category

    end_year = period.end.year
    ytd = [(end_year, m) for m in range(1, period.end.month + 1) if date(end_year, m, 1) <= today] or [(end_year, 1)]
    rows = []
    for value, label in Category.choices:
        people = values.sum(f"people:{value}", [(end_year, 0)])
        if not people:
            continue
        visited = values.sum(f"visited:{value}", ytd)
        rows.append({"category": value, "label": str(label), "people": str(int(people)), "visited": str(int(visited)),
                     "rate": str(_q(visited * HUNDRED / people))})
    return rows


def visit_plans(code: str, today: date | None = None) -> dict:
    """Open visit plans of ``code``: overdue (due in a month gone by), due this month, later."""
    today = today or timezone.localdate()
    current = (today.year, today.month)
    out = {"overdue": 0, "this_month": 0, "later": 0}
    for year, month, value in Tally.objects.filter(unit=code, metric="plans_open").values_list("year", "month", "value"):
        key = "overdue" if (year, month) < current else "this_month" if (year, month) == current else "later"
        out[key] += int(value)
    return out


def _drill(code: str, period: Period) -> dict:
    """Where each figure's records are listed (the lists filter by place and dates)."""
    dates = {"region": code, "date_from": period.start.isoformat(), "date_to": period.end.isoformat()}
    year_dates = {"region": code, "date_from": date(period.end.year, 1, 1).isoformat(), "date_to": period.end.isoformat()}
    held = {"region": code, "held_from": period.start.isoformat(), "held_to": period.end.isoformat()}  # the activity list's names

    def url(name, params):
        return f"{reverse(name)}?{urlencode(params)}"

    return {
        "cases": url("casework:case_list", dates),
        "groups_valid": url("casework:group_list", {**dates, "valid": "yes"}),
        "activities": url("casework:activity_list", {**held, "kind": "activity"}),
        "publicity": url("casework:activity_list", {**held, "kind": "publicity"}),
        "visit_new": url("casework:visit_list", year_dates),
        "visit_others": url("casework:visit_list", year_dates),
        "training": url("workforce:session_list", {**dates, "kind": "training"}),
        "supervision": url("workforce:session_list", {**dates, "kind": "supervision"}),
        "staffing": url("workforce:worker_list", {"region": code}),
        "certificates": url("workforce:worker_list", {"region": code}),
        "eight_haves": url("stations:station_list", {"region": code}),
        "stations": url("stations:station_list", {"region": code}),
    }


_PLACE = "__place__"


def _drills(period: Period):
    """:func:`_drill` for many places: the addresses reversed once, each place filled in."""
    template = _drill(_PLACE, period)
    return lambda code: {key: url.replace(_PLACE, code) for key, url in template.items()}


def _region_names(codes) -> dict[str, str]:
    wanted = {c for c in codes if c} | {c[:6] for c in codes if len(c) == UNIT_LENGTH and c.endswith("000")}
    names = dict(Region.objects.filter(code__in=wanted).values_list("code", "name"))
    for code in codes:
        if code not in names and len(code) == UNIT_LENGTH and code.endswith("000"):
            names[code] = _("%(county)s (county level)") % {"county": names.get(code[:6], code[:6])}
    return names


def scorecard(code: str, period: Period, *, today: date | None = None, children: bool = True) -> Scorecard:
    """The figures of the place ``code`` (province, city, county or township) for ``period``, with
    those of each child place (cities, counties or townships). The caller checks the actor may see
    ``code`` (see :mod:`shegong.monitoring.selectors`)."""
    today = today or timezone.localdate()
    years = period.years
    stations = _stations(code)
    child_units = _child_units(code, years) if children and len(code) < UNIT_LENGTH else []
    if children and len(code) < UNIT_LENGTH:
        # Places with stations but no figures yet are still places.
        next_len = next((n for n in CODE_LENGTHS if n > len(code)), UNIT_LENGTH)
        child_units = sorted(set(child_units) | {s.region[:next_len] for s in stations})
    tallies = _read([code, *child_units], years, whole=code)
    drill = _drills(period)
    _evidence_counts(stations, among=_station_qs(code))
    day = min(today, period.end)
    workers = _workers(code, day)
    counties = {s.region[:6] for s in stations} | ({code} if len(code) >= 6 else set())
    policies = _policies(counties | {code}, period.end)
    from shegong.regions.models import Level

    # What lies under each child place, by the child's code at the head of a region code.
    wanted, lengths = set(child_units), {len(child) for child in child_units}

    def by_child(rows, region_of):
        groups = defaultdict(list)
        for row in rows:
            region = region_of(row)
            for n in lengths:
                if region[:n] in wanted:
                    groups[region[:n]].append(row)
        return groups

    townships_of = defaultdict(int)
    for t in Region.objects.filter(code__under=code, level=Level.TOWNSHIP).values_list("code", flat=True):
        townships_of[t[: len(code)]] += 1
        for n in lengths:
            if t[:n] in wanted:
                townships_of[t[:n]] += 1
    names = _region_names([code, *child_units])
    card = _compute(code=code, name=names.get(code, code), values=tallies[code], period=period, today=today,
                    stations=stations, workers=workers, townships=townships_of.get(code), policies=policies,
                    contract_targets=None, drill=drill(code))
    card.domains = _domains(tallies[code], period)
    card.categories = _categories(tallies[code], period, today)
    stations_of, workers_of = by_child(stations, lambda s: s.region), by_child(workers, lambda w: w[0])
    for child in child_units:
        card.children.append(_compute(
            code=child, name=names.get(child, child), values=tallies[child], period=period, today=today,
            stations=stations_of[child], workers=workers_of[child], townships=townships_of.get(child), policies=policies,
            contract_targets=None, drill=drill(child),
        ))
    return card


def contract_scorecard(contract, period: Period | None = None, *, today: date | None = None) -> Scorecard:
    """The figures of the stations a contract covers, against the contract's own KPI targets."""
    today = today or timezone.localdate()
    period = period or Period.between(contract.period_start, contract.period_end)
    station_ids = list(contract.coverage.values_list("station_id", flat=True))
    stations = _stations(None, kinds=("station", "hub", "village_room"), station_ids=station_ids)
    _evidence_counts(stations)
    units = sorted({s.region[:UNIT_LENGTH] if len(s.region) >= UNIT_LENGTH else s.region + "000" for s in stations})
    tallies = _read(units, period.years)
    values = Values()
    for unit in units:
        for key, value in tallies[unit].by.items():
            values.add(*key, value)
    targets = {}
    for t in contract.kpi_targets.all():
        if PARAMETERS[t.key].kind in ("int", "decimal", "rate"):
            targets[t.key] = (t.value, _("contract %(number)s") % {"number": contract.number})
    # A contract's yearly targets are for the contract: per-station keys are not multiplied again.
    names = _region_names(units)
    policies = _policies({contract.purchaser_region_id} | {u[:6] for u in units}, period.end)
    card = _compute(code=contract.purchaser_region_id, name=str(contract), values=values, period=period, today=today,
                    stations=stations, workers=_workers(None, min(today, period.end), station_ids=station_ids),
                    townships=None, policies={contract.purchaser_region_id: policies[contract.purchaser_region_id]},
                    contract_targets=targets, drill=_drill(contract.purchaser_region_id, period))
    # The contract's staffing minimum is per station.
    staffing = card.figure("staffing")
    if staffing and staffing.target is not None:
        staffing.target = staffing.expected = staffing.target * len(stations)
    card.domains = _domains(values, period)
    card.categories = _categories(values, period, today)
    for unit in units:
        unit_stations = [s for s in stations if s.region.startswith(unit) or (unit.endswith("000") and s.region == unit[:6])]
        card.children.append(_compute(
            code=unit, name=names.get(unit, unit), values=tallies[unit], period=period, today=today,
            stations=unit_stations, workers=[], townships=None, policies={unit[:6]: policies[unit[:6]]},
            contract_targets=None, drill=_drill(unit, period),
        ))
    return card
