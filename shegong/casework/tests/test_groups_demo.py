"""The demo groups and activities: believable, with one group failing on members and one on
sessions, volunteers' hours written, and a second run adding nothing."""

from datetime import date

import pytest

from shegong.casework import demo_activities, demo_catalogue, demo_groups
from shegong.casework import models as cw
from shegong.casework import services_groups as svc
from shegong.policies.services import preset_apply
from shegong.recipients import demo as recipients_demo
from shegong.workforce.models import VolunteerService
from shegong.workforce.tests.factories import make_station

pytestmark = pytest.mark.django_db

TODAY = date(2026, 5, 20)


def test_demo_groups_and_activities(people, regions, operator, english):
    township = regions["township_a"]
    preset_apply(actor=None, preset="haicheng", region=regions["county"], valid_from=date(2024, 1, 1), name="海城市社工站项目（seed 001）")
    make_station(township, operator)
    recipients_demo.build(townships=[township], today=TODAY, per_township=12)
    for part in (demo_catalogue, demo_groups, demo_activities):
        part.build(townships=[township], today=TODAY)
    groups = list(cw.Group.objects.prefetch_related("members", "sessions__attendance"))
    assert 5 <= len(groups) <= 7
    verdicts = {g.name: svc.validity(g) for g in groups}
    reasons = [r for v in verdicts.values() for r in v.reasons]
    assert any(r.startswith("only 5 members") for r in reasons)
    assert any(r.startswith("only 3 sessions held") for r in reasons)
    assert sum(v.valid for v in verdicts.values()) >= len(groups) - 3
    activities = cw.Activity.objects.filter(region__code__startswith=township.code)
    assert activities.filter(kind="activity").count() >= 10 and activities.filter(kind="publicity").count() >= 4
    assert all(a.items.exists() for a in activities)
    hours = VolunteerService.objects.count()
    assert hours == cw.ActivityVolunteer.objects.count() > 0
    counts = (cw.Group.objects.count(), cw.GroupSession.objects.count(), activities.count(), hours)
    for part in (demo_catalogue, demo_groups, demo_activities):
        part.build(townships=[township], today=TODAY)
    assert counts == (cw.Group.objects.count(), cw.GroupSession.objects.count(), activities.count(), VolunteerService.objects.count())
