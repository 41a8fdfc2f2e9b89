"""API representations of recipients data.

What a representation never holds: a full ID or phone number (only the masked forms; the full
value comes from the audited ``unmask`` action), and a birth date next to a masked ID number — the
eight digits a masked ID hides *are* the birth date, so the two together would give the number
away. The API shows the age instead. Write serializers take the sensitive values in clear in the
request body (never in an address) and hand them to the services, which encrypt them.
"""

from __future__ import annotations

from datetime import date

from django.utils.translation import gettext as _
from drf_spectacular.extensions import OpenApiSerializerFieldExtension
from drf_spectacular.plumbing import ResolvedComponent, build_choice_description_list
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.reverse import reverse

from shegong.regions.models import Level, Region

from . import services
from .models import (
    Attachment,
    Category,
    CategoryMembership,
    DuplicateCandidate,
    DuplicateStatus,
    Household,
    ImportBatch,
    ImportKind,
    NeedDomain,
    NeedItem,
    NeedsAssessment,
    NeedStatus,
    Recipient,
    Referral,
    ReferralStatus,
    Relation,
    Resource,
    ResourceKind,
    Sex,
    Status,
    TimelineEntry,
)

# --- Choice sets with one name in the schema ------------------------------------------------


class NamedChoiceField(serializers.ChoiceField):
    """A choice field whose values are one named enum of the schema (``RecipientStatusEnum``,
    ``NeedDomainEnum`` …) wherever it appears. Several choice sets of the project share a field
    name ("status", "kind"); named this way they neither collide nor get several names."""

    def __init__(self, enum_name: str, choices, **kwargs):
        self.enum_name = enum_name
        super().__init__(choices=choices, **kwargs)


class NamedChoiceFieldExtension(OpenApiSerializerFieldExtension):
    target_class = NamedChoiceField
    match_subclasses = True

    def map_serializer_field(self, auto_schema, direction):
        field = self.target
        values = list(field.choices)
        if field.allow_blank:
            values.append("")
        component = ResolvedComponent(
            name=field.enum_name, type=ResolvedComponent.SCHEMA, object=field.enum_name,
            schema={"type": "string", "enum": values, "description": build_choice_description_list(field.choices.items())},
        )
        auto_schema.registry.register_on_missing(component)
        return component.ref


def _status(**kwargs) -> NamedChoiceField:
    return NamedChoiceField("RecipientStatusEnum", Status.choices, **kwargs)


def _category(**kwargs) -> NamedChoiceField:
    return NamedChoiceField("RecipientCategoryEnum", Category.choices, **kwargs)


def _domain(**kwargs) -> NamedChoiceField:
    return NamedChoiceField("NeedDomainEnum", NeedDomain.choices, **kwargs)


# --- Recipients -----------------------------------------------------------------------------


def _blankable(choices) -> serializers.ChoiceField:
    """A read-only choice that may be empty (not recorded)."""
    return serializers.ChoiceField(choices=choices, allow_blank=True, read_only=True)


class RecipientSerializer(serializers.ModelSerializer):
    """A recipient as every role that may see the file reads it: sensitive numbers masked."""

    sex = _blankable(Sex.choices)
    relation = _blankable(Relation.choices)
    status = _status(read_only=True)
    age = serializers.IntegerField(read_only=True, allow_null=True)
    is_child = serializers.BooleanField(read_only=True, help_text="Under 14: all of the child's data is sensitive (PIPL).")
    region = serializers.CharField(source="region_id", read_only=True)
    region_name = serializers.CharField(source="region.name", read_only=True)
    categories = serializers.SerializerMethodField(help_text="The categories the person holds now.")

    class Meta:
        model = Recipient
        fields = [
            "id", "name", "name_pinyin", "sex", "age", "is_child", "id_masked", "phone_masked",
            "guardian_phone_masked", "region", "region_name", "household", "relation", "registered_address",
            "current_address", "follow_up_level", "self_care", "status", "guardian_name", "guardian_relation",
            "notes", "categories", "merged_into", "created_at", "updated_at",
        ]
        read_only_fields = fields

    def get_categories(self, obj) -> list[str]:
        return services.open_categories(obj)


class RecipientBriefSerializer(serializers.ModelSerializer):
    """A recipient as a line of another list (a duplicate pair, a search answer)."""

    sex = _blankable(Sex.choices)
    status = _status(read_only=True)
    age = serializers.IntegerField(read_only=True, allow_null=True)
    region = serializers.CharField(source="region_id", read_only=True)
    region_name = serializers.CharField(source="region.name", read_only=True)

    class Meta:
        model = Recipient
        fields = ["id", "name", "sex", "age", "id_masked", "phone_masked", "region", "region_name", "household",
                  "status", "merged_into"]
        read_only_fields = fields


