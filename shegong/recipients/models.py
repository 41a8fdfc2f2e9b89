"""Recipients (服务对象) and everything kept about them: households, categories over time, status
history, the timeline of the recipient file (一人一档), needs assessments, the resource database,
referrals, attachments, the duplicate review queue and import batches.

Sensitive values (ID number, phone numbers) are never stored in clear: each is held as AES-GCM
ciphertext, a keyed blind index (exact search, de-duplication) and a masked display form
(``shegong.core.crypto``, ``shegong.core.masking``). Only ``services.reveal`` decrypts, and it
audits every call.
"""

from __future__ import annotations

from datetime import date, timedelta

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from shegong.core.choices import ChoiceLabels
from shegong.core.scoping import ScopedManager, ScopeRule

# Who reaches recipients. Least privilege: operator managers and administrators run the programme
# and the system, not the casework, so they see no personal data. Evaluators will see the masked
# files of the stations in their evaluation round once rounds exist; until then, none.
RECIPIENT_ROLES = {
    "view": {"bureau", "township_officer", "station_lead", "worker", "supervisor"},
    "change": {"township_officer", "station_lead", "worker"},
}
# Roles that may reveal a full ID or phone number (each reveal is audited): the people who serve
# the person and the township office that certifies the lists.
UNMASK_ROLES = {"township_officer", "station_lead", "worker"}
# Roles that may export full values (always audited); everyone else exports masked values.
FULL_EXPORT_ROLES = {"township_officer", "station_lead"}
# Roles that decide on duplicates (merge / dismiss).
MERGE_ROLES = {"township_officer", "station_lead"}
# Roles that keep the resource database (a community's charities, teams, facilities: no personal data).
RESOURCE_ROLES = {
    "view": {"bureau", "township_officer", "operator_manager", "station_lead", "worker", "supervisor"},
    "change": {"township_officer", "station_lead", "worker"},
}

CHILD_AGE = 14  # PIPL: all personal data of a child under 14 is sensitive

ID_PURPOSE = "recipient.id_number"
PHONE_PURPOSE = "recipient.phone"
GUARDIAN_PHONE_PURPOSE = "recipient.guardian_phone"


class Sex(models.TextChoices):
    MALE = "male", _("Male")
    FEMALE = "female", _("Female")


class Category(models.TextChoices):
    """Assistance categories (救助类别 / 对象类别); a person may hold several at once."""

    DIBAO = "dibao", _("Minimum living allowance (低保)")
    DIBAO_EDGE = "dibao_edge", _("Near minimum living allowance (低保边缘)")
    TEKUN = "tekun", _("Destitute (特困供养)")
    DISABLED = "disabled", _("Disabled person (残疾人)")
    ORPHAN = "orphan", _("Orphan (孤儿)")
    UNATTENDED_CHILD = "unattended_child", _("De-facto unattended child (事实无人抚养儿童)")
    LEFT_BEHIND_CHILD = "left_behind_child", _("Left-behind child (留守儿童)")
    LEFT_BEHIND_ELDERLY = "left_behind_elderly", _("Left-behind elderly (留守老年人)")
    LIVING_ALONE_ELDERLY = "living_alone_elderly", _("Elderly living alone (独居老年人)")
    EMPTY_NEST_ELDERLY = "empty_nest_elderly", _("Empty-nest elderly (空巢老年人)")
    DISABLED_ELDERLY = "disabled_elderly", _("Elderly unable to care for themselves (失能老年人)")
    FAMILY_PLANNING = "family_planning", _("Family-planning special family (计划生育特殊家庭)")
    VAGRANT = "vagrant", _("Vagrant or beggar (流浪乞讨人员)")
    LEFT_BEHIND_WOMAN = "left_behind_woman", _("Left-behind woman (留守妇女)")
    TEMPORARY_ASSISTANCE = "temporary_assistance", _("Temporary assistance (临时救助)")
    OTHER = "other", _("Other (其他)")


class FollowUpLevel(models.TextChoices):
    GENERAL = "general", _("General")
    KEY = "key", pgettext_lazy("follow-up level", "Key")
    HIGH_RISK = "high_risk", _("High risk")


