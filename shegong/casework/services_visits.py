"""Writes of home visits (入户走访): record one, edit one. Atomic, audited, on the timeline.

A visit is recorded for a recipient or for a household (then each active member's timeline gets a
line). A form filled without a connection carries a ``client_uuid``: sending it again returns the
visit already written and writes nothing, so an offline form is never recorded twice.
"""

from __future__ import annotations

from datetime import date, datetime, time

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from shegong.core import audit
from shegong.core.concurrency import save_versioned
from shegong.core.scoping import CHANGE, ScopeRule, assignments_of, may_act_at, users_acting_at
from shegong.recipients.models import Household, Recipient
from shegong.recipients.services import add_to_timeline

from . import catalogue, planning
from .models import LEAD_ROLES, Condition, FollowUp, PlannedVisit, PlanStatus, Risk, Visit, VisitOutcome

# Roles of the people who go on a visit.
VISITING_ROLES = ("worker", "station_lead")

CONDITION_FIELDS = ("living_conditions", "health", "income", "safety")
TEXT_FIELDS = ("findings", "needs_found", "follow_up_note")
EDITABLE_FIELDS = ("visited_on", "outcome", *CONDITION_FIELDS, *TEXT_FIELDS, "risks", "follow_ups")


def visiting_workers(region_code: str):
    """Active users who may go on a visit at ``region_code``: workers and station leads whose
    assignment covers the place."""
    return users_acting_at(VISITING_ROLES, region_code)


def may_record_at(user, region_code: str) -> bool:
    return may_act_at(user, Visit.scope, CHANGE, region_code)


def recording_places(user) -> list[str]:
    """The places where ``user`` may record visits (empty for roles that only read)."""
    roles = Visit.scope.roles_for(CHANGE)
    return sorted({a.region_id or "" for a in assignments_of(user) if a.role in roles})


def _people_visited(recipient: Recipient | None, household: Household | None) -> list[Recipient]:
    """Whose timeline and plans a visit concerns: the person, or the household's active members."""
    if recipient is not None:
        return [recipient]
    return list(
        Recipient.objects.filter(household=household, merged_into__isnull=True, status__in=("new", "in_service")).order_by("pk")
    )


def _check_subject(user, recipient, household) -> tuple[Recipient | None, Household | None, str]:
    if recipient is None and household is None:
        raise ValidationError({"recipient": _("Choose the person or household visited.")})
    if recipient is not None:
        if not Recipient.objects.visible_to(user, CHANGE).filter(pk=recipient.pk, merged_into__isnull=True).exists():
            raise PermissionDenied(_("You cannot record visits for this person."))
        if household is not None and recipient.household_id != household.pk:
            raise ValidationError({"household": _("This person is not a member of that household.")})
        household = recipient.household if recipient.household_id else None
        region_code = recipient.region_id
    else:
        if not Household.objects.visible_to(user, CHANGE).filter(pk=household.pk).exists():
            raise PermissionDenied(_("You cannot record visits for this household."))
        region_code = household.region_id
    if not may_record_at(user, region_code):
        raise PermissionDenied(_("Your role may not record home visits here."))
    return recipient, household, region_code


def _registered_on(recipient: Recipient | None, household: Household | None) -> date | None:
    if recipient is not None:
        return planning.registered_on(recipient)
    if household is not None and household.created_at:
        return timezone.localdate(household.created_at)
    return None


def _clean(fields: dict, *, region_code: str, recipient, household, errors: dict) -> dict:
    """Validate the visit's own fields; errors go into ``errors`` (field -> message)."""
    cleaned = {}
    today = timezone.localdate()
    if "visited_on" in fields:
        day = fields["visited_on"]
        if not isinstance(day, date):
            errors["visited_on"] = _("Give the date of the visit.")
        elif day > today:
            errors["visited_on"] = _("A visit cannot be recorded before it happens: the date is in the future.")
        else:
            registered = _registered_on(recipient, household)
            if registered and day < registered:
                errors["visited_on"] = _("The date is before the person was registered (%(date)s).") % {"date": registered.isoformat()}
            cleaned["visited_on"] = day
    if "outcome" in fields:
        if fields["outcome"] not in VisitOutcome.values:
            errors["outcome"] = _("Choose what happened at the door.")
        cleaned["outcome"] = fields["outcome"]
    for name in CONDITION_FIELDS:
        if name in fields:
            value = fields[name] or Condition.UNKNOWN
            if value not in Condition.values:
                errors[name] = _("Choose one of the answers.")
            cleaned[name] = value
    for name in TEXT_FIELDS:
        if name in fields:
            cleaned[name] = (fields[name] or "").strip()
    if len(cleaned.get("follow_up_note", "")) > 300:
        errors["follow_up_note"] = _("Keep the note under 300 characters.")
    for name, choices in (("risks", Risk), ("follow_ups", FollowUp)):
        if name in fields:
            values = list(dict.fromkeys(fields[name] or ()))
            if any(v not in choices.values for v in values):
                errors[name] = _("Unknown choice.")
            cleaned[name] = values
    return cleaned


