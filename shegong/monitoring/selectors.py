"""Reads for the dashboards: one scorecard per page (:func:`kpi.scorecard`, from the rollups), what
the charts and their tables show, the open visit plans of the place and its children in one query,
and at a township the figures of each social worker from the records.

The KPI engine checks no permission: every function here takes the acting user, and the views call
:func:`access.check` before anything is read.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db.models import Count, Q, Sum
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from shegong.core.scoping import assignments_of
from shegong.regions.fields import region_q
from shegong.regions.models import CODE_LENGTHS, Region, ancestor_codes

from . import access, kpi
from .models import Tally
from .periods import Period
from .rollups import UNIT_LENGTH

# The figures of each child place in the children table, in this order.
CHILD_FIGURES = ("cases", "groups_valid", "activities", "publicity", "visit_others", "training", "staffing")
# Monthly series of card.series on the "services by month" chart.
SERVICE_SERIES = ("visits", "cases_opened", "groups_valid", "activities", "publicity")
STATUS_CLASS = {"met": "ok", "on_track": "track", "lagging": "bad", "no_target": "neutral"}
STATUS_MARK = {"met": "✓", "on_track": "→", "lagging": "!", "no_target": "–"}
HUNDRED = Decimal(100)


def level_name(code: str) -> str:
    if len(code) == UNIT_LENGTH and code.endswith("000"):
        return _("County level")
    return {2: _("Province"), 4: _("Prefecture city"), 6: _("County"), 9: _("Township")}.get(len(code), "")


def _series_label(key: str) -> str:
    return {
        "visits": _("Home visits"), "cases_opened": _("Cases opened"), "groups_valid": _("Valid groups"),
        "activities": _("Community activities"), "publicity": _("Policy publicity events"),
    }[key]


def default_period(today: date | None = None) -> Period:
    return Period.year((today or timezone.localdate()).year)


def period_choices(selected: Period, today: date | None = None) -> list[dict]:
    """The periods the selector offers, grouped by year: this year and the two before (and the
    selected period's year), each as the year, its halves, quarters and months."""
    today = today or timezone.localdate()
    years = sorted({today.year, today.year - 1, today.year - 2, selected.start.year}, reverse=True)
    groups = []
    for year in years:
        periods = [Period.year(year), *(Period.half(year, h) for h in (1, 2)), *(Period.quarter(year, q) for q in (1, 2, 3, 4)),
                   *(Period.month(year, m) for m in range(1, 13))]
        groups.append({"year": year, "options": [{"key": p.key, "label": p.label, "selected": p == selected} for p in periods]})
    return groups


def _shift(period: Period, step: int) -> Period:
    """The period of the same kind before (-1) or after (+1) ``period``."""
    months = period.months
    n = len(months)
    y, m = months[0]
    index = y * 12 + (m - 1) + step * n
    start_y, start_m = divmod(index, 12)
    end_y, end_m = divmod(index + n - 1, 12)
    return Period(date(start_y, start_m + 1, 1), Period.of_months(end_y, end_m + 1, end_m + 1).end)


# --- Rows of the page -------------------------------------------------------------------------------


def number(value) -> str:
    """A figure as the tables write it: whole numbers without decimals, others with one
    (``floatformat:"-1"``, without a template filter per cell: a county has hundreds)."""
    if value is None:
        return "—"
    value = Decimal(value)
    if value == value.to_integral_value():
        return str(int(value))
    return str(kpi._q(value))


@dataclass
class Cell:
    """A figure with what its table cell and KPI card show, written once."""

    figure: kpi.Figure

    def __post_init__(self):
        f = self.figure
        self.status = f.status
        self.status_class = STATUS_CLASS[f.status]
        self.mark = STATUS_MARK[f.status]
        self.status_label = f.status_label
        self.percent = "%" if f.unit == "%" else ""
        self.unit = "" if f.unit == "%" else f.unit
        self.actual_text = number(f.actual) + self.percent
        self.target_text = None if f.target is None else number(f.target) + self.percent


@dataclass
class ChildRow:
    code: str
    name: str
    stations: int
    cells: list[Cell]
    lagging: list[str]
    url: str | None
    plans: dict
    staffing: kpi.Figure | None
    certificates: kpi.Figure | None

    @property
    def lagging_titles(self) -> str:
        return "、".join(self.lagging)

    @property
    def lagging_text(self) -> str:
        n = len(self.lagging)
        return ngettext("%(n)s figure lagging", "%(n)s figures lagging", n) % {"n": n}


@dataclass
class WorkerRow:
    name: str
    visits: int = 0
    cases_opened: int = 0
    cases_worked: int = 0
    training: Decimal | None = Decimal(0)  # None: an account no worker's file names (no hours kept)
    supervision: Decimal | None = Decimal(0)


@dataclass
class Dashboard:
    code: str
    name: str
    level: str
    period: Period
    card: kpi.Scorecard
    crumbs: list[dict]
    cards: list[Cell]
    children: list[ChildRow]
    plans: dict
    series: list[dict]
    months: list[str]
    workers: list[WorkerRow] | None
    workers_own_only: bool = False
    charts: dict = field(default_factory=dict)

    @property
    def elapsed_percent(self) -> Decimal:
        return kpi._q(self.card.elapsed * HUNDRED)

    @property
    def begun(self) -> int:
        """How many months of the period have begun (the later ones have no figures yet)."""
        return len(self.period.elapsed_months(self.card.today))

    @property
    def monthly_rows(self) -> list[dict]:
        return [{"month": month, "future": i >= self.begun, "values": [s["values"][i] for s in self.series]}
                for i, month in enumerate(self.months)]

    @property
    def series_totals(self) -> list[Decimal]:
        return [sum(s["values"], Decimal(0)) for s in self.series]

    @property
    def lagging_children(self) -> list[ChildRow]:
        return [c for c in self.children if c.lagging]

    @property
    def staffing_rows(self) -> list[dict]:
        """Staffing and certificates per child place (the place itself at a township)."""
        if self.children:
            return [{"name": c.name, "staffing": c.staffing, "certificates": c.certificates} for c in self.children]
        return [{"name": self.name, "staffing": self.card.figure("staffing"), "certificates": self.card.figure("certificates")}]

    @property
    def plan_rows(self) -> list[dict]:
        rows = [{"name": self.name, "own": True, **self.plans}]
        rows += [{"name": c.name, "own": False, **c.plans} for c in self.children]
        return rows


def dashboard_url(code: str, period: Period | None = None) -> str:
    url = reverse("monitoring:dashboard", args=[code])
    return f"{url}?{urlencode({'period': period.key})}" if period else url


def visit_plans(codes: list[str], today: date | None = None) -> dict[str, dict]:
    """:func:`kpi.visit_plans` for several places in one query: overdue, due this month, later."""
    today = today or timezone.localdate()
    current = (today.year, today.month)
    out = {code: {"overdue": 0, "this_month": 0, "later": 0} for code in codes}
    rows = Tally.objects.filter(unit__in=codes, metric="plans_open").values_list("unit", "year", "month", "value")
    for unit, year, month, value in rows:
        key = "overdue" if (year, month) < current else "this_month" if (year, month) == current else "later"
        out[unit][key] += int(value)
    return out


def crumbs(user, code: str, allowed: list[str]) -> tuple[list[dict], dict[str, str]]:
    """The places above ``code`` and ``code`` itself (name, code, whether the user reads it), and the
    names found (one query). ``allowed``: :func:`access.roots` of the user."""
    codes = [*ancestor_codes(code), code] if len(code) in CODE_LENGTHS else [code]
    if len(code) == UNIT_LENGTH and code.endswith("000"):
        codes = [*ancestor_codes(code[:6]), code[:6], code]
    names = dict(Region.objects.filter(code__in=codes).values_list("code", "name"))
    rows = [
        {"code": c, "name": names.get(c, c), "readable": any(c.startswith(r) for r in allowed)}
        for c in codes if c in names or c == code
    ]
    return rows, names


def _child_row(child: kpi.Scorecard, period: Period, plans: dict, allowed: list[str]) -> ChildRow:
    cells = [Cell(f) for key in CHILD_FIGURES if (f := child.figure(key)) is not None]
    readable = any(child.code.startswith(r) for r in allowed)
    return ChildRow(
        code=child.code, name=child.name, stations=child.stations, cells=cells,
        lagging=[f.label for f in child.lagging], url=dashboard_url(child.code, period) if readable else None,
        plans=plans.get(child.code, {"overdue": 0, "this_month": 0, "later": 0}),
        staffing=child.figure("staffing"), certificates=child.figure("certificates"),
    )


def dashboard(user, code: str, period: Period, *, names: dict | None = None, crumb_rows=None,
              allowed: list[str] | None = None, today: date | None = None) -> Dashboard:
    """Everything the dashboard of ``code`` shows for ``period``. The caller has checked
    ``access.check(user, code)``."""
    today = today or timezone.localdate()
    allowed = access.roots(user) if allowed is None else allowed
    card = kpi.scorecard(code, period, today=today)
    access.visible_children(user, card)
    plans = visit_plans([code, *(c.code for c in card.children)], today)
    children = [_child_row(c, period, plans, allowed) for c in card.children]
    series = [{"key": key, "label": _series_label(key), "values": card.series.get(key, [])} for key in SERVICE_SERIES]
    workers, own_only = (None, False)
    if len(code) == UNIT_LENGTH:
        workers, own_only = township_workers(user, code, period)
    board = Dashboard(
        code=code, name=card.name, level=level_name(code), period=period, card=card, crumbs=crumb_rows or [],
        cards=[Cell(f) for f in card.figures], children=children, plans=plans[code], series=series, months=card.months,
        workers=workers, workers_own_only=own_only,
    )
    board.charts = charts(board)
    return board


def charts(board: Dashboard) -> dict:
    """The data of every chart (the page's ``json_script``); each chart has the same numbers as a table."""
    card = board.card

    def num(value):
        return None if value is None else float(value)

    targeted = [f for f in card.figures if f.target]
    return {
        "labels": {
            "completion": _("Completion (%)"), "elapsed": _("Share of the period elapsed"),
            "people": _("People"), "visited": _("Visited this year"), "rate": _("Coverage (%)"),
            "on_post": _("Social workers on post"), "minimum": _("Minimum"), "certified": _("Holding a certificate (%)"),
            "overdue": _("Overdue"), "this_month": _("Due this month"), "later": _("Later"), "total": _("Services"),
        },
        "completion": {
            "names": [f.label for f in targeted], "values": [num(f.completion) for f in targeted],
            "statuses": [f.status for f in targeted], "elapsed": num(board.elapsed_percent),
        },
        "monthly": {
            "months": board.months,
            "series": [{"name": s["label"], "values": [num(v) if i < board.begun else None for i, v in enumerate(s["values"])]}
                       for s in board.series],
        },
        "domains": {"names": [d["name"] for d in card.domains], "values": [num(Decimal(d["total"])) for d in card.domains]},
        "categories": {
            "names": [c["label"] for c in card.categories], "people": [int(c["people"]) for c in card.categories],
            "visited": [int(c["visited"]) for c in card.categories], "rate": [num(Decimal(c["rate"])) for c in card.categories],
        },
        "staffing": {
            "names": [r["name"] for r in board.staffing_rows],
            "on_post": [num(r["staffing"].actual) if r["staffing"] else None for r in board.staffing_rows],
            "minimum": [num(r["staffing"].target) if r["staffing"] else None for r in board.staffing_rows],
            "certified": [num(r["certificates"].actual) if r["certificates"] else None for r in board.staffing_rows],
        },
        "plans": {
            "names": [r["name"] for r in board.plan_rows],
            "overdue": [r["overdue"] for r in board.plan_rows], "this_month": [r["this_month"] for r in board.plan_rows],
            "later": [r["later"] for r in board.plan_rows],
        },
    }


# --- The social workers of a township ---------------------------------------------------------------


def _reads_workers(user) -> bool:
    from shegong.workforce.models import WORKER_ROLES

    return any(a.role in WORKER_ROLES["view"] for a in assignments_of(user))


def township_workers(user, code: str, period: Period) -> tuple[list[WorkerRow], bool]:
    """Per social worker of the township in ``period``: visits recorded, cases opened and cases
    worked (with a service record in the period), training and supervision hours, counted from the
    records of the township and the period (five queries, whatever the number of workers).

    The rows are the workers' files posted there at some time in the period (their hours), and the
    accounts of the workers and station leads of the township that no file names (their visits and
    cases). Who may read the workforce (``WORKER_ROLES``) sees the workers within reach; a social
    worker sees their own row. Returns (rows, own row only)."""
    from django.contrib.auth import get_user_model

    from shegong.casework.models import Case, Visit
    from shegong.casework.services_visits import VISITING_ROLES
    from shegong.workforce.models import Attendance, SocialWorker, StationAssignment

    start, end = period.start, period.end
    posted = StationAssignment.objects.filter(region_q("station__region__code", code), start__lte=end).filter(
        Q(end__isnull=True) | Q(end__gte=start)
    )
    own_only = not _reads_workers(user)
    files = SocialWorker.objects.filter(user=user) if own_only else SocialWorker.objects.visible_to(user)
    files = list(files.filter(pk__in=posted.values("worker_id")).order_by("name", "pk").only("pk", "name", "user_id"))
    rows = {w.pk: WorkerRow(name=w.name) for w in files}
    by_user = {w.user_id: rows[w.pk] for w in files if w.user_id}
    User = get_user_model()
    accounts = User.objects.filter(pk=user.pk) if own_only else User.objects.visible_to(user)
    accounts = (
        accounts.filter(role_assignments__role__in=VISITING_ROLES, role_assignments__region__code__under=code)
        .exclude(pk__in=list(by_user)).distinct().order_by("name", "username").only("pk", "name", "username")
    )
    unlinked = {}
    for account in accounts:
        unlinked[account.pk] = by_user[account.pk] = WorkerRow(name=account.name or account.username)
    users = list(by_user)
    visits = (
        Visit.workers.through.objects.filter(
            region_q("visit__region__code", code), user_id__in=users, visit__visited_on__gte=start, visit__visited_on__lte=end
        ).order_by().values_list("user_id").annotate(n=Count("visit_id", distinct=True))
    )
    for user_id, n in visits:
        by_user[user_id].visits = n
    in_period = Q(opened_on__gte=start, opened_on__lte=end)
    worked = Q(records__occurred_on__gte=start, records__occurred_on__lte=end)
    cases = (
        Case.objects.filter(region_q("region__code", code), worker_id__in=users)
        .order_by().values_list("worker_id")
        .annotate(opened=Count("pk", filter=in_period, distinct=True), worked=Count("pk", filter=worked, distinct=True))
    )
    for user_id, opened, n_worked in cases:
        by_user[user_id].cases_opened = opened
        by_user[user_id].cases_worked = n_worked
    hours = (
        Attendance.objects.filter(worker_id__in=list(rows), session__date__gte=start, session__date__lte=end)
        .order_by().values_list("worker_id", "session__kind").annotate(h=Sum("hours"))
    )
    for worker_id, kind, total in hours:
        if kind == "training":
            rows[worker_id].training = total or Decimal(0)
        elif kind == "supervision":
            rows[worker_id].supervision = total or Decimal(0)
    for row in unlinked.values():
        row.training = row.supervision = None  # hours are kept on a worker's file
    return [*rows.values(), *unlinked.values()], own_only


# --- The operator manager's places and contracts -------------------------------------------------------


def overview(user, period: Period, roots: list[str]) -> dict:
    """The page of a user who reads several places (an operator manager's townships): each place
    with its main figures, read from its parent's scorecard (one per parent), and the contracts
    the user sees."""
    from shegong.contracts.models import Contract

    today = timezone.localdate()
    by_parent: dict[str, list[str]] = {}
    loose = []
    for root in roots:
        parent = root[:6] if len(root) == UNIT_LENGTH else (ancestor_codes(root)[-1] if len(root) > 2 else "")
        if parent:
            by_parent.setdefault(parent, []).append(root)
        else:
            loose.append(root)
    rows = []
    for parent, codes in sorted(by_parent.items()):
        card = kpi.scorecard(parent, period, today=today)
        card.children = [c for c in card.children if c.code in codes]
        plans = visit_plans([c.code for c in card.children], today)
        rows += [_child_row(c, period, plans, roots) for c in card.children]
        shown = {c.code for c in card.children}
        loose += [c for c in codes if c not in shown]
    names = kpi._region_names([c for c in loose if c])  # a county's ``…000`` unit is named "(county level)"
    places = [{"code": c, "name": names.get(c, c) if c else _("Nationwide"), "url": dashboard_url(c, period) if c else None}
              for c in sorted(loose)]
    if "" in loose:  # a nationwide reader: each province
        places = [{"code": code, "name": name, "url": dashboard_url(code, period)}
                  for code, name in Region.objects.filter(level=1).order_by("code").values_list("code", "name")]
    contracts = list(
        Contract.objects.visible_to(user).select_related("operator").order_by("-period_start", "number")[:50]
    )
    return {"rows": rows, "places": places, "contracts": contracts}


def contract_board(user, contract, period: Period) -> Dashboard:
    """A contract's scorecard (:func:`kpi.contract_scorecard`) as a dashboard: its stations' figures
    against the contract's targets, each township of its stations as a child place."""
    today = timezone.localdate()
    allowed = access.roots(user)
    card = kpi.contract_scorecard(contract, period, today=today)
    plans = visit_plans([c.code for c in card.children], today)
    own = {"overdue": 0, "this_month": 0, "later": 0}
    for child in card.children:
        for key, value in plans[child.code].items():
            own[key] += value
    children = [_child_row(c, period, plans, allowed) for c in card.children]
    series = [{"key": key, "label": _series_label(key), "values": card.series.get(key, [])} for key in SERVICE_SERIES]
    board = Dashboard(
        code=card.code, name=card.name, level=_("Contract"), period=period, card=card, crumbs=[],
        cards=[Cell(f) for f in card.figures], children=children, plans=own, series=series, months=card.months,
        workers=None,
    )
    board.charts = charts(board)
    return board
