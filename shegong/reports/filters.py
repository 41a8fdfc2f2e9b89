"""Filters of the report list and the API."""

import re

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from shegong.monitoring.periods import Period

from .models import Kind, Report, Status


class ReportFilter(django_filters.FilterSet):
    kind = django_filters.ChoiceFilter(label=_("Kind"), choices=Kind.choices, empty_label=_("All"))
    status = django_filters.ChoiceFilter(label=_("Status"), choices=Status.choices, empty_label=_("All"))
    period = django_filters.CharFilter(
        label=pgettext_lazy("reporting", "Period"), method="by_period", max_length=20,
        help_text=_("A year (2026), a half-year (2026-H1), a quarter (2026-Q3) or a month (2026-10)."),
        widget=forms.TextInput(attrs={"placeholder": "2026-10"}),
    )

    class Meta:
        model = Report
        fields = ["kind", "status", "period"]

    def by_period(self, queryset, name, value):
        value = (value or "").strip()
        if not value:
            return queryset
        if re.fullmatch(r"\d{4}", value):  # every report of the year
            return queryset.filter(period_start__year=int(value))
        try:
            period = Period.parse(value)
        except ValidationError:
            return queryset.none()
        return queryset.filter(period_start__gte=period.start, period_end__lte=period.end)
