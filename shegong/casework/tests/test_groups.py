"""Groups (小组, MZ/T 095): services, attendance, timeline, audit, and validity under two profiles.

Given a group in township A of 海城市, whose county profile asks ≥ 6 members, ≥ 4 sessions and
≥ 60 % attendance, when members join and leave and sessions are recorded, then validity counts
them as the profile says and names every failed rule with the profile it came from.
"""

from datetime import date, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from shegong.casework import models as cw
from shegong.casework import services_groups as svc
from shegong.casework.tests.factories import make_catalogue
from shegong.core.concurrency import EditConflict
from shegong.core.models import AuditEntry
from shegong.policies.models import PolicyProfile, PolicyVersion
from shegong.policies.presets import PRESETS
from shegong.recipients.models import TimelineEntry
from shegong.recipients.tests.factories import make_recipient, village_of

pytestmark = pytest.mark.django_db

START = date(2025, 3, 3)


@pytest.fixture
def haicheng(regions):
    """The county's profile: the 海城市 preset (6 members, 4 sessions, 60 %) and a catalogue."""
    profile = PolicyProfile.objects.create(name="海城市社工站购买服务", region=regions["county"], preset="haicheng")
    PolicyVersion.objects.create(profile=profile, number=1, valid_from=date(2024, 1, 1), values=PRESETS["haicheng"]["values"])
    return profile


@pytest.fixture
def items(haicheng):
    return make_catalogue(haicheng)


@pytest.fixture
def village(regions):
    return village_of(regions["township_a"])


@pytest.fixture
def group(people, village, items):
    return svc.group_create(
        actor=people["worker_a"], region_code=village, name="老年人互助小组", goal="增进邻里互助",
        starts_on=START, leader=people["worker_a"], items=[items[0]],
    )


def add_people(group, worker, village, n, *, joined=START):
    members = []
    for i in range(n):
        person = make_recipient(village, f"组员{i}")
        members.append(svc.member_add(actor=worker, group=group, joined_on=joined, recipient=person))
    return members


def hold_sessions(group, worker, n, *, present_share=1.0, first=START + timedelta(days=7)):
    """``n`` weekly sessions; the first ``present_share`` of the expected members are ticked present."""
    sessions = []
    for i in range(n):
        day = first + timedelta(days=7 * i)
        expected = svc.expected_members(group.members.all(), day)
        ticked = expected[: round(len(expected) * present_share)]
        sessions.append(svc.session_add(actor=worker, group=group, held_on=day, topic=f"第{i + 1}次活动", present=[m.pk for m in ticked]))
    return sessions


def fresh(group):
    return cw.Group.objects.prefetch_related("members", "sessions__attendance").get(pk=group.pk)


# --- Validity ------------------------------------------------------------------------------


def test_valid_group_under_the_county_profile(group, people, village):
    worker = people["worker_a"]
    add_people(group, worker, village, 6)
    hold_sessions(group, worker, 4, present_share=4 / 6)
    result = svc.validity(fresh(group))
    assert (result.members, result.sessions, result.presences, result.expected) == (6, 4, 16, 24)
    assert result.valid, result.reasons
    assert result.reasons == []
    assert any("海城市社工站购买服务" in s for s in result.sources)


def test_same_group_invalid_under_one_profile_valid_under_another(group, people, village, regions, english):
    """Five members fail the county's six; a township pilot profile asking five passes them."""
    worker = people["worker_a"]
    add_people(group, worker, village, 5)
    hold_sessions(group, worker, 4)
    under_county = svc.validity(fresh(group))
    assert not under_county.valid
    assert under_county.reasons == ["only 5 members; the profile 海城市社工站购买服务 requires at least 6"]

    pilot = PolicyProfile.objects.create(name="孤山镇小组试点", region=regions["township_a"])
    PolicyVersion.objects.create(
        profile=pilot, number=1, valid_from=date(2024, 1, 1),
        values={"group_min_members": 5, "group_min_sessions": 5, "group_min_attendance": "0.5"},
    )
    under_pilot = svc.validity(fresh(group))
    # Five members now pass, but the pilot asks five sessions: the group fails on that instead.
    assert under_pilot.reasons == ["only 4 sessions held; the profile 孤山镇小组试点 requires at least 5"]
    hold_sessions(group, worker, 1, first=START + timedelta(days=7 * 5))
    assert svc.validity(fresh(group)).valid
    # … and under the county's profile alone it would still fail for its members.
    pilot.versions.all().delete()
    pilot.delete()
    assert not svc.validity(fresh(group)).valid


def test_low_attendance_is_a_reason_with_the_percentages(group, people, village, english):
    worker = people["worker_a"]
    add_people(group, worker, village, 6)
    hold_sessions(group, worker, 4, present_share=0.5)
    result = svc.validity(fresh(group))
    assert not result.valid
    assert result.attendance_percent == "50 %"
    assert result.reasons == ["attendance only 50 %; the profile 海城市社工站购买服务 requires at least 60 %"]


