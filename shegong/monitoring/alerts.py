"""What a user has to do: one list gathered from every app, each part read through ``visible_to``.

``todo_for(user)`` answers a list of :class:`Item` — visits due and overdue, decisions and reviews
of cases, certificate deadlines, lagging KPI figures, needs assessments and resources due for their
yearly update, contracts nearing renewal, and the reports app's own items. Each kind costs a fixed
number of queries whatever the number of rows (counts are aggregated in the database), and a kind
with nothing to do is left out. The list is sorted overdue first, then by due date.

Who sees what follows the roles of each model's scope rule; where a to-do belongs to fewer roles
than may read the rows (certificate deadlines are for station leads, operator managers and the
bureau, not for a township office that also reads the worker files), the rule is narrowed to those
roles with :func:`_reach` — never widened.
"""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta

from django.db.models import Count, Exists, Min, OuterRef, Q
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from shegong.core.scoping import CHANGE, VIEW, assignments_of, reach_q

# The kinds, in the order the page shows their groups, with their headings.
KINDS = {
    "visits": gettext_lazy("Home visits"),
    "cases": gettext_lazy("Cases"),
    "certificates": gettext_lazy("Certificate deadlines"),
    "kpi": gettext_lazy("Places with lagging KPI figures"),
    "assessments": gettext_lazy("Needs assessments"),
    "resources": gettext_lazy("Resource database"),
    "contracts": gettext_lazy("Contract renewals"),
    "reports": gettext_lazy("Reports"),
}

# Kinds whose every item is one thing (a place, a contract): the page shows no count for them.
SINGLE_KINDS = ("kpi", "contracts")

WEEK_DAYS = 6  # "the coming week": today and the six days after it (as the visits-due page counts)
ASSESSMENT_WARNING_DAYS = 30
CONTRACT_WARNING_DAYS = 60

CERTIFICATE_ROLES = {"station_lead", "operator_manager", "bureau"}
KPI_ROLES = {"bureau", "township_officer", "operator_manager", "station_lead"}
CONTRACT_ROLES = {"bureau", "operator_manager"}


@dataclass
class Item:
    """One thing to do (or one bundle of like things, ``count`` of them)."""

    kind: str
    title: str
    detail: str = ""
    url: str = ""
    due: date | None = None
    overdue: bool = False
    count: int = 1

    @property
    def kind_label(self) -> str:
        return str(KINDS.get(self.kind, self.kind))

    def as_dict(self) -> dict:
        return {
            "kind": self.kind, "kind_label": self.kind_label, "title": str(self.title), "detail": str(self.detail),
            "url": self.url, "due": self.due.isoformat() if self.due else None, "overdue": self.overdue,
            "count": self.count,
        }


@dataclass
class KindSummary:
    kind: str
    label: str
    count: int
    overdue: int


# --- Helpers -------------------------------------------------------------------------------------


def _url(name: str, *args, query: dict | None = None) -> str:
    """The address of a page, or "" while the page does not exist (an app not installed yet)."""
    try:
        url = reverse(name, args=args)
    except NoReverseMatch:
        return ""
    return f"{url}?{urlencode(query)}" if query else url


def _roles(user) -> set[str]:
    return {a.role for a in assignments_of(user)}


def _reach(model, user, roles, action: str = VIEW):
    """``model``'s rows ``user`` may ``action`` through assignments of ``roles`` only (the model's
    rule narrowed to those roles): ``visible_to`` and then no wider."""
    rule = model.scope
    narrowed = dataclasses.replace(rule, roles={action: rule.roles_for(action) & set(roles)})
    condition = reach_q(narrowed, user, action)
    qs = model.objects.visible_to(user, action)
    return qs.none() if condition is None else qs.filter(condition)


def _date(value) -> date | None:
    """A date from an aggregate (SQLite may answer a string)."""
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


# --- Home visits ---------------------------------------------------------------------------------


