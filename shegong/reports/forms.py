"""Forms of the report pages. Choices come from what the acting user may reach and write."""

from __future__ import annotations

from datetime import date

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from shegong.accounts.forms import RegionChoiceField
from shegong.contracts.models import Contract
from shegong.core.concurrency import VersionedFormMixin, VersionField
from shegong.core.scoping import assignments_of
from shegong.monitoring.periods import Period
from shegong.regions.models import Region

from .models import Kind, Report, kind_of
from .rules import place_report_regions


def _shift_month(year: int, month: int, by: int) -> tuple[int, int]:
    index = year * 12 + month - 1 + by
    return index // 12, index % 12 + 1


def recent_periods(today: date) -> dict[str, list[Period]]:
    """The periods a report is usually written for, newest first: this and the last 12 months,
    this and the last 5 quarters, this and the last 3 half-years, this and the last 2 years."""
    months = [Period.month(*_shift_month(today.year, today.month, -i)) for i in range(13)]
    quarter = (today.month - 1) // 3 + 1
    quarters = []
    y, q = today.year, quarter
    for _i in range(6):
        quarters.append(Period.quarter(y, q))
        y, q = (y - 1, 4) if q == 1 else (y, q - 1)
    halves = []
    y, h = today.year, 1 if today.month <= 6 else 2
    for _i in range(4):
        halves.append(Period.half(y, h))
        y, h = (y - 1, 2) if h == 1 else (y, 1)
    years = [Period.year(today.year - i) for i in range(3)]
    return {Kind.MONTHLY: months, Kind.QUARTERLY: quarters, Kind.HALF_YEAR: halves, Kind.ANNUAL: years}


def contracts_to_report(actor):
    """Contracts in force or ended whose reports ``actor`` writes (an operator manager's own)."""
    operators = {a.operator_id for a in assignments_of(actor) if a.role == "operator_manager" and a.operator_id}
    return (
        Contract.objects.visible_to(actor).filter(operator_id__in=operators)
        .exclude(status=Contract.Status.DRAFT).select_related("operator", "purchaser_region").order_by("-period_start", "number")
    )


class ReportCreateForm(forms.Form):
    period = forms.ChoiceField(label=pgettext_lazy("reporting", "Period"), help_text=_("The kind of report follows from the period: a month, a quarter, a half-year or a year."))
    contract = forms.ModelChoiceField(label=_("Contract"), queryset=Contract.objects.none(), required=False,
                                      empty_label=_("Choose a contract"),
                                      help_text=_("The operator's report covers the stations of this contract."))
    region = RegionChoiceField(label=_("Place"), queryset=Region.objects.none(), required=False,
                               empty_label=_("Choose a place"),
                               help_text=_("The county's (or city's) own report to the office above."))

    def __init__(self, *args, actor, today: date, **kwargs):
        super().__init__(*args, **kwargs)
        periods = recent_periods(today)
        self.fields["period"].choices = [
            (str(label), [(p.key, p.label) for p in periods[kind]]) for kind, label in Kind.choices
        ]
        contracts = contracts_to_report(actor)
        regions = Region.objects.filter(code__in=place_report_regions(actor)).order_by("code")
        self.fields["contract"].queryset = contracts
        self.fields["contract"].label_from_instance = lambda c: f"{c.number} · {c.operator.name}"
        self.fields["region"].queryset = regions
        some_contracts, some_places = list(contracts[:2]), list(regions[:2])
        self.has_contracts, self.has_places = bool(some_contracts), bool(some_places)
        if not self.has_contracts:
            del self.fields["contract"]
        if not self.has_places:
            del self.fields["region"]
        if self.has_contracts != self.has_places:  # one kind of report: its field is required
            self.fields["contract" if self.has_contracts else "region"].required = True
        # The usual report: last month's for an operator, last quarter's for a county.
        default = periods[Kind.MONTHLY][1] if self.has_contracts else periods[Kind.QUARTERLY][1]
        self.fields["period"].initial = default.key
        if len(some_contracts) == 1:
            self.fields["contract"].initial = some_contracts[0].pk
        if len(some_places) == 1:
            self.fields["region"].initial = some_places[0].code

    @property
    def usable(self) -> bool:
        return self.has_contracts or self.has_places

    def clean_period(self):
        period = Period.parse(self.cleaned_data["period"])
        if kind_of(period) is None:
            raise forms.ValidationError(_("Reports cover a month, a quarter, a half-year or a year."))
        return period

    def clean(self):
        data = super().clean()
        contract, region = data.get("contract"), data.get("region")
        if self.errors:
            return data
        if contract and region:
            raise forms.ValidationError(_("Choose a contract (the operator's report) or a place (the office's own report), not both."))
        if not contract and not region:
            field = "contract" if self.has_contracts else "region"
            self.add_error(field, _("This field is required."))
        return data


TEXT = forms.Textarea(attrs={"rows": 6})


class NarrativeForm(VersionedFormMixin, forms.ModelForm):
    class Meta:
        model = Report
        fields = ["summary", "highlights", "problems", "next_steps"]
        labels = {
            "summary": _("Summary of the work"),
            "highlights": _("Main results"),
            "problems": _("Problems"),
            "next_steps": _("Plans for the next period"),
        }
        help_texts = {"summary": _("Required before submitting. The figures are added by the system.")}
        widgets = {name: TEXT for name in fields}


class VersionForm(forms.Form):
    """The version the page was read at: a step taken on a page grown stale is refused."""

    version = VersionField()


class ReturnForm(VersionForm):
    comment = forms.CharField(label=_("What should be changed"), widget=forms.Textarea(attrs={"rows": 4}), max_length=20000)


class ApproveForm(VersionForm):
    comment = forms.CharField(label=_("Comment (optional)"), widget=forms.Textarea(attrs={"rows": 2}), required=False,
                              max_length=20000)


class CorrectForm(forms.Form):
    reason = forms.CharField(label=_("Why is it corrected"), widget=forms.Textarea(attrs={"rows": 3}), max_length=20000)
