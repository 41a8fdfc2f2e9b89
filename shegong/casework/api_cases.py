"""API: cases (个案, MZ/T 094), their plans, records, approvals and confidential notes.

The same scoping and services as the pages: every queryset starts from ``visible_to`` (outside
the jurisdiction is a 404 like a missing row); every write and every stage move goes through
:mod:`services_cases`, whose refusals become problem details (an illegal move or missing field a
400, a person who may not act a 403, a stale ``version`` a 409). Confidential notes answer 404 to
anyone but the case's worker and supervisor, even when they may read the case.
"""

from __future__ import annotations

import django_filters
from django.http import Http404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, serializers, viewsets
from rest_framework import status as http
from rest_framework.decorators import action
from rest_framework.response import Response

from shegong.core.api.validation import validated
from shegong.recipients.models import Recipient
from shegong.recipients.serializers import NamedChoiceField

from . import services_cases as svc
from .catalogue import items_by_pk
from .models import (
    Approval,
    ApprovalStatus,
    ApprovalSubject,
    Case,
    CasePlan,
    CaseRecord,
    CaseSource,
    CaseStage,
    ClosureReason,
    ContactKind,
    Visit,
)

MAX_ID = 2**62
CONFLICT = OpenApiResponse(description="Someone else saved the case in between: nothing was written (problem details).")


def _id(**kwargs):
    return serializers.IntegerField(min_value=1, max_value=MAX_ID, **kwargs)


def _stage(**kwargs):
    return NamedChoiceField("CaseStageEnum", CaseStage.choices, **kwargs)


