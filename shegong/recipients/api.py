"""API of the recipients app (/api/v1/): the same scoping and services as the pages.

Every queryset starts from ``visible_to``: a row outside the caller's jurisdiction is a 404 exactly
like a missing one. Writes go through the services, whose refusals become problem details
(a ValidationError names the fields, a PermissionDenied is a 403). No ID or phone number ever
travels in an address: the full values come in request bodies (registration, ``search``) and go
out only through the audited ``unmask`` action; every representation carries the masked forms.
"""

from __future__ import annotations

import re

import django_filters
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import RegexValidator
from django.db.models import Exists, OuterRef, Prefetch, Q
from django.http import FileResponse, Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, viewsets
from rest_framework import status as http
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response

from shegong.core import audit
from shegong.core.api.pagination import Cursor
from shegong.core.api.validation import validated

from . import idnumber, imports, pinyin, services, services_needs, services_registry
from .models import (
    Attachment,
    Category,
    CategoryMembership,
    DuplicateCandidate,
    DuplicateStatus,
    FollowUpLevel,
    Household,
    ImportBatch,
    ImportState,
    NeedDomain,
    NeedItem,
    NeedsAssessment,
    NeedStatus,
    Recipient,
    Referral,
    ReferralStatus,
    Resource,
    ResourceKind,
    Status,
    TimelineEntry,
    child_birth_cutoff,
)
from .serializers import (
    AssessmentCreateSerializer,
    AssessmentSerializer,
    AttachmentSerializer,
    AttachmentUploadSerializer,
    CategoryMembershipSerializer,
    DuplicateSerializer,
    HouseholdSerializer,
    IdSearchSerializer,
    ImportBatchDetailSerializer,
    ImportBatchSerializer,
    ImportCommitSerializer,
    ImportUploadSerializer,
    MergeSerializer,
    NeedItemSerializer,
    RecipientSerializer,
    RecipientWriteSerializer,
    ReferralCreateSerializer,
    ReferralSerializer,
    ReferralUpdateSerializer,
    ResourceSerializer,
    StatusChangeRequestSerializer,
    TimelineEntrySerializer,
    UnmaskedSerializer,
    UnmaskSerializer,
)

_REGION_PREFIX = RegexValidator(r"^\d{1,12}$", gettext_lazy("Give a region code (digits only)."))
_LONG_NUMBER = re.compile(r"\d{6,}")


def _no_numbers(value: str) -> None:
    """Addresses and query strings end up in logs and browser histories: refuse a search term
    that looks like an ID or phone number, and point to the search that takes it in the body."""
    if _LONG_NUMBER.search(idnumber.normalise(value)):
        raise DjangoValidationError(
            gettext_lazy("Names only here: search by ID number with POST /api/v1/recipients/search/, "
                         "so the number never appears in an address.")
        )


def _region_filter(label):
    return django_filters.CharFilter(
        label=label, field_name="region__code", lookup_expr="startswith", validators=[_REGION_PREFIX],
        help_text="Region code prefix: a township code gives its villages too.",
    )


class RecipientApiFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(
        method="search", max_length=50, validators=[_no_numbers],
        help_text="Name (characters), or pinyin initials (zs) or the start of the full pinyin (zhangs).",
    )
    category = django_filters.ChoiceFilter(choices=Category.choices, method="by_category")
    region = _region_filter(gettext_lazy("Region"))
    status = django_filters.ChoiceFilter(choices=Status.choices)
    follow_up_level = django_filters.ChoiceFilter(choices=FollowUpLevel.choices)
    child = django_filters.BooleanFilter(method="by_child", help_text="true: only children under 14; false: no children.")

    class Meta:
        model = Recipient
        fields = ["q", "category", "region", "status", "follow_up_level", "child"]

    def search(self, queryset, name, value: str):
        value = value.strip()
        if not value:
            return queryset
        if pinyin.looks_like_pinyin(value):
            compact = value.replace(" ", "").lower()
            return queryset.filter(pinyin.name_search(compact))
        return queryset.filter(name__icontains=value)

    def by_category(self, queryset, name, value: str):
        held = CategoryMembership.objects.filter(recipient=OuterRef("pk"), category=value, ended_on__isnull=True)
        return queryset.filter(Exists(held))

    def by_child(self, queryset, name, value):
        if value is None:
            return queryset
        born_after = Q(birth_date__gt=child_birth_cutoff())
        return queryset.filter(born_after) if value else queryset.exclude(born_after)


class HouseholdApiFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(field_name="head_name", lookup_expr="icontains", max_length=50,
                                  help_text="Part of the name of the head.")
    region = _region_filter(gettext_lazy("Region"))

    class Meta:
        model = Household
        fields = ["q", "region"]


class AssessmentApiFilter(django_filters.FilterSet):
    household = django_filters.NumberFilter(field_name="household_id", min_value=1, max_value=2**62)
    region = _region_filter(gettext_lazy("Region"))

    class Meta:
        model = NeedsAssessment
        fields = ["household", "region"]


class NeedApiFilter(django_filters.FilterSet):
    region = _region_filter(gettext_lazy("Region"))
    domain = django_filters.ChoiceFilter(choices=NeedDomain.choices)
    status = django_filters.ChoiceFilter(choices=NeedStatus.choices)

    class Meta:
        model = NeedItem
        fields = ["region", "domain", "status"]


class ResourceApiFilter(django_filters.FilterSet):
    region = _region_filter(gettext_lazy("Region"))
    kind = django_filters.ChoiceFilter(choices=ResourceKind.choices)
    domain = django_filters.ChoiceFilter(choices=NeedDomain.choices, method="by_domain")
    active = django_filters.BooleanFilter()
    due = django_filters.BooleanFilter(method="by_due", help_text="true: only resources due for their yearly check.")

    class Meta:
        model = Resource
        fields = ["region", "kind", "domain", "active", "due"]

    def by_domain(self, queryset, name, value: str):
        return queryset.filter(domains__icontains=f'"{value}"')

    def by_due(self, queryset, name, value):
        if value is None:
            return queryset
        stale = Q(checked_on__lt=services_needs.resource_check_cutoff())
        return queryset.filter(stale) if value else queryset.exclude(stale)


class ReferralApiFilter(django_filters.FilterSet):
    recipient = django_filters.NumberFilter(field_name="recipient_id", min_value=1, max_value=2**62)
    status = django_filters.ChoiceFilter(choices=ReferralStatus.choices)

    class Meta:
        model = Referral
        fields = ["recipient", "status"]


class DuplicateApiFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=DuplicateStatus.choices)

    class Meta:
        model = DuplicateCandidate
        fields = ["status"]


# What an attachment can be (core.uploads sniffs the type; .docx / .xlsx are told apart inside the zip).
ATTACHMENT_TYPES = [
    "application/pdf", "image/jpeg", "image/png", *(t for _member, t in services_registry.OFFICE_TYPES.values()),
    "application/octet-stream",
]


class TimelineCursor(Cursor):
    ordering = ("-occurred_at", "-id")


class AttachmentCursor(Cursor):
    ordering = ("-uploaded_at", "-id")



# --- Recipients -----------------------------------------------------------------------------


class RecipientViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Recipients (服务对象) within the caller's jurisdiction; merged files are left out of the list
    (they stay readable by id, pointing at the file they were merged into)."""

    serializer_class = RecipientSerializer
    filterset_class = RecipientApiFilter
    lookup_value_regex = r"\d+"

    def get_queryset(self):
        qs = Recipient.objects.visible_to(self.request.user).select_related("region").prefetch_related("categories")
        if self.action == "list":
            qs = qs.filter(merged_into__isnull=True)
        return qs

    def get_live_object(self) -> Recipient:
        """The file to change: a file merged into another is kept as history, not changed."""
        recipient = self.get_object()
        if recipient.merged_into_id:
            raise serializers.ValidationError({"detail": [
                _("This file was merged into file no. %(pk)s: change that file instead.") % {"pk": recipient.merged_into_id}
            ]})
        return recipient

    def _fresh(self, recipient: Recipient) -> dict:
        """The representation of a row just written (read again with its categories)."""
        return RecipientSerializer(self.get_queryset().get(pk=recipient.pk)).data

    @extend_schema(request=RecipientWriteSerializer, responses={201: RecipientSerializer})
    def create(self, request):
        """Register a person. The ID and phone numbers come in clear in the body; the answer
        holds only their masked forms."""
        data = validated(RecipientWriteSerializer, request.data, context={"request": request})
        recipient = services_registry.register_person(request.user, **data)
        return Response(self._fresh(recipient), status=http.HTTP_201_CREATED)

    @extend_schema(request=RecipientWriteSerializer, responses=RecipientSerializer)
    def partial_update(self, request, pk=None):
        """Change a person's file; ``categories`` (when given) becomes the set held from today."""
        recipient = self.get_live_object()
        data = validated(RecipientWriteSerializer, request.data, partial=True, context={"request": request})
        household = data.pop("household", recipient.household)
        recipient = services_registry.update_person(request.user, recipient, household=household, **data)
        return Response(self._fresh(recipient))

    @extend_schema(request=UnmaskSerializer, responses=UnmaskedSerializer)
    @action(detail=True, methods=["post"], filter_backends=[])
    def unmask(self, request, pk=None):
        """The full ID or phone number, for roles that serve the person (others get a 403); every
        reading, and every refusal, is recorded in the audit log."""
        recipient = self.get_object()
        field = validated(UnmaskSerializer, request.data)["field"]
        return Response({"value": services.reveal(request.user, recipient, field)})

    @extend_schema(request=IdSearchSerializer, responses=RecipientSerializer(many=True))
    @action(detail=False, methods=["post"], filter_backends=[], pagination_class=None)
    def search(self, request):
        """Find a person by exact ID number within your jurisdiction (the number travels in the
        body, never in the address; each search is audited)."""
        raw = validated(IdSearchSerializer, request.data)["id_number"]
        try:
            found = services.find_by_id_number(request.user, raw)
        except idnumber.InvalidIdNumber as exc:
            raise serializers.ValidationError({"id_number": [str(exc)]}) from None
        found = found.select_related("region").prefetch_related("categories").order_by("pk")
        return Response(RecipientSerializer(found, many=True).data)

    @extend_schema(request=StatusChangeRequestSerializer, responses=RecipientSerializer)
    @action(detail=True, methods=["post"], url_path="status", url_name="status", filter_backends=[])
    def change_status(self, request, pk=None):
        """Move the file to another status (closing it needs a reason)."""
        recipient = self.get_live_object()
        data = validated(StatusChangeRequestSerializer, request.data)
        services.change_status(request.user, recipient, data["status"], reason=data["reason"], on=data["on"])
        return Response(self._fresh(recipient))

    @extend_schema(responses=TimelineEntrySerializer(many=True))
    @action(detail=True, methods=["get"], filter_backends=[], pagination_class=TimelineCursor)
    def timeline(self, request, pk=None):
        """Everything done for the person, newest first."""
        recipient = self.get_object()
        entries = TimelineEntry.objects.visible_to(request.user).filter(recipient=recipient).select_related("actor")
        page = self.paginate_queryset(entries)
        return self.get_paginated_response(TimelineEntrySerializer(page, many=True).data)

    @extend_schema(responses=CategoryMembershipSerializer(many=True))
    @action(detail=True, methods=["get"], filter_backends=[], pagination_class=None)
    def categories(self, request, pk=None):
        """Every category the person has held, with the dates (the history is never deleted)."""
        recipient = self.get_object()
        rows = CategoryMembership.objects.visible_to(request.user).filter(recipient=recipient).order_by("started_on", "pk")
        return Response(CategoryMembershipSerializer(rows, many=True).data)

    @extend_schema(
        methods=["GET"], responses=AttachmentSerializer(many=True),
        description="The documents and photos of the file, newest first.",
    )
    @extend_schema(
        methods=["POST"], request={"multipart/form-data": AttachmentUploadSerializer}, responses={201: AttachmentSerializer},
        description="Add a document or photo (multipart: ``title``, ``file``). Its type is checked by content, "
                    "not by name, and it is stored under a generated name. Roles that may only read the file get a 403.",
    )
    @action(
        detail=True, methods=["get", "post"], filter_backends=[], pagination_class=AttachmentCursor,
        parser_classes=[MultiPartParser, FormParser],
    )
    def attachments(self, request, pk=None):
        """The file's attachments (GET) or a new one (POST), through the same service as the page."""
        context = {"request": request}
        if request.method == "POST":
            recipient = self.get_live_object()
            data = validated(AttachmentUploadSerializer, request.data)
            attachment = services_registry.attachment_add(request.user, recipient, title=data["title"], file=data["file"])
            fresh = _attachments_of(request.user).get(pk=attachment.pk)
            return Response(AttachmentSerializer(fresh, context=context).data, status=http.HTTP_201_CREATED)
        recipient = self.get_object()
        page = self.paginate_queryset(_attachments_of(request.user).filter(recipient=recipient))
        return self.get_paginated_response(AttachmentSerializer(page, many=True, context=context).data)


