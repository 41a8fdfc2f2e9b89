"""The demo cases: a dozen across every stage, written through the services, idempotent."""

from datetime import date

import pytest

from shegong.casework import demo_cases
from shegong.casework.models import Case, CaseStage, CaseTransfer, ConfidentialNote

pytestmark = pytest.mark.django_db


def test_demo_cases_cover_every_stage_and_are_idempotent(regions, make_user, operator):
    from shegong.recipients import demo

    township = regions["township_a"]
    for username, role, place in (("hz_worker", "worker", township), ("hz_worker2", "worker", township),
                                  ("hz_lead", "station_lead", township), ("hc_supervisor", "supervisor", regions["county"])):
        make_user(role, place, operator=operator, username=username)
    today = date(2026, 6, 1)
    demo.build(townships=[township], today=today, per_township=14)
    demo_cases.build(townships=[township], today=today)
    demo_cases.build(townships=[township], today=today)
    cases = Case.objects.all()
    assert cases.count() == 12
    assert set(cases.values_list("stage", flat=True)) == set(CaseStage.values)
    assert cases.filter(stage__in=["plan_review", "closure_review"], supervisor__username="hc_supervisor").count() == 3
    assert cases.filter(reopened_count=1).count() == 1
    moved = CaseTransfer.objects.get()
    assert moved.from_worker.username == "hz_worker" and moved.to_worker.username == "hz_worker2"
    assert ConfidentialNote.objects.count() >= 3
