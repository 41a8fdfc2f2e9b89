"""API: home visits and visit plans (/api/v1/visits/, /api/v1/planned-visits/).

The same scoping and services as the pages. Creating a visit with a ``client_uuid`` already
recorded answers 200 with that visit (nothing written twice); a change carries the ``version`` it
was read at and is refused with 409 when someone saved in between.
"""

from __future__ import annotations

import django_filters
from django.contrib.auth import get_user_model
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, serializers, viewsets
from rest_framework import status as http
from rest_framework.decorators import action
from rest_framework.response import Response

from shegong.core.scoping import CHANGE
from shegong.recipients.models import Household, Recipient
from shegong.recipients.serializers import NamedChoiceField

from . import services_visits
from .models import Condition, FollowUp, PlannedVisit, PlanReason, PlanStatus, Risk, Visit, VisitOutcome


def _condition(**kwargs):
    return NamedChoiceField("VisitConditionEnum", Condition.choices, **kwargs)


class VisitSerializer(serializers.ModelSerializer):
    """A home visit as the API shows it (no ID or phone numbers: the person by id and name)."""

    recipient_name = serializers.CharField(source="recipient.name", read_only=True, default="")
    region = serializers.CharField(source="region_id", read_only=True)
    outcome = NamedChoiceField("VisitOutcomeEnum", VisitOutcome.choices)
    living_conditions = _condition()
    health = _condition()
    income = _condition()
    safety = _condition()
    risks = serializers.ListField(child=NamedChoiceField("VisitRiskEnum", Risk.choices))
    follow_ups = serializers.ListField(child=NamedChoiceField("VisitFollowUpEnum", FollowUp.choices))
    workers = serializers.PrimaryKeyRelatedField(many=True, read_only=True)
    items = serializers.PrimaryKeyRelatedField(many=True, read_only=True)

    class Meta:
        model = Visit
        fields = [
            "id", "recipient", "recipient_name", "household", "region", "visited_on", "workers", "outcome",
            "living_conditions", "health", "income", "safety", "findings", "needs_found", "risks", "follow_ups",
            "follow_up_note", "items", "client_uuid", "version", "created_by", "created_at", "updated_at",
        ]
        read_only_fields = fields


class VisitWriteSerializer(serializers.Serializer):
    """What a client sends to record a visit (or, partially, to change one with ``version``)."""

    recipient = serializers.IntegerField(required=False, allow_null=True, min_value=1, max_value=2**62)
    household = serializers.IntegerField(required=False, allow_null=True, min_value=1, max_value=2**62)
    visited_on = serializers.DateField()
    workers = serializers.ListField(child=serializers.IntegerField(min_value=1, max_value=2**62), max_length=20)
    outcome = NamedChoiceField("VisitOutcomeEnum", VisitOutcome.choices)
    living_conditions = _condition(required=False)
    health = _condition(required=False)
    income = _condition(required=False)
    safety = _condition(required=False)
    findings = serializers.CharField(required=False, allow_blank=True, max_length=5000)
    needs_found = serializers.CharField(required=False, allow_blank=True, max_length=5000)
    risks = serializers.ListField(child=NamedChoiceField("VisitRiskEnum", Risk.choices), required=False, max_length=20)
    follow_ups = serializers.ListField(child=NamedChoiceField("VisitFollowUpEnum", FollowUp.choices), required=False, max_length=10)
    follow_up_note = serializers.CharField(required=False, allow_blank=True, max_length=300)
    items = serializers.ListField(child=serializers.IntegerField(min_value=1, max_value=2**62), required=False, max_length=100)
    client_uuid = serializers.UUIDField(required=False, allow_null=True)
    version = serializers.IntegerField(required=False, min_value=1, max_value=2**31)


class VisitUpdateSerializer(VisitWriteSerializer):
    """A change: ``version`` is the one the client read; the person visited cannot change."""

    version = serializers.IntegerField(min_value=1, max_value=2**31)