def _attachments_of(user):
    """The attachments ``user`` may see, with what their representation needs."""
    return Attachment.objects.visible_to(user).select_related("uploaded_by")


def _download_name(attachment: Attachment) -> str:
    """The title, made safe as a file name, with the suffix of the stored (generated) name."""
    name = attachment.file.name
    suffix = "." + name.rsplit(".", 1)[-1] if "." in name.rsplit("/", 1)[-1] else ""
    title = "".join(ch for ch in attachment.title if ch not in '/\\:*?"<>|').strip() or "attachment"
    return f"{title}{suffix}"


class AttachmentViewSet(mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """One attachment of a recipient file (the list is ``/recipients/{id}/attachments/``)."""

    serializer_class = AttachmentSerializer
    lookup_value_regex = r"\d+"

    def get_queryset(self):
        return _attachments_of(self.request.user).select_related("recipient")

    @extend_schema(responses={(200, content_type): OpenApiTypes.BINARY for content_type in ATTACHMENT_TYPES})
    @action(detail=True, methods=["get"], filter_backends=[])
    def file(self, request, pk=None):
        """Download the file, only within your jurisdiction; every download is recorded in the audit log."""
        attachment = self.get_object()
        if not attachment.file:
            raise Http404
        audit.record("recipient.attachment_view", obj=attachment.recipient, actor=request.user, detail={"attachment": attachment.pk})
        response = FileResponse(
            attachment.file.open("rb"), as_attachment=True, filename=_download_name(attachment),
            content_type=attachment.content_type or "application/octet-stream",
        )
        response["X-Content-Type-Options"] = "nosniff"
        return response


# --- Households, assessments, needs ---------------------------------------------------------


class HouseholdViewSet(viewsets.ReadOnlyModelViewSet):
    """Households within the caller's jurisdiction, with the ids of the members you may see."""

    serializer_class = HouseholdSerializer
    filterset_class = HouseholdApiFilter
    lookup_value_regex = r"\d+"

    def get_queryset(self):
        members = Recipient.objects.visible_to(self.request.user).filter(merged_into__isnull=True).only("pk", "household_id").order_by("pk")
        return Household.objects.visible_to(self.request.user).select_related("region").prefetch_related(Prefetch("members", queryset=members))


class AssessmentViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Needs assessments of households (居民需求档案), each with the needs it found."""

    serializer_class = AssessmentSerializer
    filterset_class = AssessmentApiFilter
    lookup_value_regex = r"\d+"

    def get_queryset(self):
        return (
            NeedsAssessment.objects.visible_to(self.request.user)
            .select_related("region", "household").prefetch_related(Prefetch("needs", queryset=NeedItem.objects.order_by("pk")))
        )

    @extend_schema(request=AssessmentCreateSerializer, responses={201: AssessmentSerializer})
    def create(self, request):
        """Record a household's assessment: its summary and the needs found (each optionally
        about one member of the household)."""
        user = request.user
        data = validated(AssessmentCreateSerializer, request.data)
        household = Household.objects.visible_to(user).filter(pk=data["household"]).first()
        if household is None:
            raise serializers.ValidationError({"household": [_("Unknown household.")]})
        wanted = {n["recipient_id"] for n in data["needs"] if n.get("recipient_id")}
        people = {r.pk: r for r in Recipient.objects.visible_to(user).filter(pk__in=wanted)}
        if wanted - set(people):
            raise serializers.ValidationError({"needs": [_("Unknown person concerned.")]})
        needs = [
            services_needs.NeedInput(
                domain=n["domain"], description=n["description"], priority=n.get("priority") or "medium",
                recipient=people.get(n.get("recipient_id")),
            )
            for n in data["needs"]
        ]
        assessment = services_needs.create_assessment(
            user, household, assessed_on=data["assessed_on"], summary=data["summary"], needs=needs
        )
        return Response(AssessmentSerializer(self.get_queryset().get(pk=assessment.pk)).data, status=http.HTTP_201_CREATED)


class NeedViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """The needs list (需求清单): needs found by assessments within the caller's jurisdiction."""

    serializer_class = NeedItemSerializer
    filterset_class = NeedApiFilter

    def get_queryset(self):
        return NeedItem.objects.visible_to(self.request.user).select_related("assessment")


