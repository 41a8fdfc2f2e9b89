"""Community activities (社区活动) and policy publicity (政策宣传): writes, and the counts per year
against the profile.

An activity recorded in the field may be submitted twice (the phone's outbox retries when the
connection comes back): the form's ``client_uuid`` makes the second submission return the first
record. Volunteers' hours are written to the workforce's ``VolunteerService`` rows, one per
volunteer, and kept in step when the activity is edited or deleted.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from shegong.core import audit
from shegong.core.concurrency import save_versioned
from shegong.core.scoping import CHANGE, may_act_at
from shegong.policies.selectors import policies_for
from shegong.recipients.models import Recipient
from shegong.recipients.services import add_to_timeline
from shegong.workforce.models import Volunteer, VolunteerService
from shegong.workforce.services import volunteer_service_add

from .catalogue import check_items
from .models import Activity, ActivityKind, ActivityParticipant, ActivityVolunteer
from .services_groups import TOWNSHIP_LENGTH, moment_of, workers_at

# The profile parameter holding the yearly target of each kind.
TARGET_KEYS = {ActivityKind.ACTIVITY: "activities_per_year", ActivityKind.PUBLICITY: "publicity_per_year"}
MAX_VOLUNTEER_HOURS = Decimal("24")


def volunteers_for(actor, region_code: str):
    """Volunteers of the station of ``region_code`` whose hours ``actor`` may log."""
    township = region_code[:TOWNSHIP_LENGTH]
    reach = Volunteer.objects.all() if actor is None else Volunteer.objects.visible_to(actor, CHANGE)
    return (
        reach.filter(station__region__code__under=township)
        .select_related("station").order_by("name", "pk")
    )


def activity_url(activity: Activity) -> str:
    return reverse("casework:activity_detail", args=[activity.pk])


def _check(actor, *, region_code: str, held_on: date, participant_count: int, items, participants, volunteers) -> tuple:
    errors = {}
    if held_on > timezone.localdate():
        errors["held_on"] = _("Record an activity after it is held: the date cannot be in the future.")
    if participant_count is None or participant_count < 0:
        errors["participant_count"] = _("The number of participants cannot be negative.")
    items = list(items)
    if not items:
        errors["items"] = _("Choose at least one topic from the service catalogue.")
    participants = list(dict.fromkeys(participants))
    if participants:
        people = Recipient.objects.all() if actor is None else Recipient.objects.visible_to(actor)
        visible = set(
            people.filter(pk__in=[p.pk for p in participants], merged_into__isnull=True)
            .values_list("pk", flat=True)
        )
        if len(visible) != len(participants):
            errors["participants"] = _("Unknown person among the named participants.")
        elif participant_count is not None and participant_count < len(participants):
            errors["participant_count"] = _("Fewer participants (%(count)s) than people named (%(named)s).") % {
                "count": participant_count, "named": len(participants)
            }
    volunteers = list(volunteers)
    if volunteers:
        allowed = set(volunteers_for(actor, region_code).values_list("pk", flat=True))
        seen = set()
        for volunteer, hours in volunteers:
            if volunteer.pk not in allowed:
                errors["volunteers"] = _("%(name)s is not a volunteer of this station.") % {"name": volunteer.name}
            elif volunteer.pk in seen:
                errors["volunteers"] = _("%(name)s is listed twice.") % {"name": volunteer.name}
            elif hours is None or not (Decimal(0) < Decimal(hours) <= MAX_VOLUNTEER_HOURS):
                errors["volunteers"] = _("Hours of %(name)s: give more than 0 and at most %(max)s.") % {
                    "name": volunteer.name, "max": MAX_VOLUNTEER_HOURS
                }
            seen.add(volunteer.pk)
    if errors:
        raise ValidationError(errors)
    if items:
        items = check_items(region_code, items)
    return items, participants, volunteers


def _timeline_participants(actor, activity: Activity, recipients: Iterable[Recipient]) -> None:
    label = activity.get_kind_display()
    for recipient in recipients:
        add_to_timeline(
            recipient, f"casework_{activity.kind}",
            _("Took part in %(kind)s “%(title)s”") % {"kind": label, "title": activity.title},
            actor=actor, at=moment_of(activity.held_on), link=activity_url(activity),
        )


def existing_for(actor, client_uuid) -> Activity | None:
    """The activity already recorded from the form ``client_uuid`` (a repeated submission)."""
    if not client_uuid:
        return None
    found = Activity.objects.filter(client_uuid=client_uuid).first()
    if found is None:
        return None
    if actor is not None and not Activity.objects.visible_to(actor).filter(pk=found.pk).exists():
        raise ValidationError({"client_uuid": _("This form id is already used.")})
    return found


def activity_create(
    *, actor, kind: str, region_code: str, title: str, held_on: date, place: str, items: Iterable,
    participant_count: int, description: str = "", organiser=None, participants: Iterable[Recipient] = (),
    volunteers: Iterable[tuple[Volunteer, Decimal]] = (), client_uuid: uuid.UUID | str | None = None,
) -> tuple[Activity, bool]:
    """Record an activity; returns ``(activity, created)``. A ``client_uuid`` already used
    returns the activity it recorded (``created`` False) and writes nothing."""
    found = existing_for(actor, client_uuid)
    if found is not None:
        return found, False
    try:
        with transaction.atomic():
            return _create(
                actor=actor, kind=kind, region_code=region_code, title=title, held_on=held_on, place=place, items=items,
                participant_count=participant_count, description=description, organiser=organiser,
                participants=participants, volunteers=volunteers, client_uuid=client_uuid,
            ), True
    except IntegrityError:
        # The same form arrived twice at once: the other request wrote it.
        found = existing_for(actor, client_uuid)
        if found is None:
            raise
        return found, False


def _create(*, actor, kind, region_code, title, held_on, place, items, participant_count, description, organiser,
            participants, volunteers, client_uuid) -> Activity:
    if actor is not None and not may_act_at(actor, Activity.scope, CHANGE, region_code):
        raise PermissionDenied(_("You cannot record activities at this place."))
    if organiser is not None and not workers_at(region_code).filter(pk=organiser.pk).exists():
        raise ValidationError({"organiser": _("The organiser must be a social worker of this station.")})
    items, participants, volunteers = _check(
        actor, region_code=region_code, held_on=held_on, participant_count=participant_count, items=items,
        participants=participants, volunteers=volunteers,
    )
    activity = Activity(
        kind=kind, region_id=region_code, title=title, held_on=held_on, place=place, participant_count=participant_count,
        description=description, organiser=organiser or actor, client_uuid=client_uuid or None, created_by=actor,
    )
    activity.full_clean()
    activity.save()
    activity.items.set(items)
    ActivityParticipant.objects.bulk_create([ActivityParticipant(activity=activity, recipient=r) for r in participants])
    for volunteer, hours in volunteers:
        _add_volunteer(actor, activity, volunteer, Decimal(hours))
    _timeline_participants(actor, activity, participants)
    audit.record(
        "casework.activity_create", obj=activity, actor=actor,
        detail={"kind": kind, "title": title, "held_on": held_on.isoformat(), "participants": participant_count,
                "named": len(participants), "volunteers": len(volunteers)},
    )
    return activity


def _add_volunteer(actor, activity: Activity, volunteer: Volunteer, hours: Decimal) -> ActivityVolunteer:
    service = volunteer_service_add(actor=actor, volunteer=volunteer, date=activity.held_on, hours=hours, activity=activity.title[:200])
    return ActivityVolunteer.objects.create(activity=activity, volunteer=volunteer, hours=hours, service=service)


def _changeable(actor, activity: Activity) -> None:
    if actor is None:  # the system itself (demo, command line)
        return
    if not Activity.objects.visible_to(actor, CHANGE).filter(pk=activity.pk).exists():
        raise PermissionDenied(_("You cannot change this activity."))


@transaction.atomic
def activity_update(
    *, actor, activity: Activity, version: int, title: str, held_on: date, place: str, items: Iterable,
    participant_count: int, description: str = "", organiser=None, kind: str | None = None,
    participants: Iterable[Recipient] = (), volunteers: Iterable[tuple[Volunteer, Decimal]] = (),
) -> Activity:
    """Change an activity; refused (nothing written) when someone else saved it since
    ``version``. Volunteers' hours rows follow: changed, added, or removed with their volunteer."""
    _changeable(actor, activity)
    if organiser is not None and organiser.pk != activity.organiser_id and not workers_at(activity.region_id).filter(pk=organiser.pk).exists():
        raise ValidationError({"organiser": _("The organiser must be a social worker of this station.")})
    items, participants, volunteers = _check(
        actor, region_code=activity.region_id, held_on=held_on, participant_count=participant_count, items=items,
        participants=participants, volunteers=volunteers,
    )
    activity.kind = kind or activity.kind
    activity.title, activity.held_on, activity.place = title, held_on, place
    activity.participant_count, activity.description = participant_count, description
    activity.organiser = organiser or activity.organiser
    activity.full_clean(exclude=["client_uuid"])
    save_versioned(activity, version, ["kind", "title", "held_on", "place", "participant_count", "description", "organiser"])
    activity.items.set(items)

    before = set(ActivityParticipant.objects.filter(activity=activity).values_list("recipient_id", flat=True))
    wanted = {r.pk: r for r in participants}
    ActivityParticipant.objects.filter(activity=activity).exclude(recipient_id__in=list(wanted)).delete()
    added = [r for pk, r in wanted.items() if pk not in before]
    ActivityParticipant.objects.bulk_create([ActivityParticipant(activity=activity, recipient=r) for r in added])
    _timeline_participants(actor, activity, added)

    _sync_volunteers(actor, activity, {v.pk: (v, Decimal(h)) for v, h in volunteers})
    audit.record(
        "casework.activity_update", obj=activity, actor=actor,
        detail={"version": activity.version, "participants": participant_count, "named": len(wanted), "volunteers": len(volunteers)},
    )
    return activity


