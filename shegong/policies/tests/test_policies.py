"""Policy profiles: values are data, inherited down the tree, versioned, and sourced."""

from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError

from shegong.core.models import AuditEntry
from shegong.policies import services
from shegong.policies.models import PolicyVersion
from shegong.policies.parameters import PARAMETERS, clean_values
from shegong.policies.presets import PRESETS
from shegong.policies.selectors import PolicyMissing, policy_for, policy_from_versions

pytestmark = pytest.mark.django_db
JAN_2024 = date(2024, 1, 1)


def test_every_preset_uses_only_known_parameters_with_valid_values():
    for name, preset in PRESETS.items():
        assert clean_values(preset["values"]) == {k: PARAMETERS[k].clean(v) for k, v in preset["values"].items()}, name


def test_bad_values_are_refused_with_the_parameter_named():
    with pytest.raises(ValidationError) as err:
        clean_values({"training_hours_per_year": "forty", "visit_rate_new": "1.5", "nonsense": 1})
    assert set(err.value.message_dict) == {"training_hours_per_year", "visit_rate_new", "nonsense"}


def test_county_overrides_province_and_inherits_the_rest(regions):
    services.preset_apply(actor=None, preset="shanxi", region=regions["province"], valid_from=JAN_2024)
    services.preset_apply(actor=None, preset="haicheng", region=regions["county"], valid_from=JAN_2024)
    township = regions["township_a"].code
    policy = policy_for(township, date(2025, 3, 1))
    assert policy["training_hours_per_year"] == "40"  # from the county
    assert policy["staff_min_per_station"] == 2  # inherited from the province
    assert "海城市" in str(policy.source("training_hours_per_year"))
    assert "辽宁省" in str(policy.source("staff_min_per_station"))
    # A neighbouring county under the same province gets only the province's rules.
    assert "training_hours_per_year" not in policy_for("210302", date(2025, 3, 1))


def test_missing_rule_is_said_not_guessed(regions):
    policy = policy_for(regions["township_a"].code, date(2025, 3, 1))
    with pytest.raises(PolicyMissing, match="2025-03-01"):
        policy["training_hours_per_year"]


def test_a_new_version_does_not_change_a_figure_computed_under_the_old_one(regions):
    services.preset_apply(actor=None, preset="haicheng", region=regions["county"], valid_from=JAN_2024)
    township = regions["township_a"].code
    before = policy_for(township, date(2025, 6, 1))
    stored_versions = before.version_ids
    profile = PolicyVersion.objects.get(pk=stored_versions[0]).profile
    services.version_add(
        actor=None, profile=profile, valid_from=JAN_2024, values={"training_hours_per_year": "50"}, note="更正"
    )
    assert policy_for(township, date(2025, 6, 1))["training_hours_per_year"] == "50"
    again = policy_from_versions(township, date(2025, 6, 1), stored_versions)
    assert again["training_hours_per_year"] == "40"


def test_versions_take_effect_on_their_date(regions):
    profile_version = services.preset_apply(actor=None, preset="haicheng", region=regions["county"], valid_from=JAN_2024)
    services.version_add(
        actor=None, profile=profile_version.profile, valid_from=date(2026, 1, 1),
        values={**profile_version.values, "training_hours_per_year": "48"},
    )
    township = regions["township_a"].code
    assert policy_for(township, date(2025, 12, 31))["training_hours_per_year"] == "40"
    assert policy_for(township, date(2026, 1, 1))["training_hours_per_year"] == "48"
    assert policy_for(township, date(2023, 12, 31)).values == {}


def test_versions_are_immutable(regions):
    version = services.preset_apply(actor=None, preset="hainan", region=regions["county"], valid_from=JAN_2024)
    version.values = {}
    with pytest.raises(PolicyVersion.Immutable):
        version.save()
    with pytest.raises(PolicyVersion.Immutable):
        PolicyVersion.objects.filter(pk=version.pk).update(values={})


def test_only_the_places_bureau_sets_its_rules(people, regions):
    with pytest.raises(PermissionDenied):
        services.preset_apply(actor=people["officer_a"], preset="hainan", region=regions["township_a"], valid_from=JAN_2024)
    with pytest.raises(PermissionDenied):
        services.preset_apply(actor=people["county_bureau"], preset="hainan", region=regions["city"], valid_from=JAN_2024)
    version = services.preset_apply(
        actor=people["county_bureau"], preset="hainan", region=regions["county"], valid_from=JAN_2024
    )
    entry = AuditEntry.objects.get(action="policy.version_add")
    assert entry.actor == people["county_bureau"] and entry.region_code == regions["county"].code
    assert entry.detail["values"] == version.values


def test_preset_command(regions, capsys):
    call_command("policies", "preset", "jiangsu", "--region", "210381", "--valid-from", "2024-01-01")
    call_command("policies", "show", "--region", regions["township_a"].code, "--on", "2025-01-01")
    out = capsys.readouterr().out
    assert "辽宁省鞍山市海城市" in out and "30" in out
    with pytest.raises(CommandError):
        call_command("policies", "preset", "nowhere", "--region", "210381")
    with pytest.raises(CommandError):
        call_command("policies", "preset", "jiangsu", "--region", "999999")
    with pytest.raises(CommandError):
        call_command("policies", "preset", "jiangsu", "--region", "210381", "--valid-from", "2024-13-01")
