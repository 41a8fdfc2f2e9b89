from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RecipientsConfig(AppConfig):
    name = "shegong.recipients"
    label = "recipients"
    verbose_name = _("Recipients")

    def ready(self):
        from .file_sections import SECTIONS
        from .sections import RECIPIENT_FILE_SECTIONS

        RECIPIENT_FILE_SECTIONS.extend(s for s in SECTIONS if s not in RECIPIENT_FILE_SECTIONS)
