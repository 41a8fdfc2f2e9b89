from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WorkforceConfig(AppConfig):
    name = "shegong.workforce"
    label = "workforce"
    verbose_name = _("Workforce")

    def ready(self):
        from shegong.stations.views import STATION_FILE_SECTIONS

        from .sections import station_section

        STATION_FILE_SECTIONS.append(("workforce/_station_section.html", station_section))