def _sync_volunteers(actor, activity: Activity, wanted: dict) -> None:
    rows = {row.volunteer_id: row for row in activity.volunteers.select_related("service")}
    for volunteer_id, row in rows.items():
        if volunteer_id not in wanted:
            service = row.service
            row.delete()
            if service is not None:
                service.delete()
    for volunteer_id, (volunteer, hours) in wanted.items():
        row = rows.get(volunteer_id)
        if row is None:
            _add_volunteer(actor, activity, volunteer, hours)
            continue
        if row.hours != hours:
            row.hours = hours
            row.save(update_fields=["hours"])
        service = row.service
        if service is None:
            row.service = volunteer_service_add(actor=actor, volunteer=volunteer, date=activity.held_on, hours=hours, activity=activity.title[:200])
            row.save(update_fields=["service"])
        elif (service.hours, service.date, service.activity) != (hours, activity.held_on, activity.title[:200]):
            service.hours, service.date, service.activity = hours, activity.held_on, activity.title[:200]
            service.save(update_fields=["hours", "date", "activity"])


@transaction.atomic
def activity_delete(*, actor, activity: Activity) -> None:
    """Delete a wrongly recorded activity, with the volunteer hours it wrote."""
    _changeable(actor, activity)
    service_ids = [row.service_id for row in activity.volunteers.all() if row.service_id]
    audit.record(
        "casework.activity_delete", obj=activity, actor=actor,
        detail={"kind": activity.kind, "title": activity.title, "held_on": activity.held_on.isoformat(), "volunteer_services": service_ids},
    )
    from django.contrib.contenttypes.models import ContentType

    from .models import Attachment

    attachments = list(Attachment.objects.filter(owner_type=ContentType.objects.get_for_model(Activity), owner_id=activity.pk))
    Attachment.objects.filter(pk__in=[a.pk for a in attachments]).delete()
    activity.delete()
    VolunteerService.objects.filter(pk__in=service_ids).delete()
    transaction.on_commit(lambda: _discard(attachments))


