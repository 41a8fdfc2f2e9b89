"""Forms of the needs, resource, referral and duplicate pages. Every choice comes from what the
acting user may reach: places among its short places, people among the household's members,
resources of the person's own township, needs of the person's household."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from shegong.core.scoping import VIEW
from shegong.regions.models import Region

from .models import (
    RECIPIENT_ROLES,
    NeedDomain,
    NeedStatus,
    Priority,
    Recipient,
    ReferralStatus,
    Resource,
    ResourceKind,
)
from .services_needs import NeedInput, referral_needs, referral_resources, resource_regions, short_places

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _all(choices):
    return [("", _("All")), *choices]


class PlaceField(forms.ModelChoiceField):
    """A region picked by code, labelled by name."""

    def label_from_instance(self, obj):
        return obj.name


# --- Needs assessments ----------------------------------------------------------------------


class AssessmentForm(forms.Form):
    assessed_on = forms.DateField(label=_("Assessed on"), widget=DATE)
    summary = forms.CharField(label=_("Summary"), widget=forms.Textarea(attrs={"rows": 4}), required=False,
                              help_text=_("The household's situation as found on the visit."))


class MemberField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        relation = obj.get_relation_display()
        return f"{obj.name}（{relation}）" if relation else obj.name


class NeedRowForm(forms.Form):
    """One need of an assessment; a row left empty is skipped."""

    domain = forms.ChoiceField(label=_("Domain"), choices=[("", "—"), *NeedDomain.choices])
    description = forms.CharField(label=_("Need"), max_length=300)
    priority = forms.ChoiceField(label=_("Priority"), choices=Priority.choices, initial=Priority.MEDIUM)
    recipient = MemberField(label=_("Person concerned"), queryset=Recipient.objects.none(), required=False,
                            empty_label=_("The whole household"))

    def __init__(self, *args, members, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["recipient"].queryset = members

    def as_input(self) -> NeedInput:
        data = self.cleaned_data
        return NeedInput(domain=data["domain"], description=data["description"], priority=data["priority"],
                         recipient=data.get("recipient"))


NeedFormSet = forms.formset_factory(NeedRowForm, extra=4, max_num=30, validate_max=True)


class NeedUpdateForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), choices=NeedStatus.choices)
    on = forms.DateField(label=_("Met on"), widget=DATE, required=False, help_text=_("Today if left empty."))


# --- The needs list and the assessments due -------------------------------------------------


class NeedsFilterForm(forms.Form):
    place = PlaceField(label=_("Place"), queryset=None, required=False, empty_label=_("All"))
    domain = forms.ChoiceField(label=_("Domain"), choices=_all(NeedDomain.choices), required=False)
    priority = forms.ChoiceField(label=_("Priority"), choices=_all(Priority.choices), required=False)
    status = forms.ChoiceField(
        label=_("Status"), required=False,
        choices=_all([(NeedStatus.OPEN.value, NeedStatus.OPEN.label), (NeedStatus.REFERRED.value, NeedStatus.REFERRED.label)]),
    )

    def __init__(self, *args, actor, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["place"].queryset = short_places(actor, RECIPIENT_ROLES[VIEW])

    def values(self) -> dict | None:
        """The filters to apply: {} when none are given, None when they are not valid."""
        if not self.is_bound:
            return {}
        if not self.is_valid():
            return None
        data = self.cleaned_data
        return {"place": data["place"].code if data["place"] else "", "domain": data["domain"],
                "priority": data["priority"], "status": data["status"]}


class PlaceFilterForm(forms.Form):
    place = PlaceField(label=_("Place"), queryset=None, required=False, empty_label=_("All"))

    def __init__(self, *args, actor, roles=RECIPIENT_ROLES[VIEW], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["place"].queryset = short_places(actor, roles)

    def values(self) -> dict | None:
        """The filters to apply: {} when none are given, None when they are not valid."""
        if not self.is_bound:
            return {}
        if not self.is_valid():
            return None
        return {"place": self.cleaned_data["place"].code if self.cleaned_data["place"] else ""}


# --- The resource database ------------------------------------------------------------------


class ResourceForm(forms.Form):
    region = PlaceField(label=_("Township, village or community"), queryset=None, empty_label=_("Choose a place"))
    kind = forms.ChoiceField(label=_("Kind"), choices=ResourceKind.choices)
    name = forms.CharField(label=_("Name"), max_length=200)
    services = forms.CharField(label=_("What it offers"), widget=forms.Textarea(attrs={"rows": 3}), required=False)
    domains = forms.MultipleChoiceField(label=_("Need domains served"), choices=NeedDomain.choices, required=False,
                                        widget=forms.CheckboxSelectMultiple)
    contact_person = forms.CharField(label=_("Contact person"), max_length=50, required=False)
    contact_phone = forms.CharField(label=_("Contact phone"), max_length=30, required=False,
                                    help_text=_("The resource's own contact: never a recipient's number."))
    address = forms.CharField(label=_("Address"), max_length=200, required=False)
    active = forms.BooleanField(label=_("Active"), required=False, initial=True)

    def __init__(self, *args, actor, resource: Resource | None = None, **kwargs):
        if resource is not None:
            kwargs.setdefault("initial", {
                "region": resource.region_id, "kind": resource.kind, "name": resource.name, "services": resource.services,
                "domains": resource.domains, "contact_person": resource.contact_person,
                "contact_phone": resource.contact_phone, "address": resource.address, "active": resource.active,
            })
        super().__init__(*args, **kwargs)
        places = resource_regions(actor)
        if resource is not None:  # its own place stays a choice even where the short list stops above it
            places = places | Region.objects.filter(code=resource.region_id)
        self.fields["region"].queryset = places.order_by("code")

    def service_fields(self) -> dict:
        data = dict(self.cleaned_data)
        data["region_code"] = data.pop("region").code
        return data


class ResourceCreateForm(ResourceForm):
    checked_on = forms.DateField(label=_("Last checked"), widget=DATE,
                                 help_text=_("The day the details were last confirmed with the resource."))


class ResourceEditForm(ResourceForm):
    mark_checked = forms.BooleanField(label=_("Mark as checked today"), required=False, initial=True,
                                      help_text=_("Leave ticked when you have confirmed the details are current."))


class ResourceFilterForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=_all(ResourceKind.choices), required=False)
    place = PlaceField(label=_("Place"), queryset=None, required=False, empty_label=_("All"))
    domain = forms.ChoiceField(label=_("Need domain served"), choices=_all(NeedDomain.choices), required=False)
    active = forms.ChoiceField(label=_("In use"), required=False,
                               choices=[("", _("All")), ("yes", _("Active")), ("no", _("No longer active"))])
    due = forms.BooleanField(label=_("Due for the yearly check"), required=False)

    def __init__(self, *args, actor, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["place"].queryset = short_places(actor, Resource.scope.roles_for(VIEW))

    def values(self) -> dict | None:
        """The filters to apply: {} when none are given, None when they are not valid."""
        if not self.is_bound:
            return {}
        if not self.is_valid():
            return None
        data = self.cleaned_data
        return {"kind": data["kind"], "place": data["place"].code if data["place"] else "", "domain": data["domain"],
                "active": data["active"], "due": data["due"]}


# --- Referrals ------------------------------------------------------------------------------


class ResourceChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.name}（{obj.get_kind_display()}）"


class NeedChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        who = obj.recipient.name if obj.recipient_id else _("household")
        return f"{obj.get_domain_display()}：{obj.description}（{who}）"


class ReferralForm(forms.Form):
    resource = ResourceChoiceField(label=_("Resource of the township"), queryset=None, required=False,
                                   empty_label=_("None: another agency"))
    agency = forms.CharField(label=_("Or another agency"), max_length=200, required=False,
                             help_text=_("Name the agency when it is not in the resource database."))
    need = NeedChoiceField(label=_("Need it answers"), queryset=None, required=False, empty_label=_("None recorded"))
    reason = forms.CharField(label=_("Reason"), max_length=300)
    referred_on = forms.DateField(label=_("Referred on"), widget=DATE)

    def __init__(self, *args, actor, recipient, **kwargs):
        kwargs.setdefault("initial", {"referred_on": timezone.localdate()})
        super().__init__(*args, **kwargs)
        self.fields["resource"].queryset = referral_resources(actor, recipient)
        self.fields["need"].queryset = referral_needs(actor, recipient)

    def clean(self):
        data = super().clean()
        if bool(data.get("resource")) == bool((data.get("agency") or "").strip()):
            raise forms.ValidationError(_("Choose a resource or name another agency (one of the two)."))
        return data


class ReferralUpdateForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), choices=ReferralStatus.choices)
    outcome = forms.CharField(label=_("Outcome"), widget=forms.Textarea(attrs={"rows": 3}), required=False)
    closed_on = forms.DateField(label=_("Closed on"), widget=DATE, required=False,
                                help_text=_("For a completed or declined referral; today if left empty."))
    need_met = forms.BooleanField(label=_("The need it answered is met"), required=False)

    def __init__(self, *args, referral, **kwargs):
        kwargs.setdefault("initial", {"status": referral.status, "outcome": referral.outcome, "closed_on": referral.closed_on})
        super().__init__(*args, **kwargs)
        if not referral.need_id:
            del self.fields["need_met"]


# --- The duplicate review queue -------------------------------------------------------------


class DuplicateFilterForm(forms.Form):
    state = forms.ChoiceField(label=_("Show"), required=False,
                              choices=[("open", _("Awaiting review")), ("decided", _("Decided"))])

    def state_value(self) -> str:
        """Open pairs, unless decided ones are asked for."""
        return "decided" if self.is_valid() and self.cleaned_data.get("state") == "decided" else "open"
