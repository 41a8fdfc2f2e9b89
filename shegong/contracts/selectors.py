"""Reads of contracts, always scoped on their first line."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.db.models import Prefetch, Sum

from shegong.core.scoping import CHANGE, VIEW
from shegong.stations.models import Station

from .filters import ContractFilter
from .models import Contract


def contract_list(*, actor, params=None, request=None):
    """Contracts ``actor`` may see, filtered; returns (filterset, queryset), parties joined."""
    base = (
        Contract.objects.visible_to(actor)
        .select_related("operator", "purchaser_region")
        .prefetch_related(Prefetch("stations", queryset=Station.objects.only("id", "name", "region_id")))
        .annotate(paid=Sum("payments__amount"))
    )
    filterset = ContractFilter(params or None, queryset=base, request=request)
    qs = filterset.qs if not filterset.is_bound or filterset.is_valid() else base.none()
    return filterset, qs.order_by("-period_start", "number")


def contract_get(*, actor, pk, action: str = VIEW) -> Contract:
    """One contract ``actor`` may see (or change); raises Contract.DoesNotExist otherwise."""
    return Contract.objects.visible_to(actor, action).select_related("operator", "purchaser_region").get(pk=pk)


def contract_changeable(*, actor, contract: Contract) -> bool:
    return Contract.objects.visible_to(actor, CHANGE).filter(pk=contract.pk).exists()


def money_summary(contract: Contract) -> dict:
    """Planned instalments against payments made."""
    planned = contract.instalments.aggregate(s=Sum("amount"))["s"] or Decimal("0")
    paid = contract.payments.aggregate(s=Sum("amount"))["s"] or Decimal("0")
    return {
        "planned": planned,
        "paid": paid,
        "outstanding": contract.amount - paid,
        "schedule_complete": planned == contract.amount,
    }


def stations_staffed_by(contract: Contract, on: date) -> dict | None:
    """Whether each covered station has at least one of the operator's social workers on post on
    ``on``: {station_id: bool}.

    Deliberately not narrowed by user: the caller already holds ``contract`` through
    ``visible_to`` and the answer is one yes/no per station, no personal data.
    """
    from django.db.models import Q

    from shegong.workforce.models import StationAssignment

    station_ids = list(contract.coverage.values_list("station_id", flat=True))
    posted = set(
        StationAssignment.objects.filter(
            station_id__in=station_ids, worker__employer_id=contract.operator_id, start__lte=on
        )
        .filter(Q(end__isnull=True) | Q(end__gte=on))
        .values_list("station_id", flat=True)
    )
    return {pk: pk in posted for pk in station_ids}