def _discard(attachments) -> None:
    """Remove the files of deleted attachments once the deletion is committed."""
    for attachment in attachments:
        for stored in (attachment.file, attachment.thumbnail):
            if stored:
                stored.storage.delete(stored.name)


# --- Counts per year against the profile -----------------------------------------------------


@dataclass(frozen=True)
class YearCount:
    """Activities of one kind held at one township in one year, against the profile's target."""

    township_code: str
    township_name: str
    kind: str
    year: int
    count: int
    target: int | None
    source: str

    @property
    def met(self) -> bool | None:
        return None if self.target is None else self.count >= self.target


def year_counts(*, actor, year: int, townships) -> list[YearCount]:
    """For each township (``Region`` rows), the activities and publicity events held in
    ``year`` that ``actor`` sees, with the yearly targets of the profile in force at year end."""
    townships = list(townships)
    if not townships:
        return []
    visible = Activity.objects.visible_to(actor).filter(held_on__year=year)
    counts = {}
    for row in visible.values("region_id", "kind").annotate(n=Count("pk")).order_by():
        key = (row["region_id"][:TOWNSHIP_LENGTH], row["kind"])
        counts[key] = counts.get(key, 0) + row["n"]
    day = min(date(year, 12, 31), max(timezone.localdate(), date(year, 1, 1)))
    policies = policies_for([(t.code, day) for t in townships])
    result = []
    for township in townships:
        policy = policies[(township.code, day)]
        for kind in (ActivityKind.ACTIVITY, ActivityKind.PUBLICITY):
            key = TARGET_KEYS[kind]
            target = int(policy[key]) if key in policy else None
            source = str(policy.source(key)) if key in policy else ""
            result.append(YearCount(
                township.code, township.name, kind, year, counts.get((township.code, kind), 0), target, source,
            ))
    return result
