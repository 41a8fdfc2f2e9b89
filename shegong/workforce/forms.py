"""Forms of the workforce pages. Choices always come from what the acting user may reach."""

from django import forms
from django.utils.translation import gettext_lazy as _

from shegong.core.scoping import CHANGE, regions_within_reach
from shegong.stations.models import Operator

from .models import LocalAverageWage, Session, SocialWorker, Volunteer
from .selectors import stations_for_volunteers, stations_for_workers

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class WorkerForm(forms.ModelForm):
    class Meta:
        model = SocialWorker
        fields = [
            "name", "sex", "birth_date", "phone", "education", "major", "is_social_work_major",
            "certificate_level", "certificate_number", "certificate_date", "took_post_on",
            "has_labour_contract", "contract_start", "contract_end", "has_social_insurance", "monthly_salary",
        ]
        widgets = {f: DATE for f in ("birth_date", "certificate_date", "took_post_on", "contract_start", "contract_end")}


class WorkerCreateForm(WorkerForm):
    station = forms.ModelChoiceField(label=_("Station"), queryset=None, empty_label=_("Choose a station"))

    def __init__(self, *args, actor, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["station"].queryset = stations_for_workers(actor)


class AssignForm(forms.Form):
    station = forms.ModelChoiceField(label=_("New station"), queryset=None, empty_label=_("Choose a station"))
    start = forms.DateField(label=_("From"), widget=DATE)

    def __init__(self, *args, actor, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["station"].queryset = stations_for_workers(actor)


def session_regions(actor):
    """Places where ``actor`` may record sessions: its own places and the townships below them."""
    return _regions_to_change(actor, Session.scope)


def wage_regions(actor):
    """Places whose average wage ``actor`` may set: its own places and the townships below them."""
    return _regions_to_change(actor, LocalAverageWage.scope)


def _regions_to_change(actor, rule):
    return regions_within_reach(actor, rule.roles_for(CHANGE)).filter(level__lte=4).order_by("code")


class SessionForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=Session.Kind.choices)
    date = forms.DateField(label=_("Date"), widget=DATE)
    hours = forms.DecimalField(label=_("Hours"), min_value=0, max_digits=5, decimal_places=1)
    provider = forms.CharField(label=_("Provider"), max_length=200)
    topic = forms.CharField(label=_("Topic"), max_length=200)
    region = forms.ModelChoiceField(label=_("Held for"), queryset=None, empty_label=_("Choose a region"))
    operator = forms.ModelChoiceField(label=_("Organised by"), queryset=None, required=False, empty_label=_("None"))
    attendees = forms.ModelMultipleChoiceField(
        label=_("Attendees"), queryset=None, widget=forms.CheckboxSelectMultiple, required=False
    )

    def __init__(self, *args, actor, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].queryset = session_regions(actor)
        self.fields["operator"].queryset = Operator.objects.visible_to(actor)
        self.fields["attendees"].queryset = SocialWorker.objects.visible_to(actor).order_by("name")


class ImportForm(forms.Form):
    file = forms.FileField(label=_("Excel file (.xlsx)"))


class VolunteerForm(forms.ModelForm):
    class Meta:
        model = Volunteer
        fields = ["station", "name", "phone", "joined_on"]
        widgets = {"joined_on": DATE}

    def __init__(self, *args, actor, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["station"].queryset = stations_for_volunteers(actor)
        self.fields["station"].empty_label = _("Choose a station")


class VolunteerHoursForm(forms.Form):
    date = forms.DateField(label=_("Date"), widget=DATE)
    hours = forms.DecimalField(label=_("Hours"), min_value=0, max_digits=5, decimal_places=1)
    activity = forms.CharField(label=_("Activity"), max_length=200, required=False)


class WageForm(forms.Form):
    region = forms.ModelChoiceField(label=_("Place"), queryset=None, empty_label=_("Choose a region"))
    year = forms.IntegerField(label=_("Year"), min_value=1900, max_value=2999)
    monthly_amount = forms.DecimalField(
        label=_("Average monthly wage (yuan)"), min_value=0, max_digits=9, decimal_places=2
    )
    source = forms.CharField(label=_("Source"), max_length=200, required=False)

    def __init__(self, *args, actor, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].queryset = wage_regions(actor)
