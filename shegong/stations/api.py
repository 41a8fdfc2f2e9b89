"""Operators and stations over the API: the same scoping and services as the pages."""

from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from shegong.core.scoping import CHANGE
from shegong.regions.models import Region

from . import selectors, services
from .filters import OperatorFilter
from .models import Operator, Station


class OperatorSerializer(serializers.ModelSerializer):
    region = serializers.SlugRelatedField(slug_field="code", queryset=Region.objects.all())

    class Meta:
        model = Operator
        fields = ["id", "name", "credit_code", "region", "legal_representative", "registration_authority",
                  "registered_on", "qualifications", "address", "phone"]


class OperatorViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    serializer_class = OperatorSerializer
    filterset_class = OperatorFilter
    lookup_value_regex = r"\d+"

    def get_queryset(self):
        return Operator.objects.visible_to(self.request.user).select_related("region")

    def perform_create(self, serializer):
        serializer.instance = services.operator_register(actor=self.request.user, **serializer.validated_data)


class StationSerializer(serializers.ModelSerializer):
    region = serializers.SlugRelatedField(slug_field="code", queryset=Region.objects.all())
    operator = serializers.PrimaryKeyRelatedField(queryset=Operator.objects.none(), allow_null=True, required=False)

    class Meta:
        model = Station
        fields = ["id", "name", "kind", "region", "operator", "status", "address", "venue_area", "rooms", "equipment",
                  "township_population", "registration_number", "registered_on", "opened_on"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None:
            self.fields["operator"].queryset = Operator.objects.visible_to(request.user)


class EightHavesItemSerializer(serializers.Serializer):
    item = serializers.CharField()
    label = serializers.CharField()
    met = serializers.BooleanField()
    problems = serializers.ListField(child=serializers.CharField())
    evidence_count = serializers.SerializerMethodField()

    def get_evidence_count(self, obj) -> int:
        return len(obj.evidence)


class StationViewSet(mixins.CreateModelMixin, mixins.UpdateModelMixin, viewsets.ReadOnlyModelViewSet):
    serializer_class = StationSerializer
    lookup_value_regex = r"\d+"
    filterset_fields = ["kind", "status", "operator"]

    def get_queryset(self):
        changing = self.action in ("update", "partial_update")
        return Station.objects.visible_to(self.request.user, CHANGE if changing else "view").select_related("region", "operator")

    def perform_create(self, serializer):
        serializer.instance = services.station_create(actor=self.request.user, **serializer.validated_data)

    def perform_update(self, serializer):
        services.station_update(actor=self.request.user, station=serializer.instance, **serializer.validated_data)

    @extend_schema(responses=EightHavesItemSerializer(many=True))
    @action(detail=True, methods=["get"], url_path="eight-haves")
    def eight_haves(self, request, pk=None):
        state = selectors.eight_haves(self.get_object(), on=timezone.localdate())
        return Response(EightHavesItemSerializer(state.items, many=True).data)


def register(router) -> None:
    router.register("operators", OperatorViewSet, basename="operator")
    router.register("stations", StationViewSet, basename="station")
