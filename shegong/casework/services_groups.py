"""Groups (小组, MZ/T 095): writes and the validity of a group against the policy profile.

Every write is atomic, checked against the actor's reach (``may_act_at`` / ``visible_to``),
audited in the same transaction, and writes the timeline lines of the recipients concerned.
The numbers a valid group needs come from the profile in force (``policy_for``), never from code.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import ROUND_HALF_UP, Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from shegong.core import audit
from shegong.core.concurrency import save_versioned
from shegong.core.scoping import CHANGE, may_act_at, users_acting_at
from shegong.policies.selectors import ResolvedPolicy, policies_for
from shegong.recipients.models import Recipient
from shegong.recipients.services import add_to_timeline

from .catalogue import check_items
from .models import CASEWORK_ROLES, Group, GroupMember, GroupSession, GroupStatus, SessionAttendance

TOWNSHIP_LENGTH = 9
# Roles whose holders may lead a group (and organise an activity): the station's people.
LEADER_ROLES = tuple(sorted(CASEWORK_ROLES["change"]))


# --- Choices shared by forms and API ---------------------------------------------------------


def workers_at(region_code: str):
    """Active users who work at the station of ``region_code``: the people who may lead a group or
    organise an activity there."""
    return users_acting_at(LEADER_ROLES, region_code)


def _check_place(actor, region_code: str) -> None:
    if actor is None:  # the system itself (demo, command line)
        return
    if not may_act_at(actor, Group.scope, CHANGE, region_code):
        raise PermissionDenied(_("You cannot record groups at this place."))


def _check_leader(leader, region_code: str) -> None:
    if leader is not None and not workers_at(region_code).filter(pk=leader.pk).exists():
        raise ValidationError({"leader": _("The group leader must be a social worker of this station.")})


def _check_dates(starts_on: date, ends_on: date | None) -> None:
    if ends_on is not None and ends_on < starts_on:
        raise ValidationError({"ends_on": _("The group cannot end before it starts.")})


def moment_of(day: date):
    """When a timeline line about something held on ``day`` happened: now for today, else noon."""
    if day == timezone.localdate():
        return None
    return timezone.make_aware(datetime.combine(day, time(12)))


def group_url(group: Group) -> str:
    return reverse("casework:group_detail", args=[group.pk])


# --- Groups ----------------------------------------------------------------------------------


@transaction.atomic
def group_create(
    *, actor, region_code: str, name: str, goal: str, starts_on: date, leader=None, ends_on: date | None = None,
    status: str = GroupStatus.PLANNED, items: Iterable = (),
) -> Group:
    """Start a group at ``region_code`` (the township or one of its villages)."""
    _check_place(actor, region_code)
    _check_leader(leader, region_code)
    _check_dates(starts_on, ends_on)
    items = check_items(region_code, items)
    group = Group(
        region_id=region_code, name=name, goal=goal, leader=leader, starts_on=starts_on, ends_on=ends_on, status=status,
        created_by=actor,
    )
    group.full_clean()
    group.save()
    group.items.set(items)
    audit.record("casework.group_create", obj=group, actor=actor, detail={"name": name, "items": items})
    return group


def _changeable(actor, group: Group) -> None:
    if actor is None:  # the system itself (demo, command line)
        return
    if not Group.objects.visible_to(actor, CHANGE).filter(pk=group.pk).exists():
        raise PermissionDenied(_("You cannot change this group."))


@transaction.atomic
def group_update(
    *, actor, group: Group, version: int, name: str, goal: str, starts_on: date, leader=None, ends_on: date | None = None,
    status: str, items: Iterable = (),
) -> Group:
    """Change a group; refused (nothing written) when someone else saved it since ``version``."""
    _changeable(actor, group)
    _check_leader(leader, group.region_id)
    _check_dates(starts_on, ends_on)
    items = check_items(group.region_id, items)
    group.name, group.goal, group.leader, group.starts_on, group.ends_on, group.status = (
        name, goal, leader, starts_on, ends_on, status
    )
    group.full_clean()
    save_versioned(group, version, ["name", "goal", "leader", "starts_on", "ends_on", "status"])
    group.items.set(items)
    audit.record("casework.group_update", obj=group, actor=actor, detail={"name": name, "status": status, "version": group.version})
    return group


# --- Members ---------------------------------------------------------------------------------


@transaction.atomic
def member_add(*, actor, group: Group, joined_on: date, recipient: Recipient | None = None, name: str = "") -> GroupMember:
    """Add a member: a recipient within the actor's reach, or a resident named only here."""
    _changeable(actor, group)
    name = (name or "").strip()
    if recipient is None and not name:
        raise ValidationError({"name": _("Choose a recipient or write the resident's name.")})
    if recipient is not None:
        if actor is not None and not Recipient.objects.visible_to(actor).filter(pk=recipient.pk, merged_into__isnull=True).exists():
            raise ValidationError({"recipient": _("Unknown person.")})
        if group.members.filter(recipient=recipient).exists():
            raise ValidationError({"recipient": _("%(name)s is already a member of this group.") % {"name": recipient.name}})
        name = ""
    if joined_on < group.starts_on:
        joined_on = group.starts_on
    if group.ends_on and joined_on > group.ends_on:
        raise ValidationError({"joined_on": _("The group ended on %(date)s.") % {"date": group.ends_on.isoformat()}})
    member = GroupMember(group=group, recipient=recipient, name=name, joined_on=joined_on)
    member.full_clean()
    member.save()
    if recipient is not None:
        add_to_timeline(
            recipient, "group_joined", _("Joined the group “%(group)s”") % {"group": group.name}, actor=actor,
            at=moment_of(joined_on), link=group_url(group),
        )
    audit.record("casework.group_member_add", obj=group, actor=actor, detail={"member": member.pk, "recipient": recipient.pk if recipient else None})
    return member