class VisitApiFilter(django_filters.FilterSet):
    recipient = django_filters.NumberFilter(field_name="recipient_id", min_value=1, max_value=2**62)
    household = django_filters.NumberFilter(field_name="household_id", min_value=1, max_value=2**62)
    worker = django_filters.NumberFilter(field_name="workers", min_value=1, max_value=2**62)
    outcome = django_filters.ChoiceFilter(choices=VisitOutcome.choices)
    date_from = django_filters.DateFilter(field_name="visited_on", lookup_expr="gte")
    date_to = django_filters.DateFilter(field_name="visited_on", lookup_expr="lte")
    region = django_filters.CharFilter(field_name="region__code", lookup_expr="startswith", max_length=12,
                                       help_text="Region code prefix: a township code gives its villages too.")

    class Meta:
        model = Visit
        fields = ["recipient", "household", "worker", "outcome", "date_from", "date_to", "region"]



class VisitViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Home visits (入户走访) within the caller's jurisdiction, newest first."""

    serializer_class = VisitSerializer
    filterset_class = VisitApiFilter
    lookup_value_regex = r"\d+"

    def get_queryset(self):
        return (
            Visit.objects.visible_to(self.request.user).select_related("recipient")
            .prefetch_related("workers", "items").order_by("-visited_on", "-pk")
        )

    def _fresh(self, visit: Visit) -> dict:
        return VisitSerializer(self.get_queryset().get(pk=visit.pk)).data

    def _people(self, data: dict) -> dict:
        """Turn ids into rows the caller may change; unknown and out of reach read the same."""
        out = {}
        if data.get("recipient"):
            person = Recipient.objects.visible_to(self.request.user, CHANGE).filter(pk=data["recipient"], merged_into__isnull=True).first()
            if person is None:
                raise serializers.ValidationError({"recipient": [_("No such person in your jurisdiction.")]})
            out["recipient"] = person
        if data.get("household"):
            household = Household.objects.visible_to(self.request.user, CHANGE).filter(pk=data["household"]).first()
            if household is None:
                raise serializers.ValidationError({"household": [_("No such household in your jurisdiction.")]})
            out["household"] = household
        return out

    @staticmethod
    def _workers(ids) -> list:
        users = {u.pk: u for u in get_user_model().objects.filter(pk__in=ids)}
        if any(pk not in users for pk in ids):
            raise serializers.ValidationError({"workers": [_("Only social workers of this station can be named.")]})
        return [users[pk] for pk in ids]

    @extend_schema(request=VisitWriteSerializer, responses={201: VisitSerializer, 200: VisitSerializer})
    def create(self, request):
        """Record a visit. With a ``client_uuid`` already recorded, the answer is that visit
        (status 200) and nothing is written: a form sent again after a lost connection is not doubled."""
        payload = VisitWriteSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = dict(payload.validated_data)
        data.pop("version", None)
        uuid = data.get("client_uuid")
        if uuid and Visit.objects.visible_to(request.user).filter(client_uuid=uuid).exists():
            return Response(self._fresh(Visit.objects.get(client_uuid=uuid)), status=http.HTTP_200_OK)
        subjects = self._people(data)
        data.update(subjects)
        if not subjects:
            raise serializers.ValidationError({"recipient": [_("Choose the person or household visited.")]})
        data["workers"] = self._workers(data["workers"])
        visit = services_visits.record_visit(request.user, **data)
        return Response(self._fresh(visit), status=http.HTTP_201_CREATED)

    @extend_schema(
        request=VisitUpdateSerializer,
        responses={200: VisitSerializer, 409: OpenApiResponse(description="Someone saved the visit since `version` was read.")},
    )
    def partial_update(self, request, pk=None):
        """Change a visit; ``version`` must be the one read (else 409, nothing written)."""
        visit = self.get_object()
        payload = VisitUpdateSerializer(data=request.data, partial=True)
        payload.is_valid(raise_exception=True)
        data = dict(payload.validated_data)
        if "version" not in data:
            raise serializers.ValidationError({"version": [_("Give the version you read.")]})
        version = data.pop("version")
        for key in ("recipient", "household", "client_uuid"):
            if key in data:
                raise serializers.ValidationError({key: [_("This cannot be changed.")]})
        if "workers" in data:
            data["workers"] = self._workers(data["workers"])
        services_visits.update_visit(request.user, visit, version, **data)
        return Response(self._fresh(visit))


