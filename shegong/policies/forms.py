"""Forms of the policy pages: one field per parameter, so a new version is written in one go."""

from django import forms
from django.utils.translation import gettext_lazy as _

from .parameters import PARAMETERS
from .presets import PRESETS


def _field(parameter):
    label = f"{parameter.label}" + (f"（{parameter.unit}）" if parameter.unit else "")
    if parameter.kind == "int":
        return forms.IntegerField(label=label, min_value=0, required=False)
    if parameter.kind == "decimal":
        return forms.DecimalField(label=label, min_value=0, required=False)
    if parameter.kind == "rate":
        return forms.DecimalField(label=label, min_value=0, max_value=1, required=False, help_text=_("A share from 0 to 1, e.g. 0.2 for 20 %."))
    if parameter.kind == "bool":
        return forms.TypedChoiceField(
            label=label, required=False, choices=[("", _("Not set")), ("true", _("Yes")), ("false", _("No"))],
            coerce=lambda v: v == "true", empty_value=None,
        )
    return forms.ChoiceField(label=label, required=False, choices=[("", _("Not set")), *[(c, c) for c in parameter.choices]])


class VersionForm(forms.Form):
    """A new version: when it takes effect, and every value (blank = inherited from above)."""

    valid_from = forms.DateField(label=_("In force from"), widget=forms.DateInput(attrs={"type": "date"}))
    note = forms.CharField(label=_("Note"), max_length=300, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for key, parameter in PARAMETERS.items():
            self.fields[key] = _field(parameter)

    def values(self) -> dict:
        return {k: v for k, v in self.cleaned_data.items() if k in PARAMETERS and v not in (None, "")}


class PresetForm(forms.Form):
    preset = forms.ChoiceField(label=_("Preset"), choices=[(k, v["label"]) for k, v in PRESETS.items()])
    valid_from = forms.DateField(label=_("In force from"), widget=forms.DateInput(attrs={"type": "date"}))
