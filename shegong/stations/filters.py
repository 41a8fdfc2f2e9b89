"""Filters of the operator and station lists."""

import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from shegong.regions.fields import RegionFilter

from .models import Operator, Station


class OperatorFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("Search"), method="search")

    class Meta:
        model = Operator
        fields = ["q"]

    def search(self, queryset, name, value):
        value = value.strip()
        return queryset.filter(Q(name__icontains=value) | Q(credit_code__icontains=value)) if value else queryset


class StationFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("Search"), method="search")
    kind = django_filters.ChoiceFilter(label=_("Kind"), choices=Station.Kind.choices, empty_label=_("All"))
    status = django_filters.ChoiceFilter(label=_("Status"), choices=Station.Status.choices, empty_label=_("All"))
    operator = django_filters.ModelChoiceFilter(label=_("Operator"), queryset=Operator.objects.none(), empty_label=_("All"))
    region = RegionFilter(label=_("Place (region code)"), field_name="region__code")  # the dashboards' drill-down

    class Meta:
        model = Station
        fields = ["q", "kind", "status", "operator", "region"]

    def __init__(self, *args, actor=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.filters["operator"].queryset = Operator.objects.visible_to(actor) if actor else Operator.objects.none()

    def search(self, queryset, name, value):
        value = value.strip()
        return queryset.filter(Q(name__icontains=value) | Q(region__name__icontains=value)) if value else queryset
