"""Hand-built workforce rows for tests."""

from datetime import date
from decimal import Decimal

from shegong.stations.models import Station
from shegong.workforce.models import (
    Attendance,
    LocalAverageWage,
    Session,
    SocialWorker,
    StationAssignment,
    Volunteer,
    VolunteerService,
)


def make_station(region, operator, name=None, population=None):
    return Station.objects.create(
        name=name or f"{region.name}社工站", region=region, operator=operator, township_population=population
    )


def make_worker(station, *, name="张三", start=date(2023, 1, 1), end=None, employer=None, **fields):
    values = {
        "sex": "female", "birth_date": date(1990, 1, 1), "education": "bachelor", "took_post_on": date(2023, 1, 1),
        **fields,
    }
    worker = SocialWorker.objects.create(employer=employer or station.operator, name=name, **values)
    StationAssignment.objects.create(worker=worker, station=station, start=start, end=end)
    return worker


def make_session(region, *, kind="training", hours="8", on=date(2024, 5, 1), attendees=(), operator=None, topic="培训"):
    session = Session.objects.create(
        kind=kind, date=on, hours=Decimal(hours), provider="民政局", topic=topic, region=region, operator=operator
    )
    for worker in attendees:
        Attendance.objects.create(session=session, worker=worker, hours=Decimal(hours))
    return session


# Township-B rows for the scoping walk (shegong/core/tests/test_scoping.py).
def worker_b(w, r):
    station = make_station(r["township_b"], w["other_operator"], name="兴海街道工作站")
    return make_worker(station, name="MARK-B-WORKER", employer=w["other_operator"])


def assignment_b(w, r):
    return worker_b(w, r).assignments.first()


def session_b(w, r):
    return make_session(r["township_b"], operator=w["other_operator"], topic="MARK-B-SESSION")


def volunteer_b(w, r):
    return Volunteer.objects.create(station=make_station(r["township_b"], w["other_operator"], name="兴海志愿站"), name="MARK-B-VOLUNTEER")


def volunteer_service_b(w, r):
    return VolunteerService.objects.create(volunteer=volunteer_b(w, r), date=date(2024, 1, 1), hours=Decimal("2"))


def wage_b(w, r):
    return LocalAverageWage.objects.create(region=r["township_b"], year=2024, monthly_amount=Decimal("5000"), source="MARK-B-WAGE")
