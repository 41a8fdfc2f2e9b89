"""The contracts section of the station file: the purchase contracts that cover the station."""

from .models import Contract


def station_section(*, station, actor, on) -> dict:
    contracts = Contract.objects.visible_to(actor).filter(stations=station).select_related("operator").order_by("-period_start")
    return {"station_contracts": list(contracts)}
