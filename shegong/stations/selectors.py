"""Reads of operators and stations: lists, the eight-haves state, township coverage."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db.models import Count, Prefetch
from django.utils.translation import gettext as _

from shegong.policies.selectors import policy_for
from shegong.regions.models import Level, Region

from .filters import OperatorFilter, StationFilter
from .models import EightHaves, Evidence, Operator, Station


def operator_list(*, actor, params=None):
    base = Operator.objects.visible_to(actor).select_related("region").annotate(station_count=Count("stations"))
    filterset = OperatorFilter(params or None, queryset=base)
    qs = filterset.qs if not filterset.is_bound or filterset.is_valid() else base.none()
    return filterset, qs.order_by("name")


def station_list(*, actor, params=None):
    base = Station.objects.visible_to(actor).select_related("region", "operator").annotate(
        evidence_items=Count("evidence__item", distinct=True)
    )
    filterset = StationFilter(params or None, queryset=base, actor=actor)
    qs = filterset.qs if not filterset.is_bound or filterset.is_valid() else base.none()
    return filterset, qs.order_by("region_id", "name")


def station_get(*, actor, pk, action="view") -> Station:
    return (
        Station.objects.visible_to(actor, action)
        .select_related("region", "operator")
        .prefetch_related(Prefetch("evidence", queryset=Evidence.objects.select_related("created_by")))
        .get(pk=pk)
    )


@dataclass
class ItemState:
    item: str
    label: str
    evidence: list = field(default_factory=list)
    problems: list = field(default_factory=list)

    @property
    def met(self) -> bool:
        return bool(self.evidence) and not self.problems


@dataclass
class EightHavesState:
    items: list
    policy_sources: dict

    @property
    def met_count(self) -> int:
        return sum(1 for i in self.items if i.met)

    @property
    def complete(self) -> bool:
        return self.met_count == len(self.items)

    @property
    def missing(self) -> list:
        return [i for i in self.items if not i.met]


def eight_haves(station: Station, *, on: date) -> EightHavesState:
    """Each of the eight items with its evidence and what still falls short.

    An item is met when it has evidence and the facts the system knows do not contradict it (the
    venue is at least the profile's minimum area; the signboard photo or evidence is on file).
    """
    policy = policy_for(station.region_id, on)
    by_item = {}
    for evidence in station.evidence.all():
        by_item.setdefault(evidence.item, []).append(evidence)
    items, sources = [], {}
    for value, label in EightHaves.choices:
        state = ItemState(item=value, label=str(label), evidence=by_item.get(value, []))
        if not state.evidence:
            state.problems.append(_("No evidence yet."))
        if value == EightHaves.PLACE and "station_min_area_m2" in policy:
            minimum = Decimal(policy["station_min_area_m2"])
            sources["station_min_area_m2"] = policy.source("station_min_area_m2")
            if station.venue_area is None:
                state.problems.append(_("The venue area is not recorded."))
            elif station.venue_area < minimum:
                state.problems.append(
                    _("The venue is %(area)s m², below the %(minimum)s m² the policy requires.")
                    % {"area": station.venue_area, "minimum": minimum}
                )
        if value == EightHaves.ORGANISATION and station.operator_id is None:
            state.problems.append(_("No operator runs this station."))
        items.append(state)
    return EightHavesState(items=items, policy_sources=sources)


@dataclass
class Coverage:
    region: Region
    townships: list  # (township, [operating stations])
    target: str | None
    target_source: object | None

    @property
    def covered(self) -> int:
        return sum(1 for _t, stations in self.townships if stations)

    @property
    def rate(self) -> float:
        return self.covered / len(self.townships) if self.townships else 0.0

    @property
    def meets_target(self) -> bool | None:
        if self.target is None:
            return None
        return self.rate >= float(self.target)


def coverage(*, actor, region: Region, on: date) -> Coverage:
    """Which townships of ``region`` have an operating station (stations scoped to ``actor``)."""
    townships = list(Region.objects.under(region.code).filter(level=Level.TOWNSHIP).order_by("code"))
    operating = {}
    for station in Station.objects.visible_to(actor).filter(
        region__code__under=region.code, kind=Station.Kind.STATION, status=Station.Status.OPERATING
    ):
        operating.setdefault(station.region_id, []).append(station)
    policy = policy_for(region.code, on)
    return Coverage(
        region=region,
        townships=[(t, operating.get(t.code, [])) for t in townships],
        target=policy.get("coverage_target"),
        target_source=policy.source("coverage_target") if "coverage_target" in policy else None,
    )