def test_member_who_left_before_the_first_session_is_not_counted(group, people, village):
    worker = people["worker_a"]
    members = add_people(group, worker, village, 7)
    svc.member_leave(actor=worker, member=members[0], left_on=START + timedelta(days=2))
    late_leaver = members[1]
    hold_sessions(group, worker, 2)
    svc.member_leave(actor=worker, member=late_leaver, left_on=START + timedelta(days=15))
    hold_sessions(group, worker, 2, first=START + timedelta(days=21))
    result = svc.validity(fresh(group))
    # Seven joined, one left before session 1: six counted (the later leaver still counts).
    assert result.members == 6
    # Expected: 6 at sessions 1–2, 5 at sessions 3–4 (the later leaver no longer expected).
    assert result.expected == 6 + 6 + 5 + 5
    assert result.attendance == 1
    assert result.valid


def test_a_rule_the_profile_does_not_set_is_no_rule_not_a_failure(group, people, village, regions, haicheng, english):
    values = dict(PRESETS["haicheng"]["values"])
    values.pop("group_min_attendance")
    PolicyVersion.objects.create(profile=haicheng, number=2, valid_from=date(2025, 1, 1), values=values)
    worker = people["worker_a"]
    add_people(group, worker, village, 6)
    hold_sessions(group, worker, 4, present_share=0.2)
    result = svc.validity(fresh(group))
    check = next(c for c in result.checks if c.key == "group_min_attendance")
    assert check.passed is None and check.required is None
    assert check.message == "Attendance: no rule in the profile in force"
    assert result.valid


def test_the_day_judged_is_the_end_then_the_last_session_then_today(group, people, village, haicheng):
    worker = people["worker_a"]
    add_people(group, worker, village, 6)
    sessions = hold_sessions(group, worker, 4)
    assert svc.validity(fresh(group)).on == sessions[-1].held_on
    # A stricter version from after the last session does not judge the group …
    PolicyVersion.objects.create(profile=haicheng, number=2, valid_from=sessions[-1].held_on + timedelta(days=1),
                                 values={**PRESETS["haicheng"]["values"], "group_min_members": 8})
    assert svc.validity(fresh(group)).valid
    # … until the group's end date falls under it.
    group.ends_on = sessions[-1].held_on + timedelta(days=5)
    group.save()
    assert not svc.validity(fresh(group)).valid


def test_policies_for_matches_policy_for(group, regions, haicheng):
    from shegong.policies.selectors import policy_for

    day = date(2025, 6, 1)
    batched = svc.policies_for([(group.region_id, day)])[(group.region_id, day)]
    assert batched.values == policy_for(group.region_id, day).values


# --- Writes ----------------------------------------------------------------------------------


def test_members_sessions_and_attendance_write_timeline_and_audit(group, people, village):
    worker = people["worker_a"]
    person = make_recipient(village, "李桂兰")
    member = svc.member_add(actor=worker, group=group, joined_on=START, recipient=person)
    resident = svc.member_add(actor=worker, group=group, joined_on=START, name="王大爷")
    assert str(resident) == "王大爷" and resident.recipient is None
    session = svc.session_add(actor=worker, group=group, held_on=START + timedelta(days=7), topic="相识", present=[member.pk])
    assert session.number == 1
    second = svc.session_add(actor=worker, group=group, held_on=START + timedelta(days=14), topic="互助", present=[])
    assert second.number == 2
    kinds = list(TimelineEntry.objects.filter(recipient=person).order_by("occurred_at").values_list("kind", "summary"))
    assert [k for k, _s in kinds] == ["group_joined", "group_session"]
    assert "1" in kinds[1][1]
    assert {a.member_id: a.present for a in session.attendance.all()} == {member.pk: True, resident.pk: False}
    actions = set(AuditEntry.objects.filter(action__startswith="casework.group").values_list("action", flat=True))
    assert {"casework.group_create", "casework.group_member_add", "casework.group_session_add"} <= actions
    group.refresh_from_db()
    assert group.status == cw.GroupStatus.RUNNING


def test_attendance_edit_marks_present_once_and_refuses_strangers(group, people, village):
    worker = people["worker_a"]
    a, b = add_people(group, worker, village, 2)
    session = svc.session_add(actor=worker, group=group, held_on=START + timedelta(days=7), topic="相识", present=[a.pk])
    session = svc.session_update(actor=worker, session=session, version=session.version, held_on=session.held_on,
                                 topic="相识", record="大家互相介绍", present=[a.pk, b.pk])
    assert TimelineEntry.objects.filter(recipient=b.recipient, kind="group_session").count() == 1
    assert TimelineEntry.objects.filter(recipient=a.recipient, kind="group_session").count() == 1
    other_group = svc.group_create(actor=worker, region_code=group.region_id, name="另一组", goal="x", starts_on=START)
    stranger = svc.member_add(actor=worker, group=other_group, joined_on=START, name="外人")
    with pytest.raises(ValidationError) as err:
        svc.session_update(actor=worker, session=session, version=session.version, held_on=session.held_on,
                           topic="相识", present=[stranger.pk])
    assert "present" in err.value.message_dict


