"""Community activities and policy publicity: services, volunteer hours, idempotency, counts.

Given the station of township A with two volunteers and the 海城市 catalogue, when a worker
records, edits and deletes activities, then each volunteer's hours follow in the workforce's
service records, a repeated form id never writes twice, and bad inputs are refused.
"""

import uuid
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from shegong.casework import models as cw
from shegong.casework import services_activities as svc
from shegong.casework.tests.factories import make_activity, make_catalogue
from shegong.core.concurrency import EditConflict
from shegong.core.models import AuditEntry
from shegong.policies.models import PolicyProfile, PolicyVersion
from shegong.policies.presets import PRESETS
from shegong.recipients.models import TimelineEntry
from shegong.recipients.tests.factories import make_recipient, village_of
from shegong.workforce.models import Volunteer, VolunteerService
from shegong.workforce.tests.factories import make_station

pytestmark = pytest.mark.django_db

DAY = date(2025, 10, 11)


@pytest.fixture
def haicheng(regions):
    profile = PolicyProfile.objects.create(name="海城市社工站购买服务", region=regions["county"], preset="haicheng")
    PolicyVersion.objects.create(profile=profile, number=1, valid_from=date(2024, 1, 1), values=PRESETS["haicheng"]["values"])
    return profile


@pytest.fixture
def items(haicheng):
    return make_catalogue(haicheng, domains=(
        ("A", "养老服务", "must", (("A1", "敬老爱老活动"), ("A2", "老年人探访"))),
        ("B", "社会事务", "optional", (("B1", "殡葬改革政策宣传"),)),
    ))


@pytest.fixture
def station(regions, operator):
    return make_station(regions["township_a"], operator)


@pytest.fixture
def volunteers(station):
    return [Volunteer.objects.create(station=station, name=name) for name in ("刘志愿", "孙热心")]


@pytest.fixture
def village(regions):
    return village_of(regions["township_a"])


def record(people, village, catalogue, **overrides):
    fields = dict(
        actor=people["worker_a"], kind=cw.ActivityKind.ACTIVITY, region_code=village, title="重阳节敬老活动", held_on=DAY,
        place="村委会广场", items=[catalogue[0]], participant_count=40,
    )
    fields.update(overrides)
    return svc.activity_create(**fields)


def test_create_writes_volunteer_hours_timeline_and_audit(people, village, items, volunteers):
    person = make_recipient(village, "赵大娘")
    activity, created = record(people, village, items, participants=[person],
                               volunteers=[(volunteers[0], Decimal("3.5")), (volunteers[1], Decimal("2"))])
    assert created
    services = {s.volunteer_id: s for s in VolunteerService.objects.all()}
    assert services[volunteers[0].pk].hours == Decimal("3.5") and services[volunteers[0].pk].date == DAY
    assert services[volunteers[0].pk].activity == "重阳节敬老活动"
    assert {row.service_id for row in activity.volunteers.all()} == {s.pk for s in services.values()}
    line = TimelineEntry.objects.get(recipient=person)
    assert "重阳节敬老活动" in line.summary and line.link == f"/casework/activities/{activity.pk}/"
    assert AuditEntry.objects.filter(action="casework.activity_create", region_code=village).exists()


def test_edit_and_delete_keep_volunteer_hours_in_step(people, village, items, volunteers):
    worker = people["worker_a"]
    first, second = volunteers
    activity, _ = record(people, village, items, volunteers=[(first, Decimal("3")), (second, Decimal("2"))])
    extra = Volunteer.objects.create(station=first.station, name="新来的")
    svc.activity_update(
        actor=worker, activity=activity, version=activity.version, title="重阳节敬老联欢", held_on=DAY - timedelta(days=1),
        place="村委会", items=[items[0], items[1]], participant_count=50, volunteers=[(first, Decimal("4")), (extra, Decimal("1.5"))],
    )
    rows = {s.volunteer_id: (s.hours, s.date, s.activity) for s in VolunteerService.objects.all()}
    assert rows == {
        first.pk: (Decimal("4"), DAY - timedelta(days=1), "重阳节敬老联欢"),
        extra.pk: (Decimal("1.5"), DAY - timedelta(days=1), "重阳节敬老联欢"),
    }  # the second volunteer's hours went with them
    svc.activity_delete(actor=worker, activity=cw.Activity.objects.get(pk=activity.pk))
    assert not VolunteerService.objects.exists()
    assert not cw.Activity.objects.exists()
    assert AuditEntry.objects.filter(action="casework.activity_delete").exists()


def test_repeated_client_uuid_returns_the_first_record(people, village, items, volunteers):
    form_id = uuid.uuid4()
    first, created = record(people, village, items, client_uuid=form_id, volunteers=[(volunteers[0], Decimal("2"))])
    again, created_again = record(people, village, items, client_uuid=form_id, title="改了标题也不重复",
                                  volunteers=[(volunteers[0], Decimal("2"))])
    assert created and not created_again
    assert again.pk == first.pk
    assert cw.Activity.objects.count() == 1 and VolunteerService.objects.count() == 1
    assert AuditEntry.objects.filter(action="casework.activity_create").count() == 1


