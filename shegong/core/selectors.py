"""Reads of shared records."""

from .filters import AuditFilter
from .models import AuditEntry


def audit_list(*, actor, params=None):
    """Audit rows ``actor`` may see, filtered by ``params``; returns (filterset, queryset)."""
    base = AuditEntry.objects.visible_to(actor).select_related("actor")
    filterset = AuditFilter(params or None, queryset=base)
    qs = filterset.qs if not filterset.is_bound or filterset.is_valid() else base.none()
    return filterset, qs
