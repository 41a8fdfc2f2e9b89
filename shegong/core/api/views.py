"""Audit log over the API: read-only, scoped."""

from rest_framework import serializers, viewsets

from shegong.core.filters import AuditFilter
from shegong.core.models import AuditEntry


class AuditEntrySerializer(serializers.ModelSerializer):
    class Meta:
        model = AuditEntry
        fields = [
            "id", "at", "actor", "actor_name", "ip", "action", "result",
            "object_type", "object_id", "object_repr", "region_code", "detail",
        ]


class AuditEntryViewSet(viewsets.ReadOnlyModelViewSet):
    """The audit log within the caller's jurisdiction; there is no way to change it."""

    serializer_class = AuditEntrySerializer
    filterset_class = AuditFilter
    lookup_value_regex = r"\d+"

    def get_queryset(self):
        return AuditEntry.objects.visible_to(self.request.user)