def test_someone_elses_form_id_out_of_reach_is_refused(people, village, items, regions):
    form_id = uuid.uuid4()
    record(people, village, items, client_uuid=form_id)
    with pytest.raises(ValidationError):
        svc.activity_create(
            actor=people["worker_b"], kind="activity", region_code=village_of(regions["township_b"]), title="x", held_on=DAY,
            place="x", items=[items[0]], participant_count=1, client_uuid=form_id,
        )


@pytest.mark.parametrize(
    ("override", "field"),
    [
        ({"participant_count": -1}, "participant_count"),
        ({"held_on": date.today() + timedelta(days=1)}, "held_on"),
        ({"items": []}, "items"),
    ],
)
def test_bad_inputs_are_refused(override, field, people, village, items):
    with pytest.raises(ValidationError) as err:
        record(people, village, items, **override)
    assert field in err.value.message_dict
    assert not cw.Activity.objects.exists()


def test_item_from_another_places_catalogue_is_refused(people, village, items, regions):
    other = PolicyProfile.objects.create(name="别处", region=regions["township_b"])
    foreign = make_catalogue(other, domains=(("Z", "别处领域", "", (("Z1", "别处服务"),)),))
    with pytest.raises(ValidationError) as err:
        record(people, village, items, items=[foreign[0]])
    assert "items" in err.value.message_dict


def test_volunteer_of_another_station_or_too_many_hours_is_refused(people, village, items, volunteers, regions, other_operator):
    stranger = Volunteer.objects.create(station=make_station(regions["township_b"], other_operator), name="外站志愿者")
    with pytest.raises(ValidationError) as err:
        record(people, village, items, volunteers=[(stranger, Decimal("2"))])
    assert "volunteers" in err.value.message_dict
    with pytest.raises(ValidationError):
        record(people, village, items, volunteers=[(volunteers[0], Decimal("25"))])
    with pytest.raises(ValidationError):
        record(people, village, items, participant_count=0, participants=[make_recipient(village, "多出来")])
    assert not VolunteerService.objects.exists()


def test_township_b_cannot_record_or_change(people, village, items):
    activity, _ = record(people, village, items)
    with pytest.raises(PermissionDenied):
        record(people, village, items, actor=people["worker_b"])
    with pytest.raises(PermissionDenied):
        svc.activity_update(actor=people["worker_b"], activity=activity, version=1, title="x", held_on=DAY, place="x",
                            items=[items[0]], participant_count=1)
    with pytest.raises(PermissionDenied):
        svc.activity_delete(actor=people["officer_a"], activity=activity)
    assert not cw.Activity.objects.visible_to(people["worker_b"]).exists()


def test_edit_conflict_writes_nothing(people, village, items, volunteers):
    worker = people["worker_a"]
    activity, _ = record(people, village, items, volunteers=[(volunteers[0], Decimal("2"))])
    fields = dict(held_on=DAY, place="村委会", items=[items[0]], participant_count=40)
    svc.activity_update(actor=worker, activity=cw.Activity.objects.get(pk=activity.pk), version=1, title="第一位",
                        volunteers=[(volunteers[0], Decimal("2"))], **fields)
    with pytest.raises(EditConflict):
        svc.activity_update(actor=worker, activity=cw.Activity.objects.get(pk=activity.pk), version=1, title="第二位",
                            volunteers=[(volunteers[0], Decimal("9"))], **fields)
    assert cw.Activity.objects.get(pk=activity.pk).title == "第一位"
    assert VolunteerService.objects.get().hours == Decimal("2")


def test_year_counts_against_the_profile(people, village, items, regions, haicheng):
    for i in range(3):
        make_activity(village, people["worker_a"], held_on=date(2025, 5, 1 + i))
    make_activity(village, people["worker_a"], kind=cw.ActivityKind.PUBLICITY, held_on=date(2025, 6, 1))
    make_activity(village, people["worker_a"], kind=cw.ActivityKind.PUBLICITY, held_on=date(2025, 7, 1))
    make_activity(village, people["worker_a"], held_on=date(2024, 5, 1))  # another year
    make_activity(village_of(regions["township_b"]), people["worker_b"], held_on=date(2025, 5, 1))  # out of reach
    counts = {c.kind: c for c in svc.year_counts(actor=people["officer_a"], year=2025, townships=[regions["township_a"]])}
    assert (counts["activity"].count, counts["activity"].target, counts["activity"].met) == (3, 5, False)
    assert (counts["publicity"].count, counts["publicity"].target, counts["publicity"].met) == (2, 2, True)
    assert "海城市社工站购买服务" in counts["activity"].source