class _Person(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    name = serializers.CharField(source="__str__", read_only=True)


# --- Representations -----------------------------------------------------------------------


class CaseSerializer(serializers.ModelSerializer):
    """A case. The person is named with the place and follow-up level only (never an ID number)."""

    region = serializers.CharField(source="region_id", read_only=True)
    recipient_name = serializers.CharField(source="recipient.name", read_only=True)
    stage = _stage(read_only=True)
    source = NamedChoiceField("CaseSourceEnum", CaseSource.choices, read_only=True)
    closure_reason = serializers.ChoiceField(choices=ClosureReason.choices, allow_blank=True, read_only=True)
    worker = _Person(read_only=True, allow_null=True)
    supervisor = _Person(read_only=True, allow_null=True)
    items = serializers.PrimaryKeyRelatedField(many=True, read_only=True)

    class Meta:
        model = Case
        fields = [
            "id", "number", "region", "recipient", "recipient_name", "stage", "source", "source_detail", "source_visit",
            "opened_on", "problem", "assessment", "review_summary", "closure_reason", "closure_summary", "closed_on",
            "reopened_count", "worker", "supervisor", "items", "version", "created_at", "updated_at",
        ]
        read_only_fields = fields


class CaseCreateSerializer(serializers.Serializer):
    recipient = _id()
    source = NamedChoiceField("CaseSourceEnum", CaseSource.choices)
    source_detail = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    source_visit = _id(required=False, allow_null=True, default=None)
    problem = serializers.CharField(max_length=10000)
    worker = _id(required=False, allow_null=True, default=None, help_text="Default: you, when you are a social worker.")
    supervisor = _id(required=False, allow_null=True, default=None)
    items = serializers.ListField(child=_id(), required=False, default=list, max_length=100)
    opened_on = serializers.DateField(required=False, allow_null=True, default=None, help_text="Default today.")


class CaseUpdateSerializer(serializers.Serializer):
    version = serializers.IntegerField(min_value=1, max_value=MAX_ID, help_text="The version you read; a stale one answers 409.")
    problem = serializers.CharField(max_length=10000, required=False)
    source_detail = serializers.CharField(max_length=200, required=False, allow_blank=True)
    assessment = serializers.CharField(max_length=10000, required=False, allow_blank=True)
    review_summary = serializers.CharField(max_length=10000, required=False, allow_blank=True)
    closure_summary = serializers.CharField(max_length=10000, required=False, allow_blank=True)
    items = serializers.ListField(child=_id(), required=False, max_length=100)


class VersionMixin(serializers.Serializer):
    version = serializers.IntegerField(min_value=1, max_value=MAX_ID, required=False, allow_null=True, default=None,
                                       help_text="Optional: the version you read; a stale one answers 409.")


class AssessSerializer(VersionMixin):
    assessment = serializers.CharField(max_length=10000)


class PlanSubmitSerializer(VersionMixin):
    goals = serializers.CharField(max_length=10000)
    actions = serializers.CharField(max_length=10000)
    timetable = serializers.CharField(max_length=10000)
    review_on = serializers.DateField()


class ReviewSerializer(VersionMixin):
    review_summary = serializers.CharField(max_length=10000)


class ContinueSerializer(VersionMixin):
    note = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")


class ClosureSerializer(VersionMixin):
    reason = NamedChoiceField("ClosureReasonEnum", ClosureReason.choices)
    summary = serializers.CharField(max_length=10000)


class ReopenSerializer(VersionMixin):
    reason = serializers.CharField(max_length=300)


class RecordSerializer(serializers.ModelSerializer):
    contact = NamedChoiceField("ContactKindEnum", ContactKind.choices, read_only=True)
    written_by = _Person(read_only=True, allow_null=True)
    items = serializers.PrimaryKeyRelatedField(many=True, read_only=True)

    class Meta:
        model = CaseRecord
        fields = ["id", "case", "occurred_on", "contact", "content", "items", "written_by", "written_at"]
        read_only_fields = fields


class RecordCreateSerializer(serializers.Serializer):
    occurred_on = serializers.DateField()
    contact = NamedChoiceField("ContactKindEnum", ContactKind.choices, required=False, default=ContactKind.HOME)
    content = serializers.CharField(max_length=10000)
    items = serializers.ListField(child=_id(), required=False, default=list, max_length=100)


class ApprovalSerializer(serializers.ModelSerializer):
    subject = NamedChoiceField("ApprovalSubjectEnum", ApprovalSubject.choices, read_only=True)
    status = NamedChoiceField("ApprovalStatusEnum", ApprovalStatus.choices, read_only=True)
    case_number = serializers.CharField(source="case.number", read_only=True)
    requested_by = _Person(read_only=True, allow_null=True)
    decided_by = _Person(read_only=True, allow_null=True)

    class Meta:
        model = Approval
        fields = ["id", "case", "case_number", "subject", "plan", "status", "requested_by", "requested_at",
                  "decided_by", "decided_at", "comment"]
        read_only_fields = fields


class PlanSerializer(serializers.ModelSerializer):
    written_by = _Person(read_only=True, allow_null=True)
    approvals = ApprovalSerializer(many=True, read_only=True)

    class Meta:
        model = CasePlan
        fields = ["id", "case", "number", "goals", "actions", "timetable", "review_on", "written_by", "written_at", "approvals"]
        read_only_fields = fields


class DecisionSerializer(serializers.Serializer):
    decision = NamedChoiceField("ApprovalDecisionEnum", [("approve", "approve"), ("return", "return")])
    comment = serializers.CharField(max_length=10000, required=False, allow_blank=True, default="",
                                    help_text="Required when returning.")


class NoteSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    text = serializers.CharField(max_length=10000)
    written_by = _Person(read_only=True, allow_null=True)
    written_at = serializers.DateTimeField(read_only=True)


class TransferSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=300)
    to_worker = _id(required=False, allow_null=True, default=None)
    to_township = serializers.RegexField(r"^\d{9}$", required=False, allow_null=True, default=None)
    to_village = serializers.RegexField(r"^\d{12}$", required=False, allow_null=True, default=None)


class TransferResultSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    case = serializers.IntegerField(source="case_id")
    from_region = serializers.CharField(source="from_region_id")
    to_region = serializers.CharField(source="to_region_id")
    from_worker = serializers.IntegerField(source="from_worker_id", allow_null=True)
    to_worker = serializers.IntegerField(source="to_worker_id", allow_null=True)
    reason = serializers.CharField()


class AssignSerializer(serializers.Serializer):
    worker = _id(required=False, allow_null=True, default=None)
    supervisor = _id(required=False, allow_null=True, default=None)
    reason = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")


# --- Helpers -------------------------------------------------------------------------------




