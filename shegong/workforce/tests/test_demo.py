"""The demo workforce: three workers per station, sessions, one certificate due soon; idempotent."""

from datetime import date

import pytest

from shegong.workforce import compliance, demo
from shegong.workforce.models import Session, SocialWorker

pytestmark = pytest.mark.django_db


def test_build_twice_adds_the_same_rows_once(regions, operator, station_a, station_b, apply_preset):
    apply_preset("shanxi", regions["county"])
    today = date(2025, 6, 15)
    for _ in range(2):
        demo.build(county=regions["county"], operator=operator, stations=[station_a, station_b], today=today)
    assert SocialWorker.objects.count() == 6
    assert Session.objects.count() == 2
    assert SocialWorker.objects.exclude(certificate_level="none").count() == 2
    due = [
        w for w in SocialWorker.objects.all()
        if compliance.worker_year(w, 2025, today=today).verdict("certificate").status == compliance.DUE_SOON
    ]
    assert len(due) == 1
