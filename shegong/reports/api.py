"""Reports over the API: the same scoping, rules and services as the pages.

Every queryset starts from :func:`.selectors.reports_for` (outside the jurisdiction, or another
writer's draft, is a 404 like a missing row); every write goes through :mod:`.services`, whose
refusals become problem details (a bad step or a missing comment a 400, a person who may not act a
403, a stale ``version`` a 409).
"""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import exceptions, mixins, serializers, viewsets
from rest_framework import status as http
from rest_framework.decorators import action
from rest_framework.response import Response

from shegong.core.api.validation import validated
from shegong.monitoring.periods import Period
from shegong.recipients.serializers import NamedChoiceField
from shegong.regions.models import Region

from . import files, selectors, services
from .filters import ReportFilter
from .forms import contracts_to_report
from .models import Kind, Report, ReportEvent, Status, kind_of
from .views import file_response

MAX_ID = 2**62


class PdfUnavailableError(exceptions.APIException):
    status_code = http.HTTP_503_SERVICE_UNAVAILABLE
    default_detail = "PDF files cannot be made on this server."

CONFLICT = OpenApiResponse(description="Someone else changed the report in between: nothing was written (problem details).")
TEXT = 20000


class EventSerializer(serializers.ModelSerializer):
    action = NamedChoiceField("ReportEventActionEnum", ReportEvent.Action.choices, read_only=True)

    class Meta:
        model = ReportEvent
        fields = ["action", "comment", "actor", "actor_name", "at"]
        read_only_fields = fields


class ReportSerializer(serializers.ModelSerializer):
    """A report: its place, period, state, text, the frozen figures and the steps taken."""

    kind = NamedChoiceField("ReportKindEnum", Kind.choices, read_only=True)
    status = NamedChoiceField("ReportStatusEnum", Status.choices, read_only=True)
    region = serializers.CharField(source="region_id", read_only=True)
    region_name = serializers.CharField(source="region.name", read_only=True)
    operator_name = serializers.CharField(source="operator.name", read_only=True, allow_null=True, default=None)
    contract_number = serializers.CharField(source="contract.number", read_only=True, allow_null=True, default=None)
    period = serializers.CharField(source="period_key", read_only=True)
    superseded_by = serializers.SerializerMethodField()
    snapshot = serializers.JSONField(read_only=True, help_text="The KPI scorecard as frozen on submission (never changed after approval).")
    events = EventSerializer(many=True, read_only=True)

    class Meta:
        model = Report
        fields = [
            "id", "kind", "title", "region", "region_name", "operator", "operator_name", "contract", "contract_number",
            "period", "period_start", "period_end", "status", "revision", "supersedes", "superseded_by",
            "summary", "highlights", "problems", "next_steps", "return_comment", "snapshot", "snapshot_at",
            "created_by", "created_at", "submitted_by", "submitted_at", "returned_by", "returned_at",
            "approved_by", "approved_at", "version", "events",
        ]
        read_only_fields = fields

    def get_superseded_by(self, obj) -> int | None:
        try:
            return obj.superseded_by.pk
        except Report.DoesNotExist:
            return None


class ReportCreateSerializer(serializers.Serializer):
    period = serializers.RegexField(r"^(20\d\d)(-(0?[1-9]|1[0-2])|-[Qq][1-4]|-[Hh][12])?$", max_length=7,
                                    help_text="2026-10 (monthly), 2026-Q3 (quarterly), 2026-H1 (half-year) or 2026 (annual).")
    contract = serializers.IntegerField(min_value=1, max_value=MAX_ID, required=False, allow_null=True, default=None,
                                        help_text="An operator's report: the contract whose stations it covers.")
    region = serializers.RegexField(r"^\d{4}(\d{2})?$", required=False, allow_null=True, default=None,
                                    help_text="A place's own report: the county (or city) code.")

    def validate(self, attrs):
        if bool(attrs.get("contract")) == bool(attrs.get("region")):
            raise serializers.ValidationError({"contract": [_("Give a contract (the operator's report) or a region (the office's own report).")]})
        return attrs


class NarrativeSerializer(serializers.Serializer):
    version = serializers.IntegerField(min_value=1, max_value=MAX_ID, help_text="The version you read; a stale one answers 409.")
    summary = serializers.CharField(max_length=TEXT, required=False, allow_blank=True)
    highlights = serializers.CharField(max_length=TEXT, required=False, allow_blank=True)
    problems = serializers.CharField(max_length=TEXT, required=False, allow_blank=True)
    next_steps = serializers.CharField(max_length=TEXT, required=False, allow_blank=True)


class StepSerializer(serializers.Serializer):
    version = serializers.IntegerField(min_value=1, max_value=MAX_ID, required=False, allow_null=True, default=None,
                                       help_text="Optional: the version you read; a stale one answers 409.")


class ReturnSerializer(StepSerializer):
    comment = serializers.CharField(max_length=TEXT, help_text="What the writer should change (required).")


class ApproveSerializer(StepSerializer):
    comment = serializers.CharField(max_length=TEXT, required=False, allow_blank=True, default="")


class CorrectSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=TEXT, help_text="Why the approved report is corrected.")


