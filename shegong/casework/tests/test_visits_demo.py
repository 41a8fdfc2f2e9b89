"""The demo's home visits: believable, under the profile's visit rules, idempotent."""

from datetime import date

import pytest
from django.utils import timezone

from shegong.casework import demo_visits
from shegong.casework.models import PlannedVisit, PlanStatus, Visit, VisitOutcome
from shegong.policies.selectors import policy_for
from shegong.policies.services import preset_apply

pytestmark = pytest.mark.django_db


def test_demo_visits_are_built_once_and_leave_overdue_plans(regions, make_user, operator):
    from shegong.recipients import demo as recipients_demo

    a, b = regions["township_a"], regions["township_b"]
    for username, role, where in (("hz_worker", "worker", a), ("hz_worker2", "worker", a), ("hz_lead", "station_lead", a),
                                  ("xh_worker", "worker", b)):
        make_user(role, where, operator=operator, username=username, name=username)
    preset_apply(actor=None, preset="haicheng", region=regions["county"], valid_from=date(2024, 1, 1))
    today = timezone.localdate()
    recipients_demo.build(townships=[a, b], today=today, per_township=8)

    demo_visits.build(townships=[a, b], today=today)
    rules = policy_for(a.code, today)
    assert rules["visit_every_days_key"] == 30 and rules["visit_rate_others"] == "0.2"  # the preset's values kept
    visits = Visit.objects.count()
    assert visits > 10
    assert Visit.objects.filter(region__code__startswith=b.code).exists()
    assert Visit.objects.filter(outcome=VisitOutcome.AT_HOME).count() > Visit.objects.exclude(outcome=VisitOutcome.AT_HOME).count()
    plans = PlannedVisit.objects.filter(status=PlanStatus.OPEN)
    assert plans.exists() and plans.filter(due_on__lt=today).exists()

    demo_visits.build(townships=[a, b], today=today)
    assert Visit.objects.count() == visits
    assert len({(p.recipient_id) for p in plans}) == plans.count()
