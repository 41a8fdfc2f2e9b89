"""API: photos and documents of casework records, and referrals made from them.

``/api/v1/casework-attachments/?owner_kind=visit&owner_id=5`` lists a record's attachments;
POST (multipart: ``owner_kind``, ``owner_id``, ``kind``, ``title``, ``file``, optional
``client_uuid`` so a request sent again after a lost connection stores the file once) adds one;
``{id}/file/`` and ``{id}/thumbnail/`` download through the same scoping as the pages, the file
download audited. ``/api/v1/casework-referrals/`` lists the referrals made from records within
reach (filter by record) and makes one from a record (``casework.referrals.refer_from``).
"""

from __future__ import annotations

from django.http import FileResponse, Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import mixins, serializers, viewsets
from rest_framework import status as http
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.reverse import reverse

from shegong.core import audit
from shegong.core.api.pagination import Cursor
from shegong.core.api.validation import validated
from shegong.core.scoping import CHANGE
from shegong.recipients.api import referral_targets
from shegong.recipients.models import Referral
from shegong.recipients.serializers import NamedChoiceField, ReferralSerializer

from . import attachments, referrals
from .models import Attachment, AttachmentKind

OWNER_KIND_CHOICES = [(kind, kind) for kind in attachments.OWNER_KINDS]


def _owner_kind_field(**kwargs):
    return NamedChoiceField("CaseworkRecordKindEnum", OWNER_KIND_CHOICES, **kwargs)



class RecordQuerySerializer(serializers.Serializer):
    owner_kind = _owner_kind_field(required=False)
    owner_id = serializers.IntegerField(min_value=1, required=False)


def _owner_filter(request, queryset, type_field: str, id_field: str):
    """Narrow ``queryset`` to one record when ``owner_kind`` and ``owner_id`` are given."""
    query = validated(RecordQuerySerializer, request.query_params)
    if "owner_kind" in query:
        from django.contrib.contenttypes.models import ContentType

        model = attachments.owner_model(query["owner_kind"])
        queryset = queryset.filter(**{type_field: ContentType.objects.get_for_model(model)})
    if "owner_id" in query:
        queryset = queryset.filter(**{id_field: query["owner_id"]})
    return queryset


# --- Attachments ----------------------------------------------------------------------------


class CaseworkAttachmentSerializer(serializers.ModelSerializer):
    """A photo or document of a record. The stored name is never shown: the bytes come only from
    ``file`` (audited) and ``thumbnail``."""

    owner_kind = serializers.SerializerMethodField()
    kind = NamedChoiceField("CaseworkAttachmentKindEnum", AttachmentKind.choices, read_only=True)
    uploaded_by_name = serializers.CharField(source="uploaded_by.name", read_only=True, default=None, allow_null=True)
    file = serializers.SerializerMethodField(help_text="Address of the download (each download is audited).")
    thumbnail = serializers.SerializerMethodField(help_text="Address of the thumbnail of a photo, or null.")

    class Meta:
        model = Attachment
        fields = ["id", "owner_kind", "owner_id", "kind", "title", "content_type", "size", "uploaded_at",
                  "uploaded_by", "uploaded_by_name", "file", "thumbnail"]
        read_only_fields = fields

    def get_owner_kind(self, obj) -> str | None:
        from django.contrib.contenttypes.models import ContentType

        return attachments.KIND_OF_MODEL.get(ContentType.objects.get_for_id(obj.owner_type_id).model_class())

    @extend_schema_field(OpenApiTypes.URI)
    def get_file(self, obj) -> str:
        return reverse("v1:cw-attachment-file", kwargs={"pk": obj.pk}, request=self.context.get("request"))

    @extend_schema_field({"type": "string", "format": "uri", "nullable": True})
    def get_thumbnail(self, obj):
        if not obj.thumbnail:
            return None
        return reverse("v1:cw-attachment-thumbnail", kwargs={"pk": obj.pk}, request=self.context.get("request"))


class CaseworkAttachmentUploadSerializer(serializers.Serializer):
    owner_kind = _owner_kind_field()
    owner_id = serializers.IntegerField(min_value=1)
    kind = NamedChoiceField("CaseworkAttachmentKindEnum", AttachmentKind.choices, required=False, default=AttachmentKind.PHOTO)
    title = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    file = serializers.FileField(help_text="A photo (JPEG, PNG), a PDF or an Office document (.docx, .xlsx), at most 20 MB; checked by content.")
    client_uuid = serializers.UUIDField(required=False, allow_null=True, default=None,
                                        help_text="Made by the device for this file: sending it again stores nothing new.")


class AttachmentCursor(Cursor):
    ordering = "pk"


class CaseworkAttachmentViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.DestroyModelMixin,
                                viewsets.GenericViewSet):
    """Photos and documents of visits, cases, groups, group sessions and activities within reach."""

    serializer_class = CaseworkAttachmentSerializer
    pagination_class = AttachmentCursor
    parser_classes = [MultiPartParser, FormParser, JSONParser]
    lookup_value_regex = r"\d+"

    def get_queryset(self):
        qs = Attachment.objects.visible_to(self.request.user).select_related("uploaded_by")
        if self.action == "list":
            qs = _owner_filter(self.request, qs, "owner_type", "owner_id")
        return qs

    @extend_schema(parameters=[RecordQuerySerializer])
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    @extend_schema(request={"multipart/form-data": CaseworkAttachmentUploadSerializer},
                   responses={201: CaseworkAttachmentSerializer})
    def create(self, request):
        """Add a file to a record you may change (the same checks as the page)."""
        data = validated(CaseworkAttachmentUploadSerializer, request.data)
        owner = attachments.owner_for(request.user, data["owner_kind"], data["owner_id"])
        if owner is None:
            raise Http404
        attachment = attachments.attach(owner, data["file"], user=request.user, kind=data["kind"], title=data["title"],
                                        client_uuid=data["client_uuid"])
        fresh = self.get_queryset().get(pk=attachment.pk)
        return Response(self.get_serializer(fresh).data, status=http.HTTP_201_CREATED)

    def destroy(self, request, pk=None):
        """Remove an attachment (its uploader, or the station lead)."""
        attachments.remove(self.get_object(), request.user)
        return Response(status=http.HTTP_204_NO_CONTENT)

    def _download(self, attachment, field, content_type, inline):
        if not field:
            raise Http404
        response = FileResponse(field.open("rb"), as_attachment=not inline, content_type=content_type,
                                filename=f"attachment-{attachment.pk}.{field.name.rsplit('.', 1)[-1]}")
        response["X-Content-Type-Options"] = "nosniff"
        response["Cache-Control"] = "private, no-store"
        return response

    @extend_schema(responses={(200, "application/octet-stream"): OpenApiTypes.BINARY})
    @action(detail=True, methods=["get"], filter_backends=[])
    def file(self, request, pk=None):
        """Download the file, only within your jurisdiction; every download is audited."""
        attachment = self.get_object()
        audit.record("casework.attachment_view", obj=attachment, actor=request.user,
                     detail={"owner": f"{attachment.owner_type_id}:{attachment.owner_id}", "api": True})
        return self._download(attachment, attachment.file, attachment.content_type or "application/octet-stream", False)

    @extend_schema(responses={(200, "image/jpeg"): OpenApiTypes.BINARY})
    @action(detail=True, methods=["get"], filter_backends=[])
    def thumbnail(self, request, pk=None):
        """The thumbnail of a photo (no camera metadata)."""
        attachment = self.get_object()
        return self._download(attachment, attachment.thumbnail, "image/jpeg", True)


# --- Referrals from records -----------------------------------------------------------------


class RecordReferralCreateSerializer(serializers.Serializer):
    owner_kind = _owner_kind_field()
    owner_id = serializers.IntegerField(min_value=1)
    recipient = serializers.IntegerField(min_value=1, help_text="A person of the record.")
    resource = serializers.IntegerField(min_value=1, required=False, allow_null=True, default=None)
    agency = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    need = serializers.IntegerField(min_value=1, required=False, allow_null=True, default=None)
    reason = serializers.CharField(max_length=300)
    referred_on = serializers.DateField(required=False, allow_null=True, default=None, help_text="Default today.")

    def validate(self, attrs):
        if bool(attrs.get("resource")) == bool(attrs.get("agency", "").strip()):
            raise serializers.ValidationError({"agency": [_("Choose a resource or name another agency (one of the two).")]})
        return attrs


class CaseworkReferralViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """Referrals made from casework records within reach (how they went: ``/api/v1/referrals/{id}/``)."""

    serializer_class = ReferralSerializer

    def get_queryset(self):
        qs = Referral.objects.visible_to(self.request.user).filter(source_type__isnull=False).select_related("recipient", "resource")
        return _owner_filter(self.request, qs, "source_type", "source_id")

    @extend_schema(parameters=[RecordQuerySerializer])
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    @extend_schema(request=RecordReferralCreateSerializer, responses={201: ReferralSerializer})
    def create(self, request):
        """Refer a person of a record to a resource of their township or to another agency."""
        user = request.user
        data = validated(RecordReferralCreateSerializer, request.data)
        owner = attachments.owner_for(user, data["owner_kind"], data["owner_id"], CHANGE)
        if owner is None:
            raise Http404
        recipient, resource, need = referral_targets(user, data)
        referral = referrals.refer_from(
            owner, user=user, recipient=recipient, resource=resource, agency=data["agency"], need=need,
            reason=data["reason"], referred_on=data["referred_on"] or timezone.localdate(),
        )
        fresh = Referral.objects.visible_to(user).select_related("recipient", "resource").get(pk=referral.pk)
        return Response(ReferralSerializer(fresh).data, status=http.HTTP_201_CREATED)


def register(router) -> None:
    router.register("casework-attachments", CaseworkAttachmentViewSet, basename="cw-attachment")
    router.register("casework-referrals", CaseworkReferralViewSet, basename="cw-referral")
