from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ContractsConfig(AppConfig):
    name = "shegong.contracts"
    label = "contracts"
    verbose_name = _("Contracts")

    def ready(self):
        from shegong.stations.views import STATION_FILE_SECTIONS

        from .sections import station_section

        STATION_FILE_SECTIONS.append(("contracts/_station_section.html", station_section))
