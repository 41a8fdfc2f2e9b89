"""Needs assessments, the needs list, the resource database and referrals: the writes (atomic,
audited, each checked against the actor's jurisdiction) and the scoped reads the pages share.

The needs archive is per household and is renewed every year (seed 004); so is the resource
database of each community. Referrals link a person to a resource of their own township, or to
another agency named in words, and move the need they answer along (open → referred → met).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, Exists, F, OuterRef, Q, Subquery
from django.db.models.functions import Substr
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from shegong.core import audit
from shegong.core.scoping import CHANGE, assignments_of, may_act_at
from shegong.regions.models import CODE_LENGTHS, LEVEL_BY_LENGTH, Level, Region

from . import services
from .models import (
    ACTIVE_STATUSES,
    RECIPIENT_ROLES,
    RESOURCE_VALID_DAYS,
    Household,
    NeedDomain,
    NeedItem,
    NeedsAssessment,
    NeedStatus,
    Priority,
    Recipient,
    Referral,
    ReferralStatus,
    Resource,
    ResourceKind,
)

OPEN_NEED_STATUSES = (NeedStatus.OPEN, NeedStatus.REFERRED)
CLOSED_REFERRAL_STATUSES = (ReferralStatus.COMPLETED, ReferralStatus.DECLINED)


def _today() -> date:
    return timezone.localdate()


def _not_in_future(day: date, field: str) -> None:
    if day > _today():
        raise ValidationError({field: _("The date cannot be in the future.")})


# --- Places: the short region selects of these pages ----------------------------------------


def short_places(user, roles):
    """The places ``user`` can pick in a filter or form: each place where it holds one of
    ``roles``, and the places one level below it (a township's villages, a county's townships).
    Filtering by code prefix reaches everything deeper, and the select stays short."""
    condition = None
    for assignment in assignments_of(user):
        if assignment.role not in roles:
            continue
        code = assignment.region_id or ""
        if not code:  # nationwide: the provinces
            part = Q(level=Level.PROVINCE)
        else:
            part = Q(code=code) | Q(code__under=code, level=min(LEVEL_BY_LENGTH[len(code)] + 1, Level.VILLAGE))
        condition = part if condition is None else condition | part
    if condition is None:
        return Region.objects.none()
    return Region.objects.filter(condition).order_by("code")


def _next_length(code: str) -> int:
    """The code length of the level below ``code`` (a village has none below: its own length)."""
    for length in CODE_LENGTHS:
        if length > len(code):
            return length
    return len(code)


def resource_regions(user):
    """Where ``user`` may add resources: townships and villages among its short places."""
    return short_places(user, Resource.scope.roles_for(CHANGE)).filter(level__gte=Level.TOWNSHIP)


# --- Needs assessments ----------------------------------------------------------------------


@dataclass(frozen=True)
class NeedInput:
    """One need found by an assessment, as a form gives it."""

    domain: str
    description: str
    priority: str = Priority.MEDIUM
    recipient: Recipient | None = None


def household_members(household: Household):
    """The members of a household whose files are live (merged files have moved away)."""
    return household.members.filter(merged_into__isnull=True).order_by("pk")


def _check_household(user, household: Household) -> None:
    if not Household.objects.visible_to(user, CHANGE).filter(pk=household.pk).exists():
        raise PermissionDenied(_("You cannot record assessments for this household."))


@transaction.atomic
def create_assessment(user, household: Household, *, assessed_on: date, summary: str = "",
                      needs: list[NeedInput] = ()) -> NeedsAssessment:
    """Record a household's needs assessment and the needs it found; every member's timeline
    gets a line, so each file shows when the household was last assessed."""
    _check_household(user, household)
    _not_in_future(assessed_on, "assessed_on")
    summary = (summary or "").strip()
    needs = list(needs)
    if not summary and not needs:
        raise ValidationError({"summary": _("Write a summary or record at least one need.")})
    members = list(household_members(household))
    member_ids = {m.pk for m in members}
    for need in needs:
        _check_need_input(need, member_ids)
    assessment = NeedsAssessment.objects.create(
        household=household, region_id=household.region_id, assessed_on=assessed_on, summary=summary,
        assessor=user if getattr(user, "pk", None) else None,
    )
    NeedItem.objects.bulk_create([
        NeedItem(assessment=assessment, region_id=assessment.region_id, recipient=need.recipient, domain=need.domain,
                 description=need.description.strip(), priority=need.priority)
        for need in needs
    ])
    link = reverse("recipients:assessment_detail", kwargs={"pk": assessment.pk})
    line = _("Household needs assessed: %(n)s needs found") % {"n": len(needs)}
    for member in members:
        services.add_to_timeline(member, "assessment", line, actor=user, link=link)
    audit.record("recipient.assessment_create", obj=assessment, actor=user,
                 detail={"household": household.pk, "needs": len(needs), "assessed_on": assessed_on.isoformat()})
    return assessment


def _check_need_input(need: NeedInput, member_ids: set[int]) -> None:
    if need.domain not in NeedDomain.values:
        raise ValidationError({"needs": _("Unknown need domain.")})
    if need.priority not in Priority.values:
        raise ValidationError({"needs": _("Unknown priority.")})
    if not need.description.strip():
        raise ValidationError({"needs": _("Describe each need.")})
    if need.recipient is not None and need.recipient.pk not in member_ids:
        raise ValidationError({"needs": _("The person concerned must be a member of the household.")})


@transaction.atomic
def update_need(user, need: NeedItem, *, status: str, on: date | None = None) -> NeedItem:
    """Move a need to open, referred or met; a met need records the day it was met."""
    if not NeedItem.objects.visible_to(user, CHANGE).filter(pk=need.pk).exists():
        raise PermissionDenied(_("You cannot change this need."))
    if status not in NeedStatus.values:
        raise ValidationError({"status": _("Unknown status.")})
    on = on or _today()
    _not_in_future(on, "on")
    old = need.status
    need.status = status
    need.resolved_on = on if status == NeedStatus.MET else None
    need.save(update_fields=["status", "resolved_on"])
    if need.recipient_id and old != status:
        services.add_to_timeline(
            need.recipient, "need", _("Need %(need)s: %(status)s") % {"need": need.description, "status": NeedStatus(status).label},
            actor=user, link=reverse("recipients:assessment_detail", kwargs={"pk": need.assessment_id}),
        )
    audit.record("recipient.need_update", obj=need, actor=user, detail={"from": old, "to": status})
    return need


def latest_assessment_due():
    """An annotation: the due date of a household's latest assessment (None if never assessed)."""
    latest = NeedsAssessment.objects.filter(household=OuterRef("pk")).order_by("-assessed_on", "-id")
    return Subquery(latest.values("next_due_on")[:1])


