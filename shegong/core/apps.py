from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "shegong.core"
    label = "core"
    verbose_name = _("Core")

    def ready(self):
        from django.db.models import fields

        from . import checks  # noqa: F401  (registers the deploy checks)

        # Django 6.1's blank choice of a select ("- Select an option -") has no Chinese in Django's
        # own catalogue yet: ours translates it.
        fields.BLANK_CHOICE_LABEL = _("Select an option")
