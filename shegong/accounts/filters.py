"""Filters of the user list, export and API."""

import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .models import User
from .roles import Role


class UserFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("Search"), method="search")
    role = django_filters.ChoiceFilter(label=_("Role"), choices=Role.choices, method="by_role", empty_label=_("All"))
    region = django_filters.CharFilter(label=_("Region code"), method="by_region")
    is_active = django_filters.ChoiceFilter(
        label=_("Status"),
        choices=[("true", _("Enabled")), ("false", _("Deactivated"))],
        method="by_active",
        empty_label=_("All"),
    )

    class Meta:
        model = User
        fields = ["q", "role", "region", "is_active"]

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(username__icontains=value) | Q(name__icontains=value) | Q(phone__contains=value))

    def by_active(self, queryset, name, value):
        return queryset.filter(is_active=value == "true")

    def by_role(self, queryset, name, value):
        return queryset.filter(pk__in=User.role_assignments.rel.related_model.objects.filter(role=value).values("user"))

    def by_region(self, queryset, name, value):
        model = User.role_assignments.rel.related_model
        return queryset.filter(pk__in=model.objects.filter(region__code__under=value.strip()).values("user"))
