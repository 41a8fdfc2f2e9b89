"""Forms of the case pages. Choices come from what the acting user may reach; the case services
check everything again and have the last word. Phone first: choices as large radio pills, dates
as date pickers, little typing."""

from __future__ import annotations

from django import forms
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from shegong.core.concurrency import VersionedFormMixin
from shegong.regions.fields import RegionCodeField

from . import services_cases as svc
from .catalogue import grouped_choices, items_for
from .models import Case, CaseSource, CaseStage, ClosureReason, ContactKind

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
PILLS = {"class": "case-pills"}


def _text(label, rows=4, required=True, help_text=""):
    return forms.CharField(label=label, required=required, help_text=help_text,
                           widget=forms.Textarea(attrs={"rows": rows}))


class PersonChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return str(obj)


class ItemsField(forms.ModelMultipleChoiceField):
    """Catalogue items of the place, grouped by domain (checkboxes)."""

    def __init__(self, region_code: str, **kwargs):
        super().__init__(queryset=items_for(region_code), required=False, widget=forms.CheckboxSelectMultiple,
                         label=kwargs.pop("label", _("Services (服务清单)")), **kwargs)
        self.choices = grouped_choices(region_code)
        if not self.choices:
            self.help_text = _("No service catalogue is set for this place: ask the bureau to set one.")


# --- Lists ---------------------------------------------------------------------------------


class CaseFilterForm(forms.Form):
    stage = forms.ChoiceField(label=_("Stage"), required=False, choices=[("", _("Any stage")), ("open", _("Open cases")), *CaseStage.choices])
    worker = PersonChoiceField(label=_("Social worker"), required=False, queryset=None, empty_label=_("Anyone"))
    supervisor = PersonChoiceField(label=_("Supervisor"), required=False, queryset=None, empty_label=_("Anyone"))
    q = forms.CharField(label=_("Name or case number"), required=False, max_length=50)
    awaiting = forms.BooleanField(label=_("Awaiting my approval (待我审批)"), required=False)
    # The dashboards' drill-down (?region=…&date_from=…&date_to=…): cases opened there and then.
    region = RegionCodeField()
    date_from = forms.DateField(label=_("Opened from"), required=False, widget=DATE)
    date_to = forms.DateField(label=_("Opened to"), required=False, widget=DATE)

    def __init__(self, *args, cases, **kwargs):
        super().__init__(*args, **kwargs)
        from shegong.accounts.models import User

        self.fields["worker"].queryset = User.objects.filter(pk__in=cases.values("worker_id")).order_by("name", "username")
        self.fields["supervisor"].queryset = User.objects.filter(pk__in=cases.values("supervisor_id")).order_by("name", "username")


# --- Opening and editing -------------------------------------------------------------------


class CaseCreateForm(forms.Form):
    source = forms.ChoiceField(label=pgettext_lazy("case", "Source"), choices=CaseSource.choices, widget=forms.RadioSelect(attrs=PILLS))
    source_detail = forms.CharField(label=_("Referred by"), max_length=200, required=False,
                                    help_text=_("For a referral: the agency or person who referred."))
    problem = _text(_("Presenting problem"), rows=5)
    worker = PersonChoiceField(label=_("Social worker"), queryset=None, required=False, empty_label=_("Choose a social worker"))
    supervisor = PersonChoiceField(label=_("Supervisor"), queryset=None, required=False, empty_label=_("No supervisor yet"),
                                   help_text=_("Plans and closures are approved by this supervisor."))
    opened_on = forms.DateField(label=pgettext_lazy("case", "Opened on"), widget=DATE)

    def __init__(self, *args, recipient, user, **kwargs):
        super().__init__(*args, **kwargs)
        region = recipient.region_id
        self.fields["worker"].queryset = svc.workers_for(region)
        self.fields["supervisor"].queryset = svc.supervisors_for(region)
        self.fields["items"] = ItemsField(region)
        self.fields["opened_on"].initial = timezone.localdate()
        if svc.holds_role_over(user, {svc.WORKER_ROLE}, region):
            self.fields["worker"].initial = user.pk


class CaseEditForm(VersionedFormMixin, forms.ModelForm):
    """The case's texts; a stale version is refused and nothing is overwritten."""

    class Meta:
        model = Case
        fields = ["problem", "source_detail", "assessment", "review_summary", "closure_summary"]
        widgets = {name: forms.Textarea(attrs={"rows": 4}) for name in ("problem", "assessment", "review_summary", "closure_summary")}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["items"] = ItemsField(self.instance.region_id)
        if not self.is_bound:
            self.initial["items"] = [i.pk for i in self.instance.items.all()]
        stage = self.instance.stage
        if stage == CaseStage.INTAKE:
            del self.fields["assessment"]
        if stage in (CaseStage.INTAKE, CaseStage.ASSESSMENT, CaseStage.PLAN_REVIEW, CaseStage.INTERVENTION):
            del self.fields["review_summary"]
        if stage not in (CaseStage.CLOSURE_REVIEW,):
            del self.fields["closure_summary"]


# --- Stage actions -------------------------------------------------------------------------


