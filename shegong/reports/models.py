"""Periodic reports (报告): an operator's monthly report to the county bureau, a county's quarterly
report to the city, half-year and annual reports likewise.

A report's figures are never typed: they are the KPI engine's scorecard of the place or of the
operator's contract, frozen as ``snapshot`` when the report is submitted (and taken again when a
returned report is submitted anew). Once approved, a report never changes — not its figures, not its
text, not its files (stored on approval). A correction is a new revision that ``supersedes`` it.

Who writes and who reviews (see :mod:`.rules`): an operator report is written by the operator's
manager and reviewed by the bureau of its place (the contract's purchaser, a county); a place report
is written by the bureau of the place and reviewed by the bureau of the place above (county → city).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q, Value
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from shegong.core.scoping import ScopedManager, ScopeRule
from shegong.monitoring.periods import Period

REPORT_ROLES = {
    # Township officers are named for reading: a report placed at or under their township reaches
    # them (reports of a county or a contract sit above a township, so today they see none).
    "view": {"bureau", "admin", "operator_manager", "township_officer"},
    "change": {"bureau", "operator_manager"},
}


class Kind(models.TextChoices):
    MONTHLY = "monthly", _("Monthly report")
    QUARTERLY = "quarterly", _("Quarterly report")
    HALF_YEAR = "half_year", _("Half-year report")
    ANNUAL = "annual", _("Annual report")


class Status(models.TextChoices):
    # With a context: "Submitted" elsewhere is a column of times (提交时间), here a state (已报送).
    DRAFT = "draft", pgettext_lazy("report status", "Draft")
    SUBMITTED = "submitted", pgettext_lazy("report status", "Submitted")
    RETURNED = "returned", pgettext_lazy("report status", "Returned for changes")
    APPROVED = "approved", pgettext_lazy("report status", "Approved")


# The narrative sections the writer adds, in the order of the documents (Chinese headings: the files
# go to Chinese officials).
SECTIONS = (
    ("summary", "工作概述"),
    ("highlights", "主要成效"),
    ("problems", "存在问题"),
    ("next_steps", "下阶段计划"),
)


def kind_of(period: Period) -> str | None:
    """The kind of report a period is the subject of (None for an irregular run of months)."""
    key = period.key
    if "-Q" in key:
        return Kind.QUARTERLY
    if "-H" in key:
        return Kind.HALF_YEAR
    if "-" not in key:
        return Kind.ANNUAL
    if ".." not in key:
        return Kind.MONTHLY
    return None


def report_file_path(instance, filename: str) -> str:
    return f"reports/{instance.period_start:%Y}/{instance.pk}-r{instance.revision}-{filename}"


class Report(models.Model):
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    region = models.ForeignKey(
        "regions.Region", verbose_name=_("place"), on_delete=models.PROTECT, related_name="+", db_column="region_code"
    )
    operator = models.ForeignKey(
        "stations.Operator", verbose_name=_("operator"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="reports",
    )
    contract = models.ForeignKey(
        "contracts.Contract", verbose_name=_("contract"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="reports",
    )
    period_key = models.CharField(_("period"), max_length=20)
    period_start = models.DateField(_("period from"))
    period_end = models.DateField(_("period to"))
    title = models.CharField(_("title"), max_length=200)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.DRAFT)
    revision = models.PositiveIntegerField(_("revision"), default=1)
    supersedes = models.OneToOneField(
        "self", verbose_name=_("corrects"), null=True, blank=True, on_delete=models.PROTECT, related_name="superseded_by"
    )
    snapshot = models.JSONField(_("figures"), default=dict, blank=True)
    snapshot_at = models.DateTimeField(_("figures taken"), null=True, blank=True)

    summary = models.TextField(_("summary of the work"), blank=True)
    highlights = models.TextField(_("main results"), blank=True)
    problems = models.TextField(_("problems"), blank=True)
    next_steps = models.TextField(_("plans for the next period"), blank=True)
    return_comment = models.TextField(_("reviewer's comment"), blank=True)

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("written by"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("changed"), auto_now=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("submitted by"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )
    submitted_at = models.DateTimeField(_("submitted"), null=True, blank=True)
    returned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("returned by"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )
    returned_at = models.DateTimeField(_("returned"), null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("approved by"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )
    approved_at = models.DateTimeField(_("approved"), null=True, blank=True)
    version = models.PositiveIntegerField(_("edit version"), default=1)

    # The files as approved: written once on approval, served as they are ever after.
    xlsx_file = models.FileField(_("Excel file"), upload_to=report_file_path, blank=True)
    docx_file = models.FileField(_("Word file"), upload_to=report_file_path, blank=True)
    pdf_file = models.FileField(_("PDF file"), upload_to=report_file_path, blank=True)

    objects = ScopedManager()
    scope = ScopeRule(region="region__code", operator="operator_id", roles=REPORT_ROLES)

    class Meta:
        verbose_name = _("report")
        verbose_name_plural = _("reports")
        ordering = ["-period_start", "region_id", "-revision", "-pk"]
        constraints = [
            # One report per kind, place, operator and period; corrections are its later revisions.
            models.UniqueConstraint(
                F("kind"), F("region"), Coalesce(F("operator"), Value(0)), F("period_key"), F("revision"),
                name="report_once_per_period",
            ),
            models.CheckConstraint(condition=Q(revision__gte=1), name="report_revision_positive"),
            models.CheckConstraint(
                condition=Q(operator__isnull=True, contract__isnull=True) | Q(operator__isnull=False, contract__isnull=False),
                name="report_operator_with_contract",
            ),
        ]
        indexes = [
            models.Index(fields=["region", "period_start"], name="report_region_period"),
            models.Index(fields=["status", "region"], name="report_status_region"),
        ]

    def __str__(self):
        return f"{self.title}" + (f"（第{self.revision}版）" if self.revision > 1 else "")

    def get_absolute_url(self):
        return reverse("reports:report_detail", args=[self.pk])

    def audit_region_code(self) -> str:
        return self.region_id or ""

    @property
    def period(self) -> Period:
        return Period(self.period_start, self.period_end)

    @property
    def is_operator_report(self) -> bool:
        return self.operator_id is not None

    @property
    def editable(self) -> bool:
        return self.status in (Status.DRAFT, Status.RETURNED)

    def narrative(self) -> list[tuple[str, str, str]]:
        """(field, Chinese heading, text) of each narrative section."""
        return [(name, heading, getattr(self, name)) for name, heading in SECTIONS]


class ReportEvent(models.Model):
    """One step of a report's history: read through its report (no place of its own)."""

    class Action(models.TextChoices):
        CREATED = "created", pgettext_lazy("report event", "Started")
        SUBMITTED = "submitted", pgettext_lazy("report event", "Submitted")
        RETURNED = "returned", pgettext_lazy("report event", "Returned for changes")
        APPROVED = "approved", pgettext_lazy("report event", "Approved")
        CORRECTED = "corrected", pgettext_lazy("report event", "Corrected by a new revision")

    report = models.ForeignKey(Report, verbose_name=_("report"), on_delete=models.CASCADE, related_name="events")
    action = models.CharField(_("action"), max_length=20, choices=Action.choices)
    comment = models.TextField(_("comment"), blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("by"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_name = models.CharField(_("by"), max_length=150, blank=True)
    at = models.DateTimeField(_("time"), auto_now_add=True)

    class Meta:
        verbose_name = _("report event")
        verbose_name_plural = _("report events")
        ordering = ["at", "pk"]

    def __str__(self):
        return f"{self.report_id} {self.action} {self.at:%Y-%m-%d %H:%M}"
