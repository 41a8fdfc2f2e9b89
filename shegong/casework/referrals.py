"""Referrals and resource links (资源链接 / 转介) made from a casework record.

A referral is made for a person of the record — the visited person (or a member of the visited
household), the case's person, a registered member of a group, a named participant of an
activity — through the recipients referral service, so the timeline line, the audit row and the
need it answers follow one code path. The referral remembers its record (``Referral.source``) and
the recipient file links back to it; how the referral went is recorded on the recipients'
referral page.
"""

from __future__ import annotations

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from shegong.recipients import services_needs
from shegong.recipients.models import Recipient, Referral

from .attachments import KIND_OF_MODEL, OWNER_KINDS, kind_of, owner_label, owner_url
from .models import ActivityParticipant, Case, Group, GroupMember, GroupSession, Visit


def people_of(owner):
    """The people a referral from ``owner`` may be made for (a Recipient queryset, unscoped)."""
    if isinstance(owner, Visit):
        where = Q(pk=owner.recipient_id) if owner.recipient_id else Q(pk__in=[])
        if owner.household_id:
            where |= Q(household_id=owner.household_id)
        return Recipient.objects.filter(where)
    if isinstance(owner, Case):
        return Recipient.objects.filter(pk=owner.recipient_id)
    if isinstance(owner, (Group, GroupSession)):
        group_id = owner.pk if isinstance(owner, Group) else owner.group_id
        members = GroupMember.objects.filter(group_id=group_id, recipient__isnull=False).values("recipient_id")
        return Recipient.objects.filter(pk__in=members)
    participants = ActivityParticipant.objects.filter(activity_id=owner.pk).values("recipient_id")
    return Recipient.objects.filter(pk__in=participants)


def people_choices(owner, user):
    """The people of ``owner`` that ``user`` may refer (live files within their CHANGE reach)."""
    from shegong.core.scoping import CHANGE

    return (
        Recipient.objects.visible_to(user, CHANGE).filter(pk__in=people_of(owner).values("pk"), merged_into__isnull=True)
        .select_related("region").order_by("name", "pk")
    )


def refer_from(owner, *, user, recipient, resource=None, agency: str = "", reason: str, need=None,
               referred_on=None) -> Referral:
    """Refer ``recipient``, a person of the record ``owner``, to a resource or another agency.

    The record must be visible to ``user`` and the person one of its people; the rest (the
    person's CHANGE reach, the resource of their township, the need of their household, the
    reason) is checked by ``recipients.services_needs.create_referral``, which writes the
    referral, the timeline line and the audit row in one transaction.
    """
    if type(owner) not in KIND_OF_MODEL:
        raise ValidationError(_("Referrals are made from a visit, a case, a group or an activity."))
    if not type(owner).objects.visible_to(user).filter(pk=owner.pk).exists():
        raise PermissionDenied(_("You cannot make referrals from this record."))
    if recipient is None or not people_of(owner).filter(pk=recipient.pk).exists():
        raise ValidationError({"recipient": _("Choose a person of this record: the person visited or served, a group member or a named participant.")})
    return services_needs.create_referral(
        user, recipient, reason=reason, referred_on=referred_on or timezone.localdate(), resource=resource,
        agency=agency, need=need, source=owner,
    )


def referrals_from(owner, user):
    """The referrals made from ``owner`` that ``user`` may see, newest first (one query)."""
    return (
        Referral.objects.visible_to(user)
        .filter(source_type=ContentType.objects.get_for_model(owner), source_id=owner.pk)
        .select_related("recipient", "resource", "need").order_by("-referred_on", "-pk")
    )


def section_context(owner, user, recipient=None) -> dict:
    """The context of ``casework/_referrals.html`` (two queries)."""
    from shegong.core.scoping import CHANGE

    return {
        "owner": owner, "owner_kind": kind_of(owner), "recipient": recipient,
        "referrals": list(referrals_from(owner, user)),
        "can_refer": type(owner).objects.visible_to(user, CHANGE).filter(pk=owner.pk).exists(),
    }


def describe_sources(referrals) -> None:
    """Give each referral made from a record ``source_label`` and ``source_url`` ("" when none).

    One query per kind of record among them (at most five), whatever the number of referrals."""
    wanted: dict[int, set[int]] = {}
    for referral in referrals:
        referral.source_label, referral.source_url = "", ""
        if referral.source_type_id and referral.source_id:
            wanted.setdefault(referral.source_type_id, set()).add(referral.source_id)
    found: dict[tuple[int, int], object] = {}
    for type_id, ids in wanted.items():
        model = ContentType.objects.get_for_id(type_id).model_class()
        if model not in KIND_OF_MODEL:
            continue
        rows = model._base_manager.filter(pk__in=ids)
        found.update({(type_id, row.pk): row for row in rows})
    for referral in referrals:
        row = found.get((referral.source_type_id, referral.source_id))
        if row is not None:
            referral.source_label, referral.source_url = owner_label(row), owner_url(row)


__all__ = ["OWNER_KINDS", "describe_sources", "people_of", "refer_from", "referrals_from", "section_context"]