class PlannedVisitSerializer(serializers.ModelSerializer):
    recipient_name = serializers.CharField(source="recipient.name", read_only=True)
    region = serializers.CharField(source="region_id", read_only=True)
    reason = NamedChoiceField("PlanReasonEnum", PlanReason.choices)
    status = NamedChoiceField("PlanStatusEnum", PlanStatus.choices)
    overdue = serializers.SerializerMethodField()

    class Meta:
        model = PlannedVisit
        fields = ["id", "recipient", "recipient_name", "region", "reason", "due_on", "overdue", "assigned_to", "status",
                  "visit", "note", "created_at", "closed_at"]
        read_only_fields = fields

    def get_overdue(self, plan) -> bool:
        return plan.status == PlanStatus.OPEN and plan.due_on < timezone.localdate()


class PlanAssignSerializer(serializers.Serializer):
    assigned_to = serializers.IntegerField(allow_null=True, min_value=1, max_value=2**62)


class PlanApiFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=PlanStatus.choices)
    overdue = django_filters.BooleanFilter(method="by_overdue", help_text="true: open visits past their due day.")
    assigned_to = django_filters.NumberFilter(field_name="assigned_to_id", min_value=1, max_value=2**62)
    unassigned = django_filters.BooleanFilter(field_name="assigned_to", lookup_expr="isnull")
    recipient = django_filters.NumberFilter(field_name="recipient_id", min_value=1, max_value=2**62)
    region = django_filters.CharFilter(field_name="region__code", lookup_expr="startswith", max_length=12)

    class Meta:
        model = PlannedVisit
        fields = ["status", "overdue", "assigned_to", "unassigned", "recipient", "region"]

    def by_overdue(self, queryset, name, value):
        if value is None:
            return queryset
        late = Q(status=PlanStatus.OPEN, due_on__lt=timezone.localdate())
        return queryset.filter(late) if value else queryset.exclude(late)


class PlannedVisitViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Visits the profile's rules call for (open, done or cancelled), earliest due first."""

    serializer_class = PlannedVisitSerializer
    filterset_class = PlanApiFilter
    lookup_value_regex = r"\d+"

    def get_queryset(self):
        return PlannedVisit.objects.visible_to(self.request.user).select_related("recipient").order_by("due_on", "pk")

    @extend_schema(request=PlanAssignSerializer, responses=PlannedVisitSerializer)
    @action(detail=True, methods=["post"], filter_backends=[])
    def assign(self, request, pk=None):
        """The station lead gives the visit to a worker of the station (``null``: to nobody)."""
        plan = self.get_object()
        worker_id = PlanAssignSerializer(data=request.data)
        worker_id.is_valid(raise_exception=True)
        pk_value = worker_id.validated_data["assigned_to"]
        worker = get_user_model().objects.filter(pk=pk_value).first() if pk_value else None
        if pk_value and worker is None:
            raise serializers.ValidationError({"assigned_to": [gettext_lazy("Only social workers of this station can be named.")]})
        services_visits.assign_plan(request.user, plan, worker)
        return Response(PlannedVisitSerializer(self.get_queryset().get(pk=plan.pk)).data)


def register(router) -> None:
    router.register("visits", VisitViewSet, basename="visit")
    router.register("planned-visits", PlannedVisitViewSet, basename="planned-visit")
