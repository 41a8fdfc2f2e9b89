"""Filters for the audit log page, export and API."""

import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .models import AuditEntry


class AuditFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("Search"), method="search")
    action = django_filters.CharFilter(label=_("Action"), lookup_expr="startswith")
    result = django_filters.ChoiceFilter(label=_("Result"), choices=AuditEntry.Result.choices, empty_label=_("All"))
    region = django_filters.CharFilter(label=_("Region code"), field_name="region_code", lookup_expr="startswith")
    since = django_filters.DateFilter(label=_("From"), field_name="at", lookup_expr="date__gte")
    until = django_filters.DateFilter(label=_("To"), field_name="at", lookup_expr="date__lte")

    class Meta:
        model = AuditEntry
        fields = ["q", "action", "result", "region", "since", "until"]

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(actor_name__icontains=value) | Q(object_repr__icontains=value) | Q(ip__startswith=value)
        )
