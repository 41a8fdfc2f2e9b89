"""Writes on contracts: create, KPI targets, payment schedule, payments, renewal. Atomic, audited."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Sum
from django.utils.translation import gettext as _

from shegong.core import audit
from shegong.core.scoping import CHANGE, may_act_at
from shegong.policies.parameters import PARAMETERS
from shegong.policies.selectors import policy_for
from shegong.regions.models import Region

from .models import KPI_KEYS, Contract, ContractStation, KpiTarget, Payment, PaymentInstalment


def _check_may_change(actor, contract: Contract) -> None:
    """Only a bureau official or administrator of the purchaser's region changes a contract."""
    if actor is not None and not Contract.objects.visible_to(actor, CHANGE).filter(pk=contract.pk).exists():
        raise PermissionDenied(_("You cannot change this contract."))


def _money(value) -> Decimal:
    return Decimal(str(value)).quantize(Decimal("0.01"))


@transaction.atomic
def contract_create(
    *,
    actor,
    number: str,
    purchaser_region: Region,
    purchaser_name: str,
    operator,
    stations: Iterable,
    cycle_start: date,
    period_start: date,
    period_end: date,
    signed_on: date,
    amount,
    status: str = Contract.Status.DRAFT,
    instalments: Iterable[tuple[date, object]] = (),
) -> Contract:
    """Sign a contract: its stations pass to the operator, and its KPI targets are copied from the
    policy profile in force for the purchaser's region on the day of signing (with their source).

    ``instalments`` (due date, amount) pairs, when given, must add up to the amount exactly.
    """
    if actor is not None and not may_act_at(actor, Contract.scope, CHANGE, purchaser_region.code, operator.pk):
        raise PermissionDenied(_("You cannot sign contracts for this place."))
    stations = list(stations)
    outside = [s.name for s in stations if not s.region_id.startswith(purchaser_region.code)]
    if outside:
        raise ValidationError(
            {"stations": _("These stations lie outside the purchaser's region: %(names)s.") % {"names": "、".join(outside)}}
        )
    contract = Contract(
        number=number.strip(), purchaser_region=purchaser_region, purchaser_name=purchaser_name, operator=operator,
        cycle_start=cycle_start, period_start=period_start, period_end=period_end, signed_on=signed_on,
        amount=_money(amount), status=status,
    )
    contract.full_clean()
    contract.save()
    for station in stations:
        ContractStation.objects.create(contract=contract, station=station)
        if station.operator_id != operator.pk:
            previous = station.operator_id
            station.operator = operator
            station.save(update_fields=["operator"])
            audit.record(
                "station.operator_set", obj=station, actor=actor,
                detail={"operator": operator.pk, "previous": previous, "contract": contract.number},
            )
    instalments = [(due, _money(value)) for due, value in instalments]
    if instalments:
        total = sum((value for _due, value in instalments), Decimal("0"))
        if total != contract.amount:
            raise ValidationError(
                {"instalments": _("The instalments add up to %(total)s yuan, not the contract amount %(amount)s yuan.")
                 % {"total": total, "amount": contract.amount}}
            )
        for due, value in instalments:
            instalment = PaymentInstalment(contract=contract, due_on=due, amount=value)
            instalment.full_clean()
            instalment.save()
    targets = _copy_targets(contract)
    audit.record(
        "contract.create", obj=contract, actor=actor,
        detail={
            "operator": operator.pk, "stations": [s.pk for s in stations], "amount": str(contract.amount),
            "period": [period_start.isoformat(), period_end.isoformat()],
            "instalments": [[d.isoformat(), str(v)] for d, v in instalments],
            "kpi_targets": {t.key: t.value for t in targets},
        },
    )
    return contract


def _copy_targets(contract: Contract) -> list[KpiTarget]:
    """The KPI targets the profile in force sets; a key the profile leaves out gets no target."""
    policy = policy_for(contract.purchaser_region_id, contract.signed_on)
    targets = []
    for key in KPI_KEYS:
        if key not in policy:
            continue
        source = policy.source(key)
        targets.append(
            KpiTarget(
                contract=contract, key=key, value=str(policy[key]), defaulted_from=str(source)[:200],
                policy_version_id=source.version_id,
            )
        )
    return KpiTarget.objects.bulk_create(targets)