class AssessForm(forms.Form):
    assessment = _text(_("Assessment (预估)"), rows=8,
                       help_text=_("The person's situation, strengths, problems and needs, and the risks found."))


class PlanForm(forms.Form):
    goals = _text(_("Goals"), rows=4)
    actions = _text(_("Actions"), rows=5)
    timetable = _text(_("Timetable"), rows=3)
    review_on = forms.DateField(label=_("Review due"), widget=DATE)


class RecordForm(forms.Form):
    occurred_on = forms.DateField(label=_("Date"), widget=DATE)
    contact = forms.ChoiceField(label=_("Contact"), choices=ContactKind.choices, initial=ContactKind.HOME,
                                widget=forms.RadioSelect(attrs=PILLS))
    content = _text(_("What was done"), rows=5)

    def __init__(self, *args, case, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["occurred_on"].initial = timezone.localdate()
        self.fields["items"] = ItemsField(case.region_id)


class ReviewForm(forms.Form):
    review_summary = _text(_("Review (评估)"), rows=6, help_text=_("How far the goals were reached, and what follows."))


class ContinueForm(forms.Form):
    note = forms.CharField(label=_("Note"), max_length=300, required=False)


class ClosureForm(forms.Form):
    reason = forms.ChoiceField(label=_("Reason for closing"), choices=ClosureReason.choices, widget=forms.RadioSelect(attrs=PILLS))
    summary = _text(_("Closing summary"), rows=5)

    def __init__(self, *args, case, **kwargs):
        super().__init__(*args, **kwargs)
        if case.stage == CaseStage.INTAKE:
            self.fields["reason"].choices = [(ClosureReason.NOT_ELIGIBLE, ClosureReason.NOT_ELIGIBLE.label)]
            self.fields["reason"].initial = ClosureReason.NOT_ELIGIBLE


class ReopenForm(forms.Form):
    reason = forms.CharField(label=_("Reason for reopening"), max_length=300)


DECISIONS = [("approve", _("Approve")), ("return", _("Return with comments"))]


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(label=_("Decision"), choices=DECISIONS, widget=forms.RadioSelect(attrs=PILLS))
    comment = _text(_("Comments"), rows=4, required=False, help_text=_("Required when returning."))

    def clean(self):
        data = super().clean()
        if data.get("decision") == "return" and not (data.get("comment") or "").strip():
            self.add_error("comment", _("Say what needs to change: comments are required to return a submission."))
        return data


class NoteForm(forms.Form):
    text = _text(_("Confidential note"), rows=4,
                 help_text=_("Only the case's social worker and its supervisor can read it."))


class TransferForm(forms.Form):
    to_worker = PersonChoiceField(label=_("Receiving social worker"), queryset=None, required=False,
                                  empty_label=_("Nobody yet (the receiving station lead assigns)"))
    to_township = forms.ChoiceField(label=_("Moving to township"), required=False)
    to_village = forms.ChoiceField(label=_("Village or community"), required=False,
                                   help_text=_("Only when the person moved to another township."))
    reason = forms.CharField(label=_("Reason"), max_length=300)

    def __init__(self, *args, case, user, **kwargs):
        super().__init__(*args, **kwargs)
        from shegong.accounts.models import User
        from shegong.regions.models import Level, Region

        county = case.region_id[:6]
        townships = Region.objects.filter(code__under=county, level=Level.TOWNSHIP).order_by("code")
        here = case.region_id[:9]
        self.fields["to_township"].choices = [("", _("Same township (hand over in the station)"))] + [
            (t.code, t.name) for t in townships if t.code != here
        ]
        villages = Region.objects.filter(code__under=county, level=Level.VILLAGE).exclude(code__under=here)
        chosen = self.data.get("to_township") if self.is_bound else ""
        if chosen:
            villages = villages.filter(parent_id=chosen)
        self.fields["to_village"].choices = [("", _("Choose a village"))] + [
            (v.code, v.name) for v in villages.select_related("parent").order_by("code")[:2000]
        ]
        # Colleagues of the station, and the people of other stations the actor can see.
        candidates = svc.workers_for(case.region_id).exclude(pk=case.worker_id or 0)
        visible_elsewhere = User.objects.visible_to(user).filter(
            is_active=True, role_assignments__role=svc.WORKER_ROLE, role_assignments__region__code__under=county,
        )
        self.fields["to_worker"].queryset = User.objects.filter(
            Q(pk__in=candidates.order_by().values("pk")) | Q(pk__in=visible_elsewhere.order_by().values("pk"))
        ).exclude(pk=case.worker_id or 0).order_by("name", "username")


class AssignForm(forms.Form):
    worker = PersonChoiceField(label=_("Social worker"), queryset=None, required=False, empty_label=_("Keep as it is"))
    supervisor = PersonChoiceField(label=_("Supervisor"), queryset=None, required=False, empty_label=_("Keep as it is"))
    reason = forms.CharField(label=_("Note"), max_length=300, required=False)

    def __init__(self, *args, case, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["worker"].queryset = svc.workers_for(case.region_id)
        self.fields["supervisor"].queryset = svc.supervisors_for(case.region_id)