def _visits(user, today: date) -> list[Item]:
    """The user's own open planned visits due within the week or overdue; for a station lead also
    the unassigned ones of their township. One query."""
    from shegong.casework.models import PlannedVisit, PlanStatus
    from shegong.casework.services_visits import lead_townships

    week_end = today + timedelta(days=WEEK_DAYS)
    leads = lead_townships(user)
    unassigned = Q(assigned_to__isnull=True)
    if leads:
        in_leads = Q()
        for code in leads:
            in_leads |= Q(region__code__under=code)
        unassigned &= in_leads
    else:
        unassigned = Q(pk__in=[])
    mine = Q(assigned_to=user)
    late, soon = Q(due_on__lt=today), Q(due_on__gte=today)
    row = (
        PlannedVisit.objects.visible_to(user)
        .filter(status=PlanStatus.OPEN, due_on__lte=week_end)
        .filter(mine | unassigned)
        .aggregate(
            mine_late=Count("pk", filter=mine & late), mine_soon=Count("pk", filter=mine & soon),
            free_late=Count("pk", filter=unassigned & late), free_soon=Count("pk", filter=unassigned & soon),
            mine_late_first=Min("due_on", filter=mine & late), mine_soon_first=Min("due_on", filter=mine & soon),
            free_late_first=Min("due_on", filter=unassigned & late), free_soon_first=Min("due_on", filter=unassigned & soon),
        )
    )
    due_page = _url("casework:visit_due")
    items = []
    if row["mine_late"]:
        items.append(Item("visits", _("Overdue home visits"),
                          _("Planned visits assigned to you whose date has passed."), due_page,
                          _date(row["mine_late_first"]), True, row["mine_late"]))
    if row["mine_soon"]:
        items.append(Item("visits", _("Home visits due this week"),
                          _("Planned visits assigned to you in the next seven days."), due_page,
                          _date(row["mine_soon_first"]), False, row["mine_soon"]))
    if row["free_late"]:
        items.append(Item("visits", _("Unassigned visits overdue"),
                          _("Planned visits of your station that nobody has been given, already late."),
                          _url("casework:plan_list", query={"when": "overdue", "worker": "none"}),
                          _date(row["free_late_first"]), True, row["free_late"]))
    if row["free_soon"]:
        items.append(Item("visits", _("Unassigned visits due this week"),
                          _("Planned visits of your station that nobody has been given yet."),
                          _url("casework:plan_list", query={"when": "week", "worker": "none"}),
                          _date(row["free_soon_first"]), False, row["free_soon"]))
    return items


# --- Cases ---------------------------------------------------------------------------------------


def _approvals(user, today: date) -> list[Item]:
    """Plans and closures awaiting the decision of the cases' supervisor. One query."""
    from shegong.casework.models import Approval, ApprovalStatus, ApprovalSubject

    rows = (
        Approval.objects.visible_to(user)
        .filter(status=ApprovalStatus.PENDING, case__supervisor=user)
        .values("subject").annotate(n=Count("pk"), first=Min("requested_at")).order_by("subject")
    )
    titles = {
        ApprovalSubject.PLAN: _("Service plans awaiting your approval"),
        ApprovalSubject.CLOSURE: _("Case closures awaiting your approval"),
    }
    items = []
    for row in rows:
        first = row["first"]
        since = timezone.localtime(first).date() if first else None
        items.append(Item("cases", titles.get(row["subject"], _("Awaiting your approval")),
                          _("Submitted since %(date)s on cases you supervise.") % {"date": since.isoformat()} if since else "",
                          _url("casework:approval_list"), None, False, row["n"]))
    return items


def _reviews(user, today: date) -> list[Item]:
    """The user's cases in intervention whose plan's review date has passed. One query."""
    from django.db.models import Subquery

    from shegong.casework.models import Case, CasePlan, CaseStage

    latest = CasePlan.objects.filter(case=OuterRef("pk")).order_by("-number").values("review_on")[:1]
    row = (
        Case.objects.visible_to(user)
        .filter(worker=user, stage=CaseStage.INTERVENTION)
        .annotate(review_due=Subquery(latest))
        .filter(review_due__lt=today)
        .aggregate(n=Count("pk"), first=Min("review_due"), one=Min("pk"))
    )
    if not row["n"]:
        return []
    url = (_url("casework:case_detail", row["one"]) if row["n"] == 1
           else _url("casework:case_list", query={"stage": CaseStage.INTERVENTION, "worker": user.pk}))
    return [Item("cases", _("Case reviews overdue"),
                 _("Cases of yours whose service plan was due for review; start the review."), url,
                 _date(row["first"]), True, row["n"])]


# --- Certificates --------------------------------------------------------------------------------


