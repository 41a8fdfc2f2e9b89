import pytest

from .factories import make_station


@pytest.fixture
def station_a(regions, operator):
    return make_station(regions["township_a"], operator, name="甲镇社工站")


@pytest.fixture
def station_b(regions, operator):
    return make_station(regions["township_b"], operator, name="乙镇社工站")


@pytest.fixture
def apply_preset(regions):
    from datetime import date

    from shegong.policies.services import preset_apply

    def apply(preset, region, valid_from=date(2024, 1, 1)):
        return preset_apply(actor=None, preset=preset, region=region, valid_from=valid_from)

    return apply
