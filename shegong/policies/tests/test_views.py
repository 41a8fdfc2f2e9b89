"""Policy pages: anyone sees the rules in force for their place; the place's bureau writes versions."""

from datetime import date

import pytest

from shegong.policies.models import PolicyProfile, PolicyVersion
from shegong.policies.services import preset_apply

pytestmark = pytest.mark.django_db


def test_rules_in_force_with_their_sources(people, regions, client_for):
    preset_apply(actor=None, preset="haicheng", region=regions["county"], valid_from=date(2024, 1, 1))
    page = client_for(people["worker_a"]).get(f"/policies/?region={regions['township_a'].code}&on=2025-05-01")
    html = page.content.decode()
    assert page.status_code == 200 and "40" in html and "辽宁省鞍山市海城市" in html


def test_county_bureau_applies_a_preset_and_adds_a_version_by_page(people, regions, client_for):
    client = client_for(people["county_bureau"])
    client.post("/policies/?region=210381", {"preset": "haicheng", "valid_from": "2024-01-01"})
    profile = PolicyProfile.objects.get(region=regions["county"])
    form = client.get(f"/policies/profiles/{profile.pk}/").context["form"]
    data = {k: v for k, v in form.initial.items() if v is not None}
    data.update({"valid_from": "2026-01-01", "training_hours_per_year": "48", "note": "2026 年起提高培训要求"})
    data = {k: (str(v).lower() if isinstance(v, bool) else v) for k, v in data.items()}
    assert client.post(f"/policies/profiles/{profile.pk}/", data).status_code == 302
    latest = PolicyVersion.objects.filter(profile=profile).order_by("-number").first()
    assert latest.number == 2 and latest.values["training_hours_per_year"] == "48"
    assert latest.values["group_min_members"] == 6  # carried over from v1


def test_others_cannot_write(people, regions, client_for):
    profile = preset_apply(actor=None, preset="hainan", region=regions["county"], valid_from=date(2024, 1, 1)).profile
    officer = client_for(people["officer_a"])
    assert officer.post("/policies/?region=210381", {"preset": "haicheng", "valid_from": "2024-01-01"}).status_code == 404
    assert officer.get(f"/policies/profiles/{profile.pk}/").status_code == 404
    assert PolicyVersion.objects.filter(profile=profile).count() == 1