def _file_schema(fmt):
    responses = {(200, files.FORMATS[fmt]): OpenApiTypes.BINARY}
    if fmt == "pdf":
        responses[503] = OpenApiResponse(description="The server cannot make PDF files (Pango missing; problem details).")
    return extend_schema(responses=responses,
                         description=f"The report as .{fmt}: as stored on approval, else made from its frozen figures.")


class ReportViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Periodic reports within the caller's jurisdiction; the steps of their review are POST actions."""

    serializer_class = ReportSerializer
    filterset_class = ReportFilter
    lookup_value_regex = r"\d+"

    def get_queryset(self):
        return (
            selectors.reports_for(self.request.user)
            .select_related("region", "operator", "contract", "superseded_by").prefetch_related("events")
            .order_by("-period_start", "-pk")
        )

    def _fresh(self, report, status=http.HTTP_200_OK) -> Response:
        return Response(ReportSerializer(self.get_queryset().get(pk=report.pk)).data, status=status)

    @extend_schema(request=ReportCreateSerializer, responses={201: ReportSerializer})
    def create(self, request):
        """Start a report (a draft) with today's figures: an operator manager for its contract, a
        bureau official for its own county (or city)."""
        data = validated(ReportCreateSerializer, request.data)
        try:
            period = Period.parse(data["period"])
        except DjangoValidationError as exc:
            raise serializers.ValidationError({"period": exc.messages}) from None
        if kind_of(period) is None:
            raise serializers.ValidationError({"period": [_("Reports cover a month, a quarter, a half-year or a year.")]})
        contract = region = None
        if data["contract"]:
            contract = contracts_to_report(request.user).filter(pk=data["contract"]).first()
            if contract is None:
                raise serializers.ValidationError({"contract": [_("Unknown contract.")]})
        else:
            region = Region.objects.filter(code=data["region"]).first()
            if region is None:
                raise serializers.ValidationError({"region": [_("Unknown region code.")]})
        report = services.create_report(actor=request.user, period=period, contract=contract, region=region)
        return self._fresh(report, http.HTTP_201_CREATED)

    @extend_schema(request=NarrativeSerializer, responses={200: ReportSerializer, 409: CONFLICT})
    def partial_update(self, request, pk=None):
        """Change the text of a draft or returned report (only its writer)."""
        report = self.get_object()
        data = validated(NarrativeSerializer, request.data)
        version = data.pop("version")
        services.update_narrative(actor=request.user, report=report, expected_version=version, **data)
        return self._fresh(report)

    def _step(self, request, serializer_class, call, status=http.HTTP_200_OK):
        report = self.get_object()
        data = validated(serializer_class, request.data)
        result = call(report, data)
        return self._fresh(result, status)

    @extend_schema(request=StepSerializer, responses={200: ReportSerializer, 409: CONFLICT})
    @action(detail=True, methods=["post"], filter_backends=[])
    def submit(self, request, pk=None):
        """Send the report to its reviewer; the figures are taken again now."""
        return self._step(request, StepSerializer, lambda r, d: services.submit(
            actor=request.user, report=r, expected_version=d["version"]))

    @extend_schema(request=ReturnSerializer, responses={200: ReportSerializer, 409: CONFLICT})
    @action(detail=True, methods=["post"], url_path="return", url_name="return", filter_backends=[])
    def return_report(self, request, pk=None):
        """Send a submitted report back to its writer with a comment (the reviewing office only)."""
        return self._step(request, ReturnSerializer, lambda r, d: services.return_report(
            actor=request.user, report=r, comment=d["comment"], expected_version=d["version"]))

    @extend_schema(request=ApproveSerializer, responses={200: ReportSerializer, 409: CONFLICT})
    @action(detail=True, methods=["post"], filter_backends=[])
    def approve(self, request, pk=None):
        """Approve a submitted report: its figures and files never change after this."""
        return self._step(request, ApproveSerializer, lambda r, d: services.approve(
            actor=request.user, report=r, comment=d["comment"], expected_version=d["version"]))

    @extend_schema(request=CorrectSerializer, responses={201: ReportSerializer})
    @action(detail=True, methods=["post"], filter_backends=[])
    def correct(self, request, pk=None):
        """Start a corrected revision of an approved report (answers the new revision)."""
        return self._step(request, CorrectSerializer, lambda r, d: services.correct(
            actor=request.user, report=r, reason=d["reason"]), http.HTTP_201_CREATED)

    def _file(self, request, fmt):
        report = self.get_object()
        try:
            response = file_response(report, fmt)
        except files.PdfUnavailable as exc:
            raise PdfUnavailableError(str(exc)) from exc
        services.record_download(actor=request.user, report=report, fmt=fmt)
        return response

    @_file_schema("xlsx")
    @action(detail=True, methods=["get"], filter_backends=[], pagination_class=None)
    def xlsx(self, request, pk=None):
        return self._file(request, "xlsx")

    @_file_schema("docx")
    @action(detail=True, methods=["get"], filter_backends=[], pagination_class=None)
    def docx(self, request, pk=None):
        return self._file(request, "docx")

    @_file_schema("pdf")
    @action(detail=True, methods=["get"], filter_backends=[], pagination_class=None)
    def pdf(self, request, pk=None):
        return self._file(request, "pdf")


def register(router) -> None:
    router.register("reports", ReportViewSet, basename="report")