def _check_workers(workers, region_code: str, errors: dict) -> list:
    workers = list(dict.fromkeys(workers or ()))
    if not workers:
        errors["workers"] = _("Name at least one social worker who went.")
        return []
    allowed = set(visiting_workers(region_code).filter(pk__in=[w.pk for w in workers]).values_list("pk", flat=True))
    if any(w.pk not in allowed for w in workers):
        errors["workers"] = _("Only social workers of this station can be named.")
    return workers


def _check_items(items, region_code: str, errors: dict) -> list:
    try:
        return catalogue.check_items(region_code, items)
    except ValidationError as exc:
        errors.update(exc.message_dict)
        return []


def _timeline_at(day: date):
    if day == timezone.localdate():
        return timezone.now()
    return timezone.make_aware(datetime.combine(day, time(12, 0)))


def _summary(visit: Visit, workers) -> str:
    names = "、".join(str(w) for w in workers)
    text = _("Home visit: %(outcome)s (%(workers)s)") % {"outcome": visit.get_outcome_display(), "workers": names}
    if visit.risks:
        text += " · " + _("risks: %(risks)s") % {"risks": "、".join(str(Risk(r).label) for r in visit.risks)}
    return text


def visit_url(visit: Visit) -> str:
    return reverse("casework:visit_detail", kwargs={"pk": visit.pk})


def record_visit(user, *, recipient: Recipient | None = None, household: Household | None = None, visited_on: date,
                 workers, outcome: str, living_conditions: str = Condition.UNKNOWN, health: str = Condition.UNKNOWN,
                 income: str = Condition.UNKNOWN, safety: str = Condition.UNKNOWN, findings: str = "",
                 needs_found: str = "", risks=(), follow_ups=(), follow_up_note: str = "", items=(), photos=(),
                 client_uuid=None) -> Visit:
    """Record a home visit. Raises ValidationError (field -> message) or PermissionDenied.

    With ``client_uuid`` (the id an offline form was given when it opened) a second submission of
    the same form returns the visit already recorded and writes nothing."""
    if client_uuid:
        existing = _existing(user, client_uuid)
        if existing is not None:
            return existing
    try:
        return _record(user, recipient=recipient, household=household, visited_on=visited_on, workers=workers,
                       outcome=outcome, living_conditions=living_conditions, health=health, income=income,
                       safety=safety, findings=findings, needs_found=needs_found, risks=risks, follow_ups=follow_ups,
                       follow_up_note=follow_up_note, items=items, photos=photos, client_uuid=client_uuid)
    except IntegrityError:
        # The same form arrived twice at once: the other request wrote it.
        existing = _existing(user, client_uuid) if client_uuid else None
        if existing is None:
            raise
        return existing


def _existing(user, client_uuid) -> Visit | None:
    found = Visit.objects.filter(client_uuid=client_uuid).first()
    if found is None:
        return None
    if not Visit.objects.visible_to(user).filter(pk=found.pk).exists():
        raise PermissionDenied(_("This form was already sent from another account."))
    return found


@transaction.atomic
def _record(user, *, recipient, household, workers, items, photos, client_uuid, **fields) -> Visit:
    recipient, household, region_code = _check_subject(user, recipient, household)
    errors: dict = {}
    cleaned = _clean(fields, region_code=region_code, recipient=recipient, household=household, errors=errors)
    workers = _check_workers(workers, region_code, errors)
    item_pks = _check_items(items, region_code, errors)
    if errors:
        raise ValidationError(errors)
    visit = Visit.objects.create(
        region_id=region_code, recipient=recipient, household=household, client_uuid=client_uuid,
        created_by=user if getattr(user, "pk", None) else None, **cleaned,
    )
    visit.workers.set(workers)
    visit.items.set(item_pks)
    photo_count = _attach_photos(visit, photos, user)
    people = _people_visited(recipient, household)
    planning.after_visit(visit, people)
    summary, link, at = _summary(visit, workers), visit_url(visit), _timeline_at(visit.visited_on)
    for person in people:
        add_to_timeline(person, "visit", summary, actor=user, at=at, link=link)
    audit.record(
        "casework.visit_create", obj=visit, actor=user,
        detail={"recipient": recipient.pk if recipient else None, "household": household.pk if household else None,
                "outcome": visit.outcome, "visited_on": visit.visited_on.isoformat(), "photos": photo_count,
                "offline": bool(client_uuid)},
    )
    return visit