class SelfCare(models.TextChoices):
    FULL = "full", _("Fully self-caring")
    PARTIAL = "partial", _("Partly self-caring")
    NONE = "none", _("Unable to care for self")
    UNKNOWN = "unknown", _("Not assessed")


class Status(models.TextChoices):
    NEW = "new", _("New")
    IN_SERVICE = "in_service", _("In service")
    CLOSED = "closed", pgettext_lazy("recipient status", "Closed")
    MOVED = "moved", _("Moved away")
    DECEASED = "deceased", _("Deceased")


ACTIVE_STATUSES = (Status.NEW, Status.IN_SERVICE)


class Relation(models.TextChoices):
    """Relation to the head of the household (与户主关系)."""

    HEAD = "head", _("Head of household")
    SPOUSE = "spouse", _("Spouse")
    CHILD = "child", _("Child")
    PARENT = "parent", _("Parent")
    GRANDCHILD = "grandchild", _("Grandchild")
    GRANDPARENT = "grandparent", _("Grandparent")
    SIBLING = "sibling", _("Sibling")
    CHILD_IN_LAW = "child_in_law", _("Son- or daughter-in-law")
    OTHER = "other", _("Other relative")


class Household(ChoiceLabels, models.Model):
    """A household (户), registered in a village; its members are recipients."""

    region = models.ForeignKey(
        "regions.Region", verbose_name=_("village or community"), on_delete=models.PROTECT,
        related_name="+", db_column="region_code",
    )
    head = models.ForeignKey(
        "Recipient", verbose_name=_("head of household"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+",
    )
    head_name = models.CharField(_("name of the head"), max_length=50)
    address = models.CharField(_("address"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = ScopedManager()
    scope = ScopeRule(region="region__code", roles=RECIPIENT_ROLES)

    class Meta:
        verbose_name = _("household")
        verbose_name_plural = _("households")
        indexes = [models.Index(fields=["region", "head_name"], name="household_region_head")]

    def __str__(self):
        return _("Household of %(name)s") % {"name": self.head_name}


class Recipient(ChoiceLabels, models.Model):
    """A person served (服务对象): one person, one file (一人一档)."""

    name = models.CharField(_("full name"), max_length=50)
    name_pinyin = models.CharField(_("name in pinyin"), max_length=200, editable=False, db_index=True)
    name_initials = models.CharField(_("pinyin initials"), max_length=50, editable=False, db_index=True)
    sex = models.CharField(_("sex"), max_length=10, choices=Sex.choices, blank=True)
    birth_date = models.DateField(_("birth date"), null=True, blank=True)
    id_cipher = models.TextField(_("ID number (encrypted)"), blank=True, editable=False)
    id_index = models.CharField(_("ID number (blind index)"), max_length=64, null=True, blank=True, editable=False)  # noqa: DJ001 (NULL: no ID, unique otherwise)
    id_masked = models.CharField(_("ID number"), max_length=18, blank=True, editable=False)
    phone_cipher = models.TextField(_("phone (encrypted)"), blank=True, editable=False)
    phone_masked = models.CharField(_("phone"), max_length=20, blank=True, editable=False)
    region = models.ForeignKey(
        "regions.Region", verbose_name=_("village or community"), on_delete=models.PROTECT,
        related_name="+", db_column="region_code",
    )
    household = models.ForeignKey(
        Household, verbose_name=_("household"), null=True, blank=True, on_delete=models.SET_NULL, related_name="members"
    )
    relation = models.CharField(_("relation to the head"), max_length=20, choices=Relation.choices, blank=True)
    registered_address = models.CharField(_("registered address (户籍地址)"), max_length=200, blank=True)
    current_address = models.CharField(_("current address (现住址)"), max_length=200, blank=True)
    follow_up_level = models.CharField(
        _("follow-up level"), max_length=20, choices=FollowUpLevel.choices, default=FollowUpLevel.GENERAL
    )
    self_care = models.CharField(_("self-care ability"), max_length=20, choices=SelfCare.choices, default=SelfCare.UNKNOWN)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.NEW)
    guardian_name = models.CharField(_("guardian's name"), max_length=50, blank=True)
    guardian_relation = models.CharField(_("guardian's relation"), max_length=30, blank=True)
    guardian_phone_cipher = models.TextField(_("guardian's phone (encrypted)"), blank=True, editable=False)
    guardian_phone_masked = models.CharField(_("guardian's phone"), max_length=20, blank=True, editable=False)
    notes = models.TextField(_("notes"), blank=True)
    merged_into = models.ForeignKey(
        "self", verbose_name=_("merged into"), null=True, blank=True, on_delete=models.PROTECT, related_name="absorbed"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("registered"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = ScopedManager()
    scope = ScopeRule(region="region__code", roles=RECIPIENT_ROLES)

    class Meta:
        verbose_name = _("recipient")
        verbose_name_plural = _("recipients")
        constraints = [
            # The same ID number is the same person, always.
            models.UniqueConstraint(fields=["id_index"], name="recipient_unique_id", condition=Q(id_index__isnull=False)),
        ]
        indexes = [
            models.Index(fields=["region", "status"], name="recipient_region_status"),
            models.Index(fields=["region", "name"], name="recipient_region_name"),
            models.Index(fields=["name", "birth_date"], name="recipient_name_birth"),
        ]

    def __str__(self):
        return self.name

    def audit_region_code(self) -> str:
        return self.region_id

    @property
    def township_code(self) -> str:
        return self.region_id[:9]

    def age_on(self, day: date | None = None) -> int | None:
        if not self.birth_date:
            return None
        day = day or date.today()
        return day.year - self.birth_date.year - ((day.month, day.day) < (self.birth_date.month, self.birth_date.day))

    @property
    def age(self) -> int | None:
        return self.age_on()

    @property
    def is_child(self) -> bool:
        """Under 14: all of the child's data is sensitive personal information (PIPL art. 28)."""
        age = self.age
        return age is not None and age < CHILD_AGE

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_STATUSES and self.merged_into_id is None


def child_birth_cutoff(day: date | None = None) -> date:
    """Born after this date means under 14 on ``day``."""
    day = day or date.today()
    try:
        return day.replace(year=day.year - CHILD_AGE)
    except ValueError:  # 29 February
        return day.replace(year=day.year - CHILD_AGE, day=28)


class CategoryMembership(ChoiceLabels, models.Model):
    """A category a recipient holds, from a date until (if it ended) another."""

    recipient = models.ForeignKey(Recipient, on_delete=models.CASCADE, related_name="categories")
    category = models.CharField(_("category"), max_length=30, choices=Category.choices)
    started_on = models.DateField(_("from"))
    ended_on = models.DateField(_("until"), null=True, blank=True)
    source = models.CharField(_("source"), max_length=100, blank=True)
    end_reason = models.CharField(_("reason for ending"), max_length=200, blank=True)

    objects = ScopedManager()
    scope = ScopeRule(region="recipient__region__code", roles=RECIPIENT_ROLES)

    class Meta:
        verbose_name = _("category")
        verbose_name_plural = _("categories")
        ordering = ["started_on", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "category"], condition=Q(ended_on__isnull=True), name="category_one_open"
            ),
        ]
        indexes = [models.Index(fields=["category", "ended_on"], name="category_open")]

    def __str__(self):
        return self.get_category_display()

    @property
    def is_open(self) -> bool:
        return self.ended_on is None


class StatusChange(models.Model):
    """One change of a recipient's status (kept, never edited)."""

    recipient = models.ForeignKey(Recipient, on_delete=models.CASCADE, related_name="status_changes")
    old_status = models.CharField(_("from"), max_length=20, choices=Status.choices, blank=True)
    new_status = models.CharField(_("to"), max_length=20, choices=Status.choices)
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    changed_on = models.DateField(_("date"))
    changed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedManager()
    scope = ScopeRule(region="recipient__region__code", roles=RECIPIENT_ROLES)

    class Meta:
        verbose_name = _("status change")
        verbose_name_plural = _("status changes")
        ordering = ["changed_on", "id"]

    def __str__(self):
        return f"{self.old_status} → {self.new_status}"


class TimelineEntry(models.Model):
    """One line of a recipient's timeline. Every capability that does something for a person
    writes one (``services.add_to_timeline``); the file reads them in one indexed query."""

    recipient = models.ForeignKey(Recipient, on_delete=models.CASCADE, related_name="timeline")
    occurred_at = models.DateTimeField(_("when"))
    kind = models.CharField(_("kind"), max_length=40)
    summary = models.CharField(_("summary"), max_length=300)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    link = models.CharField(_("link"), max_length=200, blank=True)

    objects = ScopedManager()
    scope = ScopeRule(region="recipient__region__code", roles=RECIPIENT_ROLES)

    class Meta:
        verbose_name = _("timeline entry")
        verbose_name_plural = _("timeline entries")
        ordering = ["-occurred_at", "-id"]
        indexes = [models.Index(fields=["recipient", "-occurred_at"], name="timeline_recipient_when")]

    def __str__(self):
        return self.summary


class NeedDomain(models.TextChoices):
    LIVING = "living", _("Basic living")
    HEALTH = "health", _("Health and medical care")
    CARE = "care", _("Daily care")
    EDUCATION = "education", _("Schooling and study")
    EMPLOYMENT = "employment", _("Employment and income")
    HOUSING = "housing", _("Housing and safety")
    PSYCHOLOGICAL = "psychological", _("Emotional and psychological")
    SOCIAL = "social", _("Family and social relations")
    POLICY = "policy", _("Access to policies and assistance")
    OTHER = "other", _("Other")


class Priority(models.TextChoices):
    HIGH = "high", _("High")
    MEDIUM = "medium", _("Medium")
    LOW = "low", _("Low")


class NeedStatus(models.TextChoices):
    OPEN = "open", _("Open")
    REFERRED = "referred", _("Referred")
    MET = "met", _("Met")


ASSESSMENT_VALID_DAYS = 365  # needs are assessed again every year (seed 004)


class NeedsAssessment(models.Model):
    """A household's needs, assessed on a day (居民需求档案); due again a year later."""

    household = models.ForeignKey(Household, on_delete=models.CASCADE, related_name="assessments", verbose_name=_("household"))
    region = models.ForeignKey(
        "regions.Region", on_delete=models.PROTECT, related_name="+", db_column="region_code", editable=False
    )
    assessed_on = models.DateField(_("assessed on"))
    assessor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    summary = models.TextField(_("summary"), blank=True)
    next_due_on = models.DateField(_("next assessment due"))
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedManager()
    scope = ScopeRule(region="region__code", roles=RECIPIENT_ROLES)

    class Meta:
        verbose_name = _("needs assessment")
        verbose_name_plural = _("needs assessments")
        ordering = ["-assessed_on", "-id"]
        indexes = [models.Index(fields=["household", "-assessed_on"], name="assessment_household_latest")]

    def __str__(self):
        return f"{self.household_id}@{self.assessed_on}"

    def save(self, *args, **kwargs):
        if self.household_id and not self.region_id:
            self.region_id = self.household.region_id
        if self.assessed_on and not self.next_due_on:
            self.next_due_on = self.assessed_on + timedelta(days=ASSESSMENT_VALID_DAYS)
        super().save(*args, **kwargs)


class NeedItem(models.Model):
    """One need found by an assessment; the open ones make the community's needs list (需求清单)."""

    assessment = models.ForeignKey(NeedsAssessment, on_delete=models.CASCADE, related_name="needs")
    region = models.ForeignKey(
        "regions.Region", on_delete=models.PROTECT, related_name="+", db_column="region_code", editable=False
    )
    recipient = models.ForeignKey(
        Recipient, verbose_name=_("person concerned"), null=True, blank=True, on_delete=models.SET_NULL, related_name="needs"
    )
    domain = models.CharField(_("domain"), max_length=20, choices=NeedDomain.choices)
    description = models.CharField(_("need"), max_length=300)
    priority = models.CharField(_("priority"), max_length=10, choices=Priority.choices, default=Priority.MEDIUM)
    status = models.CharField(_("status"), max_length=10, choices=NeedStatus.choices, default=NeedStatus.OPEN)
    resolved_on = models.DateField(_("met on"), null=True, blank=True)

    objects = ScopedManager()
    scope = ScopeRule(region="region__code", roles=RECIPIENT_ROLES)

    class Meta:
        verbose_name = _("need")
        verbose_name_plural = _("needs")
        indexes = [models.Index(fields=["region", "status"], name="need_region_status")]

    def __str__(self):
        return self.description

    def save(self, *args, **kwargs):
        if self.assessment_id and not self.region_id:
            self.region_id = self.assessment.region_id
        super().save(*args, **kwargs)


class ResourceKind(models.TextChoices):
    CHARITY = "charity", _("Charity")
    VOLUNTEER_TEAM = "volunteer_team", _("Volunteer team")
    ORGANISATION = "organisation", _("Organisation or agency")
    FACILITY = "facility", _("Facility")
    ENTERPRISE = "enterprise", _("Enterprise")
    OTHER = "other", _("Other")


RESOURCE_VALID_DAYS = 365  # the resource database is brought up to date every year (seed 004)


class Resource(models.Model):
    """An entry of a community's resource database (资源库)."""

    region = models.ForeignKey(
        "regions.Region", verbose_name=_("township, village or community"), on_delete=models.PROTECT,
        related_name="+", db_column="region_code",
    )
    kind = models.CharField(_("kind"), max_length=20, choices=ResourceKind.choices)
    name = models.CharField(_("name"), max_length=200)
    services = models.TextField(_("what it offers"), blank=True)
    domains = models.JSONField(_("need domains served"), default=list, blank=True)
    contact_person = models.CharField(_("contact person"), max_length=50, blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=30, blank=True)
    address = models.CharField(_("address"), max_length=200, blank=True)
    active = models.BooleanField(_("active"), default=True)
    checked_on = models.DateField(_("last checked"))
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedManager()
    scope = ScopeRule(region="region__code", roles=RESOURCE_ROLES)

    class Meta:
        verbose_name = _("resource")
        verbose_name_plural = _("resources")
        ordering = ["region_id", "kind", "name"]

    def __str__(self):
        return self.name

    @property
    def next_check_due(self) -> date:
        return self.checked_on + timedelta(days=RESOURCE_VALID_DAYS)


class ReferralStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    ACCEPTED = "accepted", _("Accepted")
    COMPLETED = "completed", _("Completed")
    DECLINED = "declined", _("Declined")


class Referral(models.Model):
    """A referral or resource link (资源链接 / 转介) made for a recipient."""

    recipient = models.ForeignKey(Recipient, on_delete=models.CASCADE, related_name="referrals", verbose_name=_("recipient"))
    resource = models.ForeignKey(
        Resource, verbose_name=_("resource"), null=True, blank=True, on_delete=models.PROTECT, related_name="referrals"
    )
    agency = models.CharField(_("other agency"), max_length=200, blank=True)
    need = models.ForeignKey(NeedItem, verbose_name=_("need"), null=True, blank=True, on_delete=models.SET_NULL, related_name="referrals")
    reason = models.CharField(_("reason"), max_length=300)
    referred_on = models.DateField(_("referred on"))
    status = models.CharField(_("status"), max_length=20, choices=ReferralStatus.choices, default=ReferralStatus.PENDING)
    outcome = models.TextField(_("outcome"), blank=True)
    closed_on = models.DateField(_("closed on"), null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    # The record the referral was made from (a home visit, a case, a group, an activity), when it
    # was made from one: the recipient file links back to it. Set by casework.referrals.refer_from.
    source_type = models.ForeignKey(
        "contenttypes.ContentType", verbose_name=_("made from"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="+", editable=False,
    )
    source_id = models.PositiveBigIntegerField(null=True, blank=True, editable=False)
    source = GenericForeignKey("source_type", "source_id")

    objects = ScopedManager()
    scope = ScopeRule(region="recipient__region__code", roles=RECIPIENT_ROLES)

    class Meta:
        verbose_name = _("referral")
        verbose_name_plural = _("referrals")
        ordering = ["-referred_on", "-id"]
        indexes = [models.Index(fields=["source_type", "source_id"], name="referral_source")]

    def __str__(self):
        return self.reason

    @property
    def target(self) -> str:
        return self.resource.name if self.resource_id else self.agency


class Attachment(models.Model):
    """A document or photo in the recipient file, stored under a generated name."""

    recipient = models.ForeignKey(Recipient, on_delete=models.CASCADE, related_name="attachments")
    title = models.CharField(_("title"), max_length=200)
    file = models.FileField(_("file"), upload_to="recipients/%Y/%m/")
    content_type = models.CharField(max_length=100, editable=False)
    size = models.PositiveIntegerField(editable=False)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    uploaded_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedManager()
    scope = ScopeRule(region="recipient__region__code", roles=RECIPIENT_ROLES)

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        ordering = ["-uploaded_at", "-id"]

    def __str__(self):
        return self.title


class DuplicateReason(models.TextChoices):
    SAME_NAME_BIRTH = "same_name_birth", _("Same name and birth date")
    SIMILAR_NAME_VILLAGE = "similar_name_village", _("Names that sound alike in the same village")


class DuplicateStatus(models.TextChoices):
    OPEN = "open", _("Awaiting review")
    MERGED = "merged", _("Merged")
    DISMISSED = "dismissed", _("Not the same person")


class DuplicateCandidate(models.Model):
    """Two files that may be the same person, for a person to decide (merge or dismiss)."""

    first = models.ForeignKey(Recipient, on_delete=models.CASCADE, related_name="+")
    second = models.ForeignKey(Recipient, on_delete=models.CASCADE, related_name="+")
    region = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+", db_column="region_code", editable=False)
    reason = models.CharField(_("reason"), max_length=30, choices=DuplicateReason.choices)
    status = models.CharField(_("status"), max_length=20, choices=DuplicateStatus.choices, default=DuplicateStatus.OPEN)
    found_at = models.DateTimeField(_("found"), auto_now_add=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)

    objects = ScopedManager()
    scope = ScopeRule(region="region__code", roles=RECIPIENT_ROLES)

    class Meta:
        verbose_name = _("possible duplicate")
        verbose_name_plural = _("possible duplicates")
        ordering = ["-found_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["first", "second"], name="duplicate_pair_once")]

    def __str__(self):
        return f"{self.first_id}~{self.second_id}"


class ImportKind(models.TextChoices):
    IMPORT = "import", _("Import")
    RECONCILE = "reconcile", _("Reconcile")


class ImportState(models.TextChoices):
    QUEUED = "queued", _("Waiting")
    VALIDATING = "validating", _("Checking")
    VALIDATED = "validated", _("Checked")
    COMMITTING = "committing", _("Writing")
    COMMITTED = "committed", _("Written")
    FAILED = "failed", _("Failed")
    DISCARDED = "discarded", _("Discarded")


class ImportBatch(models.Model):
    """One uploaded township list: its file, its check (preview) and, once committed, its result."""

    region = models.ForeignKey(
        "regions.Region", verbose_name=_("township"), on_delete=models.PROTECT, related_name="+", db_column="region_code"
    )
    kind = models.CharField(_("mode"), max_length=20, choices=ImportKind.choices, default=ImportKind.IMPORT)
    file = models.FileField(upload_to="imports/%Y/%m/")
    original_name = models.CharField(_("file name"), max_length=255)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(_("uploaded"), auto_now_add=True)
    state = models.CharField(_("state"), max_length=20, choices=ImportState.choices, default=ImportState.QUEUED)
    rows_total = models.PositiveIntegerField(default=0)
    rows_done = models.PositiveIntegerField(default=0)
    summary = models.JSONField(default=dict, blank=True)
    preview = models.JSONField(default=dict, blank=True)
    error_file = models.FileField(upload_to="imports/%Y/%m/", blank=True)
    message = models.TextField(blank=True)
    committed_at = models.DateTimeField(null=True, blank=True)

    objects = ScopedManager()
    scope = ScopeRule(region="region__code", roles=RECIPIENT_ROLES)

    class Meta:
        verbose_name = _("import")
        verbose_name_plural = _("imports")
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return self.original_name

    @property
    def progress_percent(self) -> int:
        return int(100 * self.rows_done / self.rows_total) if self.rows_total else 0
