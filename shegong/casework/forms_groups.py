"""Forms of the group pages. Choices come from what the acting user may reach; the services
check everything again and have the last word."""

from __future__ import annotations

from django import forms
from django.contrib.auth import get_user_model
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from shegong.core.concurrency import VersionedFormMixin
from shegong.core.scoping import regions_within_reach
from shegong.recipients.models import Recipient
from shegong.regions.fields import RegionCodeField
from shegong.regions.models import Level

from .catalogue import items_for
from .models import CASEWORK_ROLES, Group, GroupSession, ServiceItem
from .services_groups import TOWNSHIP_LENGTH, workers_at

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def places_for(actor):
    """Townships and villages where ``actor`` may record casework (groups, activities)."""
    return (
        regions_within_reach(actor, CASEWORK_ROLES["change"]).filter(level__in=[Level.TOWNSHIP, Level.VILLAGE])
        .select_related("parent").order_by("code")
    )


def townships_of(actor, region_code: str | None = None) -> list[str]:
    """The township codes whose catalogue and workers a form offers."""
    if region_code:
        return [region_code[:TOWNSHIP_LENGTH]]
    return sorted({r.code[:TOWNSHIP_LENGTH] for r in places_for(actor).filter(level=Level.TOWNSHIP)})


def item_queryset(townships: list[str]):
    """Catalogue items in force at any of ``townships`` (usually one)."""
    pks = set()
    for code in townships:
        pks |= set(items_for(code).values_list("pk", flat=True))
    return ServiceItem.objects.filter(pk__in=pks).select_related("domain").order_by("domain__position", "domain__code", "position", "code")


def leader_queryset(townships: list[str]):
    q = Q(pk__in=[])
    for code in townships:
        q |= Q(pk__in=workers_at(code).values("pk"))
    return get_user_model().objects.filter(q).order_by("name", "username")


class GroupDrillForm(forms.Form):
    """The dashboards' drill-down of the group list (``?region=…&date_from=…&date_to=…&valid=yes``):
    groups of a place judged in a period (on their end, else their last session, as the rollups
    count them), valid or not against the profile in force."""

    region = RegionCodeField()
    date_from = forms.DateField(label=_("Ended (or last met) from"), required=False, widget=DATE)
    date_to = forms.DateField(label=_("Ended (or last met) to"), required=False, widget=DATE)
    valid = forms.ChoiceField(label=pgettext_lazy("group filter", "Validity"), required=False,
                              choices=[("", _("All")), ("yes", _("Valid")), ("no", _("Not valid"))])


class PlaceChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.parent.name} {obj.name}" if obj.level == Level.VILLAGE and obj.parent_id else obj.name


class PersonChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.name or obj.username


class ItemChoiceField(forms.ModelMultipleChoiceField):
    """Catalogue items as tappable chips, labelled with their domain."""

    widget = forms.CheckboxSelectMultiple(attrs={"class": "chip-input"})

    def label_from_instance(self, obj):
        return f"{obj.name}（{obj.domain.name}）"


class GroupForm(forms.ModelForm):
    """A new group: place, name, goal, leader, dates, status, catalogue items."""

    place = PlaceChoiceField(label=_("Place"), queryset=None, to_field_name="code", empty_label=_("Choose a place"))
    leader = PersonChoiceField(label=_("Group leader"), queryset=None, required=False, empty_label=_("Choose a social worker"))
    items = ItemChoiceField(label=_("Services (服务清单)"), queryset=None, required=False)

    class Meta:
        model = Group
        fields = ["name", "goal", "leader", "starts_on", "ends_on", "status", "items"]
        widgets = {
            "starts_on": DATE, "ends_on": DATE, "goal": forms.Textarea(attrs={"rows": 3}),
            "status": forms.RadioSelect(attrs={"class": "pill-input"}),
        }

    def __init__(self, *args, actor, **kwargs):
        super().__init__(*args, **kwargs)
        self.actor = actor
        region = self.instance.region_id if self.instance.pk else None
        townships = townships_of(actor, region)
        self.fields["leader"].queryset = leader_queryset(townships)
        self.fields["items"].queryset = item_queryset(townships)
        if self.instance.pk:
            del self.fields["place"]
        else:
            self.fields["place"].queryset = places_for(actor)
            self.fields = {"place": self.fields.pop("place"), **self.fields}
            self.initial.setdefault("leader", actor.pk)
            self.initial.setdefault("starts_on", timezone.localdate())

    def service_fields(self) -> dict:
        data = self.cleaned_data
        fields = {k: data.get(k) for k in ("name", "goal", "leader", "starts_on", "ends_on", "status")}
        fields["items"] = list(data.get("items") or [])
        if "place" in self.fields:
            fields["region_code"] = data["place"].code
        return fields