def assessments_due(user, *, place: str = "", today: date | None = None):
    """Households within reach with at least one active member whose latest assessment is
    overdue or missing, most overdue first (never assessed first of all). One query."""
    today = today or _today()
    active = Recipient.objects.filter(household=OuterRef("pk"), status__in=ACTIVE_STATUSES, merged_into__isnull=True)
    qs = (
        Household.objects.visible_to(user)
        .filter(Exists(active))
        .annotate(due_on=latest_assessment_due(), active_members=Count(
            "members", filter=Q(members__status__in=ACTIVE_STATUSES, members__merged_into__isnull=True)))
        .filter(Q(due_on__isnull=True) | Q(due_on__lt=today))
        .select_related("region", "region__parent")
    )
    if place:
        qs = qs.filter(region__code__under=place)
    return qs.order_by(F("due_on").asc(nulls_first=True), "region_id", "head_name", "pk")


def days_overdue(due_on: date | None, today: date | None = None) -> int | None:
    return None if due_on is None else ((today or _today()) - due_on).days


# --- The needs list -------------------------------------------------------------------------


def needs_list(user, *, place: str = "", domain: str = "", priority: str = "", status: str = ""):
    """Open and referred needs within reach (one query with the person and household)."""
    qs = NeedItem.objects.visible_to(user).filter(status__in=OPEN_NEED_STATUSES)
    if place:
        qs = qs.filter(region__code__under=place)
    if domain:
        qs = qs.filter(domain=domain)
    if priority:
        qs = qs.filter(priority=priority)
    if status:
        qs = qs.filter(status=status)
    return qs.select_related("region", "recipient", "assessment", "assessment__household")


def needs_summary(user, needs, *, place: str = "") -> dict:
    """Counts of ``needs`` per place × domain, places one level below ``place`` (or below the
    user's reach): a township's villages, a county's townships. Two queries."""
    scope = place or audit.longest_common_prefix(
        [a.region_id or "" for a in assignments_of(user) if a.role in RECIPIENT_ROLES["view"]]
    )
    length = _next_length(scope) if len(scope) < 12 else 12
    counts = (
        needs.order_by().annotate(place=Substr("region_id", 1, length)).values("place", "domain")
        .annotate(n=Count("pk")).values_list("place", "domain", "n")
    )
    table: dict[str, dict[str, int]] = {}
    for code, domain, n in counts:
        table.setdefault(code, {})[domain] = n
    names = dict(Region.objects.filter(code__in=table).values_list("code", "name"))
    domains = [d for d in NeedDomain if any(d.value in row for row in table.values())]
    rows = [
        {"code": code, "name": names.get(code, code), "cells": [row.get(d.value, 0) for d in domains], "total": sum(row.values())}
        for code, row in sorted(table.items())
    ]
    totals = [sum(r["cells"][i] for r in rows) for i in range(len(domains))]
    return {"domains": domains, "rows": rows, "totals": totals, "total": sum(totals)}


