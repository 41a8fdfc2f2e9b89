"""Contracts over the API: the same scoping and services as the pages."""

from django.db.models import Prefetch
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.response import Response

from shegong.regions.models import Region
from shegong.stations.models import Operator, Station

from . import services
from .filters import ContractFilter
from .models import Contract, KpiTarget, Payment, PaymentInstalment


class KpiTargetSerializer(serializers.ModelSerializer):
    class Meta:
        model = KpiTarget
        fields = ["key", "value", "defaulted_from", "policy_version_id", "edited"]


class InstalmentSerializer(serializers.ModelSerializer):
    class Meta:
        model = PaymentInstalment
        fields = ["due_on", "amount"]


class PaymentSerializer(serializers.ModelSerializer):
    class Meta:
        model = Payment
        fields = ["paid_on", "amount", "note"]


class ContractSerializer(serializers.ModelSerializer):
    purchaser_region = serializers.CharField(source="purchaser_region_id")
    operator_name = serializers.CharField(source="operator.name", read_only=True)
    stations = serializers.PrimaryKeyRelatedField(many=True, read_only=True)
    instalments = InstalmentSerializer(many=True, read_only=True)
    payments = PaymentSerializer(many=True, read_only=True)
    kpi_targets = KpiTargetSerializer(many=True, read_only=True)

    class Meta:
        model = Contract
        fields = [
            "id", "number", "purchaser_region", "purchaser_name", "operator", "operator_name", "stations",
            "cycle_start", "period_start", "period_end", "signed_on", "amount", "status",
            "renewal", "renewal_decided_on", "renewal_reason", "instalments", "payments", "kpi_targets",
        ]


class ContractCreateSerializer(serializers.Serializer):
    number = serializers.CharField(max_length=60)
    purchaser_region = serializers.CharField()
    purchaser_name = serializers.CharField(max_length=200)
    operator = serializers.IntegerField()
    stations = serializers.ListField(child=serializers.IntegerField(), allow_empty=True)
    cycle_start = serializers.DateField()
    period_start = serializers.DateField()
    period_end = serializers.DateField()
    signed_on = serializers.DateField()
    amount = serializers.DecimalField(max_digits=14, decimal_places=2)
    # Plain text here (the model validates it) so the status enum has one home in the schema.
    status = serializers.CharField(default=Contract.Status.DRAFT, help_text="draft / active / ended / terminated")
    instalments = InstalmentSerializer(many=True, required=False)


class ContractViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Contracts within the caller's jurisdiction."""

    serializer_class = ContractSerializer
    filterset_class = ContractFilter
    lookup_value_regex = r"\d+"

    def get_queryset(self):
        return Contract.objects.visible_to(self.request.user).select_related("operator").prefetch_related(
            Prefetch("stations", queryset=Station.objects.only("id")), "instalments", "payments", "kpi_targets"
        )

    @extend_schema(request=ContractCreateSerializer, responses={201: ContractSerializer})
    def create(self, request):
        payload = ContractCreateSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        region = Region.objects.filter(code=data["purchaser_region"]).first()
        if region is None:
            raise serializers.ValidationError({"purchaser_region": ["Unknown region code. 行政区划代码不存在。"]})
        operator = Operator.objects.visible_to(request.user).filter(pk=data["operator"]).first()
        if operator is None:
            raise serializers.ValidationError({"operator": ["Unknown operator. 承接主体不存在。"]})
        stations = list(Station.objects.visible_to(request.user).filter(pk__in=data["stations"]))
        if len(stations) != len(set(data["stations"])):
            raise serializers.ValidationError({"stations": ["Unknown station. 社工站不存在。"]})
        contract = services.contract_create(
            actor=request.user,
            number=data["number"],
            purchaser_region=region,
            purchaser_name=data["purchaser_name"],
            operator=operator,
            stations=stations,
            cycle_start=data["cycle_start"],
            period_start=data["period_start"],
            period_end=data["period_end"],
            signed_on=data["signed_on"],
            amount=data["amount"],
            status=data["status"],
            instalments=[(i["due_on"], i["amount"]) for i in data.get("instalments", [])],
        )
        return Response(ContractSerializer(self.get_queryset().get(pk=contract.pk)).data, status=status.HTTP_201_CREATED)


def register(router) -> None:
    """Add this app's viewsets to the API router."""
    router.register("contracts", ContractViewSet, basename="contract")
