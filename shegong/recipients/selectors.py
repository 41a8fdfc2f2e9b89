"""Reads of the registry pages, always scoped on their first line, each in a constant number of
queries however many rows, categories or timeline entries there are."""

from __future__ import annotations

from django.db.models import Case, Count, Prefetch, Value, When
from django.http import QueryDict

from shegong.core.scoping import CHANGE, assignments_of, regions_within_reach

from . import services
from .filters import VIEW_ROLES, HouseholdFilter, RecipientFilter, chosen_township
from .models import (
    RECIPIENT_ROLES,
    Attachment,
    CategoryMembership,
    Household,
    Recipient,
    Relation,
    StatusChange,
    TimelineEntry,
)

TIMELINE_SHOWN = 50


def open_categories_prefetch() -> Prefetch:
    """The categories a person holds now, as ``open_categories`` (one query for a whole page)."""
    return Prefetch(
        "categories", queryset=CategoryMembership.objects.filter(ended_on__isnull=True).order_by("category"),
        to_attr="open_categories",
    )


def recipient_list(*, actor, params=None):
    """Recipients ``actor`` may see, filtered (active ones unless a status is chosen), merged files
    left out; returns (filterset, queryset) ordered by pinyin."""
    base = (
        Recipient.objects.visible_to(actor).filter(merged_into__isnull=True)
        .select_related("region", "region__parent", "household").prefetch_related(open_categories_prefetch())
    )
    filterset = RecipientFilter(params if params is not None else QueryDict(), queryset=base, actor=actor)
    qs = filterset.qs if filterset.is_valid() else base.none()
    return filterset, qs.order_by("name_pinyin", "name", "pk")


def full_export_allowed(*, actor, params) -> bool:
    """Whether ``actor`` may export full values of the list as filtered by ``params``: the
    narrowest place the filter names (village, township), or else every place where the user
    sees recipients, must allow it."""
    village = (params.get("village") or "").strip()
    place = village or chosen_township(params)
    if place:
        places = [place]
    else:
        places = [a.region_id or "" for a in assignments_of(actor) if a.role in VIEW_ROLES]
    return bool(places) and all(services.may_export_full(actor, code) for code in places)


def place_in_reach(*, actor, code: str) -> bool:
    """Whether a region code is one of the places where ``actor`` sees recipients."""
    return bool(code) and regions_within_reach(actor, VIEW_ROLES).filter(code=code).exists()


def recipient_get(*, actor, pk, action="view") -> Recipient:
    """One recipient ``actor`` may see (or change); raises Recipient.DoesNotExist otherwise."""
    qs = Recipient.objects.visible_to(actor, action).select_related("region", "region__parent", "household", "household__head")
    if action == CHANGE:
        qs = qs.filter(merged_into__isnull=True)
    return qs.get(pk=pk)


def recipient_changeable(*, actor, recipient) -> bool:
    return recipient.merged_into_id is None and Recipient.objects.visible_to(actor, CHANGE).filter(pk=recipient.pk).exists()


def household_members(*, actor, household):
    """The members of a household ``actor`` may see (merged files left out), head first."""
    if household is None:
        return Recipient.objects.none()
    return (
        Recipient.objects.visible_to(actor).filter(household=household, merged_into__isnull=True)
        .annotate(is_head=Case(When(relation=Relation.HEAD, then=Value(0)), default=Value(1)))
        .order_by("is_head", "name_pinyin", "pk")
    )


def recipient_file(*, actor, recipient, all_timeline: bool = False) -> dict:
    """Everything the recipient file shows besides the sections of other capabilities."""
    timeline = TimelineEntry.objects.visible_to(actor).filter(recipient=recipient).select_related("actor")
    shown = list(timeline if all_timeline else timeline[: TIMELINE_SHOWN + 1])
    more = not all_timeline and len(shown) > TIMELINE_SHOWN
    return {
        "members": list(household_members(actor=actor, household=recipient.household)),
        "categories": list(CategoryMembership.objects.visible_to(actor).filter(recipient=recipient).order_by("-ended_on", "started_on", "pk")),
        "status_changes": list(
            StatusChange.objects.visible_to(actor).filter(recipient=recipient).select_related("changed_by").order_by("-changed_on", "-pk")
        ),
        "attachments": list(Attachment.objects.visible_to(actor).filter(recipient=recipient).select_related("uploaded_by")),
        "timeline": shown[:TIMELINE_SHOWN] if more else shown,
        "timeline_more": more,
    }


def villages_to_register(actor):
    """Villages where ``actor`` may register recipients."""
    from shegong.regions.models import Level

    return regions_within_reach(actor, RECIPIENT_ROLES["change"]).filter(level=Level.VILLAGE).select_related("parent").order_by("code")


def households_of_village(*, actor, region_code: str):
    """Households of a village ``actor`` may change (to add a person to one)."""
    if not region_code:
        return Household.objects.none()
    return Household.objects.visible_to(actor, CHANGE).filter(region_id=region_code).order_by("head_name", "pk")


def household_list(*, actor, params=None):
    """Households ``actor`` may see, filtered (count their members with ``with_member_counts``)."""
    base = Household.objects.visible_to(actor).select_related("region", "region__parent", "head")
    filterset = HouseholdFilter(params if params is not None else QueryDict(), queryset=base, actor=actor)
    qs = filterset.qs if filterset.is_valid() else base.none()
    return filterset, qs.order_by("region_id", "head_name", "pk")


def with_member_counts(households) -> list:
    """Set ``member_count`` (unmerged members) on a page of households, in one query for the page:
    counting members of every household in reach before paginating grouped the whole jurisdiction."""
    households = list(households)
    counts = dict(
        Recipient.objects.filter(household__in=[h.pk for h in households], merged_into__isnull=True)
        .values("household").annotate(n=Count("pk")).values_list("household", "n")
    )
    for household in households:
        household.member_count = counts.get(household.pk, 0)
    return households


def household_get(*, actor, pk, action="view") -> Household:
    """One household ``actor`` may see (or change); raises Household.DoesNotExist otherwise."""
    return Household.objects.visible_to(actor, action).select_related("region", "region__parent", "head").get(pk=pk)


def household_changeable(*, actor, household) -> bool:
    return Household.objects.visible_to(actor, CHANGE).filter(pk=household.pk).exists()