# --- The resource database ------------------------------------------------------------------

RESOURCE_FIELDS = ("kind", "name", "services", "domains", "contact_person", "contact_phone", "address", "active")


def _check_resource_region(user, region_code: str) -> None:
    region = Region.objects.filter(code=region_code).first()
    if region is None or region.level < Level.TOWNSHIP:
        raise ValidationError({"region": _("Choose a township, village or community.")})
    if not may_act_at(user, Resource.scope, CHANGE, region_code):
        raise PermissionDenied(_("You cannot keep resources of this place."))


def _clean_resource(fields: dict) -> dict:
    fields = {k: v for k, v in fields.items() if k in RESOURCE_FIELDS}
    if "name" in fields:
        fields["name"] = (fields["name"] or "").strip()
        if not fields["name"]:
            raise ValidationError({"name": _("A name is required.")})
    if "kind" in fields and fields["kind"] not in ResourceKind.values:
        raise ValidationError({"kind": _("Unknown kind.")})
    if "domains" in fields:
        domains = list(dict.fromkeys(fields["domains"] or []))
        if set(domains) - set(NeedDomain.values):
            raise ValidationError({"domains": _("Unknown need domain.")})
        fields["domains"] = domains
    return fields


@transaction.atomic
def create_resource(user, *, region_code: str, checked_on: date | None = None, **fields) -> Resource:
    """Add an entry to a community's resource database, checked today unless told otherwise."""
    _check_resource_region(user, region_code)
    checked_on = checked_on or _today()
    _not_in_future(checked_on, "checked_on")
    resource = Resource.objects.create(region_id=region_code, checked_on=checked_on, **_clean_resource(fields))
    audit.record("recipient.resource_create", obj=resource, actor=user)
    return resource


def _check_resource(user, resource: Resource) -> None:
    if not Resource.objects.visible_to(user, CHANGE).filter(pk=resource.pk).exists():
        raise PermissionDenied(_("You cannot change this resource."))


@transaction.atomic
def update_resource(user, resource: Resource, *, region_code: str | None = None, mark_checked: bool = True,
                    **fields) -> Resource:
    """Change a resource; saving it counts as this year's check unless ``mark_checked`` is off."""
    _check_resource(user, resource)
    if region_code and region_code != resource.region_id:
        _check_resource_region(user, region_code)
        resource.region_id = region_code
    changed = []
    for key, value in _clean_resource(fields).items():
        if getattr(resource, key) != value:
            setattr(resource, key, value)
            changed.append(key)
    if mark_checked:
        resource.checked_on = _today()
    resource.save()
    audit.record("recipient.resource_update", obj=resource, actor=user,
                 detail={"fields": changed + (["region"] if region_code else []), "checked": mark_checked})
    return resource


@transaction.atomic
def check_resource(user, resource: Resource) -> Resource:
    """Record that the entry was confirmed up to date today (the yearly check)."""
    _check_resource(user, resource)
    resource.checked_on = _today()
    resource.save(update_fields=["checked_on"])
    audit.record("recipient.resource_check", obj=resource, actor=user)
    return resource


def resource_check_cutoff(today: date | None = None) -> date:
    """Resources last checked before this day are due for their yearly check."""
    return (today or _today()) - timedelta(days=RESOURCE_VALID_DAYS)


def resources(user, *, kind: str = "", place: str = "", domain: str = "", due: bool = False, active: str = ""):
    """Resources within reach, filtered (one query)."""
    qs = Resource.objects.visible_to(user).select_related("region")
    if kind:
        qs = qs.filter(kind=kind)
    if place:
        qs = qs.filter(region__code__under=place)
    if domain:
        qs = qs.filter(domains__icontains=f'"{domain}"')
    if due:
        qs = qs.filter(checked_on__lt=resource_check_cutoff())
    if active in ("yes", "no"):
        qs = qs.filter(active=active == "yes")
    return qs.order_by("region_id", "kind", "name", "pk")


# --- Referrals ------------------------------------------------------------------------------


def referral_resources(user, recipient: Recipient):
    """Resources a person may be referred to: active ones of their own township, within reach."""
    return Resource.objects.visible_to(user).filter(region__code__under=recipient.township_code, active=True).order_by("name")


