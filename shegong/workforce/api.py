"""Workers and sessions over the API: the same scoping and services as the pages."""

from datetime import date
from decimal import Decimal

from django.core.exceptions import PermissionDenied
from django.db.models import DecimalField, Prefetch, Sum
from django.db.models.functions import Coalesce
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from shegong.core.scoping import CHANGE
from shegong.regions.models import Region
from shegong.stations.models import Operator, Station

from . import compliance, services
from .filters import SessionFilter, WorkerFilter
from .models import LocalAverageWage, Session, SocialWorker, Volunteer
from .services import WORKER_FIELDS


class AssignmentSerializer(serializers.Serializer):
    station = serializers.IntegerField(source="station_id")
    station_name = serializers.CharField(source="station.name")
    start = serializers.DateField()
    end = serializers.DateField(allow_null=True)


class WorkerSerializer(serializers.ModelSerializer):
    assignments = AssignmentSerializer(many=True, read_only=True)
    employer_name = serializers.CharField(source="employer.name", read_only=True)

    class Meta:
        model = SocialWorker
        fields = ["id", "employer", "employer_name", *[f for f in WORKER_FIELDS if f != "user"], "assignments"]
        read_only_fields = ["employer"]


class WorkerCreateSerializer(WorkerSerializer):
    station = serializers.IntegerField(write_only=True)
    start = serializers.DateField(write_only=True, required=False)

    class Meta(WorkerSerializer.Meta):
        fields = [*WorkerSerializer.Meta.fields, "station", "start"]


class WorkerViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.UpdateModelMixin, mixins.CreateModelMixin,
                    viewsets.GenericViewSet):
    """Social workers within the caller's jurisdiction."""

    serializer_class = WorkerSerializer
    filterset_class = WorkerFilter
    lookup_value_regex = r"\d+"

    def get_queryset(self):
        action_name = CHANGE if self.action in ("update", "partial_update") else "view"
        return (
            SocialWorker.objects.visible_to(self.request.user, action_name)
            .select_related("employer")
            .prefetch_related("assignments__station")
            .order_by("name", "pk")
        )

    def get_serializer_class(self):
        return WorkerCreateSerializer if self.action == "create" else WorkerSerializer

    def filter_queryset(self, queryset):
        filterset = WorkerFilter(self.request.query_params or None, queryset=queryset, actor=self.request.user)
        if filterset.is_bound and not filterset.is_valid():
            raise serializers.ValidationError(filterset.errors)
        return filterset.qs

    def perform_update(self, serializer):
        services.worker_update(actor=self.request.user, worker=serializer.instance, **serializer.validated_data)

    def create(self, request):
        payload = WorkerCreateSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = dict(payload.validated_data)
        station = Station.objects.visible_to(request.user).select_related("operator").filter(pk=data.pop("station")).first()
        if station is None or station.operator is None:
            raise serializers.ValidationError({"station": ["Unknown station. 社工站不存在。"]})
        worker = services.worker_create(actor=request.user, employer=station.operator, station=station, **data)
        return Response(WorkerSerializer(worker).data, status=status.HTTP_201_CREATED)

    def retrieve(self, request, *args, **kwargs):
        worker = self.get_object()
        body = WorkerSerializer(worker).data
        year = request.query_params.get("year") or str(date.today().year)
        if not year.isdigit() or not 1900 <= int(year) <= 2999:
            raise serializers.ValidationError({"year": ["Enter a year such as 2024. 请填写年份，如 2024。"]})
        year = int(year)
        result = compliance.worker_year(worker, year)
        body["compliance"] = {
            "year": year,
            "policy_versions": result.version_ids,
            "verdicts": [
                {"rule": v.rule, "status": v.status, "actual": _json(v.actual), "required": _json(v.required),
                 "due": v.due, "source": str(v.source) if v.source else None}
                for v in result.verdicts
            ],
        }
        return Response(body)


def _json(value):
    return str(value) if value is not None else None


