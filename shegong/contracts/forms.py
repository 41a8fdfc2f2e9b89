"""Forms of the contract pages. Choices always come from what the acting user may reach."""

from django import forms
from django.utils.translation import gettext_lazy as _

from shegong.accounts.forms import RegionChoiceField
from shegong.core.scoping import CHANGE, regions_within_reach
from shegong.policies.parameters import PARAMETERS
from shegong.regions.models import Region
from shegong.stations.models import Operator, Station

from .models import KPI_KEYS, Contract

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def purchaser_regions(actor):
    """Places (province, city or county) where ``actor`` may sign contracts."""
    return regions_within_reach(actor, Contract.scope.roles_for(CHANGE)).filter(level__lte=3).order_by("code")


class ContractCreateForm(forms.Form):
    number = forms.CharField(label=_("Contract number"), max_length=60)
    purchaser_region = RegionChoiceField(
        label=_("Purchaser's region"), queryset=Region.objects.none(), empty_label=_("Choose a region")
    )
    purchaser_name = forms.CharField(label=_("Purchaser"), max_length=200, help_text=_("For example: 海城市民政局"))
    operator = forms.ModelChoiceField(label=_("Operator"), queryset=Operator.objects.none(), empty_label=_("Choose an operator"))
    stations = forms.ModelMultipleChoiceField(
        label=_("Stations covered"), queryset=Station.objects.none(), widget=forms.CheckboxSelectMultiple
    )
    cycle_start = forms.DateField(label=_("Start of the three-year cycle"), widget=DATE)
    period_start = forms.DateField(label=_("Period from"), widget=DATE)
    period_end = forms.DateField(label=_("Period to"), widget=DATE)
    signed_on = forms.DateField(label=_("Signed on"), widget=DATE)
    amount = forms.DecimalField(label=_("Amount (yuan)"), max_digits=14, decimal_places=2, min_value=0)
    status = forms.ChoiceField(label=_("Status"), choices=Contract.Status.choices, initial=Contract.Status.ACTIVE)
    first_due_on = forms.DateField(label=_("First instalment due on"), widget=DATE, required=False)
    first_amount = forms.DecimalField(label=_("First instalment (yuan)"), max_digits=14, decimal_places=2, required=False)
    second_due_on = forms.DateField(label=_("Second instalment due on"), widget=DATE, required=False)
    second_amount = forms.DecimalField(label=_("Second instalment (yuan)"), max_digits=14, decimal_places=2, required=False)

    def __init__(self, *args, actor, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["purchaser_region"].queryset = purchaser_regions(actor)
        self.fields["operator"].queryset = Operator.objects.visible_to(actor)
        self.fields["stations"].queryset = Station.objects.visible_to(actor).filter(kind=Station.Kind.STATION)

    def instalments(self):
        data, pairs = self.cleaned_data, []
        for which in ("first", "second"):
            due, amount = data.get(f"{which}_due_on"), data.get(f"{which}_amount")
            if due and amount:
                pairs.append((due, amount))
        return pairs


class KpiTargetsForm(forms.Form):
    """One field per KPI target; blank leaves the target as it is."""

    def __init__(self, *args, targets=(), **kwargs):
        super().__init__(*args, **kwargs)
        current = {t.key: t.value for t in targets}
        for key in KPI_KEYS:
            parameter = PARAMETERS[key]
            self.fields[key] = forms.CharField(
                label=parameter.label, required=False, initial=current.get(key, ""),
                help_text=str(parameter.unit) if parameter.unit else (_("a share from 0 to 1") if parameter.kind == "rate" else ""),
            )


class InstalmentForm(forms.Form):
    due_on = forms.DateField(label=_("Due on"), widget=DATE)
    amount = forms.DecimalField(label=_("Planned amount (yuan)"), max_digits=14, decimal_places=2)


class PaymentForm(forms.Form):
    paid_on = forms.DateField(label=_("Paid on"), widget=DATE)
    amount = forms.DecimalField(label=_("Amount (yuan)"), max_digits=14, decimal_places=2)
    note = forms.CharField(label=_("Note"), max_length=200, required=False)


class RenewalForm(forms.Form):
    decision = forms.ChoiceField(label=_("Renewal decision"), choices=Contract.Renewal.choices)
    decided_on = forms.DateField(label=_("Decided on"), widget=DATE)
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 3}), required=False)
