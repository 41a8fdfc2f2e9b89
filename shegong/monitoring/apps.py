from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MonitoringConfig(AppConfig):
    name = "shegong.monitoring"
    label = "monitoring"
    verbose_name = _("Monitoring")

    def ready(self):
        from . import signals

        signals.connect()
