"""Rollups: what the dashboards and reports read instead of the records' history.

A :class:`Tally` is one figure (``metric``) of one place (``unit``) for one month of one year
(``month`` 1–12), or for the whole year (``month`` 0: the people a coverage rate is measured
against). Townships are the grain: every record counts towards the township its region code lies
in (records placed above a township count towards a ``…000`` unit of their county). Counties,
cities and the province hold the sums of their townships, kept by the same refresh, so a province
dashboard reads a few hundred rows whatever the length of history.

The rows are derived: :mod:`shegong.monitoring.rollups` rewrites a township's year from the records
whenever one of them changes, and ``shegong rollups rebuild`` rewrites everything.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

from shegong.core.scoping import ScopedManager, ScopeRule

# Who reads the figures of a place (aggregates, no personal data): the offices of the place and
# the people of its stations. Operator managers read the figures of their stations through the
# dashboards, which ask for the townships of those stations.
TALLY_ROLES = {
    # Evaluators will read the stations of their evaluation round, once rounds exist; not places.
    "view": {"bureau", "admin", "township_officer", "station_lead", "worker", "supervisor", "operator_manager"},
    "change": set(),
}


class Tally(models.Model):
    unit = models.CharField(_("place"), max_length=12)
    parent = models.CharField(_("parent place"), max_length=12, blank=True)
    level = models.PositiveSmallIntegerField(_("length of the place's code"))  # 9 townships; 6, 4, 2 sums
    year = models.PositiveSmallIntegerField(_("year"))
    month = models.PositiveSmallIntegerField(_("month"))  # 0: the whole year
    metric = models.CharField(_("figure"), max_length=40)
    value = models.DecimalField(_("value"), max_digits=14, decimal_places=1)

    objects = ScopedManager()
    scope = ScopeRule(region="unit", roles=TALLY_ROLES)

    class Meta:
        verbose_name = _("rollup figure")
        verbose_name_plural = _("rollup figures")
        constraints = [
            models.UniqueConstraint(fields=["unit", "year", "month", "metric"], name="tally_once"),
        ]
        indexes = [
            models.Index(fields=["parent", "year"], name="tally_parent_year"),
            models.Index(fields=["year", "level", "unit"], name="tally_year_level"),
        ]

    def __str__(self):
        return f"{self.unit} {self.year}-{self.month:02d} {self.metric}={self.value}"