@transaction.atomic
def member_leave(*, actor, member: GroupMember, left_on: date) -> GroupMember:
    """Record that a member left the group (the member and their attendance stay on record)."""
    group = member.group
    _changeable(actor, group)
    if member.left_on is not None:
        raise ValidationError({"left_on": _("This member already left on %(date)s.") % {"date": member.left_on.isoformat()}})
    if left_on < member.joined_on:
        raise ValidationError({"left_on": _("A member cannot leave before joining (%(date)s).") % {"date": member.joined_on.isoformat()}})
    if left_on > timezone.localdate():
        raise ValidationError({"left_on": _("The date cannot be in the future.")})
    member.left_on = left_on
    member.save(update_fields=["left_on"])
    if member.recipient_id:
        add_to_timeline(
            member.recipient, "group_left", _("Left the group “%(group)s”") % {"group": group.name}, actor=actor,
            at=moment_of(left_on), link=group_url(group),
        )
    audit.record("casework.group_member_leave", obj=group, actor=actor, detail={"member": member.pk, "left_on": left_on.isoformat()})
    return member


# --- Sessions and attendance -----------------------------------------------------------------


def expected_members(members: Iterable[GroupMember], held_on: date) -> list[GroupMember]:
    """The members a session on ``held_on`` expects: joined by then and not yet left."""
    return [m for m in members if m.joined_on <= held_on and (m.left_on is None or m.left_on > held_on)]


def _check_session_date(group: Group, held_on: date) -> None:
    if held_on > timezone.localdate():
        raise ValidationError({"held_on": _("Record a session after it is held: the date cannot be in the future.")})
    if held_on < group.starts_on:
        raise ValidationError({"held_on": _("The group starts on %(date)s.") % {"date": group.starts_on.isoformat()}})
    if group.ends_on and held_on > group.ends_on:
        raise ValidationError({"held_on": _("The group ended on %(date)s.") % {"date": group.ends_on.isoformat()}})