def referral_needs(user, recipient: Recipient):
    """The needs a referral of this person may answer: the household's needs not yet met (or the
    person's own, without a household)."""
    qs = NeedItem.objects.visible_to(user).filter(status__in=OPEN_NEED_STATUSES)
    where = Q(recipient=recipient)
    if recipient.household_id:
        where |= Q(assessment__household_id=recipient.household_id)
    return qs.filter(where).select_related("recipient").order_by("-assessment__assessed_on", "pk")


def _check_recipient(user, recipient: Recipient) -> None:
    if not Recipient.objects.visible_to(user, CHANGE).filter(pk=recipient.pk, merged_into__isnull=True).exists():
        raise PermissionDenied(_("You cannot make referrals for this person."))


@transaction.atomic
def create_referral(user, recipient: Recipient, *, reason: str, referred_on: date, resource: Resource | None = None,
                    agency: str = "", need: NeedItem | None = None, source=None) -> Referral:
    """Refer a person to a resource of their township or to another agency (exactly one); the need
    it answers becomes "referred". ``source``: the record it was made from (a home visit, a case …),
    checked by the caller (``casework.referrals.refer_from``)."""
    _check_recipient(user, recipient)
    agency = (agency or "").strip()
    if bool(resource) == bool(agency):
        raise ValidationError({"resource": _("Choose a resource or name another agency (one of the two).")})
    if resource is not None and not referral_resources(user, recipient).filter(pk=resource.pk).exists():
        raise ValidationError({"resource": _("Choose an active resource of the person's own township.")})
    if need is not None and not referral_needs(user, recipient).filter(pk=need.pk).exists():
        raise ValidationError({"need": _("Choose a need of this person's household that is not yet met.")})
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Give the reason for the referral.")})
    _not_in_future(referred_on, "referred_on")
    referral = Referral.objects.create(
        recipient=recipient, resource=resource, agency=agency[:200], need=need, reason=reason[:300],
        referred_on=referred_on, created_by=user if getattr(user, "pk", None) else None, source=source,
    )
    if need is not None and need.status == NeedStatus.OPEN:
        need.status = NeedStatus.REFERRED
        need.save(update_fields=["status"])
    link = reverse("recipients:referral_update", kwargs={"pk": referral.pk})
    services.add_to_timeline(recipient, "referral", _("Referred to %(target)s: %(reason)s") % {
        "target": referral.target, "reason": referral.reason}, actor=user, link=link)
    audit.record("recipient.referral_create", obj=referral, actor=user, region_code=recipient.region_id,
                 detail={"recipient": recipient.pk, "resource": getattr(resource, "pk", None), "need": getattr(need, "pk", None),
                         **({"source": f"{source._meta.label_lower}:{source.pk}"} if source is not None else {})})
    return referral


@transaction.atomic
def update_referral(user, referral: Referral, *, status: str, outcome: str = "", closed_on: date | None = None,
                    need_met: bool = False) -> Referral:
    """Record how a referral went; completing it may mark the need it answered as met."""
    if not Referral.objects.visible_to(user, CHANGE).filter(pk=referral.pk).exists():
        raise PermissionDenied(_("You cannot change this referral."))
    if status not in ReferralStatus.values:
        raise ValidationError({"status": _("Unknown status.")})
    closing = status in CLOSED_REFERRAL_STATUSES
    if closing:
        closed_on = closed_on or _today()
        _not_in_future(closed_on, "closed_on")
        if closed_on < referral.referred_on:
            raise ValidationError({"closed_on": _("A referral cannot close before it was made.")})
    elif closed_on:
        raise ValidationError({"closed_on": _("Only a completed or declined referral has a closing date.")})
    if need_met and status != ReferralStatus.COMPLETED:
        raise ValidationError({"need_met": _("Only a completed referral can mark its need as met.")})
    if need_met and referral.need_id is None:
        raise ValidationError({"need_met": _("This referral answers no recorded need.")})
    old = referral.status
    referral.status, referral.outcome = status, (outcome or "").strip()
    referral.closed_on = closed_on if closing else None
    referral.save(update_fields=["status", "outcome", "closed_on"])
    if need_met and referral.need.status != NeedStatus.MET:
        referral.need.status, referral.need.resolved_on = NeedStatus.MET, closed_on
        referral.need.save(update_fields=["status", "resolved_on"])
    if old != status:
        services.add_to_timeline(
            referral.recipient, "referral",
            _("Referral to %(target)s: %(status)s") % {"target": referral.target, "status": ReferralStatus(status).label},
            actor=user, link=reverse("recipients:referral_update", kwargs={"pk": referral.pk}),
        )
    audit.record("recipient.referral_update", obj=referral, actor=user, region_code=referral.recipient.region_id,
                 detail={"from": old, "to": status, "need_met": need_met})
    return referral
