"""``?region=CODE`` on the list pages: a place and everything under it (the dashboards' drill-down).

A dashboard figure links to the records behind it, e.g. ``/casework/cases/?region=210381001&…``.
The lists narrow what ``visible_to`` already allows to the place: a code outside the user's reach
gives an empty list, never more. A code that names no place is a form error (never a 500).

The rollups count records placed above a township (at the county itself) towards the county's
``…000`` unit (``210381000``); that code stands for "placed at the county 210381", not under it.
"""

from __future__ import annotations

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .models import CODE_LENGTHS, Region

COUNTY_LENGTH = 6
UNIT_LENGTH = 9
AT_COUNTY = "000"  # the ``…000`` unit of records placed at a county


def at_county(code: str) -> bool:
    return len(code) == UNIT_LENGTH and code.endswith(AT_COUNTY)


def region_q(path: str, code: str) -> Q:
    """Rows whose region (``path``, e.g. ``"region__code"``) lies at or under ``code``."""
    if at_county(code):
        return Q(**{path: code[:COUNTY_LENGTH]})
    return Q(**{f"{path}__under": code})


class RegionCodeField(forms.CharField):
    """A region code: digits, of a level's length, naming a place that exists."""

    default_error_messages = {
        "invalid": _("“%(code)s” is not a region code: write the 2, 4, 6, 9 or 12 digits of a place."),
        "unknown": _("There is no place with the code %(code)s."),
    }

    def __init__(self, **kwargs):
        if kwargs.get("label") is None:
            kwargs["label"] = _("Place (region code)")
        kwargs.setdefault("required", False)
        kwargs.setdefault("max_length", 12)
        kwargs.setdefault("widget", forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off", "size": 12}))
        super().__init__(**kwargs)

    def clean(self, value):
        code = super().clean(value)
        code = (code or "").strip()
        if not code:
            return ""
        if not code.isascii() or not code.isdigit() or len(code) not in CODE_LENGTHS:
            raise ValidationError(self.error_messages["invalid"], code="invalid", params={"code": code[:20]})
        known = code[:COUNTY_LENGTH] if at_county(code) else code
        name = Region.objects.filter(code=known).values_list("name", flat=True).first()
        if name is None:
            raise ValidationError(self.error_messages["unknown"], code="unknown", params={"code": code})
        # The form shows which place the code is (this field is the form's own copy).
        self.help_text = _("%(place)s (at the county itself)") % {"place": name} if at_county(code) else name
        return code


class RegionFilter(django_filters.Filter):
    """The django-filter form of :class:`RegionCodeField`; ``field_name`` is the path to the code."""

    field_class = RegionCodeField

    def filter(self, qs, value):
        return qs.filter(region_q(self.field_name, value)) if value else qs