def _certificates(user, today: date) -> list[Item]:
    """Workers on post without a certificate whose deadline (took the post + the profile's years)
    falls within the profile's warning months or has passed, under the profile of each worker's
    station. Two queries: the workers, and the profiles of their places."""
    from shegong.policies.selectors import policies_for
    from shegong.workforce.compliance import DUE_SOON, OVERDUE, certificate_verdict
    from shegong.workforce.models import CertificateLevel, StationAssignment

    if not _roles(user) & CERTIFICATE_ROLES:
        return []
    rows = (
        _reach(StationAssignment, user, CERTIFICATE_ROLES)
        .filter(start__lte=today).filter(Q(end__isnull=True) | Q(end__gte=today))
        .filter(worker__certificate_level=CertificateLevel.NONE)
        .order_by("worker_id", "-start")
        .values_list("worker_id", "worker__took_post_on", "station__region_id")
    )
    workers = {}
    for worker, took, region in rows:
        workers.setdefault(worker, (took, region))  # the latest assignment of each worker
    if not workers:
        return []
    policies = policies_for({(region, today) for _took, region in workers.values()})
    late, soon = [], []
    for took, region in workers.values():
        verdict = certificate_verdict(certified=False, took_post_on=took, today=today, policy=policies[(region, today)])
        if verdict.status == OVERDUE:
            late.append(verdict.due)
        elif verdict.status == DUE_SOON:
            soon.append(verdict.due)
    url = _url("workforce:worker_list", query={"certificate_level": CertificateLevel.NONE})
    items = []
    if late:
        items.append(Item("certificates", _("Certificate deadlines passed"),
                          _("Social workers on post past the deadline to obtain the certificate."), url,
                          min(late), True, len(late)))
    if soon:
        items.append(Item("certificates", _("Certificate deadlines coming"),
                          _("Social workers on post whose deadline to obtain the certificate is near."), url,
                          min(soon), False, len(soon)))
    return items


# --- KPI figures ---------------------------------------------------------------------------------


def _dashboard_url(code: str) -> str:
    return _url("monitoring:dashboard", code)


def _lagging_item(card) -> Item | None:
    lagging = card.lagging
    if not lagging:
        return None
    names = "、".join(f.label for f in lagging)
    return Item("kpi", card.name or _("Nationwide"), _("Lagging: %(figures)s") % {"figures": names},
                _dashboard_url(card.code), None, False, 1)


def _kpi(user, today: date) -> list[Item]:
    """Places under the user's roots whose figures of the year lag. A root wider than a township
    answers with its own scorecard and its children's (one scorecard per root, never one per
    child); township roots are read through their county's scorecard when there are several."""
    from . import access, kpi
    from .periods import Period
    from .rollups import UNIT_LENGTH

    if not _roles(user) & KPI_ROLES:
        return []
    period = Period.year(today.year)
    roots = access.roots(user)
    cards = []
    townships = defaultdict(list)
    for root in roots:
        if len(root) >= UNIT_LENGTH:
            townships[root[:6]].append(root)
        else:
            card = kpi.scorecard(root, period, today=today)
            cards.append(card)
            cards.extend(card.children)
    for county, codes in sorted(townships.items()):
        if len(codes) == 1 and not codes[0].endswith("000"):
            cards.append(kpi.scorecard(codes[0], period, today=today, children=False))
        else:
            wanted = set(codes)
            cards.extend(c for c in kpi.scorecard(county, period, today=today).children if c.code in wanted)
    items = []
    for card in cards:
        item = _lagging_item(card)
        if item is not None:
            items.append(item)
    return items


# --- Needs assessments and resources -------------------------------------------------------------


def _assessments(user, today: date) -> list[Item]:
    """Households the user may update whose latest needs assessment is due within 30 days or past
    (households never assessed are the needs page's business, not a yearly update). One query."""
    from shegong.recipients.models import ACTIVE_STATUSES, Household, Recipient
    from shegong.recipients.services_needs import latest_assessment_due

    active = Recipient.objects.filter(household=OuterRef("pk"), status__in=ACTIVE_STATUSES, merged_into__isnull=True)
    horizon = today + timedelta(days=ASSESSMENT_WARNING_DAYS)
    row = (
        Household.objects.visible_to(user, CHANGE)
        .filter(Exists(active))
        .annotate(due_on=latest_assessment_due())
        .filter(due_on__lte=horizon)
        .aggregate(late=Count("pk", filter=Q(due_on__lt=today)), soon=Count("pk", filter=Q(due_on__gte=today)),
                   late_first=Min("due_on", filter=Q(due_on__lt=today)),
                   soon_first=Min("due_on", filter=Q(due_on__gte=today)))
    )
    url = _url("recipients:assessments_due")
    items = []
    if row["late"]:
        items.append(Item("assessments", _("Needs assessments overdue"),
                          _("Households whose yearly needs assessment is past due."), url,
                          _date(row["late_first"]), True, row["late"]))
    if row["soon"]:
        items.append(Item("assessments", _("Needs assessments due within 30 days"),
                          _("Households whose yearly needs assessment falls due soon."), url,
                          _date(row["soon_first"]), False, row["soon"]))
    return items