def _write_attendance(actor, session: GroupSession, present_ids: set[int]) -> list[GroupMember]:
    """Make the attendance of ``session`` match ``present_ids`` (members expected that day);
    returns the members newly marked present."""
    members = list(session.group.members.select_related("recipient"))
    expected = expected_members(members, session.held_on)
    unknown = present_ids - {m.pk for m in members}
    if unknown:
        raise ValidationError({"present": _("Tick only members of this group.")})
    not_expected = present_ids - {m.pk for m in expected}
    if not_expected:
        names = "、".join(str(m) for m in members if m.pk in not_expected)
        raise ValidationError({"present": _("Not a member on the day of the session: %(names)s.") % {"names": names}})
    rows = {a.member_id: a for a in session.attendance.all()}
    newly_present = []
    for member in expected:
        present = member.pk in present_ids
        row = rows.pop(member.pk, None)
        if row is None:
            SessionAttendance.objects.create(session=session, member=member, present=present)
            if present:
                newly_present.append(member)
        elif row.present != present:
            row.present = present
            row.save(update_fields=["present"])
            if present:
                newly_present.append(member)
    # Rows of members no longer expected that day (the date moved): they were not there.
    SessionAttendance.objects.filter(pk__in=[r.pk for r in rows.values()]).delete()
    for member in newly_present:
        if member.recipient_id:
            add_to_timeline(
                member.recipient, "group_session",
                _("Attended session %(number)s of the group “%(group)s”") % {"number": session.number, "group": session.group.name},
                actor=actor, at=moment_of(session.held_on), link=reverse("casework:session_detail", args=[session.pk]),
            )
    return newly_present


@transaction.atomic
def session_add(
    *, actor, group: Group, held_on: date, topic: str, record: str = "", present: Iterable[int] = (),
) -> GroupSession:
    """Record the next session of a group (numbered 1..n) with who was there."""
    group = Group.objects.select_for_update().get(pk=group.pk)
    _changeable(actor, group)
    _check_session_date(group, held_on)
    number = (group.sessions.aggregate(n=Max("number"))["n"] or 0) + 1
    session = GroupSession(group=group, number=number, held_on=held_on, topic=topic, record=record, written_by=actor)
    session.full_clean()
    session.save()
    present_ids = {int(p) for p in present}
    _write_attendance(actor, session, present_ids)
    if group.status == GroupStatus.PLANNED:
        group.status = GroupStatus.RUNNING
        Group.objects.filter(pk=group.pk).update(status=GroupStatus.RUNNING)
    audit.record(
        "casework.group_session_add", obj=group, actor=actor,
        detail={"session": session.pk, "number": number, "present": len(present_ids)},
    )
    return session


@transaction.atomic
def session_update(
    *, actor, session: GroupSession, version: int, held_on: date, topic: str, record: str = "", present: Iterable[int] = (),
) -> GroupSession:
    """Change a session's record and attendance; refused when someone else saved it since ``version``."""
    group = session.group
    _changeable(actor, group)
    _check_session_date(group, held_on)
    session.held_on, session.topic, session.record = held_on, topic, record
    session.full_clean(exclude=["group", "number"])
    save_versioned(session, version, ["held_on", "topic", "record"])
    present_ids = {int(p) for p in present}
    _write_attendance(actor, session, present_ids)
    audit.record(
        "casework.group_session_update", obj=group, actor=actor,
        detail={"session": session.pk, "number": session.number, "present": len(present_ids), "version": session.version},
    )
    return session


# --- Validity --------------------------------------------------------------------------------


@dataclass(frozen=True)
class RuleCheck:
    """One rule of a valid group: what the group has, what the profile asks, and the verdict
    (``passed`` is None when no profile in force sets the rule)."""

    key: str
    label: str
    actual: str
    required: str | None
    passed: bool | None
    message: str
    source: str = ""


@dataclass(frozen=True)
class GroupValidity:
    """The validity of a group against the profile in force on ``on``."""

    valid: bool
    on: date
    members: int
    sessions: int
    presences: int
    expected: int
    attendance: Decimal | None
    checks: list[RuleCheck] = field(default_factory=list)

    @property
    def reasons(self) -> list[str]:
        """Every failed rule, in plain words."""
        return [c.message for c in self.checks if c.passed is False]

    @property
    def sources(self) -> list[str]:
        """The profiles (with version) the rules came from."""
        return sorted({c.source for c in self.checks if c.source})

    @property
    def attendance_percent(self) -> str:
        return "—" if self.attendance is None else _percent(self.attendance)

    def as_dict(self) -> dict:
        return {
            "valid": self.valid, "on": self.on, "members": self.members, "sessions": self.sessions,
            "presences": self.presences, "expected": self.expected,
            "attendance": None if self.attendance is None else str(self.attendance),
            "reasons": self.reasons, "sources": self.sources,
            "checks": [
                {"rule": c.key, "label": c.label, "actual": c.actual, "required": c.required, "passed": c.passed,
                 "message": c.message, "source": c.source}
                for c in self.checks
            ],
        }


