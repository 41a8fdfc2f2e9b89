from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    name = "shegong.reports"
    label = "reports"
    verbose_name = _("Reports")

    def ready(self):
        from django.core import checks

        from shegong.core.audit import ACTION_LABELS

        ACTION_LABELS.update({
            "report.create": _("Report started"),
            "report.update": _("Report text changed"),
            "report.submit": _("Report submitted"),
            "report.return": _("Report returned for changes"),
            "report.approve": _("Report approved"),
            "report.correct": _("Report correction started"),
            "report.export": _("Report file downloaded"),
        })
        checks.register(pdf_check)


def pdf_check(app_configs=None, **kwargs):
    """Warn at start-up when PDF reports cannot be made: WeasyPrint needs the system's Pango (checked
    by opening the libraries, which is quick; importing WeasyPrint is not)."""
    import ctypes
    import ctypes.util

    from django.core import checks

    from .files import PANGO_MISSING

    missing = []
    for name in ("pango-1.0", "pangoft2-1.0"):
        try:
            ctypes.CDLL(f"lib{name}.so.0")
        except OSError:
            if ctypes.util.find_library(name) is None:
                missing.append(f"lib{name}")
    if missing:
        return [checks.Warning(PANGO_MISSING, hint=", ".join(missing), id="reports.W001")]
    return []