def _people(ids: dict, region_code: str, pick) -> dict:
    """Resolve user ids among ``pick(region_code)`` (workers / supervisors of the place)."""
    out = {}
    for field, pk in ids.items():
        if pk is None:
            out[field] = None
            continue
        found = pick(region_code).filter(pk=pk).first()
        if found is None:
            raise serializers.ValidationError({field: [_("Choose a person of the station that serves this place.")]})
        out[field] = found
    return out



class CaseApiFilter(django_filters.FilterSet):
    stage = django_filters.ChoiceFilter(choices=CaseStage.choices)
    recipient = django_filters.NumberFilter(field_name="recipient_id", min_value=1, max_value=MAX_ID)
    worker = django_filters.NumberFilter(field_name="worker_id", min_value=1, max_value=MAX_ID)
    supervisor = django_filters.NumberFilter(field_name="supervisor_id", min_value=1, max_value=MAX_ID)
    awaiting_me = django_filters.BooleanFilter(method="by_awaiting", help_text="true: cases awaiting my approval.")

    class Meta:
        model = Case
        fields = ["stage", "recipient", "worker", "supervisor", "awaiting_me"]

    def by_awaiting(self, queryset, name, value):
        if not value:
            return queryset
        return queryset.filter(supervisor=self.request.user, approvals__status=ApprovalStatus.PENDING)


# --- Cases ---------------------------------------------------------------------------------


class CaseViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Cases within the caller's jurisdiction; stage moves are POST actions of a case."""

    serializer_class = CaseSerializer
    filterset_class = CaseApiFilter
    lookup_value_regex = r"\d+"

    def get_queryset(self):
        return (
            Case.objects.visible_to(self.request.user).select_related("recipient", "worker", "supervisor")
            .prefetch_related("items").order_by("-opened_on", "-pk")
        )

    def _fresh(self, case) -> dict:
        return CaseSerializer(self.get_queryset().get(pk=case.pk)).data

    @extend_schema(request=CaseCreateSerializer, responses={201: CaseSerializer})
    def create(self, request):
        """Open a case (接案) for a person you serve; ``source_visit`` must be a visit about them."""
        user = request.user
        data = validated(CaseCreateSerializer, request.data)
        recipient = Recipient.objects.visible_to(user).filter(pk=data["recipient"], merged_into__isnull=True).first()
        if recipient is None:
            raise serializers.ValidationError({"recipient": [_("Unknown recipient.")]})
        visit = None
        if data["source_visit"]:
            visit = Visit.objects.visible_to(user).filter(pk=data["source_visit"]).first()
            if visit is None:
                raise serializers.ValidationError({"source_visit": [_("Unknown visit.")]})
        people = _people({"worker": data["worker"]}, recipient.region_id, svc.workers_for)
        people |= _people({"supervisor": data["supervisor"]}, recipient.region_id, svc.supervisors_for)
        case = svc.open_case(
            user, recipient, source=data["source"], source_detail=data["source_detail"], source_visit=visit,
            problem=data["problem"], items=items_by_pk(data["items"]), opened_on=data["opened_on"], **people,
        )
        return Response(self._fresh(case), status=http.HTTP_201_CREATED)

    @extend_schema(request=CaseUpdateSerializer, responses={200: CaseSerializer, 409: CONFLICT})
    def partial_update(self, request, pk=None):
        """Change the case's texts; ``version`` must be the one you read (else 409, nothing written)."""
        case = self.get_object()
        data = validated(CaseUpdateSerializer, request.data)
        version = data.pop("version")
        items = items_by_pk(data.pop("items")) if "items" in data else None
        svc.update_case(request.user, case, expected_version=version, items=items, **data)
        return Response(self._fresh(case))

    def _act(self, request, serializer_class, call):
        case = self.get_object()
        data = validated(serializer_class, request.data) if serializer_class else {}
        call(case, data)
        return Response(self._fresh(case))

    @extend_schema(request=AssessSerializer, responses={200: CaseSerializer, 409: CONFLICT})
    @action(detail=True, methods=["post"], filter_backends=[])
    def assess(self, request, pk=None):
        """Intake → assessment (预估)."""
        return self._act(request, AssessSerializer, lambda c, d: svc.record_assessment(
            request.user, c, assessment=d["assessment"], expected_version=d["version"]))

    @extend_schema(request=PlanSubmitSerializer, responses={200: CaseSerializer, 409: CONFLICT})
    @action(detail=True, methods=["post"], url_path="submit-plan", url_name="submit-plan", filter_backends=[])
    def submit_plan(self, request, pk=None):
        """Assessment or review → plan awaiting the supervisor's approval (a new plan number)."""
        return self._act(request, PlanSubmitSerializer, lambda c, d: svc.submit_plan(
            request.user, c, goals=d["goals"], actions=d["actions"], timetable=d["timetable"], review_on=d["review_on"],
            expected_version=d["version"]))

    @extend_schema(request=ReviewSerializer, responses={200: CaseSerializer, 409: CONFLICT})
    @action(detail=True, methods=["post"], filter_backends=[])
    def review(self, request, pk=None):
        """Intervention → review (评估)."""
        return self._act(request, ReviewSerializer, lambda c, d: svc.start_review(
            request.user, c, review_summary=d["review_summary"], expected_version=d["version"]))

    @extend_schema(request=ContinueSerializer, responses={200: CaseSerializer, 409: CONFLICT})
    @action(detail=True, methods=["post"], url_path="continue", url_name="continue", filter_backends=[])
    def continue_service(self, request, pk=None):
        """Review → back to intervention."""
        return self._act(request, ContinueSerializer, lambda c, d: svc.continue_service(
            request.user, c, note=d["note"], expected_version=d["version"]))

    @extend_schema(request=ClosureSerializer, responses={200: CaseSerializer, 409: CONFLICT})
    @action(detail=True, methods=["post"], url_path="submit-closure", url_name="submit-closure", filter_backends=[])
    def submit_closure(self, request, pk=None):
        """Review (or intake, reason not_eligible) → closure awaiting the supervisor's approval."""
        return self._act(request, ClosureSerializer, lambda c, d: svc.submit_closure(
            request.user, c, reason=d["reason"], summary=d["summary"], expected_version=d["version"]))

    @extend_schema(request=ReopenSerializer, responses={200: CaseSerializer, 409: CONFLICT})
    @action(detail=True, methods=["post"], filter_backends=[])
    def reopen(self, request, pk=None):
        """Closed → assessment, with the reason."""
        return self._act(request, ReopenSerializer, lambda c, d: svc.reopen(
            request.user, c, reason=d["reason"], expected_version=d["version"]))

    @extend_schema(request=TransferSerializer, responses={201: TransferResultSerializer})
    @action(detail=True, methods=["post"], filter_backends=[])
    def transfer(self, request, pk=None):
        """Hand the case to another worker of the station, or move it with the person to another
        township of the county (``to_township`` + ``to_village``)."""
        case = self.get_object()
        data = validated(TransferSerializer, request.data)
        to_worker = None
        if data["to_worker"]:
            from shegong.accounts.models import User

            to_worker = User.objects.filter(pk=data["to_worker"], is_active=True).first()
            if to_worker is None:
                raise serializers.ValidationError({"to_worker": [_("Unknown social worker.")]})
        transfer = svc.transfer_case(request.user, case, reason=data["reason"], to_worker=to_worker,
                                     to_township=data["to_township"], to_village=data["to_village"])
        return Response(TransferResultSerializer(transfer).data, status=http.HTTP_201_CREATED)

    @extend_schema(request=AssignSerializer, responses=CaseSerializer)
    @action(detail=True, methods=["post"], filter_backends=[])
    def assign(self, request, pk=None):
        """The station lead names the case's worker and/or supervisor."""
        case = self.get_object()
        data = validated(AssignSerializer, request.data)
        people = _people({"worker": data["worker"]}, case.region_id, svc.workers_for)
        people |= _people({"supervisor": data["supervisor"]}, case.region_id, svc.supervisors_for)
        svc.assign(request.user, case, reason=data["reason"], **people)
        return Response(self._fresh(case))

    @extend_schema(methods=["GET"], responses=RecordSerializer(many=True), description="The case's service records, newest first.")
    @extend_schema(methods=["POST"], request=RecordCreateSerializer, responses={201: RecordSerializer},
                   description="Add a service record (in intervention or review).")
    @action(detail=True, methods=["get", "post"], filter_backends=[], pagination_class=None)
    def records(self, request, pk=None):
        case = self.get_object()
        if request.method == "POST":
            data = validated(RecordCreateSerializer, request.data)
            record = svc.add_record(request.user, case, occurred_on=data["occurred_on"], contact=data["contact"],
                                    content=data["content"], items=items_by_pk(data["items"]))
            return Response(RecordSerializer(record).data, status=http.HTTP_201_CREATED)
        rows = CaseRecord.objects.visible_to(request.user).filter(case=case).select_related("written_by").prefetch_related("items")
        return Response(RecordSerializer(rows.order_by("-occurred_on", "-pk"), many=True).data)

    @extend_schema(methods=["GET"], responses=NoteSerializer(many=True),
                   description="Confidential notes: only the case's worker and its supervisor; 404 to anyone else. Every reading is audited.")
    @extend_schema(methods=["POST"], request=NoteSerializer, responses={201: NoteSerializer},
                   description="Write a confidential note (worker and supervisor of the case only).")
    @action(detail=True, methods=["get", "post"], filter_backends=[], pagination_class=None)
    def notes(self, request, pk=None):
        case = self.get_object()
        if not svc.may_read_notes(request.user, case):
            raise Http404
        if request.method == "POST":
            data = validated(NoteSerializer, request.data)
            note = svc.add_note(request.user, case, text=data["text"])
            return Response({"id": note.pk, "text": data["text"], "written_by": _Person(note.written_by).data if note.written_by else None,
                             "written_at": serializers.DateTimeField().to_representation(note.written_at)},
                            status=http.HTTP_201_CREATED)
        rows = [
            {"id": note.pk, "text": text, "written_by": note.written_by, "written_at": note.written_at}
            for note, text in svc.read_notes(request.user, case)
        ]
        return Response(NoteSerializer(rows, many=True).data)