def _percent(rate: Decimal) -> str:
    return f"{(rate * 100).quantize(Decimal('1'), rounding=ROUND_HALF_UP)} %"


def validity_day(group: Group, sessions: list[GroupSession]) -> date:
    """The day whose profile judges the group: its end, else its last session, else today."""
    if group.ends_on:
        return group.ends_on
    if sessions:
        return max(s.held_on for s in sessions)
    return timezone.localdate()


def _members_counted(members: list[GroupMember], sessions: list[GroupSession]) -> list[GroupMember]:
    """Members who joined, without those who left before the first session."""
    if not sessions:
        return [m for m in members if m.left_on is None]
    first = min(s.held_on for s in sessions)
    return [m for m in members if m.left_on is None or m.left_on >= first]


def validity(group: Group, *, policy: ResolvedPolicy | None = None) -> GroupValidity:
    """How the group stands against the profile in force (see :func:`validity_day`).

    Uses ``group.members.all()`` and ``group.sessions.all()`` with each session's
    ``attendance.all()``, so a list page prefetches them and pays no query per group."""
    members = list(group.members.all())
    sessions = list(group.sessions.all())
    day = validity_day(group, sessions)
    if policy is None:
        policy = policies_for([(group.region_id, day)])[(group.region_id, day)]
    counted = _members_counted(members, sessions)
    expected = presences = 0
    for session in sessions:
        due = {m.pk for m in expected_members(members, session.held_on)}
        expected += len(due)
        presences += sum(1 for a in session.attendance.all() if a.present and a.member_id in due)
    rate = (Decimal(presences) / Decimal(expected)) if expected else None

    checks = [
        _check_count(policy, "group_min_members", pgettext("group", "Members"), len(counted),
                     lambda n, need, profile: _("only %(n)s members; the profile %(profile)s requires at least %(need)s")
                     % {"n": n, "need": need, "profile": profile}),
        _check_count(policy, "group_min_sessions", _("Sessions"), len(sessions),
                     lambda n, need, profile: _("only %(n)s sessions held; the profile %(profile)s requires at least %(need)s")
                     % {"n": n, "need": need, "profile": profile}),
        _check_attendance(policy, rate),
    ]
    return GroupValidity(
        valid=all(c.passed is not False for c in checks), on=day, members=len(counted), sessions=len(sessions),
        presences=presences, expected=expected, attendance=rate, checks=checks,
    )


def _no_rule(key: str, label: str, actual: str) -> RuleCheck:
    return RuleCheck(key, label, actual, None, None, _("%(label)s: no rule in the profile in force") % {"label": label})


def _check_count(policy: ResolvedPolicy, key: str, label: str, actual: int, fail_message) -> RuleCheck:
    if key not in policy:
        return _no_rule(key, label, str(actual))
    need = int(policy[key])
    source = policy.source(key)
    passed = actual >= need
    message = (
        _("%(label)s: %(n)s (at least %(need)s)") % {"label": label, "n": actual, "need": need}
        if passed else fail_message(actual, need, source.profile_name)
    )
    return RuleCheck(key, label, str(actual), str(need), passed, message, str(source))


def _check_attendance(policy: ResolvedPolicy, rate: Decimal | None) -> RuleCheck:
    key, label = "group_min_attendance", _("Attendance")
    shown = "—" if rate is None else _percent(rate)
    if key not in policy:
        return _no_rule(key, label, shown)
    need = Decimal(str(policy[key]))
    source = policy.source(key)
    if rate is None:
        return RuleCheck(
            key, label, shown, _percent(need), False,
            _("no attendance recorded yet; the profile %(profile)s requires at least %(need)s")
            % {"profile": source.profile_name, "need": _percent(need)}, str(source),
        )
    passed = rate >= need
    message = (
        _("%(label)s: %(rate)s (at least %(need)s)") % {"label": label, "rate": shown, "need": _percent(need)}
        if passed else
        _("attendance only %(rate)s; the profile %(profile)s requires at least %(need)s")
        % {"rate": shown, "profile": source.profile_name, "need": _percent(need)}
    )
    return RuleCheck(key, label, shown, _percent(need), passed, message, str(source))
