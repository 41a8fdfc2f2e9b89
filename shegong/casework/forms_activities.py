"""The activity form: a field form for a phone (big targets, little typing) that also works
offline (the outbox submits it later with its ``client_uuid``)."""

from __future__ import annotations

from decimal import Decimal

import django_filters
from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from shegong.core.concurrency import VersionedFormMixin
from shegong.core.scoping import assignments_of, regions_within_reach
from shegong.recipients.models import Recipient
from shegong.regions.fields import RegionFilter
from shegong.regions.models import Level

from .forms_groups import (
    DATE,
    ItemChoiceField,
    PersonChoiceField,
    PlaceChoiceField,
    item_queryset,
    leader_queryset,
    places_for,
    townships_of,
)
from .models import CASEWORK_ROLES, Activity, ActivityKind
from .services_activities import MAX_VOLUNTEER_HOURS, volunteers_for


class TopicChoiceField(ItemChoiceField):
    """Catalogue items as chips under their domain's heading (so the label is the item alone)."""

    def label_from_instance(self, obj):
        return obj.name


class ActivityForm(forms.ModelForm):
    """A new community activity or policy publicity event."""

    kind = forms.ChoiceField(
        label=_("Kind"), choices=ActivityKind.choices, widget=forms.RadioSelect(attrs={"class": "pill-input"}),
        initial=ActivityKind.ACTIVITY,
    )
    place_region = PlaceChoiceField(
        label=_("Township or village"), queryset=None, to_field_name="code", empty_label=_("Choose a place"),
    )
    items = TopicChoiceField(
        label=_("Topic (服务清单)"), queryset=None,
        error_messages={"required": _("Choose at least one topic from the service catalogue.")},
    )
    organiser = PersonChoiceField(label=_("Organised by"), queryset=None, required=False, empty_label=_("Choose a social worker"))
    participant_count = forms.IntegerField(
        label=_("Participants"), min_value=0, max_value=100000,
        widget=forms.NumberInput(attrs={"inputmode": "numeric", "class": "stepper", "min": 0}),
        error_messages={"min_value": _("The number of participants cannot be negative.")},
    )
    participants = forms.TypedMultipleChoiceField(
        label=_("Named participants (optional)"), required=False, coerce=int,
        widget=forms.CheckboxSelectMultiple(attrs={"class": "tick-input"}),
    )
    client_uuid = forms.UUIDField(required=False, widget=forms.HiddenInput)

    class Meta:
        model = Activity
        fields = ["kind", "held_on", "title", "place", "items", "participant_count", "description", "organiser"]
        widgets = {"held_on": DATE, "description": forms.Textarea(attrs={"rows": 3})}

    @property
    def item_groups(self) -> list[tuple[str, bool, list]]:
        """The topic chips grouped by catalogue domain: ``(domain, has a ticked chip, chips)``."""
        chips = {str(chip.data["value"]): chip for chip in self["items"]}
        groups: dict[str, list] = {}
        for item in self.fields["items"].queryset:
            groups.setdefault(item.domain.name, []).append(chips[str(item.pk)])
        return [(domain, any(c.data["selected"] for c in entries), entries) for domain, entries in groups.items()]

    def __init__(self, *args, actor, **kwargs):
        super().__init__(*args, **kwargs)
        self.actor = actor
        region = self.instance.region_id if self.instance.pk else None
        townships = townships_of(actor, region)
        self.fields["items"].queryset = item_queryset(townships)
        self.fields["organiser"].queryset = leader_queryset(townships)
        if self.instance.pk:
            del self.fields["place_region"]
            del self.fields["client_uuid"]
        else:
            places = places_for(actor)
            self.fields["place_region"].queryset = places
            township = places.filter(level=Level.TOWNSHIP).first()
            if township is not None:
                self.initial.setdefault("place_region", township.code)
            self.initial.setdefault("held_on", timezone.localdate())
            self.initial.setdefault("organiser", actor.pk)
            self.initial.setdefault("participant_count", 0)
        # Named participants: those already named (edit) and those posted (found by search).
        posted = []
        if self.is_bound:
            posted = [int(v) for v in self.data.getlist(self.add_prefix("participants")) if str(v).isdigit()]
        named = list(self.instance.participants.all()) if self.instance.pk else []
        wanted = {r.pk for r in named} | set(posted)
        people = Recipient.objects.visible_to(actor).filter(pk__in=wanted, merged_into__isnull=True).select_related("region")
        self.fields["participants"].choices = [(p.pk, f"{p.name}（{p.region.name}）") for p in people]
        if named and not self.is_bound:
            self.initial["participants"] = [r.pk for r in named]
        # Volunteers of the station: one hours box each (empty = did not serve).
        self.volunteer_fields = []
        place = region or (townships[0] if townships else "")
        served = {row.volunteer_id: row.hours for row in self.instance.volunteers.all()} if self.instance.pk else {}
        for volunteer in volunteers_for(actor, place) if place else []:
            name = f"volunteer_{volunteer.pk}"
            self.fields[name] = forms.DecimalField(
                label=volunteer.name, required=False, min_value=Decimal("0"), max_value=MAX_VOLUNTEER_HOURS, decimal_places=1,
                widget=forms.NumberInput(attrs={"inputmode": "decimal", "step": "0.5", "min": 0, "max": MAX_VOLUNTEER_HOURS, "class": "hours"}),
            )
            if volunteer.pk in served and not self.is_bound:
                self.initial[name] = served[volunteer.pk]
            self.volunteer_fields.append((volunteer, name))

    def bound_volunteers(self):
        """(volunteer, bound field) pairs for the template."""
        return [(v, self[name]) for v, name in self.volunteer_fields]

    def service_fields(self) -> dict:
        data = self.cleaned_data
        people = {p.pk: p for p in Recipient.objects.visible_to(self.actor).filter(pk__in=data.get("participants") or [])}
        fields = {
            "kind": data["kind"], "title": data["title"], "held_on": data["held_on"], "place": data["place"],
            "items": list(data["items"]), "participant_count": data["participant_count"],
            "description": data.get("description", ""), "organiser": data.get("organiser"),
            "participants": [people[pk] for pk in data.get("participants") or [] if pk in people],
            "volunteers": [(v, data[name]) for v, name in self.volunteer_fields if data.get(name)],
        }
        if "place_region" in self.fields:
            fields["region_code"] = data["place_region"].code
            fields["client_uuid"] = data.get("client_uuid")
        return fields