def test_session_edit_conflict_writes_nothing(group, people, village):
    worker = people["worker_a"]
    (a,) = add_people(group, worker, village, 1)
    session = svc.session_add(actor=worker, group=group, held_on=START + timedelta(days=7), topic="相识", present=[])
    stale = session.version
    svc.session_update(actor=worker, session=cw.GroupSession.objects.get(pk=session.pk), version=stale,
                       held_on=session.held_on, topic="第一次", present=[])
    with pytest.raises(EditConflict):
        svc.session_update(actor=worker, session=cw.GroupSession.objects.get(pk=session.pk), version=stale,
                           held_on=session.held_on, topic="覆盖", present=[a.pk])
    session.refresh_from_db()
    assert session.topic == "第一次"
    assert not session.attendance.filter(present=True).exists()


def test_group_edit_conflict(group, people):
    worker = people["worker_a"]
    fields = dict(name="新名字", goal=group.goal, starts_on=group.starts_on, status=cw.GroupStatus.RUNNING, leader=worker)
    svc.group_update(actor=worker, group=cw.Group.objects.get(pk=group.pk), version=1, **fields)
    with pytest.raises(EditConflict):
        svc.group_update(actor=worker, group=cw.Group.objects.get(pk=group.pk), version=1, **{**fields, "name": "覆盖"})
    assert cw.Group.objects.get(pk=group.pk).name == "新名字"


def test_bad_inputs_are_refused(group, people, village, regions):
    worker = people["worker_a"]
    with pytest.raises(ValidationError) as err:
        svc.session_add(actor=worker, group=group, held_on=date.today() + timedelta(days=1), topic="未来")
    assert "held_on" in err.value.message_dict
    with pytest.raises(ValidationError) as err:
        svc.session_add(actor=worker, group=group, held_on=START - timedelta(days=1), topic="太早")
    assert "held_on" in err.value.message_dict
    with pytest.raises(ValidationError) as err:
        svc.member_add(actor=worker, group=group, joined_on=START)
    assert "name" in err.value.message_dict
    person = make_recipient(village, "重复")
    svc.member_add(actor=worker, group=group, joined_on=START, recipient=person)
    with pytest.raises(ValidationError):
        svc.member_add(actor=worker, group=group, joined_on=START, recipient=person)
    with pytest.raises(ValidationError) as err:
        svc.group_create(actor=worker, region_code=village, name="x", goal="x", starts_on=START, ends_on=START - timedelta(days=1))
    assert "ends_on" in err.value.message_dict
    # A worker of township B cannot lead a group of township A.
    with pytest.raises(ValidationError) as err:
        svc.group_create(actor=worker, region_code=village, name="x", goal="x", starts_on=START, leader=people["worker_b"])
    assert "leader" in err.value.message_dict


def test_item_from_another_places_catalogue_is_refused(people, village, regions, items):
    other = PolicyProfile.objects.create(name="别处", region=regions["township_b"])
    foreign = make_catalogue(other, domains=(("Z", "别处领域", "", (("Z1", "别处服务"),)),))
    with pytest.raises(ValidationError) as err:
        svc.group_create(actor=people["worker_a"], region_code=village, name="x", goal="x", starts_on=START, items=[foreign[0]])
    assert "items" in err.value.message_dict


def test_township_b_cannot_record_in_township_a(group, people, village, regions):
    worker_b = people["worker_b"]
    with pytest.raises(PermissionDenied):
        svc.group_create(actor=worker_b, region_code=village, name="x", goal="x", starts_on=START)
    with pytest.raises(PermissionDenied):
        svc.member_add(actor=worker_b, group=group, joined_on=START, name="某人")
    with pytest.raises(PermissionDenied):
        svc.session_add(actor=worker_b, group=group, held_on=START, topic="x")
    # The township officer reads but does not record.
    with pytest.raises(PermissionDenied):
        svc.member_add(actor=people["officer_a"], group=group, joined_on=START, name="某人")
    # A recipient out of the worker's reach cannot be added.
    outsider = make_recipient(village_of(regions["township_b"]), "乙某某")
    with pytest.raises(ValidationError):
        svc.member_add(actor=people["worker_a"], group=group, joined_on=START, recipient=outsider)
    assert not cw.Group.objects.visible_to(worker_b).exists()
