from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CaseworkConfig(AppConfig):
    name = "shegong.casework"
    label = "casework"
    verbose_name = _("Casework")

    def ready(self):
        from shegong.recipients.services import TIMELINE_OWNERS

        for owner in (
            ("casework.Visit", "recipient"),
            ("casework.PlannedVisit", "recipient"),
            ("casework.Case", "recipient"),
            ("casework.GroupMember", "recipient"),
            ("casework.ActivityParticipant", "recipient"),
        ):
            if owner not in TIMELINE_OWNERS:
                TIMELINE_OWNERS.append(owner)
        from shegong.core.audit import ACTION_LABELS

        from . import sections  # noqa: F401  (registers the recipient file sections)
        from .audit_labels import ALL_LABELS

        for labels in ALL_LABELS:
            ACTION_LABELS.update(labels)