# --- Resources and referrals ----------------------------------------------------------------


class ResourceViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """The resource database (资源库). An entry is never deleted (referrals point at it): mark it
    inactive instead. Saving an entry counts as its yearly check."""

    serializer_class = ResourceSerializer
    filterset_class = ResourceApiFilter
    lookup_value_regex = r"\d+"

    def get_queryset(self):
        return Resource.objects.visible_to(self.request.user).select_related("region")

    @extend_schema(request=ResourceSerializer, responses={201: ResourceSerializer})
    def create(self, request):
        data = validated(ResourceSerializer, request.data)
        resource = services_needs.create_resource(
            request.user, region_code=data.pop("region_id"), checked_on=data.pop("checked_on", None), **data
        )
        return Response(ResourceSerializer(self.get_queryset().get(pk=resource.pk)).data, status=http.HTTP_201_CREATED)

    @extend_schema(request=ResourceSerializer, responses=ResourceSerializer)
    def partial_update(self, request, pk=None):
        resource = self.get_object()
        data = validated(ResourceSerializer, request.data, partial=True)
        data.pop("checked_on", None)  # the check date is today's, set by the service
        services_needs.update_resource(request.user, resource, region_code=data.pop("region_id", None), **data)
        return Response(ResourceSerializer(self.get_queryset().get(pk=resource.pk)).data)


def referral_targets(user, data) -> tuple:
    """The person, resource and need a referral request names, each read through ``visible_to``;
    an id outside the caller's reach is refused like an unknown one."""
    recipient = Recipient.objects.visible_to(user).filter(pk=data["recipient"]).first()
    if recipient is None:
        raise serializers.ValidationError({"recipient": [_("Unknown person.")]})
    resource = need = None
    if data["resource"]:
        resource = Resource.objects.visible_to(user).filter(pk=data["resource"]).first()
        if resource is None:
            raise serializers.ValidationError({"resource": [_("Unknown resource.")]})
    if data["need"]:
        need = NeedItem.objects.visible_to(user).filter(pk=data["need"]).first()
        if need is None:
            raise serializers.ValidationError({"need": [_("Unknown need.")]})
    return recipient, resource, need


class ReferralViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Referrals and resource links (资源链接 / 转介) made for recipients within reach."""

    serializer_class = ReferralSerializer
    filterset_class = ReferralApiFilter
    lookup_value_regex = r"\d+"

    def get_queryset(self):
        return Referral.objects.visible_to(self.request.user).select_related("recipient", "resource")

    @extend_schema(request=ReferralCreateSerializer, responses={201: ReferralSerializer})
    def create(self, request):
        user = request.user
        data = validated(ReferralCreateSerializer, request.data)
        recipient, resource, need = referral_targets(user, data)
        referral = services_needs.create_referral(
            user, recipient, reason=data["reason"], referred_on=data["referred_on"] or timezone.localdate(),
            resource=resource, agency=data["agency"], need=need,
        )
        return Response(ReferralSerializer(self.get_queryset().get(pk=referral.pk)).data, status=http.HTTP_201_CREATED)

    @extend_schema(request=ReferralUpdateSerializer, responses=ReferralSerializer)
    def partial_update(self, request, pk=None):
        """Record how the referral went; ``need_met`` with a completed referral marks its need met."""
        referral = self.get_object()
        data = validated(ReferralUpdateSerializer, request.data)
        services_needs.update_referral(
            request.user, referral, status=data.get("status") or referral.status,
            outcome=data["outcome"] if "outcome" in data else referral.outcome,
            closed_on=data.get("closed_on"), need_met=data["need_met"],
        )
        return Response(ReferralSerializer(self.get_queryset().get(pk=referral.pk)).data)


# --- Duplicates -----------------------------------------------------------------------------


class DuplicateViewSet(viewsets.ReadOnlyModelViewSet):
    """Pairs of files that may be the same person. Only pairs whose two files you may both see
    are listed; township officers and station leads decide (merge or dismiss)."""

    serializer_class = DuplicateSerializer
    filterset_class = DuplicateApiFilter
    lookup_value_regex = r"\d+"

    def get_queryset(self):
        user = self.request.user
        visible = Recipient.objects.visible_to(user).values("pk")
        return (
            DuplicateCandidate.objects.visible_to(user).filter(first__in=visible, second__in=visible)
            .select_related("first__region", "second__region")
        )

    @extend_schema(request=MergeSerializer, responses=RecipientSerializer)
    @action(detail=True, methods=["post"], filter_backends=[])
    def merge(self, request, pk=None):
        """Merge the pair into the file named by ``keep``; the other file stays, marked as merged."""
        candidate = self.get_object()
        keep = validated(MergeSerializer, request.data)["keep"]
        survivor = {candidate.first_id: candidate.first, candidate.second_id: candidate.second}.get(keep)
        if survivor is None:
            raise serializers.ValidationError({"keep": [_("The file kept must be one of the pair.")]})
        services.merge(request.user, candidate, survivor)
        fresh = Recipient.objects.visible_to(request.user).select_related("region").prefetch_related("categories").get(pk=survivor.pk)
        return Response(RecipientSerializer(fresh).data)

    @extend_schema(request=None, responses=DuplicateSerializer)
    @action(detail=True, methods=["post"], filter_backends=[])
    def dismiss(self, request, pk=None):
        """Record that the two files are different people."""
        candidate = self.get_object()
        services.dismiss_duplicate(request.user, candidate)
        return Response(DuplicateSerializer(self.get_queryset().get(pk=candidate.pk)).data)


# --- Imports --------------------------------------------------------------------------------


class ImportApiFilter(django_filters.FilterSet):
    state = django_filters.ChoiceFilter(choices=ImportState.choices)
    township = _region_filter(gettext_lazy("Township"))

    class Meta:
        model = ImportBatch
        fields = ["state", "township"]


class ImportBatchViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Township lists uploaded for import or reconciliation (名单导入 / 名单比对): upload, read the
    check (counts and a preview with ID numbers masked), then commit or discard. A small list is
    checked during the upload; a large one in the background (watch ``state`` and ``rows_done``)."""

    serializer_class = ImportBatchSerializer
    filterset_class = ImportApiFilter
    lookup_value_regex = r"\d+"

    def get_queryset(self):
        return ImportBatch.objects.visible_to(self.request.user).select_related("region")

    def get_serializer_class(self):
        return ImportBatchSerializer if self.action == "list" else ImportBatchDetailSerializer

    def _answer(self, batch: ImportBatch, code: int = http.HTTP_200_OK) -> Response:
        return Response(ImportBatchDetailSerializer(self.get_queryset().get(pk=batch.pk)).data, status=code)

    @extend_schema(request={"multipart/form-data": ImportUploadSerializer}, responses={201: ImportBatchDetailSerializer})
    def create(self, request):
        """Upload a list (multipart: ``file``, ``township``, ``kind``) and check it."""
        data = validated(ImportUploadSerializer, request.data)
        batch = imports.create_batch(request.user, data["file"], data["township"], kind=data["kind"])
        imports.schedule_check(batch)
        return self._answer(batch, http.HTTP_201_CREATED)

    @extend_schema(request=ImportCommitSerializer, responses=ImportBatchDetailSerializer)
    @action(detail=True, methods=["post"], filter_backends=[])
    def commit(self, request, pk=None):
        """Write the checked list (all of it, or nothing); a large list is written in the
        background (``state`` is "committing" until done). ``confirm_gone``: people of the
        reconciliation's "gone" list whose categories are to be ended."""
        batch = self.get_object()
        confirm_gone = validated(ImportCommitSerializer, request.data)["confirm_gone"]
        imports.schedule_commit(request.user, batch, confirm_gone)
        return self._answer(batch)

    @extend_schema(request=None, responses=ImportBatchDetailSerializer)
    @action(detail=True, methods=["post"], filter_backends=[])
    def discard(self, request, pk=None):
        """Drop a list that was not written (its file is deleted)."""
        batch = self.get_object()
        imports.discard(request.user, batch)
        return self._answer(batch)


def register(router) -> None:
    """Add this app's viewsets to the API router."""
    router.register("recipients", RecipientViewSet, basename="recipient")
    router.register("households", HouseholdViewSet, basename="household")
    router.register("assessments", AssessmentViewSet, basename="assessment")
    router.register("needs", NeedViewSet, basename="need")
    router.register("resources", ResourceViewSet, basename="resource")
    router.register("referrals", ReferralViewSet, basename="referral")
    router.register("duplicates", DuplicateViewSet, basename="duplicate")
    router.register("imports", ImportBatchViewSet, basename="import")
    router.register("attachments", AttachmentViewSet, basename="attachment")

