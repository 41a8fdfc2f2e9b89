"""Forms of the visit pages: the phone-first visit form (pills and chips, little typing), its
edit form (versioned), the list filters and the plan assignment."""

from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from shegong.core.concurrency import VersionedFormMixin
from shegong.regions.fields import RegionCodeField

from . import catalogue
from .models import Condition, FollowUp, PlanReason, Risk, VisitOutcome
from .services_visits import visiting_workers


class MultipleFileInput(forms.FileInput):
    allow_multiple_selected = True


class PhotosField(forms.FileField):
    """Several photos from the camera or the gallery (checked by content when stored)."""

    widget = MultipleFileInput

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)
        self.widget.attrs.update({"accept": "image/*", "capture": "environment"})

    def clean(self, data, initial=None):
        if isinstance(data, list | tuple):
            return [super(PhotosField, self).clean(d, initial) for d in data if d]
        cleaned = super().clean(data, initial)
        return [cleaned] if cleaned else []


class WorkerChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return obj.name or obj.username


class VisitForm(forms.Form):
    """What a worker records at the door. ``region_code`` decides the worker and service choices."""

    client_uuid = forms.UUIDField(required=False, widget=forms.HiddenInput)
    visited_on = forms.DateField(label=_("Date of the visit"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    workers = WorkerChoiceField(
        label=_("Who went"), queryset=None, widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Name at least one social worker who went.")},
    )
    outcome = forms.ChoiceField(label=_("At the door"), choices=VisitOutcome.choices, widget=forms.RadioSelect)
    living_conditions = forms.ChoiceField(label=_("Living conditions"), choices=Condition.choices, initial=Condition.UNKNOWN, widget=forms.RadioSelect, required=False)
    health = forms.ChoiceField(label=_("Health"), choices=Condition.choices, initial=Condition.UNKNOWN, widget=forms.RadioSelect, required=False)
    income = forms.ChoiceField(label=_("Income"), choices=Condition.choices, initial=Condition.UNKNOWN, widget=forms.RadioSelect, required=False)
    safety = forms.ChoiceField(label=_("Safety"), choices=Condition.choices, initial=Condition.UNKNOWN, widget=forms.RadioSelect, required=False)
    risks = forms.MultipleChoiceField(label=_("Risks found"), choices=Risk.choices, widget=forms.CheckboxSelectMultiple, required=False)
    follow_ups = forms.MultipleChoiceField(label=_("What follows"), choices=FollowUp.choices, widget=forms.CheckboxSelectMultiple, required=False)
    items = forms.TypedMultipleChoiceField(label=_("Services given"), coerce=int, choices=(), widget=forms.CheckboxSelectMultiple, required=False)
    findings = forms.CharField(label=_("What you saw"), widget=forms.Textarea(attrs={"rows": 3}), required=False)
    needs_found = forms.CharField(label=_("Needs found"), widget=forms.Textarea(attrs={"rows": 2}), required=False)
    follow_up_note = forms.CharField(label=_("Follow-up note"), max_length=300, required=False)
    photos = PhotosField(label=_("Photos"))

    CONDITION_FIELDS = ("living_conditions", "health", "income", "safety")
    CHIP_FIELDS = ("risks", "follow_ups")

    def __init__(self, *args, region_code: str, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.region_code = region_code
        self.fields["workers"].queryset = visiting_workers(region_code)
        self.item_groups = catalogue.grouped_choices(region_code)
        self.fields["items"].choices = self.item_groups
        if not self.is_bound:
            self.initial.setdefault("visited_on", timezone.localdate())
            if user is not None and self.fields["workers"].queryset.filter(pk=user.pk).exists():
                self.initial.setdefault("workers", [user.pk])

    def clean(self):
        data = super().clean()
        for name in self.CONDITION_FIELDS:
            data[name] = data.get(name) or Condition.UNKNOWN
        return data

    def service_fields(self) -> dict:
        """The cleaned data as the visit services take them."""
        data = dict(self.cleaned_data)
        data.pop("version", None)
        return data

    def conditions(self):
        return [self[name] for name in self.CONDITION_FIELDS]

    def chips(self):
        return [self[name] for name in self.CHIP_FIELDS]

    def selected_items(self) -> set[int]:
        if self.is_bound:
            try:
                return {int(v) for v in self.data.getlist("items")}
            except (AttributeError, ValueError):
                return set()
        return {int(v) for v in self.initial.get("items", ())}


class VisitEditForm(VersionedFormMixin, VisitForm):
    """The same form for an existing visit; carries the version it was read at."""

    def __init__(self, *args, instance, **kwargs):
        self.instance = instance
        if not args or args[0] is None:
            kwargs.setdefault("initial", {
                "visited_on": instance.visited_on, "workers": [w.pk for w in instance.workers.all()],
                "outcome": instance.outcome, "living_conditions": instance.living_conditions, "health": instance.health,
                "income": instance.income, "safety": instance.safety, "risks": instance.risks,
                "follow_ups": instance.follow_ups, "items": [i.pk for i in instance.items.all()],
                "findings": instance.findings, "needs_found": instance.needs_found, "follow_up_note": instance.follow_up_note,
            })
        super().__init__(*args, region_code=instance.region_id, **kwargs)
        del self.fields["client_uuid"]

    def service_fields(self) -> dict:
        data = dict(self.cleaned_data)
        data.pop("version", None)
        return data


def _set_choices(form, name, rows, first, pair):
    """Fill a filter's choices; ``rows`` None (too many to list) leaves the filter out."""
    if rows is None:
        del form.fields[name]
    else:
        form.fields[name].choices = first + [pair(row) for row in rows]


class VisitFilterForm(forms.Form):
    """Filters of the visit list."""

    date_from = forms.DateField(label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    date_to = forms.DateField(label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    worker = forms.TypedChoiceField(label=_("Social worker"), coerce=int, required=False, empty_value=None)
    outcome = forms.ChoiceField(label=_("At the door"), required=False, choices=[("", _("All"))] + list(VisitOutcome.choices))
    village = forms.ChoiceField(label=_("Village or community"), required=False)
    region = RegionCodeField()  # the dashboards' drill-down: a place and everything under it

    def __init__(self, *args, workers=(), villages=(), **kwargs):
        super().__init__(*args, **kwargs)
        _set_choices(self, "worker", workers, [("", _("All"))], lambda w: (w.pk, w.name or w.username))
        _set_choices(self, "village", villages, [("", _("All"))], lambda v: (v.code, v.name))


class PlanFilterForm(forms.Form):
    """Filters of the plan list."""

    WHEN = [("", _("All open")), ("overdue", _("Overdue")), ("week", _("Due in the next 7 days"))]
    when = forms.ChoiceField(label=_("Due"), required=False, choices=WHEN)
    worker = forms.CharField(label=_("Assigned to"), required=False, widget=forms.Select)
    reason = forms.ChoiceField(label=_("Reason"), required=False, choices=[("", _("All"))] + list(PlanReason.choices))
    village = forms.ChoiceField(label=_("Village or community"), required=False)

    def __init__(self, *args, workers=(), villages=(), **kwargs):
        super().__init__(*args, **kwargs)
        if workers is None:
            del self.fields["worker"]
        else:
            choices = [("", _("Anyone")), ("none", _("Not assigned"))] + [(str(w.pk), w.name or w.username) for w in workers]
            self.fields["worker"].widget.choices = choices
        _set_choices(self, "village", villages, [("", _("All"))], lambda v: (v.code, v.name))


class PlanAssignForm(forms.Form):
    """A station lead gives a planned visit to a worker."""

    assigned_to = forms.ModelChoiceField(label=_("Assign to"), queryset=None, required=False, empty_label=_("Not assigned"))

    def __init__(self, *args, region_code: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assigned_to"].queryset = visiting_workers(region_code)
        self.fields["assigned_to"].label_from_instance = lambda u: u.name or u.username
