"""Government purchase contracts (购买服务合同): parties, stations covered, period, money, KPI targets."""

from datetime import date

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from shegong.core.scoping import ScopedManager, ScopeRule
from shegong.policies.parameters import PARAMETERS

# The policy parameters a contract copies as its KPI targets (editable per contract).
KPI_KEYS = (
    "cases_per_year_county",
    "groups_per_year",
    "activities_per_year",
    "publicity_per_year",
    "visit_rate_new",
    "visit_rate_others",
    "training_hours_per_year",
    "supervision_hours_per_year",
    "staff_min_per_station",
)

CYCLE_YEARS = 3  # a purchase cycle is three years; each contract covers one year of it (seed 001)


def add_years(day: date, years: int) -> date:
    """``day`` moved by whole years (29 February becomes 28 February)."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


class Contract(models.Model):
    """One year of a bureau's purchase of social work from an operator, for some stations."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        ACTIVE = "active", _("In force")
        ENDED = "ended", _("Ended")
        TERMINATED = "terminated", _("Terminated")

    class Renewal(models.TextChoices):
        PENDING = "pending", _("Not decided")
        RENEW = "renew", _("Renew")
        NOT_RENEW = "not_renew", _("Do not renew")

    number = models.CharField(_("contract number"), max_length=60, unique=True)
    purchaser_region = models.ForeignKey(
        "regions.Region", verbose_name=_("purchaser's region"), on_delete=models.PROTECT, related_name="+",
        db_column="purchaser_region_code",
    )
    purchaser_name = models.CharField(_("purchaser"), max_length=200)
    operator = models.ForeignKey(
        "stations.Operator", verbose_name=_("operator"), on_delete=models.PROTECT, related_name="contracts"
    )
    stations = models.ManyToManyField(
        "stations.Station", verbose_name=_("stations covered"), through="ContractStation", related_name="contracts"
    )
    cycle_start = models.DateField(_("start of the three-year cycle"))
    period_start = models.DateField(_("period from"))
    period_end = models.DateField(_("period to"))
    signed_on = models.DateField(_("signed on"))
    amount = models.DecimalField(_("amount (yuan)"), max_digits=14, decimal_places=2)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.DRAFT)
    renewal = models.CharField(_("renewal decision"), max_length=20, choices=Renewal.choices, default=Renewal.PENDING)
    renewal_decided_on = models.DateField(_("renewal decided on"), null=True, blank=True)
    renewal_reason = models.TextField(_("reason for the renewal decision"), blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    objects = ScopedManager()
    # Bureau and administrators of the purchaser's region; an operator manager sees its own contracts.
    scope = ScopeRule(
        region="purchaser_region__code",
        operator="operator_id",
        roles={"view": {"bureau", "admin", "operator_manager"}, "change": {"bureau", "admin"}},
    )

    class Meta:
        verbose_name = _("contract")
        verbose_name_plural = _("contracts")
        ordering = ["-period_start", "number"]
        indexes = [models.Index(fields=["purchaser_region", "status"], name="contract_region_status")]

    def __str__(self):
        return self.number

    def audit_region_code(self) -> str:
        return self.purchaser_region_id or ""

    @property
    def cycle_end(self) -> date | None:
        """The last day of the three-year cycle."""
        if self.cycle_start is None:
            return None
        return date.fromordinal(add_years(self.cycle_start, CYCLE_YEARS).toordinal() - 1)

    def clean(self):
        errors = {}
        if self.period_start and self.period_end:
            if self.period_end < self.period_start:
                errors["period_end"] = _("The period ends before it starts.")
            elif self.period_end >= add_years(self.period_start, 1):
                errors["period_end"] = _("A contract period is at most one year.")
        if self.cycle_start and self.period_start and self.period_end and "period_end" not in errors:
            if self.period_start < self.cycle_start or self.period_end > self.cycle_end:
                errors["period_start"] = _("The period must lie within the three-year cycle (%(start)s to %(end)s).") % {
                    "start": self.cycle_start.isoformat(), "end": self.cycle_end.isoformat()
                }
        if self.amount is not None and self.amount <= 0:
            errors["amount"] = _("The amount must be more than zero.")
        if self.renewal == self.Renewal.NOT_RENEW and not self.renewal_reason.strip():
            errors["renewal_reason"] = _("Give the reason for not renewing.")
        if errors:
            raise ValidationError(errors)


class ContractStation(models.Model):
    """A station a contract covers."""

    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="coverage")
    station = models.ForeignKey("stations.Station", on_delete=models.PROTECT, related_name="+")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["contract", "station"], name="contract_station_once")]

    def __str__(self):
        return f"{self.contract} · {self.station}"


class PaymentInstalment(models.Model):
    """One instalment of the payment schedule (usually every half-year)."""

    contract = models.ForeignKey(Contract, verbose_name=_("contract"), on_delete=models.CASCADE, related_name="instalments")
    due_on = models.DateField(_("due on"))
    amount = models.DecimalField(_("planned amount (yuan)"), max_digits=14, decimal_places=2)

    class Meta:
        verbose_name = _("payment instalment")
        verbose_name_plural = _("payment instalments")
        ordering = ["contract_id", "due_on"]

    def __str__(self):
        return f"{self.contract} · {self.due_on}"

    def clean(self):
        if self.amount is not None and self.amount <= 0:
            raise ValidationError({"amount": _("The amount must be more than zero.")})


class Payment(models.Model):
    """Money actually paid to the operator under a contract."""

    contract = models.ForeignKey(Contract, verbose_name=_("contract"), on_delete=models.CASCADE, related_name="payments")
    paid_on = models.DateField(_("paid on"))
    amount = models.DecimalField(_("amount (yuan)"), max_digits=14, decimal_places=2)
    note = models.CharField(_("note"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("recorded"), auto_now_add=True)

    class Meta:
        verbose_name = _("payment")
        verbose_name_plural = _("payments")
        ordering = ["contract_id", "paid_on"]

    def __str__(self):
        return f"{self.contract} · {self.paid_on} · {self.amount}"

    def clean(self):
        if self.amount is not None and self.amount <= 0:
            raise ValidationError({"amount": _("The amount must be more than zero.")})


class KpiTarget(models.Model):
    """One KPI target of a contract: copied from the policy profile on signing, editable after."""

    contract = models.ForeignKey(Contract, verbose_name=_("contract"), on_delete=models.CASCADE, related_name="kpi_targets")
    key = models.CharField(
        _("indicator"), max_length=50, choices=[(k, PARAMETERS[k].label) for k in KPI_KEYS]
    )
    value = models.CharField(_("target"), max_length=30)
    defaulted_from = models.CharField(_("copied from"), max_length=200, blank=True)
    policy_version_id = models.PositiveIntegerField(_("policy version"), null=True, blank=True)
    edited = models.BooleanField(_("changed for this contract"), default=False)

    class Meta:
        verbose_name = _("KPI target")
        verbose_name_plural = _("KPI targets")
        ordering = ["contract_id", "id"]
        constraints = [models.UniqueConstraint(fields=["contract", "key"], name="kpi_target_once")]

    def __str__(self):
        return f"{self.get_key_display()}: {self.value}"

    @property
    def parameter(self):
        return PARAMETERS[self.key]
