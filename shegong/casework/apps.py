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
        from . import sections  # noqa: F401  (registers the recipient file sections)