class GroupEditForm(VersionedFormMixin, GroupForm):
    """An edit of a group (carries the version it was read at)."""


class MemberForm(forms.Form):
    """Add a member: a recipient found by name or pinyin, or a resident named only here."""

    recipient = forms.IntegerField(required=False, widget=forms.HiddenInput, min_value=1)
    name = forms.CharField(
        label=_("Or a resident not registered (name)"), max_length=50, required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    joined_on = forms.DateField(label=_("Joined on"), widget=DATE)

    def __init__(self, *args, actor, group, **kwargs):
        super().__init__(*args, **kwargs)
        self.actor, self.group = actor, group
        self.initial.setdefault("joined_on", max(group.starts_on, min(timezone.localdate(), group.ends_on or timezone.localdate())))

    def clean(self):
        data = super().clean()
        pk = data.get("recipient")
        data["person"] = None
        if pk:
            person = Recipient.objects.visible_to(self.actor).filter(pk=pk, merged_into__isnull=True).first()
            if person is None:
                raise forms.ValidationError(_("Unknown person."))
            data["person"] = person
        elif not (data.get("name") or "").strip():
            raise forms.ValidationError(_("Choose a recipient or write the resident's name."))
        return data


class LeaveForm(forms.Form):
    member = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    left_on = forms.DateField(label=_("Left on"), widget=DATE)


class MemberTicks(forms.MultipleChoiceField):
    widget = forms.CheckboxSelectMultiple(attrs={"class": "tick-input"})


class SessionForm(forms.ModelForm):
    """A session: date, topic, record, and who was there (one big tick a member)."""

    present = MemberTicks(label=_("Who was there"), required=False)

    class Meta:
        model = GroupSession
        fields = ["held_on", "topic", "record"]
        widgets = {"held_on": DATE, "record": forms.Textarea(attrs={"rows": 5})}

    def __init__(self, *args, group, **kwargs):
        super().__init__(*args, **kwargs)
        self.group = group
        members = list(group.members.select_related("recipient", "recipient__region"))
        if self.instance.pk:
            ticked = {a.member_id for a in self.instance.attendance.all() if a.present}
            day = self.instance.held_on
            shown = [m for m in members if m.joined_on <= day and (m.left_on is None or m.left_on > day) or m.pk in ticked]
            if not self.is_bound:
                self.initial["present"] = [str(pk) for pk in ticked]
        else:
            shown = [m for m in members if m.left_on is None]
            self.initial.setdefault("held_on", timezone.localdate())
        self.members = shown
        self.fields["present"].choices = [(str(m.pk), _member_label(m)) for m in shown]

    def service_fields(self) -> dict:
        data = self.cleaned_data
        return {
            "held_on": data["held_on"], "topic": data["topic"], "record": data.get("record", ""),
            "present": [int(p) for p in data.get("present") or []],
        }


class SessionEditForm(VersionedFormMixin, SessionForm):
    """An edit of a session record and its attendance (carries the version it was read at)."""


def _member_label(member) -> str:
    if member.recipient_id:
        return f"{member.recipient.name}（{member.recipient.region.name}）"
    return str(member.name)