def _attach_photos(visit: Visit, photos, user) -> int:
    """Store the photos through the attachments capability (checked by content, size-capped,
    thumbnailed); a bad file refuses the whole visit, so nothing is half-written."""
    photos = [p for p in photos or () if p]
    if not photos:
        return 0
    from . import attachments  # the attachments capability (imported late: built beside this one)

    try:
        attachments.attach_many(visit, photos, user=user, kind="photo")
    except ValidationError as exc:
        raise ValidationError({"photos": exc.messages}) from None
    return len(photos)


@transaction.atomic
def update_visit(user, visit: Visit, version: int | None, *, workers=None, items=None, photos=(), **fields) -> Visit:
    """Edit a visit; refused with EditConflict (nothing written) when someone saved it since
    ``version`` was read."""
    if not Visit.objects.visible_to(user, CHANGE).filter(pk=visit.pk).exists():
        raise PermissionDenied(_("You cannot change this visit."))
    unknown = set(fields) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValidationError(_("These fields cannot be changed: %(names)s.") % {"names": ", ".join(sorted(unknown))})
    errors: dict = {}
    recipient = visit.recipient
    household = visit.household
    cleaned = _clean(fields, region_code=visit.region_id, recipient=recipient, household=household, errors=errors)
    worker_list = _check_workers(workers, visit.region_id, errors) if workers is not None else None
    item_pks = _check_items(items, visit.region_id, errors) if items is not None else None
    if errors:
        raise ValidationError(errors)
    was_fulfilling = visit.outcome
    changed = [name for name, value in cleaned.items() if getattr(visit, name) != value]
    for name, value in cleaned.items():
        setattr(visit, name, value)
    save_versioned(visit, version, changed)
    if worker_list is not None and set(w.pk for w in worker_list) != set(visit.workers.values_list("pk", flat=True)):
        visit.workers.set(worker_list)
        changed.append("workers")
    if item_pks is not None and set(item_pks) != set(visit.items.values_list("pk", flat=True)):
        visit.items.set(item_pks)
        changed.append("items")
    photo_count = _attach_photos(visit, photos, user)
    if "outcome" in changed and was_fulfilling != visit.outcome:
        planning.after_visit(visit, _people_visited(recipient, household))
    audit.record("casework.visit_update", obj=visit, actor=user, detail={"fields": sorted(changed), "photos": photo_count})
    return visit


# --- Visit plans: assignment and planning on demand ---------------------------------------------

_LEAD_RULE = ScopeRule(region="region__code", roles={"change": LEAD_ROLES})


def may_lead_at(user, region_code: str) -> bool:
    """Whether ``user`` leads the station of ``region_code`` (assigns plans, plans now)."""
    return may_act_at(user, _LEAD_RULE, CHANGE, region_code)


def lead_townships(user) -> list[str]:
    """The places where ``user`` is a station lead."""
    return sorted({a.region_id for a in assignments_of(user) if a.role in LEAD_ROLES and a.region_id})


@transaction.atomic
def assign_plan(user, plan: PlannedVisit, worker) -> PlannedVisit:
    """A station lead gives a planned visit to one of the station's workers (or to nobody)."""
    if not PlannedVisit.objects.visible_to(user).filter(pk=plan.pk).exists() or not may_lead_at(user, plan.region_id):
        raise PermissionDenied(_("Only the station lead assigns planned visits."))
    if plan.status != PlanStatus.OPEN:
        raise ValidationError({"assigned_to": _("This visit is no longer planned.")})
    if worker is not None and not visiting_workers(plan.region_id).filter(pk=worker.pk).exists():
        raise ValidationError({"assigned_to": _("Only social workers of this station can be named.")})
    old = plan.assigned_to_id
    plan.assigned_to = worker
    plan.save(update_fields=["assigned_to"])
    audit.record("casework.plan_assign", obj=plan, actor=user, detail={"from": old, "to": worker.pk if worker else None})
    return plan


def plan_now(user, on: date | None = None) -> planning.PlanSummary:
    """Run the planner for every station ``user`` leads (the "plan now" button)."""
    places = lead_townships(user)
    if not places:
        raise PermissionDenied(_("Only the station lead plans visits."))
    summary = planning.PlanSummary()
    for code in places:
        summary.add(planning.plan_visits(code, on or timezone.localdate(), actor=user))
    return summary
