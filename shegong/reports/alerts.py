"""The reports part of a user's to-do list (called by :mod:`shegong.monitoring.alerts`).

Three kinds of item:

- a report **to write**: the last complete period of the cadence the policy profile sets
  (``operator_report_cadence`` for an operator's contract, ``county_report_cadence`` for a county
  bureau's own report), and the one before it, when no report of it has been submitted. A report
  is due by the end of the period that follows its own; after that it is overdue.
- a report **returned** to the user, with the reviewer's comment;
- a report **awaiting the user's review**.

Each item is a :class:`shegong.monitoring.alerts.Item` of kind ``reports``.
"""

from __future__ import annotations

from datetime import date, timedelta

from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from shegong.core.scoping import assignments_of
from shegong.monitoring.alerts import Item
from shegong.monitoring.periods import Period

from . import selectors
from .forms import contracts_to_report
from .models import Kind, Report, Status
from .rules import reviewer_q, writer_q

CADENCE_KINDS = {"monthly": Kind.MONTHLY, "quarterly": Kind.QUARTERLY, "half_year": Kind.HALF_YEAR, "annual": Kind.ANNUAL}
LOOK_BACK = 2  # the last complete period and the one before it


def _containing(kind: str, day: date) -> Period:
    if kind == Kind.MONTHLY:
        return Period.month(day.year, day.month)
    if kind == Kind.QUARTERLY:
        return Period.quarter(day.year, (day.month - 1) // 3 + 1)
    if kind == Kind.HALF_YEAR:
        return Period.half(day.year, 1 if day.month <= 6 else 2)
    return Period.year(day.year)


def complete_periods(kind: str, today: date, n: int = LOOK_BACK) -> list[Period]:
    """The last ``n`` periods of ``kind`` that ended before ``today``, newest first."""
    out, current = [], _containing(kind, today)
    for _i in range(n):
        current = _containing(kind, current.start - timedelta(days=1))
        out.append(current)
    return out


def due_date(kind: str, period: Period) -> date:
    """A report is due by the end of the period after its own."""
    return _containing(kind, period.end + timedelta(days=1)).end


def _cadences(codes, key: str, today: date) -> dict[str, str | None]:
    """The reporting cadence ``key`` in force at each place, in one query."""
    from shegong.policies.selectors import policies_for

    policies = policies_for({(code, today) for code in codes})
    return {code: policy.get(key) for (code, _day), policy in policies.items()}


def _create_url(period: Period, **target) -> str:
    return f"{reverse('reports:report_create')}?{urlencode({'period': period.key, **target})}"


def _to_write(user, today: date) -> list[Item]:
    wanted = []  # (kind, region code, operator id, period, create url parameters, who)
    contracts = list(contracts_to_report(user))
    operator_cadence = _cadences({c.purchaser_region_id for c in contracts}, "operator_report_cadence", today)
    for contract in contracts:
        kind = CADENCE_KINDS.get(operator_cadence[contract.purchaser_region_id] or "")
        if kind is None:
            continue
        for period in complete_periods(kind, today):
            if period.end >= contract.period_start and period.start <= contract.period_end:
                wanted.append((kind, contract.purchaser_region_id, contract.operator_id, period, {"contract": contract.pk},
                               contract.operator.name))
    counties = sorted({a.region_id for a in assignments_of(user) if a.role == "bureau" and a.region_id and len(a.region_id) == 6})
    county_cadence = _cadences(counties, "county_report_cadence", today)
    for code in counties:
        kind = CADENCE_KINDS.get(county_cadence[code] or "")
        if kind is None:
            continue
        for period in complete_periods(kind, today):
            wanted.append((kind, code, None, period, {"region": code}, ""))
    if not wanted:
        return []
    latest = {}
    rows = Report.objects.filter(period_key__in={p.key for _k, _c, _o, p, _t, _w in wanted},
                                 region_id__in={c for _k, c, _o, _p, _t, _w in wanted}).order_by("revision")
    for report in rows.only("pk", "kind", "region_id", "operator_id", "period_key", "status", "revision", "title"):
        latest[(report.kind, report.region_id, report.operator_id, report.period_key)] = report
    items = []
    for kind, code, operator_id, period, target, who in wanted:
        report = latest.get((kind, code, operator_id, period.key))
        if report is not None and report.status != Status.DRAFT:
            continue  # submitted, approved, or returned (listed below with its comment)
        due = due_date(kind, period)
        label = Kind(kind).label
        title = (_("%(kind)s for %(period)s not submitted yet") if report else _("%(kind)s for %(period)s to write")) % {
            "kind": label, "period": period.label}
        items.append(Item(
            "reports", title, detail=who or (report.title if report else ""),
            url=report.get_absolute_url() if report else _create_url(period, **target), due=due, overdue=today > due,
        ))
    return items


def _returned(user) -> list[Item]:
    mine = writer_q(user)
    if mine is None:
        return []
    rows = selectors.reports_for(user).filter(mine, status=Status.RETURNED).select_related("returned_by").order_by("period_start")
    return [
        Item("reports", _("Returned for changes: %(title)s") % {"title": r.title},
             detail=(f"{r.returned_by}：" if r.returned_by else "") + r.return_comment[:200], url=r.get_absolute_url())
        for r in rows
    ]


def _to_review(user) -> list[Item]:
    theirs = reviewer_q(user)
    if theirs is None:
        return []
    rows = selectors.reports_for(user).filter(theirs, status=Status.SUBMITTED).select_related("submitted_by", "operator").order_by("submitted_at")
    return [
        Item("reports", _("To review: %(title)s") % {"title": r.title},
             detail=_("Submitted by %(who)s on %(day)s") % {
                 "who": r.operator.name if r.operator_id else (r.submitted_by or "—"),
                 "day": r.submitted_at.date().isoformat() if r.submitted_at else "—"},
             url=r.get_absolute_url())
        for r in rows
    ]


def items_for(user, today: date) -> list[Item]:
    """The user's report to-dos: to write (oldest due first), returned to them, awaiting their review."""
    to_write = sorted(_to_write(user, today), key=lambda i: i.due)
    return [*to_write, *_returned(user), *_to_review(user)]