def _resources(user, today: date) -> list[Item]:
    """Resources the user keeps that were last checked more than a year ago. One query."""
    from shegong.recipients.models import RESOURCE_VALID_DAYS, Resource
    from shegong.recipients.services_needs import resource_check_cutoff

    row = (
        Resource.objects.visible_to(user, CHANGE)
        .filter(checked_on__lt=resource_check_cutoff(today))
        .aggregate(n=Count("pk"), first=Min("checked_on"))
    )
    if not row["n"]:
        return []
    first = _date(row["first"])
    return [Item("resources", _("Resources due for their yearly check"),
                 _("Entries of the resource database not confirmed for more than a year."),
                 _url("recipients:resource_list", query={"due": "on"}),
                 first + timedelta(days=RESOURCE_VALID_DAYS) if first else None, True, row["n"])]


# --- Contracts -----------------------------------------------------------------------------------


def _contracts(user, today: date) -> list[Item]:
    """Contracts in force whose period ends within 60 days (or has ended) with the renewal not
    decided: one item per contract. One query."""
    from shegong.contracts.models import Contract

    if not _roles(user) & CONTRACT_ROLES:
        return []
    rows = (
        _reach(Contract, user, CONTRACT_ROLES)
        .filter(status=Contract.Status.ACTIVE, renewal=Contract.Renewal.PENDING,
                period_end__lte=today + timedelta(days=CONTRACT_WARNING_DAYS))
        .select_related("operator").order_by("period_end", "number")
    )
    return [
        Item("contracts", _("Contract %(number)s: decide on renewal") % {"number": c.number},
             _("%(operator)s; the period ends on %(date)s.") % {"operator": c.operator.name, "date": c.period_end.isoformat()},
             _url("contracts:contract_detail", c.pk), c.period_end, c.period_end < today, 1)
        for c in rows
    ]


# --- Reports (the reports app's own items) ------------------------------------------------------


def _reports(user, today: date) -> list[Item]:
    from shegong.reports.alerts import items_for

    return [item for item in items_for(user, today) if item.count]


# --- All together --------------------------------------------------------------------------------

SOURCES = (_visits, _approvals, _reviews, _certificates, _kpi, _assessments, _resources, _contracts, _reports)


def sort_key(item: Item):
    """Overdue first, then by due date (undated last), then by kind; a stable sort keeps each
    source's own order within that (a place before its children)."""
    kind = list(KINDS).index(item.kind) if item.kind in KINDS else len(KINDS)
    return (not item.overdue, item.due is None, item.due or date.max, kind)


def todo_for(user, today: date | None = None) -> list[Item]:
    """Everything ``user`` has to do, overdue first, then by due date."""
    if user is None or not getattr(user, "is_authenticated", False) or not assignments_of(user):
        return []
    today = today or timezone.localdate()
    items = [item for source in SOURCES for item in source(user, today) if item.count]
    return sorted(items, key=sort_key)


def by_kind(items: list[Item]) -> list[tuple[str, str, list[Item]]]:
    """``(kind, heading, items)`` in the page's order of kinds, each kind's items as sorted."""
    groups = defaultdict(list)
    for item in items:
        groups[item.kind].append(item)
    order = [*KINDS, *sorted(k for k in groups if k not in KINDS)]
    return [(kind, str(KINDS.get(kind, kind)), groups[kind]) for kind in order if groups.get(kind)]


def summary(items: list[Item]) -> list[KindSummary]:
    """Per kind: how many things to do and how many of them are overdue."""
    return [
        KindSummary(kind, label, sum(i.count for i in group), sum(i.count for i in group if i.overdue))
        for kind, label, group in by_kind(items)
    ]