def _region_field(help_text: str, source: str) -> serializers.CharField:
    return serializers.CharField(source=source, max_length=12, help_text=help_text)


def validate_place(code: str, *, min_level: int = Level.TOWNSHIP) -> str:
    """The code of an existing township or village (a person or a resource lives in one)."""
    if not Region.objects.filter(code=code, level__gte=min_level).exists():
        raise serializers.ValidationError(_("Unknown region code: give the code of a township or village."))
    return code


class RecipientWriteSerializer(serializers.ModelSerializer):
    """Registration (POST) and changes (PATCH). ``id_number``, ``phone`` and ``guardian_phone``
    are taken in clear here and only here; they are never returned."""

    region = _region_field("Code of the village (or township) where the person lives.", "region_code")
    id_number = serializers.CharField(
        write_only=True, required=False, allow_blank=True, max_length=40,
        help_text="18-character citizen ID number; sex and birth date follow from it.",
    )
    phone = serializers.CharField(write_only=True, required=False, allow_blank=True, max_length=40)
    guardian_phone = serializers.CharField(write_only=True, required=False, allow_blank=True, max_length=40)
    birth_date = serializers.DateField(
        write_only=True, required=False, allow_null=True,
        help_text="Only for a person without an ID number (otherwise taken from the number).",
    )
    categories = serializers.ListField(
        child=_category(), required=False, max_length=len(Category.choices),
        help_text="The categories the person holds from today (a PATCH replaces the set; history is kept).",
    )
    household = serializers.IntegerField(required=False, allow_null=True, min_value=1)

    class Meta:
        model = Recipient
        fields = [
            "name", "region", "id_number", "phone", "guardian_phone", "sex", "birth_date", "household", "relation",
            "registered_address", "current_address", "follow_up_level", "self_care", "guardian_name",
            "guardian_relation", "notes", "categories",
        ]

    def validate_region(self, value: str) -> str:
        return validate_place(value)

    def validate_birth_date(self, value: date | None) -> date | None:
        if value and (value > date.today() or value.year < 1890):
            raise serializers.ValidationError(_("The birth date is impossible."))
        return value

    def validate_household(self, value: int | None) -> Household | None:
        if value is None:
            return None
        user = self.context["request"].user
        household = Household.objects.visible_to(user, "change").filter(pk=value).first()
        if household is None:
            raise serializers.ValidationError(_("Unknown household."))
        return household


class UnmaskSerializer(serializers.Serializer):
    field = serializers.ChoiceField(choices=[(f, f) for f in services.SENSITIVE_FIELDS])


class UnmaskedSerializer(serializers.Serializer):
    value = serializers.CharField(help_text="The full value; this reading is recorded in the audit log.")


class IdSearchSerializer(serializers.Serializer):
    id_number = serializers.CharField(max_length=40, help_text="The ID number to look for (exact match).")


class StatusChangeRequestSerializer(serializers.Serializer):
    status = _status()
    reason = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    on = serializers.DateField(required=False, allow_null=True, default=None, help_text="Date of the change (default today).")

    def validate_on(self, value: date | None) -> date | None:
        if value and value > date.today():
            raise serializers.ValidationError(_("The date is in the future."))
        return value


class TimelineEntrySerializer(serializers.ModelSerializer):
    actor_name = serializers.CharField(source="actor.name", read_only=True, default=None, allow_null=True)

    class Meta:
        model = TimelineEntry
        fields = ["id", "occurred_at", "kind", "summary", "actor", "actor_name", "link"]
        read_only_fields = fields


class CategoryMembershipSerializer(serializers.ModelSerializer):
    category = _category(read_only=True)
    label = serializers.CharField(source="get_category_display", read_only=True)

    class Meta:
        model = CategoryMembership
        fields = ["id", "category", "label", "started_on", "ended_on", "source", "end_reason"]
        read_only_fields = fields


class AttachmentSerializer(serializers.ModelSerializer):
    """A document or photo of the recipient file. The stored name is never shown: the bytes come
    only from ``file``, the scoped and audited download."""

    uploaded_by_name = serializers.CharField(source="uploaded_by.name", read_only=True, default=None, allow_null=True)
    file = serializers.SerializerMethodField(help_text="Address of the download (each download is audited).")

    class Meta:
        model = Attachment
        fields = ["id", "recipient", "title", "content_type", "size", "uploaded_at", "uploaded_by", "uploaded_by_name", "file"]
        read_only_fields = fields

    @extend_schema_field(OpenApiTypes.URI)
    def get_file(self, obj) -> str:
        return reverse("v1:attachment-file", kwargs={"pk": obj.pk}, request=self.context.get("request"))


class AttachmentUploadSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=200, help_text="What the document is (e.g. 低保证明).")
    file = serializers.FileField(
        help_text="A photo (JPEG, PNG), a PDF or an Office document (.docx, .xlsx), at most 20 MB; the type is checked by content.",
    )


# --- Households, needs ----------------------------------------------------------------------


class HouseholdSerializer(serializers.ModelSerializer):
    region = serializers.CharField(source="region_id", read_only=True)
    region_name = serializers.CharField(source="region.name", read_only=True)
    members = serializers.SerializerMethodField(help_text="Ids of the members whose files you may see.")

    class Meta:
        model = Household
        fields = ["id", "region", "region_name", "head", "head_name", "address", "members", "created_at", "updated_at"]
        read_only_fields = fields

    def get_members(self, obj) -> list[int]:
        return [m.pk for m in obj.members.all()]


class NeedItemSerializer(serializers.ModelSerializer):
    household = serializers.IntegerField(source="assessment.household_id", read_only=True)
    domain = _domain(read_only=True)
    status = NamedChoiceField("NeedStatusEnum", NeedStatus.choices, read_only=True)
    region = serializers.CharField(source="region_id", read_only=True)

    class Meta:
        model = NeedItem
        fields = ["id", "assessment", "household", "region", "recipient", "domain", "description", "priority",
                  "status", "resolved_on"]
        read_only_fields = fields


class NeedInAssessmentSerializer(serializers.ModelSerializer):
    """A need as part of an assessment (read and, on creation, write)."""

    recipient = serializers.IntegerField(source="recipient_id", required=False, allow_null=True, min_value=1)
    domain = _domain()
    status = NamedChoiceField("NeedStatusEnum", NeedStatus.choices, read_only=True)

    class Meta:
        model = NeedItem
        fields = ["id", "recipient", "domain", "description", "priority", "status", "resolved_on"]
        read_only_fields = ["id", "status", "resolved_on"]


class AssessmentSerializer(serializers.ModelSerializer):
    region = serializers.CharField(source="region_id", read_only=True)
    region_name = serializers.CharField(source="region.name", read_only=True)
    head_name = serializers.CharField(source="household.head_name", read_only=True)
    needs = NeedInAssessmentSerializer(many=True, read_only=True)

    class Meta:
        model = NeedsAssessment
        fields = ["id", "household", "head_name", "region", "region_name", "assessed_on", "assessor", "summary",
                  "next_due_on", "needs", "created_at"]
        read_only_fields = fields


class AssessmentCreateSerializer(serializers.Serializer):
    household = serializers.IntegerField(min_value=1)
    assessed_on = serializers.DateField()
    summary = serializers.CharField(required=False, allow_blank=True, default="", max_length=5000)
    needs = NeedInAssessmentSerializer(many=True, allow_empty=True)

    def validate_assessed_on(self, value: date) -> date:
        if value > date.today():
            raise serializers.ValidationError(_("The date is in the future."))
        if value.year < 2000:
            raise serializers.ValidationError(_("The date is too far in the past."))
        return value


# --- Resources and referrals ----------------------------------------------------------------


class ResourceSerializer(serializers.ModelSerializer):
    region = _region_field("Code of the township or village the resource serves.", "region_id")
    region_name = serializers.CharField(source="region.name", read_only=True)
    kind = NamedChoiceField("ResourceKindEnum", ResourceKind.choices)
    domains = serializers.ListField(child=_domain(), required=False, max_length=len(NeedDomain.choices))
    next_check_due = serializers.DateField(read_only=True)

    class Meta:
        model = Resource
        fields = ["id", "region", "region_name", "kind", "name", "services", "domains", "contact_person",
                  "contact_phone", "address", "active", "checked_on", "next_check_due", "created_at"]
        read_only_fields = ["id", "region_name", "next_check_due", "created_at"]
        extra_kwargs = {"checked_on": {"required": False, "help_text": "Day last confirmed up to date (default today)."}}

    def validate_region(self, value: str) -> str:
        return validate_place(value)

    def validate_checked_on(self, value: date) -> date:
        if value > date.today():
            raise serializers.ValidationError(_("The date is in the future."))
        return value

    def validate_domains(self, value: list[str]) -> list[str]:
        return sorted(set(value))


class ReferralSerializer(serializers.ModelSerializer):
    status = NamedChoiceField("ReferralStatusEnum", ReferralStatus.choices, read_only=True)
    recipient_name = serializers.CharField(source="recipient.name", read_only=True)
    resource_name = serializers.CharField(source="resource.name", read_only=True, default=None, allow_null=True)
    source_kind = serializers.SerializerMethodField(
        help_text="The kind of casework record the referral was made from (visit, case, group, group_session, activity), or null.",
    )
    source_id = serializers.IntegerField(read_only=True, allow_null=True, help_text="The id of that record, or null.")

    class Meta:
        model = Referral
        fields = ["id", "recipient", "recipient_name", "resource", "resource_name", "agency", "need", "reason",
                  "referred_on", "status", "outcome", "closed_on", "created_by", "created_at", "source_kind", "source_id"]
        read_only_fields = fields

    def get_source_kind(self, obj) -> str | None:
        if not obj.source_type_id:
            return None
        from django.contrib.contenttypes.models import ContentType

        from shegong.casework.attachments import KIND_OF_MODEL

        return KIND_OF_MODEL.get(ContentType.objects.get_for_id(obj.source_type_id).model_class())


