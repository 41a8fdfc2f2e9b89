"""Two sections of the recipient file (一人一档): the household's needs (its latest assessment,
when the next one is due, the needs it found) and the person's referrals.

Registered in ``RecipientsConfig.ready()``. Each function reads through ``visible_to`` in a
fixed number of queries, whatever the number of needs or referrals, and puts its context under
one key of its own so it cannot clash with the page or other sections.
"""

from django.db.models import Prefetch
from django.utils import timezone

from . import services
from .models import NeedItem, NeedsAssessment, Referral

NEEDS_TEMPLATE = "recipients/_section_needs.html"
REFERRALS_TEMPLATE = "recipients/_section_referrals.html"


def needs_section(request, recipient) -> dict | None:
    """The household's latest assessment and its needs (two queries); None for a merged file,
    whose history now lives on the file it was merged into."""
    if recipient.merged_into_id:
        return None
    today = timezone.localdate()
    latest = None
    if recipient.household_id:
        latest = (
            NeedsAssessment.objects.visible_to(request.user).filter(household_id=recipient.household_id)
            .select_related("assessor")
            .prefetch_related(Prefetch("needs", queryset=NeedItem.objects.select_related("recipient").order_by("status", "pk")))
            .order_by("-assessed_on", "-pk").first()
        )
    return {"needs_section": {
        "recipient": recipient,
        "household_id": recipient.household_id,
        "assessment": latest,
        "needs": list(latest.needs.all()) if latest else [],
        "overdue": latest is None or latest.next_due_on < today,
        "days_overdue": (today - latest.next_due_on).days if latest and latest.next_due_on < today else 0,
        "can_change": services.may_change(request.user, recipient.region_id),
    }}


def referrals_section(request, recipient) -> dict | None:
    """The person's referrals, newest first, with the record each was made from (one query, plus
    one per kind of record they were made from)."""
    if recipient.merged_into_id:
        return None
    referrals = list(
        Referral.objects.visible_to(request.user).filter(recipient=recipient)
        .select_related("resource", "need").order_by("-referred_on", "-pk")
    )
    from shegong.casework.referrals import describe_sources  # "from: visit of 2025-03-01" links

    describe_sources(referrals)
    return {"referrals_section": {
        "recipient": recipient,
        "referrals": referrals,
        "can_change": services.may_change(request.user, recipient.region_id),
    }}


SECTIONS = [(NEEDS_TEMPLATE, needs_section), (REFERRALS_TEMPLATE, referrals_section)]