# --- Plans and approvals -------------------------------------------------------------------


class PlanApiFilter(django_filters.FilterSet):
    case = django_filters.NumberFilter(field_name="case_id", min_value=1, max_value=MAX_ID)

    class Meta:
        model = CasePlan
        fields = ["case"]


class CasePlanViewSet(viewsets.ReadOnlyModelViewSet):
    """Service plans (服务计划) with the supervisor's decisions on each."""

    serializer_class = PlanSerializer
    filterset_class = PlanApiFilter
    lookup_value_regex = r"\d+"

    def get_queryset(self):
        return (
            CasePlan.objects.visible_to(self.request.user).select_related("written_by")
            .prefetch_related("approvals__requested_by", "approvals__decided_by", "approvals__case").order_by("-pk")
        )


class ApprovalApiFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=ApprovalStatus.choices)
    subject = django_filters.ChoiceFilter(choices=ApprovalSubject.choices)
    mine = django_filters.BooleanFilter(method="by_mine", help_text=gettext_lazy("true: submissions on the cases I supervise."))

    class Meta:
        model = Approval
        fields = ["status", "subject", "mine"]

    def by_mine(self, queryset, name, value):
        return queryset.filter(case__supervisor=self.request.user) if value else queryset


class ApprovalViewSet(viewsets.ReadOnlyModelViewSet):
    """Plans and closures put to supervisors; ``decide`` approves or returns with comments."""

    serializer_class = ApprovalSerializer
    filterset_class = ApprovalApiFilter
    lookup_value_regex = r"\d+"

    def get_queryset(self):
        return Approval.objects.visible_to(self.request.user).select_related("case", "requested_by", "decided_by").order_by("-pk")

    @extend_schema(request=DecisionSerializer, responses=ApprovalSerializer)
    @action(detail=True, methods=["post"], filter_backends=[])
    def decide(self, request, pk=None):
        """Only the case's own supervisor decides; returning needs comments."""
        approval = self.get_object()
        data = validated(DecisionSerializer, request.data)
        svc.decide(request.user, approval, approve=data["decision"] == "approve", comment=data["comment"])
        return Response(ApprovalSerializer(self.get_queryset().get(pk=approval.pk)).data)


def register(router) -> None:
    router.register("cases", CaseViewSet, basename="case")
    router.register("case-plans", CasePlanViewSet, basename="case-plan")
    router.register("case-approvals", ApprovalViewSet, basename="case-approval")