@transaction.atomic
def contract_update_targets(*, actor, contract: Contract, values: dict) -> list[KpiTarget]:
    """Set KPI targets of ``contract``; each changed value is marked as edited for this contract."""
    _check_may_change(actor, contract)
    errors, cleaned = {}, {}
    for key, value in values.items():
        if key not in KPI_KEYS:
            errors[key] = _("Unknown KPI target “%(key)s”.") % {"key": key}
            continue
        if value in (None, ""):
            continue
        try:
            cleaned[key] = str(PARAMETERS[key].clean(value))
        except ValidationError as exc:
            errors[key] = exc.messages
    if errors:
        raise ValidationError(errors)
    existing = {t.key: t for t in contract.kpi_targets.all()}
    changed = {}
    for key, value in cleaned.items():
        target = existing.get(key)
        if target is None:
            target = KpiTarget.objects.create(contract=contract, key=key, value=value, edited=True)
            changed[key] = [None, value]
        elif target.value != value:
            changed[key] = [target.value, value]
            target.value, target.edited = value, True
            target.save(update_fields=["value", "edited"])
    if changed:
        audit.record("contract.targets_update", obj=contract, actor=actor, detail={"changed": changed})
    return list(contract.kpi_targets.all())


@transaction.atomic
def instalment_add(*, actor, contract: Contract, due_on: date, amount) -> PaymentInstalment:
    """Add an instalment to the schedule; the schedule may never plan more than the amount."""
    _check_may_change(actor, contract)
    contract = Contract.objects.select_for_update().get(pk=contract.pk)
    instalment = PaymentInstalment(contract=contract, due_on=due_on, amount=_money(amount))
    instalment.full_clean()
    planned = contract.instalments.aggregate(s=Sum("amount"))["s"] or Decimal("0")
    if planned + instalment.amount > contract.amount:
        raise ValidationError(
            {"amount": _("The instalments would add up to %(total)s yuan, more than the contract amount %(amount)s yuan.")
             % {"total": planned + instalment.amount, "amount": contract.amount}}
        )
    instalment.save()
    audit.record(
        "contract.instalment_add", obj=contract, actor=actor,
        detail={"due_on": due_on.isoformat(), "amount": str(instalment.amount)},
    )
    return instalment


@transaction.atomic
def payment_add(*, actor, contract: Contract, paid_on: date, amount, note: str = "") -> Payment:
    """Record money paid; the payments may never exceed the contract amount."""
    _check_may_change(actor, contract)
    contract = Contract.objects.select_for_update().get(pk=contract.pk)
    payment = Payment(contract=contract, paid_on=paid_on, amount=_money(amount), note=note)
    payment.full_clean()
    paid = contract.payments.aggregate(s=Sum("amount"))["s"] or Decimal("0")
    if paid + payment.amount > contract.amount:
        raise ValidationError(
            {"amount": _("The payments would add up to %(total)s yuan, more than the contract amount %(amount)s yuan.")
             % {"total": paid + payment.amount, "amount": contract.amount}}
        )
    payment.save()
    audit.record(
        "contract.payment_add", obj=contract, actor=actor,
        detail={"paid_on": paid_on.isoformat(), "amount": str(payment.amount), "note": note},
    )
    return payment


@transaction.atomic
def renewal_decide(*, actor, contract: Contract, decision: str, decided_on: date, reason: str = "") -> Contract:
    """Record whether the contract is renewed for the next year of its cycle (after the evaluation)."""
    _check_may_change(actor, contract)
    if decision not in Contract.Renewal.values:
        raise ValidationError({"renewal": _("Unknown renewal decision.")})
    previous = contract.renewal
    contract.renewal, contract.renewal_decided_on, contract.renewal_reason = decision, decided_on, reason.strip()
    contract.full_clean()
    contract.save(update_fields=["renewal", "renewal_decided_on", "renewal_reason"])
    audit.record(
        "contract.renewal_decide", obj=contract, actor=actor,
        detail={"decision": decision, "previous": previous, "decided_on": decided_on.isoformat(), "reason": reason},
    )
    return contract
