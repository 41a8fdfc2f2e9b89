"""Filters of the recipient and household lists (and their exports).

Place choices come from the regions the user reaches. The village select stays short: it lists
the villages of the chosen township, or of the user's own townships when they work at township
level; a county or higher official picks a township first.
"""

from __future__ import annotations

import django_filters
from django import forms
from django.db.models import Exists, OuterRef
from django.utils.translation import gettext_lazy as _

from shegong.core.scoping import assignments_of, regions_within_reach
from shegong.regions.models import CODE_LENGTHS, Level, Region

from . import pinyin
from .models import (
    RECIPIENT_ROLES,
    Category,
    CategoryMembership,
    FollowUpLevel,
    Household,
    Recipient,
    Status,
    child_birth_cutoff,
)

TOWNSHIP_LENGTH = CODE_LENGTHS[Level.TOWNSHIP - 1]
VIEW_ROLES = frozenset(RECIPIENT_ROLES["view"])


def township_choices(actor):
    """Townships in the user's reach."""
    return regions_within_reach(actor, VIEW_ROLES).filter(level=Level.TOWNSHIP).order_by("code")


def works_at_township_level(actor) -> bool:
    """Whether every place where the user sees recipients is a township or a village."""
    places = [a.region_id or "" for a in assignments_of(actor) if a.role in VIEW_ROLES]
    return bool(places) and all(len(code) >= TOWNSHIP_LENGTH for code in places)


def chosen_township(data) -> str:
    """The township code a list request narrows to (given, or that of the village given)."""
    if not data:
        return ""
    return data.get("township") or (data.get("village") or "")[:TOWNSHIP_LENGTH]


def village_choices(actor, data):
    """Villages to offer: those of the township chosen (or of the village chosen), else those
    under the user's township-level places; none for a wider official who chose no township."""
    villages = regions_within_reach(actor, VIEW_ROLES).filter(level=Level.VILLAGE).order_by("code")
    township = chosen_township(data)
    if township:
        return villages.filter(code__under=township)
    return villages if works_at_township_level(actor) else villages.none()


class PlaceFilterMixin(django_filters.FilterSet):
    """Township and village selects limited to the user's reach."""

    township = django_filters.ModelChoiceFilter(
        label=_("Township"), queryset=Region.objects.none(), to_field_name="code", method="under_region",
        empty_label=_("All"),
    )
    village = django_filters.ModelChoiceFilter(
        label=_("Village or community"), queryset=Region.objects.none(), to_field_name="code", method="under_region",
        empty_label=_("All"),
    )

    def __init__(self, data=None, *args, actor=None, **kwargs):
        super().__init__(data, *args, **kwargs)
        self.filters["township"].queryset = township_choices(actor)
        self.filters["village"].queryset = village_choices(actor, data)
        if not (works_at_township_level(actor) or chosen_township(data)):
            self.filters["village"].extra["help_text"] = _("Choose a township and filter to list its villages.")

    def under_region(self, queryset, name, value: Region):
        return queryset.filter(region__code__under=value.code)


class RecipientFilter(PlaceFilterMixin):
    q = django_filters.CharFilter(
        label=_("Name or pinyin"), method="search",
        widget=forms.TextInput(attrs={"placeholder": _("张三 or zs"), "autocomplete": "off", "maxlength": 50}),
    )
    category = django_filters.ChoiceFilter(
        label=_("Category"), choices=Category.choices, method="by_category", empty_label=_("All")
    )
    status = django_filters.ChoiceFilter(
        label=_("Status"), choices=[("all", _("All")), *Status.choices], method="by_status",
        empty_label=_("Active (new and in service)"),
    )
    follow_up_level = django_filters.ChoiceFilter(
        label=_("Follow-up level"), choices=FollowUpLevel.choices, empty_label=_("All")
    )
    children = django_filters.BooleanFilter(
        label=_("Children under 14 only"), method="only_children", widget=forms.CheckboxInput
    )

    class Meta:
        model = Recipient
        fields = ["q", "category", "township", "village", "status", "follow_up_level", "children"]

    def filter_queryset(self, queryset):
        """Without a status chosen, the list holds the people being served (new and in service)."""
        queryset = super().filter_queryset(queryset)
        if not self.form.cleaned_data.get("status"):
            queryset = queryset.filter(status__in=[Status.NEW, Status.IN_SERVICE])
        return queryset

    def search(self, queryset, name, value: str):
        """Chinese characters match the name; Latin letters match the pinyin initials (``zs``) or
        the start of the full pinyin (``zhangs``)."""
        value = value.strip()
        if not value:
            return queryset
        if pinyin.looks_like_pinyin(value):
            compact = value.replace(" ", "").lower()
            return queryset.filter(pinyin.name_search(compact))
        return queryset.filter(name__icontains=value)

    def by_category(self, queryset, name, value: str):
        held = CategoryMembership.objects.filter(recipient=OuterRef("pk"), category=value, ended_on__isnull=True)
        return queryset.filter(Exists(held))

    def by_status(self, queryset, name, value: str):
        return queryset if value == "all" else queryset.filter(status=value)

    def only_children(self, queryset, name, value):
        return queryset.filter(birth_date__gt=child_birth_cutoff()) if value else queryset


class HouseholdFilter(PlaceFilterMixin):
    q = django_filters.CharFilter(
        label=_("Name of the head"), field_name="head_name", lookup_expr="icontains",
        widget=forms.TextInput(attrs={"autocomplete": "off", "maxlength": 50}),
    )

    class Meta:
        model = Household
        fields = ["q", "township", "village"]
