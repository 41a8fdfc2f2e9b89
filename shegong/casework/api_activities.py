"""API: community activities (社区活动) and policy publicity (政策宣传).

Create is idempotent on ``client_uuid`` (a phone that retries gets the first record back, 200
instead of 201); an update carries the ``version`` it read and answers 409 when it is stale.
Volunteers' hours follow the activity into the workforce's service records.
"""

from __future__ import annotations

from decimal import Decimal

import django_filters
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, viewsets
from rest_framework import status as http
from rest_framework.response import Response

from shegong.core.api.validation import validated
from shegong.recipients.models import Recipient
from shegong.recipients.serializers import NamedChoiceField
from shegong.workforce.models import Volunteer

from . import services_activities as svc
from .api_groups import user_by_pk
from .catalogue import items_by_pk
from .models import Activity, ActivityKind


def _kind(**kwargs):
    return NamedChoiceField("ActivityKindEnum", ActivityKind.choices, **kwargs)


class ActivityVolunteerHoursSerializer(serializers.Serializer):
    volunteer = serializers.IntegerField(min_value=1, max_value=2**62)
    hours = serializers.DecimalField(max_digits=4, decimal_places=1, min_value=Decimal("0.1"), max_value=svc.MAX_VOLUNTEER_HOURS)


class ActivitySerializer(serializers.ModelSerializer):
    kind = _kind(read_only=True)
    region = serializers.CharField(source="region_id", read_only=True)
    region_name = serializers.CharField(source="region.name", read_only=True)
    items = serializers.SerializerMethodField()
    participants = serializers.SerializerMethodField(help_text="Ids of the named participants.")
    volunteers = serializers.SerializerMethodField()

    class Meta:
        model = Activity
        fields = ["id", "kind", "region", "region_name", "title", "held_on", "place", "items", "participant_count",
                  "description", "organiser", "participants", "volunteers", "client_uuid", "version"]
        read_only_fields = fields

    def get_items(self, obj) -> list[int]:
        return [item.pk for item in obj.items.all()]

    def get_participants(self, obj) -> list[int]:
        return sorted(row.recipient_id for row in obj.named.all())

    @extend_schema(responses=ActivityVolunteerHoursSerializer(many=True))
    def get_volunteers(self, obj) -> list[dict]:
        return [{"volunteer": row.volunteer_id, "hours": str(row.hours)} for row in obj.volunteers.all()]


class ActivityWriteSerializer(serializers.Serializer):
    kind = _kind()
    region = serializers.RegexField(r"^\d{9}(\d{3})?$", required=False, help_text="Township or village code (on create).")
    title = serializers.CharField(max_length=200)
    held_on = serializers.DateField()
    place = serializers.CharField(max_length=200)
    items = serializers.ListField(child=serializers.IntegerField(min_value=1, max_value=2**62), allow_empty=False,
                                  help_text="Catalogue items of the place: the topic (at least one).")
    participant_count = serializers.IntegerField(min_value=0, max_value=100000)
    description = serializers.CharField(required=False, allow_blank=True, default="")
    organiser = serializers.IntegerField(required=False, allow_null=True, min_value=1, max_value=2**62)
    participants = serializers.ListField(child=serializers.IntegerField(min_value=1, max_value=2**62), required=False, default=list)
    volunteers = ActivityVolunteerHoursSerializer(many=True, required=False, default=list)
    client_uuid = serializers.UUIDField(required=False, allow_null=True, help_text="The form's id: a repeated id returns the first record.")
    version = serializers.IntegerField(required=False, min_value=1, help_text="The version read (required on update).")


class ActivityApiFilter(django_filters.FilterSet):
    kind = django_filters.ChoiceFilter(choices=ActivityKind.choices)
    held_from = django_filters.DateFilter(field_name="held_on", lookup_expr="gte")
    held_to = django_filters.DateFilter(field_name="held_on", lookup_expr="lte")
    region = django_filters.CharFilter(
        field_name="region__code", lookup_expr="startswith", max_length=12, label=gettext_lazy("Region"),
        help_text="Region code prefix: a township code gives its villages too.",
    )

    class Meta:
        model = Activity
        fields = ["kind", "held_from", "held_to", "region"]


class ActivityViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Community activities and policy publicity events within the caller's jurisdiction."""

    serializer_class = ActivitySerializer
    filterset_class = ActivityApiFilter
    lookup_value_regex = r"\d+"

    def get_queryset(self):
        return (
            Activity.objects.visible_to(self.request.user).select_related("region")
            .prefetch_related("items", "named", "volunteers").order_by("-held_on", "-pk")
        )

    def _answer(self, activity, code=http.HTTP_200_OK) -> Response:
        return Response(ActivitySerializer(self.get_queryset().get(pk=activity.pk)).data, status=code)

    def _fields(self, data: dict) -> dict:
        user = self.request.user
        wanted = list(dict.fromkeys(data.get("participants") or []))
        people = {r.pk: r for r in Recipient.objects.visible_to(user).filter(pk__in=wanted)}
        if len(people) != len(wanted):
            raise serializers.ValidationError({"participants": [_("Unknown person among the named participants.")]})
        hours = {row["volunteer"]: row["hours"] for row in data.get("volunteers") or []}
        volunteers = {v.pk: v for v in Volunteer.objects.visible_to(user).filter(pk__in=list(hours))}
        if len(volunteers) != len(hours):
            raise serializers.ValidationError({"volunteers": [_("Unknown volunteer.")]})
        return {
            "kind": data["kind"], "title": data["title"], "held_on": data["held_on"], "place": data["place"],
            "items": items_by_pk(data["items"]), "participant_count": data["participant_count"],
            "description": data.get("description", ""), "organiser": user_by_pk(data.get("organiser"), "organiser"),
            "participants": [people[pk] for pk in wanted], "volunteers": [(volunteers[pk], h) for pk, h in hours.items()],
        }

    @extend_schema(request=ActivityWriteSerializer, responses={201: ActivitySerializer, 200: ActivitySerializer})
    def create(self, request):
        """Record an activity. With a ``client_uuid`` already used, the first record is returned
        (200) and nothing is written again."""
        data = validated(ActivityWriteSerializer, request.data)
        found = svc.existing_for(request.user, data.get("client_uuid"))
        if found is not None:
            return self._answer(found)
        if not data.get("region"):
            raise serializers.ValidationError({"region": [_("Give the township or village of the activity.")]})
        activity, created = svc.activity_create(
            actor=request.user, region_code=data["region"], client_uuid=data.get("client_uuid"), **self._fields(data)
        )
        return self._answer(activity, http.HTTP_201_CREATED if created else http.HTTP_200_OK)

    @extend_schema(request=ActivityWriteSerializer, responses={200: ActivitySerializer, 409: None})
    def update(self, request, pk=None):
        """Change an activity; ``version`` must be the one read (409 when someone saved in between)."""
        activity = self.get_object()
        data = validated(ActivityWriteSerializer, request.data)
        if "version" not in data:
            raise serializers.ValidationError({"version": [_("Give the version you read.")]})
        svc.activity_update(actor=request.user, activity=activity, version=data["version"], **self._fields(data))
        return self._answer(activity)

    @extend_schema(responses={204: None})
    def destroy(self, request, pk=None):
        """Delete a wrongly recorded activity, with the volunteer hours it wrote."""
        svc.activity_delete(actor=request.user, activity=self.get_object())
        return Response(status=http.HTTP_204_NO_CONTENT)


def register(router) -> None:
    router.register("activities", ActivityViewSet, basename="activity")
