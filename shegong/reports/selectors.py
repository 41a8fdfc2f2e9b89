"""Reads of reports, always scoped on their first line: the scope rule, then drafts only for their
writer (a reviewer sees a report once it has been submitted)."""

from __future__ import annotations

from django.db.models import Q

from .models import Report, Status
from .rules import writer_q


def reports_for(actor):
    """Reports ``actor`` may read."""
    base = Report.objects.visible_to(actor)
    mine = writer_q(actor)
    drafts_hidden = ~Q(status=Status.DRAFT)
    return base.filter(drafts_hidden | mine) if mine is not None else base.filter(drafts_hidden)


def report_list(*, actor, params=None, request=None):
    """(filterset, queryset) of the reports ``actor`` may read, filtered."""
    from .filters import ReportFilter

    base = reports_for(actor).select_related("region", "operator", "submitted_by").order_by(
        "-period_start", "region_id", "kind", "-revision", "-pk")
    filterset = ReportFilter(params or None, queryset=base, request=request)
    qs = filterset.qs if not filterset.is_bound or filterset.is_valid() else base.none()
    return filterset, qs


def report_get(*, actor, pk) -> Report:
    """One report ``actor`` may read; Report.DoesNotExist otherwise."""
    return reports_for(actor).select_related(
        "region", "operator", "contract", "created_by", "submitted_by", "returned_by", "approved_by", "supersedes",
        "superseded_by",
    ).get(pk=pk)
