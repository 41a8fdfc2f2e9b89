"""Regions over the API: public reference data for every signed-in caller."""

import django_filters
from rest_framework import serializers, viewsets
from rest_framework.pagination import LimitOffsetPagination

from .models import Region


class RegionSerializer(serializers.ModelSerializer):
    parent = serializers.CharField(source="parent_id", allow_null=True)

    class Meta:
        model = Region
        fields = ["code", "name", "level", "parent"]


class RegionFilter(django_filters.FilterSet):
    parent = django_filters.CharFilter(field_name="parent_id")
    under = django_filters.CharFilter(field_name="code", lookup_expr="startswith")
    level = django_filters.NumberFilter()
    name = django_filters.CharFilter(lookup_expr="contains")

    class Meta:
        model = Region
        fields = ["parent", "under", "level", "name"]


class RegionPagination(LimitOffsetPagination):
    default_limit = 100
    max_limit = 1000


class RegionViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = RegionSerializer
    filterset_class = RegionFilter
    pagination_class = RegionPagination
    queryset = Region.objects.order_by("code")
    lookup_field = "code"
    lookup_value_regex = r"\d{2}|\d{4}|\d{6}|\d{9}|\d{12}"