class SessionSerializer(serializers.ModelSerializer):
    region = serializers.CharField(source="region_id")
    attendees = serializers.PrimaryKeyRelatedField(many=True, queryset=SocialWorker.objects.none())

    class Meta:
        model = Session
        fields = ["id", "kind", "date", "hours", "provider", "topic", "region", "operator", "attendees"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None:
            self.fields["attendees"].child_relation.queryset = SocialWorker.objects.visible_to(request.user)
            self.fields["operator"].queryset = Operator.objects.visible_to(request.user)


class SessionViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet):
    """Training and supervision sessions within the caller's jurisdiction."""

    serializer_class = SessionSerializer
    filterset_class = SessionFilter
    lookup_value_regex = r"\d+"

    def get_queryset(self):
        # Only attendees the caller may see, in one query for the whole page.
        attendees = Prefetch("attendees", queryset=SocialWorker.objects.visible_to(self.request.user).only("pk"))
        return Session.objects.visible_to(self.request.user).prefetch_related(attendees).order_by("-date", "pk")

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        region = Region.objects.filter(code=data.pop("region_id", None)).first()
        if region is None:
            raise serializers.ValidationError({"region": ["Unknown region code. 行政区划代码不存在。"]})
        try:
            serializer.instance = services.session_create(actor=self.request.user, region=region, **data)
        except PermissionDenied as exc:
            raise serializers.ValidationError({"region": [str(exc)]}) from None


class VolunteerSerializer(serializers.ModelSerializer):
    hours = serializers.DecimalField(max_digits=9, decimal_places=1, read_only=True, source="total_hours")

    class Meta:
        model = Volunteer
        fields = ["id", "station", "name", "phone", "joined_on", "hours"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None:
            self.fields["station"].queryset = Station.objects.visible_to(request.user)


class VolunteerHoursSerializer(serializers.Serializer):
    date = serializers.DateField()
    hours = serializers.DecimalField(max_digits=5, decimal_places=1, min_value=Decimal("0"))
    activity = serializers.CharField(max_length=200, required=False, default="")


class VolunteerViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet):
    """Volunteers of the stations within the caller's jurisdiction, with their total hours."""

    serializer_class = VolunteerSerializer
    lookup_value_regex = r"\d+"

    def get_queryset(self):
        action_name = CHANGE if self.action == "hours" else "view"
        return (
            Volunteer.objects.visible_to(self.request.user, action_name)
            .annotate(total_hours=Coalesce(Sum("services__hours"), Decimal("0"), output_field=DecimalField()))
            .order_by("station_id", "name", "pk")
        )

    def perform_create(self, serializer):
        serializer.instance = services.volunteer_create(actor=self.request.user, **serializer.validated_data)
        serializer.instance.total_hours = Decimal("0")

    @extend_schema(request=VolunteerHoursSerializer, responses={201: None})
    @action(detail=True, methods=["post"])
    def hours(self, request, pk=None):
        """Log hours the volunteer served."""
        volunteer = self.get_object()  # outside the jurisdiction is a 404 before any validation
        payload = VolunteerHoursSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        services.volunteer_service_add(actor=request.user, volunteer=volunteer, **payload.validated_data)
        return Response(status=status.HTTP_201_CREATED)


class WageSerializer(serializers.ModelSerializer):
    region = serializers.CharField(source="region_id")

    class Meta:
        model = LocalAverageWage
        fields = ["id", "region", "year", "monthly_amount", "source"]


class WageViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet):
    """Local average monthly wages (data for the pay check); a bureau enters them for its places."""

    serializer_class = WageSerializer
    lookup_value_regex = r"\d+"

    def get_queryset(self):
        return LocalAverageWage.objects.visible_to(self.request.user).order_by("region_id", "-year")

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        region = Region.objects.filter(code=data.pop("region_id", None)).first()
        if region is None:
            raise serializers.ValidationError({"region": ["Unknown region code. 行政区划代码不存在。"]})
        serializer.instance = services.wage_set(actor=self.request.user, region=region, **data)


def register(router) -> None:
    """Add this app's viewsets to the API router."""
    router.register("volunteers", VolunteerViewSet, basename="volunteer")
    router.register("wages", WageViewSet, basename="wage")
    router.register("workers", WorkerViewSet, basename="worker")
    router.register("sessions", SessionViewSet, basename="session")
