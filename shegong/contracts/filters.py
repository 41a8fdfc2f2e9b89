"""Filters of the contract list, export and API."""

import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from shegong.stations.models import Operator

from .models import Contract


def _operators(request):
    if request is None:
        return Operator.objects.none()
    return Operator.objects.visible_to(request.user)


class ContractFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("Search"), method="search")
    operator = django_filters.ModelChoiceFilter(label=_("Operator"), queryset=_operators, empty_label=_("All"))
    status = django_filters.ChoiceFilter(label=_("Status"), choices=Contract.Status.choices, empty_label=_("All"))
    year = django_filters.NumberFilter(label=_("Year"), method="by_year", min_value=1949, max_value=2999)

    class Meta:
        model = Contract
        fields = ["q", "operator", "status", "year"]

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(number__icontains=value) | Q(purchaser_name__icontains=value))

    def by_year(self, queryset, name, value):
        """Contracts whose period overlaps the calendar year."""
        year = int(value)
        return queryset.filter(period_start__year__lte=year, period_end__year__gte=year)
