"""Labels of this app's audit actions (added to core.audit.ACTION_LABELS when the app is ready).

One dict per area, so each area keeps its own."""

from django.utils.translation import gettext_lazy as _

VISIT_LABELS: dict = {}
CASE_LABELS: dict = {}
GROUP_LABELS: dict = {}
ACTIVITY_LABELS: dict = {}
CATALOGUE_LABELS: dict = {}
ATTACHMENT_LABELS: dict = {}

ALL_LABELS = (VISIT_LABELS, CASE_LABELS, GROUP_LABELS, ACTIVITY_LABELS, CATALOGUE_LABELS, ATTACHMENT_LABELS)

__all__ = ["_", "ALL_LABELS"]
