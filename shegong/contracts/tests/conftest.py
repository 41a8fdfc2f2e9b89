"""Fixtures of the contract tests: stations in both townships, the haicheng rules on the county."""

from datetime import date

import pytest


@pytest.fixture
def stations(regions, other_operator):
    from shegong.stations.models import Station

    return {
        "a": Station.objects.create(name="A 镇社工站", region=regions["township_a"], operator=other_operator),
        "b": Station.objects.create(name="B 街道社工站", region=regions["township_b"]),
    }


@pytest.fixture
def haicheng(regions):
    from shegong.policies.services import preset_apply

    return preset_apply(actor=None, preset="haicheng", region=regions["county"], valid_from=date(2024, 1, 1))


@pytest.fixture
def make_contract(regions, operator, stations):
    """Sign a contract through the service, with sensible defaults."""
    from shegong.contracts import services

    counter = {"n": 0}

    def make(*, actor=None, **overrides):
        counter["n"] += 1
        fields = {
            "number": f"HC-2025-{counter['n']:03d}",
            "purchaser_region": regions["county"],
            "purchaser_name": "海城市民政局",
            "operator": operator,
            "stations": [stations["a"], stations["b"]],
            "cycle_start": date(2025, 1, 1),
            "period_start": date(2025, 10, 1),
            "period_end": date(2026, 9, 30),
            "signed_on": date(2025, 9, 26),
            "amount": "600000",
            "status": "active",
            "instalments": [(date(2025, 10, 31), "300000"), (date(2026, 4, 30), "300000")],
        }
        fields.update(overrides)
        return services.contract_create(actor=actor, **fields)

    return make
