"""Forms of the operator and station pages; choices come from what the acting user may reach."""

from django import forms
from django.utils.translation import gettext_lazy as _

from shegong.accounts.forms import RegionChoiceField
from shegong.core.scoping import CHANGE, regions_within_reach
from shegong.regions.models import Level, Region

from .models import Disclosure, EightHaves, Evidence, Operator, Station


def places_for(actor, levels):
    """Regions at ``levels`` inside the places where ``actor`` may register stations."""
    return regions_within_reach(actor, Station.scope.roles_for(CHANGE)).filter(level__in=levels)


class OperatorForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    credit_code = forms.CharField(label=_("Unified social credit code"), max_length=30)
    region = RegionChoiceField(label=_("Registered in"), queryset=Region.objects.none(), empty_label=_("Choose a region"))
    legal_representative = forms.CharField(label=_("Legal representative"), max_length=50, required=False)
    registration_authority = forms.CharField(label=_("Registration authority"), max_length=100, required=False)
    registered_on = forms.DateField(label=_("Registered on"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    qualifications = forms.CharField(label=_("Qualifications"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    address = forms.CharField(label=_("Address"), max_length=200, required=False)
    phone = forms.CharField(label=_("Phone"), max_length=30, required=False)

    def __init__(self, *args, actor, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].queryset = places_for(actor, [Level.PROVINCE, Level.CITY, Level.COUNTY, Level.TOWNSHIP])


class DisclosureForm(forms.ModelForm):
    class Meta:
        model = Disclosure
        fields = ["kind", "title", "year", "published_on", "file", "note"]
        widgets = {"published_on": forms.DateInput(attrs={"type": "date"}), "note": forms.Textarea(attrs={"rows": 2})}


class StationForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    kind = forms.ChoiceField(label=_("Kind"), choices=Station.Kind.choices)
    region = RegionChoiceField(label=_("Place"), queryset=Region.objects.none(), empty_label=_("Choose a region"))
    operator = forms.ModelChoiceField(label=_("Operator"), queryset=Operator.objects.none(), required=False, empty_label=_("None"))
    status = forms.ChoiceField(label=_("Status"), choices=Station.Status.choices)
    address = forms.CharField(label=_("Address"), max_length=200, required=False)
    venue_area = forms.DecimalField(label=_("Venue area (m²)"), min_value=0, max_digits=8, decimal_places=1, required=False)
    township_population = forms.IntegerField(label=_("Residents of the township"), min_value=0, required=False)
    rooms = forms.CharField(label=_("Rooms"), required=False, help_text=_("One per line, e.g. 个案工作室"), widget=forms.Textarea(attrs={"rows": 3}))
    equipment = forms.CharField(label=_("Equipment"), required=False, help_text=_("One per line, e.g. 电脑 2 台"), widget=forms.Textarea(attrs={"rows": 3}))
    registration_number = forms.CharField(label=_("Registration number on 中国社会工作网"), max_length=50, required=False)
    registered_on = forms.DateField(label=_("Registered on 中国社会工作网"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    opened_on = forms.DateField(label=_("Opened on"), required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, actor, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].queryset = places_for(actor, [Level.COUNTY, Level.TOWNSHIP, Level.VILLAGE])
        self.fields["operator"].queryset = Operator.objects.visible_to(actor)

    def clean_rooms(self):
        return [line.strip() for line in self.cleaned_data["rooms"].splitlines() if line.strip()]

    def clean_equipment(self):
        return [line.strip() for line in self.cleaned_data["equipment"].splitlines() if line.strip()]


class EvidenceForm(forms.Form):
    item = forms.ChoiceField(label=_("Item"), choices=EightHaves.choices)
    kind = forms.ChoiceField(label=_("Kind"), choices=Evidence.Kind.choices)
    file = forms.FileField(label=_("File or photo"), required=False)
    note = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