class ReferralCreateSerializer(serializers.Serializer):
    recipient = serializers.IntegerField(min_value=1)
    resource = serializers.IntegerField(min_value=1, required=False, allow_null=True, default=None)
    agency = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    need = serializers.IntegerField(min_value=1, required=False, allow_null=True, default=None)
    reason = serializers.CharField(max_length=300)
    referred_on = serializers.DateField(required=False, allow_null=True, default=None, help_text="Default today.")

    def validate_referred_on(self, value: date | None) -> date | None:
        if value and value > date.today():
            raise serializers.ValidationError(_("The date is in the future."))
        return value

    def validate(self, attrs):
        if not attrs.get("resource") and not attrs.get("agency", "").strip():
            raise serializers.ValidationError({"agency": [_("Choose a resource or name the agency.")]})
        return attrs


class ReferralUpdateSerializer(serializers.Serializer):
    status = NamedChoiceField("ReferralStatusEnum", ReferralStatus.choices, required=False)
    outcome = serializers.CharField(required=False, allow_blank=True, max_length=5000)
    closed_on = serializers.DateField(
        required=False, allow_null=True, default=None, help_text="For a completed or declined referral (default today).",
    )
    need_met = serializers.BooleanField(
        required=False, default=False, help_text="With a completed referral: the need it answered is met.",
    )

    def validate_closed_on(self, value: date | None) -> date | None:
        if value and value > date.today():
            raise serializers.ValidationError(_("The date is in the future."))
        return value


# --- Duplicates -----------------------------------------------------------------------------


class DuplicateSerializer(serializers.ModelSerializer):
    first = RecipientBriefSerializer(read_only=True)
    second = RecipientBriefSerializer(read_only=True)
    region = serializers.CharField(source="region_id", read_only=True)
    status = NamedChoiceField("DuplicateStatusEnum", DuplicateStatus.choices, read_only=True)

    class Meta:
        model = DuplicateCandidate
        fields = ["id", "first", "second", "region", "reason", "status", "found_at", "decided_by", "decided_at"]
        read_only_fields = fields


class MergeSerializer(serializers.Serializer):
    keep = serializers.IntegerField(min_value=1, help_text="Id of the file to keep (one of the pair).")


# --- Imports --------------------------------------------------------------------------------


class ImportBatchSerializer(serializers.ModelSerializer):
    """An uploaded list: its state, progress and counts (the preview is on the detail)."""

    township = serializers.CharField(source="region_id", read_only=True)
    township_name = serializers.CharField(source="region.name", read_only=True)
    kind = NamedChoiceField("ImportKindEnum", ImportKind.choices, read_only=True)
    progress_percent = serializers.IntegerField(read_only=True)
    summary = serializers.DictField(read_only=True, help_text="Counts of the check (and, once written, of the writing).")

    class Meta:
        model = ImportBatch
        fields = ["id", "township", "township_name", "kind", "original_name", "uploaded_by", "created_at", "state",
                  "rows_total", "rows_done", "progress_percent", "summary", "message", "committed_at"]
        read_only_fields = fields


class ImportBatchDetailSerializer(ImportBatchSerializer):
    preview = serializers.DictField(
        read_only=True, help_text="What writing would change, row by row (ID numbers masked), and the errors found.",
    )

    class Meta(ImportBatchSerializer.Meta):
        fields = [*ImportBatchSerializer.Meta.fields, "preview"]
        read_only_fields = fields


class ImportUploadSerializer(serializers.Serializer):
    file = serializers.FileField(help_text="The township's list: an Excel workbook (.xlsx) or a CSV file.")
    township = serializers.CharField(max_length=9, help_text="Code of the township the list belongs to (9 digits).")
    kind = NamedChoiceField(
        "ImportKindEnum", ImportKind.choices, default=ImportKind.IMPORT,
        help_text="import: add and update the people listed; reconcile: also find the registered people the list no longer holds.",
    )


class ImportCommitSerializer(serializers.Serializer):
    confirm_gone = serializers.ListField(
        child=serializers.IntegerField(min_value=1), required=False, default=list, max_length=100000,
        help_text="Ids of the files the reconciliation found missing from the list, confirmed as gone.",
    )

