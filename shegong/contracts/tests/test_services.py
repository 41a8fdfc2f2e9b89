"""Contract writes: KPI targets from the profile, money rules, period rules, permissions, audit."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from shegong.contracts import services
from shegong.contracts.models import Contract, KpiTarget
from shegong.core.models import AuditEntry
from shegong.policies.services import preset_apply
from shegong.regions.models import Region

pytestmark = pytest.mark.django_db


def test_kpi_targets_are_copied_from_the_haicheng_profile_with_their_source(haicheng, make_contract, people):
    contract = make_contract(actor=people["county_bureau"])
    targets = {t.key: t for t in contract.kpi_targets.all()}
    assert targets["cases_per_year_county"].value == "15"
    assert targets["groups_per_year"].value == "5"
    assert targets["training_hours_per_year"].value == "40"
    assert targets["visit_rate_others"].value == "0.2"
    assert "staff_min_per_station" not in targets  # haicheng sets no staff minimum: no target
    assert targets["groups_per_year"].policy_version_id == haicheng.pk
    assert haicheng.profile.name in targets["groups_per_year"].defaulted_from
    assert not any(t.edited for t in targets.values())
    assert AuditEntry.objects.filter(action="contract.create", object_id=str(contract.pk)).exists()


def test_kpi_targets_differ_under_another_preset(regions, make_contract):
    preset_apply(actor=None, preset="jiangsu", region=regions["county"], valid_from=date(2024, 1, 1))
    contract = make_contract()
    targets = {t.key: t.value for t in contract.kpi_targets.all()}
    assert targets == {"training_hours_per_year": "30"}


def test_editing_a_target_marks_it_edited(haicheng, make_contract, people):
    contract = make_contract()
    services.contract_update_targets(actor=people["county_bureau"], contract=contract, values={"groups_per_year": 8, "cases_per_year_county": 15})
    groups = KpiTarget.objects.get(contract=contract, key="groups_per_year")
    cases = KpiTarget.objects.get(contract=contract, key="cases_per_year_county")
    assert groups.value == "8" and groups.edited
    assert not cases.edited  # unchanged value stays "from the profile"
    entry = AuditEntry.objects.get(action="contract.targets_update")
    assert entry.detail["changed"] == {"groups_per_year": ["5", "8"]}
    with pytest.raises(ValidationError):
        services.contract_update_targets(actor=None, contract=contract, values={"visit_rate_new": "1.5"})


def test_operator_manager_cannot_change_targets(haicheng, make_contract, people):
    contract = make_contract()
    with pytest.raises(PermissionDenied):
        services.contract_update_targets(actor=people["operator_manager"], contract=contract, values={"groups_per_year": 1})


def test_instalments_must_add_up_to_the_amount(haicheng, make_contract):
    with pytest.raises(ValidationError) as exc:
        make_contract(amount="600000", instalments=[(date(2025, 10, 31), "300000"), (date(2026, 4, 30), "200000")])
    assert "instalments" in exc.value.message_dict
    assert not Contract.objects.exists()  # nothing half-written


def test_instalments_and_payments_never_exceed_the_amount(haicheng, make_contract):
    contract = make_contract(instalments=[])
    services.instalment_add(actor=None, contract=contract, due_on=date(2025, 10, 31), amount="300000")
    services.instalment_add(actor=None, contract=contract, due_on=date(2026, 4, 30), amount="300000")
    with pytest.raises(ValidationError):
        services.instalment_add(actor=None, contract=contract, due_on=date(2026, 5, 30), amount="1")
    services.payment_add(actor=None, contract=contract, paid_on=date(2025, 11, 2), amount="300000", note="首期")
    with pytest.raises(ValidationError):
        services.payment_add(actor=None, contract=contract, paid_on=date(2026, 5, 2), amount="300000.01")
    assert contract.payments.get().amount == Decimal("300000.00")
    assert AuditEntry.objects.filter(action="contract.payment_add").count() == 1


@pytest.mark.parametrize(
    "cycle_start, period_start, period_end",
    [
        (date(2025, 1, 1), date(2024, 12, 1), date(2025, 11, 30)),  # starts before the cycle
        (date(2023, 1, 1), date(2025, 6, 1), date(2026, 5, 31)),  # ends after the cycle (2025-12-31)
        (date(2025, 1, 1), date(2025, 1, 1), date(2026, 1, 1)),  # longer than a year
        (date(2025, 1, 1), date(2025, 6, 1), date(2025, 5, 1)),  # ends before it starts
    ],
)
def test_period_must_lie_within_the_cycle(haicheng, make_contract, cycle_start, period_start, period_end):
    with pytest.raises(ValidationError):
        make_contract(cycle_start=cycle_start, period_start=period_start, period_end=period_end, instalments=[])


def test_last_year_of_the_cycle_is_accepted(haicheng, make_contract):
    contract = make_contract(cycle_start=date(2023, 1, 1), period_start=date(2025, 1, 1), period_end=date(2025, 12, 31))
    assert contract.cycle_end == date(2025, 12, 31)


def test_stations_outside_the_purchasers_region_are_refused(haicheng, make_contract, regions, stations):
    with pytest.raises(ValidationError) as exc:
        make_contract(purchaser_region=regions["township_a"], stations=[stations["a"], stations["b"]])
    assert "stations" in exc.value.message_dict


def test_signing_gives_the_stations_to_the_operator(haicheng, make_contract, operator, stations):
    make_contract()
    for station in stations.values():
        station.refresh_from_db()
        assert station.operator_id == operator.pk
    assert AuditEntry.objects.filter(action="station.operator_set").count() == 2


def test_only_bureau_or_admin_of_the_place_signs(haicheng, make_contract, people, regions, make_user):
    for who in ("operator_manager", "officer_a", "worker_a", "evaluator"):
        with pytest.raises(PermissionDenied):
            make_contract(actor=people[who])
    neighbour = Region.objects.create(code="210302", name="铁东区", level=3, parent=regions["city"])
    with pytest.raises(PermissionDenied):
        make_contract(actor=make_user("bureau", neighbour))
    assert make_contract(actor=people["city_bureau"]).pk
    assert make_contract(actor=people["admin"]).pk


def test_renewal_decision(haicheng, make_contract, people):
    contract = make_contract()
    with pytest.raises(ValidationError):
        services.renewal_decide(actor=people["county_bureau"], contract=contract, decision="not_renew", decided_on=date(2026, 9, 1))
    services.renewal_decide(
        actor=people["county_bureau"], contract=contract, decision="not_renew", decided_on=date(2026, 9, 1),
        reason="年度评估不合格",
    )
    contract.refresh_from_db()
    assert contract.renewal == "not_renew" and contract.renewal_reason == "年度评估不合格"
    assert AuditEntry.objects.get(action="contract.renewal_decide").detail["decision"] == "not_renew"