class ActivityEditForm(VersionedFormMixin, ActivityForm):
    """An edit of an activity (carries the version it was read at)."""


class ActivityFilter(django_filters.FilterSet):
    """Filters of the activity list: dates, kind, village, topic."""

    kind = django_filters.ChoiceFilter(label=_("Kind"), choices=ActivityKind.choices, empty_label=_("All kinds"))
    held_from = django_filters.DateFilter(label=_("From"), field_name="held_on", lookup_expr="gte", widget=DATE)
    held_to = django_filters.DateFilter(label=_("To"), field_name="held_on", lookup_expr="lte", widget=DATE)
    place_region = django_filters.ChoiceFilter(label=_("Township or village"), method="by_place", empty_label=_("Everywhere"))
    topic = django_filters.ChoiceFilter(label=_("Topic"), method="by_topic", empty_label=_("All topics"))
    region = RegionFilter(label=_("Place (region code)"), field_name="region__code")  # the dashboards' drill-down

    class Meta:
        model = Activity
        fields = ["kind", "held_from", "held_to", "place_region", "topic", "region"]

    def __init__(self, *args, actor, **kwargs):
        super().__init__(*args, **kwargs)
        places = regions_within_reach(actor, CASEWORK_ROLES["view"]).filter(level__in=[Level.TOWNSHIP, Level.VILLAGE])
        label = PlaceChoiceField.label_from_instance
        self.filters["place_region"].extra["choices"] = [
            (r.code, label(None, r)) for r in places.select_related("parent").order_by("code")
        ]
        codes = {a.region_id for a in assignments_of(actor) if a.role in CASEWORK_ROLES["view"] and a.region_id}
        self.filters["topic"].extra["choices"] = [
            (str(item.pk), f"{item.name}（{item.domain.name}）") for item in item_queryset(sorted(codes))
        ]

    def by_place(self, queryset, name, value):
        return queryset.filter(region__code__under=value) if value else queryset

    def by_topic(self, queryset, name, value):
        return queryset.filter(items__pk=value) if value else queryset
