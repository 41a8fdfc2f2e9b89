"""Small helpers of the report pages."""

from django import template

from shegong.monitoring.kpi import STATUS_LABELS

register = template.Library()

REPORT_STATUS = {"draft": "neutral", "submitted": "attention", "returned": "bad", "approved": "ok"}
FIGURE_STATUS = {"met": "ok", "on_track": "attention", "lagging": "bad", "no_target": "neutral"}


@register.filter
def report_status_class(status: str) -> str:
    """The pill class of a report's status."""
    return REPORT_STATUS.get(status, "neutral")


@register.filter
def figure_status_class(status: str) -> str:
    """The pill class of a figure's status (met, on track, lagging, no target)."""
    return FIGURE_STATUS.get(status, "neutral")


@register.filter
def figure_status_label(status: str) -> str:
    """The figure's status in the reader's language."""
    label = STATUS_LABELS.get(status)
    return str(label) if label is not None else status


@register.filter
def child_figure(child, key):
    """The figure ``key`` of a child place (None when it has none)."""
    return child.figures.get(key)
