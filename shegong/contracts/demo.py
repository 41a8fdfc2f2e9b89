"""This app's part of ``shegong demo``."""

from datetime import date
from decimal import Decimal

from .models import Contract


def build(*, county, operator, stations, today) -> None:
    """Add believable demo data for this app (called by ``shegong demo``; must be idempotent).

    One contract in force for ``operator`` covering ``stations``, signed this year, paid in two
    half-year instalments of which the first has been paid.
    """
    from . import services

    number = f"{county.code}-GM-{today.year}-001"
    if Contract.objects.filter(number=number).exists():
        return
    stations = list(stations)
    amount = Decimal("300000.00") * max(len(stations), 1)
    half = (amount / 2).quantize(Decimal("0.01"))
    start = date(today.year, 1, 1)
    contract = services.contract_create(
        actor=None,
        number=number,
        purchaser_region=county,
        purchaser_name=f"{county.name}民政局",
        operator=operator,
        stations=stations,
        cycle_start=start,
        period_start=start,
        period_end=date(today.year, 12, 31),
        signed_on=min(date(today.year, 1, 6), today),
        amount=amount,
        status=Contract.Status.ACTIVE,
        instalments=[(date(today.year, 1, 31), half), (date(today.year, 7, 31), amount - half)],
    )
    services.payment_add(
        actor=None, contract=contract, paid_on=min(date(today.year, 1, 31), today), amount=half,
        note="首期款（上半年）",
    )
