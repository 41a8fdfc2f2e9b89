"""Every record a figure counts marks its township and year for a recount when it changes.

Signals catch the writes that go through ``save()`` and ``delete()``, which is how every service
writes; bulk writers (the recipient import, merges, the synthetic generator) call
:func:`shegong.monitoring.rollups.touch` or ``rollups.rebuild`` themselves. A record that moves
(another place or date) marks where it was as well as where it is.
"""

from __future__ import annotations

from datetime import date

from django.apps import apps
from django.db.models.signals import post_delete, post_save, pre_save
from django.utils import timezone

from . import rollups


def _day(moment):
    if moment is None:
        return None
    if isinstance(moment, date) and not hasattr(moment, "hour"):
        return moment
    return timezone.localtime(moment).date() if timezone.is_aware(moment) else moment.date()


def _visit(v):
    yield v.region_id, [v.visited_on]
    if v.recipient_id:
        # The recipient the service passed is at hand: its region costs no query then.
        cached = v._state.fields_cache.get("recipient")
        region = cached.region_id if cached is not None else _region_of_recipient(v.recipient_id)
        yield region, [v.visited_on]
    elif v.household_id:
        from shegong.recipients.models import Recipient

        for region in set(Recipient.objects.filter(household_id=v.household_id).values_list("region_id", flat=True)):
            yield region, [v.visited_on]


def _region_of_recipient(pk):
    from shegong.recipients.models import Recipient

    return Recipient.objects.filter(pk=pk).values_list("region_id", flat=True).first()


def _recipient(r):
    registered = _day(r.created_at) or timezone.localdate()
    yield r.region_id, ("years", registered, None)


def _membership(m):
    yield _region_of_recipient(m.recipient_id), ("years", m.started_on, m.ended_on)


def _status_change(s):
    yield _region_of_recipient(s.recipient_id), ("years", s.changed_on, None)


def _plan(p):
    yield p.region_id, [p.due_on]


def _case(c):
    yield c.region_id, [c.opened_on, c.closed_on]


def _group(g):
    yield g.region_id, ("years", g.starts_on, g.ends_on)


def _group_part(part):
    from shegong.casework.models import Group

    group_id = getattr(part, "group_id", None)
    if group_id is None:  # attendance: through its session
        session = part.session
        group_id = session.group_id
    group = Group.objects.filter(pk=group_id).values_list("region_id", "starts_on", "ends_on").first()
    if group:
        yield group[0], ("years", group[1], group[2])


def _activity(a):
    yield a.region_id, [a.held_on]


def _assignment(a):
    from shegong.stations.models import Station

    region = Station.objects.filter(pk=a.station_id).values_list("region_id", flat=True).first()
    yield region, ("years", a.start, a.end)


def _stations_of(worker_id, day):
    from django.db.models import Q

    from shegong.workforce.models import StationAssignment

    return set(
        StationAssignment.objects.filter(worker_id=worker_id, start__lte=day)
        .filter(Q(end__isnull=True) | Q(end__gte=day)).values_list("station__region_id", flat=True)
    )


def _attendance(a):
    from shegong.workforce.models import Session

    day = Session.objects.filter(pk=a.session_id).values_list("date", flat=True).first()
    if day:
        for region in _stations_of(a.worker_id, day):
            yield region, [day]


def _session(s):
    from shegong.workforce.models import Attendance

    if s.pk is None:
        return
    for worker in Attendance.objects.filter(session_id=s.pk).values_list("worker_id", flat=True):
        for region in _stations_of(worker, s.date):
            yield region, [s.date]


def _volunteer_service(v):
    from shegong.workforce.models import Volunteer

    region = Volunteer.objects.filter(pk=v.volunteer_id).values_list("station__region_id", flat=True).first()
    yield region, [v.date]


WATCHED = {
    "casework.Visit": _visit,
    "casework.PlannedVisit": _plan,
    "casework.Case": _case,
    "casework.Group": _group,
    "casework.GroupMember": _group_part,
    "casework.GroupSession": _group_part,
    "casework.SessionAttendance": _group_part,
    "casework.Activity": _activity,
    "recipients.Recipient": _recipient,
    "recipients.CategoryMembership": _membership,
    "recipients.StatusChange": _status_change,
    "workforce.StationAssignment": _assignment,
    "workforce.Attendance": _attendance,
    "workforce.Session": _session,
    "workforce.VolunteerService": _volunteer_service,
}
# Models whose place or dates an edit can change: the old values are marked too.
MOVABLE = {"casework.Visit", "casework.PlannedVisit", "casework.Case", "casework.Group", "casework.Activity", "recipients.Recipient",
           "recipients.CategoryMembership", "workforce.StationAssignment", "workforce.Session"}


def mark(label: str, instance) -> None:
    for region, days in WATCHED[label](instance):
        if isinstance(days, tuple):
            _kind, first, last = days
            rollups.touch_years(region, first, last)
        else:
            rollups.touch(region, *[d for d in days if d])


def _station_region(instance):
    station_id = getattr(instance, "station_id", None)
    if station_id is None:
        return getattr(instance, "region_id", None)
    from shegong.stations.models import Station

    return Station.objects.filter(pk=station_id).values_list("region_id", flat=True).first()


def _worker_regions(worker):
    from shegong.workforce.models import StationAssignment

    return StationAssignment.objects.filter(worker_id=worker.pk).values_list("station__region_id", flat=True).distinct()


# Present-state figures (stations, eight-haves evidence, certificates): no recount, only the cached
# dashboards above them are dropped.
PRESENT = {
    "stations.Station": lambda s: [s.region_id],
    "stations.Evidence": lambda e: [_station_region(e)],
    "workforce.SocialWorker": lambda w: list(_worker_regions(w)) if w.pk else [],
}


def connect() -> None:
    for label, regions_of in PRESENT.items():
        model = apps.get_model(label)

        def present(sender, instance, raw=False, _of=regions_of, **kwargs):
            if raw:
                return
            for region in _of(instance):
                rollups.changed(region)

        post_save.connect(present, sender=model, weak=False, dispatch_uid=f"rollup-present-save-{label}")
        post_delete.connect(present, sender=model, weak=False, dispatch_uid=f"rollup-present-delete-{label}")

    for label in WATCHED:
        model = apps.get_model(label)

        def saved(sender, instance, raw=False, _label=label, **kwargs):
            if raw:
                return
            mark(_label, instance)

        def deleted(sender, instance, _label=label, **kwargs):
            mark(_label, instance)

        post_save.connect(saved, sender=model, weak=False, dispatch_uid=f"rollup-save-{label}")
        post_delete.connect(deleted, sender=model, weak=False, dispatch_uid=f"rollup-delete-{label}")
        if label in MOVABLE:

            def before(sender, instance, raw=False, _label=label, **kwargs):
                if raw or instance.pk is None:
                    return
                old = sender._base_manager.filter(pk=instance.pk).first()
                if old is not None:
                    mark(_label, old)

            pre_save.connect(before, sender=model, weak=False, dispatch_uid=f"rollup-before-{label}")
