"""What social workers do: home visits and visit plans, cases (MZ/T 094), groups (MZ/T 095),
community activities and policy publicity, tagged with the service catalogue of the policy profile.

Every record is placed at a region code (the recipient's village, or the township or village where
a group or activity is held) and reached through :mod:`shegong.core.scoping`. Records people edit
carry a ``version`` (see :mod:`shegong.core.concurrency`).
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from shegong.core.choices import ChoiceLabels
from shegong.core.scoping import ScopedManager, ScopeRule
from shegong.policies.models import POLICY_ROLES

# Who reaches casework. The township office and the bureau read it (masked where it shows
# personal data); the station's people record it. Supervisors read the cases they supervise and
# decide on plans and closures through the case services (not through CHANGE).
CASEWORK_ROLES = {
    "view": {"bureau", "township_officer", "station_lead", "worker", "supervisor"},
    "change": {"station_lead", "worker"},
}
# Roles that decide on case plans and closures.
APPROVER_ROLES = {"supervisor"}
# Roles that assign and transfer cases and visit plans.
LEAD_ROLES = {"station_lead"}


PLACE = _("place")


def _region_fk(verbose=PLACE):
    return models.ForeignKey(
        "regions.Region", verbose_name=verbose, on_delete=models.PROTECT, related_name="+", db_column="region_code"
    )


def _user_fk(verbose, related_name="+", **kwargs):
    return models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=verbose, null=True, blank=True, on_delete=models.SET_NULL,
        related_name=related_name, **kwargs,
    )


# --- Service catalogue (服务清单) ---------------------------------------------------------------


class DomainKind(models.TextChoices):
    MUST = "must", _("Must-do (必做)")
    OPTIONAL = "optional", _("Optional (选做)")
    NONE = "", _("Not graded")


class ServiceDomain(models.Model):
    """A domain of a profile's service catalogue (Hainan: 社会救助, 养老服务 …)."""

    profile = models.ForeignKey(
        "policies.PolicyProfile", verbose_name=_("profile"), on_delete=models.CASCADE, related_name="service_domains"
    )
    code = models.CharField(_("code"), max_length=20)
    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=10, choices=DomainKind.choices, blank=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    objects = ScopedManager()
    scope = ScopeRule(region="profile__region__code", roles=POLICY_ROLES)

    class Meta:
        verbose_name = _("service domain")
        verbose_name_plural = _("service domains")
        ordering = ["profile_id", "position", "code"]
        constraints = [models.UniqueConstraint(fields=["profile", "code"], name="service_domain_unique")]

    def __str__(self):
        return self.name

    def audit_region_code(self) -> str:
        return self.profile.region_id


class ServiceItem(models.Model):
    """One service of the catalogue; every service record is tagged with its items.

    Items are retired (``active=False``), never deleted, so that old records keep their tags.
    """

    domain = models.ForeignKey(ServiceDomain, verbose_name=_("domain"), on_delete=models.PROTECT, related_name="items")
    code = models.CharField(_("code"), max_length=20)
    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    active = models.BooleanField(_("in use"), default=True)

    objects = ScopedManager()
    scope = ScopeRule(region="domain__profile__region__code", roles=POLICY_ROLES)

    class Meta:
        verbose_name = _("service item")
        verbose_name_plural = _("service items")
        ordering = ["domain_id", "position", "code"]
        constraints = [models.UniqueConstraint(fields=["domain", "code"], name="service_item_unique")]

    def __str__(self):
        return self.name

    def audit_region_code(self) -> str:
        return self.domain.profile.region_id


# --- Home visits (入户走访) ----------------------------------------------------------------------


class VisitOutcome(models.TextChoices):
    AT_HOME = "at_home", _("At home (在家)")
    ABSENT = "absent", _("Nobody home (无人)")
    VACANT = "vacant", _("House empty (空置)")
    REFUSED = "refused", _("Visit refused (拒访)")


# Outcomes that fulfil a planned visit: the worker met the person (or was turned away by them).
# "Nobody home" leaves the plan open; "house empty" asks whether the person has moved.
FULFILLING_OUTCOMES = (VisitOutcome.AT_HOME, VisitOutcome.REFUSED)


class Condition(models.TextChoices):
    GOOD = "good", _("Good")
    FAIR = "fair", _("Fair")
    POOR = "poor", _("Poor")
    UNKNOWN = "unknown", _("Not seen")


class Risk(models.TextChoices):
    """Risks a visit can find (one tap each on the phone form)."""

    UNSAFE_HOUSING = "unsafe_housing", _("Unsafe housing (住房安全隐患)")
    FIRE_ELECTRICITY = "fire_electricity", _("Fire or electrical hazard (消防用电隐患)")
    NO_CAREGIVER = "no_caregiver", _("Nobody to look after them (无人照料)")
    UNTREATED_ILLNESS = "untreated_illness", _("Illness not treated (疾病未就医)")
    INCOME_LOST = "income_lost", _("Income lost (收入中断)")
    CHILD_UNSUPERVISED = "child_unsupervised", _("Child without supervision (儿童无人监护)")
    SUSPECTED_ABUSE = "suspected_abuse", _("Suspected abuse or violence (疑似家暴或虐待)")
    MENTAL_HEALTH = "mental_health", _("Mental health crisis (心理危机)")
    OTHER = "other", _("Other risk (其他)")


class FollowUp(models.TextChoices):
    OPEN_CASE = "open_case", _("Open a case")
    REFERRAL = "referral", _("Make a referral")
    UPDATE_NEEDS = "update_needs", _("Update the needs assessment")
    VISIT_AGAIN = "visit_again", _("Visit again soon")


class Visit(ChoiceLabels, models.Model):
    """One home visit: when, by whom, to whom, what was found and what follows."""

    region = _region_fk()
    recipient = models.ForeignKey(
        "recipients.Recipient", verbose_name=_("recipient"), null=True, blank=True, on_delete=models.CASCADE,
        related_name="visits",
    )
    household = models.ForeignKey(
        "recipients.Household", verbose_name=_("household"), null=True, blank=True, on_delete=models.CASCADE,
        related_name="visits",
    )
    visited_on = models.DateField(_("visited on"))
    workers = models.ManyToManyField(settings.AUTH_USER_MODEL, verbose_name=_("social workers"), related_name="+")
    outcome = models.CharField(_("outcome"), max_length=20, choices=VisitOutcome.choices)
    living_conditions = models.CharField(_("living conditions"), max_length=10, choices=Condition.choices, default=Condition.UNKNOWN)
    health = models.CharField(_("health"), max_length=10, choices=Condition.choices, default=Condition.UNKNOWN)
    income = models.CharField(_("income"), max_length=10, choices=Condition.choices, default=Condition.UNKNOWN)
    safety = models.CharField(_("safety"), max_length=10, choices=Condition.choices, default=Condition.UNKNOWN)
    findings = models.TextField(_("findings"), blank=True)
    needs_found = models.TextField(_("needs found"), blank=True)
    risks = models.JSONField(_("risks found"), default=list, blank=True)
    follow_ups = models.JSONField(_("follow-up"), default=list, blank=True)
    follow_up_note = models.CharField(_("follow-up note"), max_length=300, blank=True)
    items = models.ManyToManyField(ServiceItem, verbose_name=_("services"), blank=True, related_name="+")
    client_uuid = models.UUIDField(_("form id"), null=True, blank=True, unique=True, editable=False)
    version = models.PositiveIntegerField(default=1, editable=False)
    created_by = _user_fk(_("recorded by"))
    created_at = models.DateTimeField(_("recorded"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = ScopedManager()
    scope = ScopeRule(region="region__code", roles=CASEWORK_ROLES)

    class Meta:
        verbose_name = _("home visit")
        verbose_name_plural = _("home visits")
        ordering = ["-visited_on", "-pk"]
        indexes = [
            models.Index(fields=["region", "visited_on"], name="visit_region_date"),
            models.Index(fields=["recipient", "visited_on"], name="visit_recipient_date"),
            # The list's own order, newest first: an official's page of a county's visits reads the
            # newest rows of the index and stops, instead of sorting every visit in reach.
            models.Index(fields=["visited_on", "id"], name="visit_date"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(recipient__isnull=False) | Q(household__isnull=False), name="visit_has_someone"
            )
        ]

    def __str__(self):
        return _("Visit on %(date)s") % {"date": self.visited_on.isoformat()}

    def audit_region_code(self) -> str:
        return self.region_id


class PlanReason(models.TextChoices):
    NEW = "new", _("New recipient: first visit")
    LEVEL = "level", _("Follow-up level")
    ANNUAL = "annual", _("Yearly share of the others")
    MANUAL = "manual", _("Planned by hand")


class PlanStatus(models.TextChoices):
    OPEN = "open", _("Due")
    DONE = "done", _("Done")
    CANCELLED = "cancelled", _("Cancelled")


class PlannedVisit(ChoiceLabels, models.Model):
    """A visit the rules of the profile call for: at most one open per recipient."""

    region = _region_fk()
    recipient = models.ForeignKey(
        "recipients.Recipient", verbose_name=_("recipient"), on_delete=models.CASCADE, related_name="planned_visits"
    )
    reason = models.CharField(_("reason"), max_length=10, choices=PlanReason.choices)
    due_on = models.DateField(pgettext_lazy("planned visit", "due on"))
    assigned_to = _user_fk(_("assigned to"))
    status = models.CharField(_("status"), max_length=10, choices=PlanStatus.choices, default=PlanStatus.OPEN)
    visit = models.ForeignKey(
        Visit, verbose_name=_("visit"), null=True, blank=True, on_delete=models.SET_NULL, related_name="planned"
    )
    note = models.CharField(_("note"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("planned"), auto_now_add=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)

    objects = ScopedManager()
    scope = ScopeRule(region="region__code", roles=CASEWORK_ROLES)

    class Meta:
        verbose_name = _("planned visit")
        verbose_name_plural = _("planned visits")
        ordering = ["due_on", "pk"]
        indexes = [models.Index(fields=["region", "status", "due_on"], name="plan_region_status_due")]
        constraints = [
            models.UniqueConstraint(
                fields=["recipient"], condition=Q(status="open"), name="planned_visit_one_open"
            )
        ]

    def __str__(self):
        return _("Visit due %(date)s") % {"date": self.due_on.isoformat()}

    def audit_region_code(self) -> str:
        return self.region_id


# --- Cases (个案, MZ/T 094) ----------------------------------------------------------------------


class CaseStage(models.TextChoices):
    INTAKE = "intake", _("Intake (接案)")
    ASSESSMENT = "assessment", _("Assessment (预估)")
    PLAN_REVIEW = "plan_review", _("Plan awaiting approval")
    INTERVENTION = "intervention", _("Intervention (服务介入)")
    REVIEW = "review", _("Review (评估)")
    CLOSURE_REVIEW = "closure_review", _("Closure awaiting approval")
    CLOSED = "closed", pgettext_lazy("case stage", "Closed (结案)")


OPEN_STAGES = tuple(s for s in CaseStage.values if s != CaseStage.CLOSED)


class CaseSource(models.TextChoices):
    OWN_REQUEST = "own_request", _("Own request (主动求助)")
    OUTREACH = "outreach", _("Outreach (主动发现)")
    REFERRAL = "referral", _("Referral (转介)")


class ClosureReason(models.TextChoices):
    GOALS_MET = "goals_met", _("Goals met")
    REFERRED_ON = "referred_on", _("Referred to another service")
    DECLINED = "declined", _("The person no longer wants the service")
    MOVED = "moved", _("The person moved away")
    DECEASED = "deceased", _("The person died")
    NOT_ELIGIBLE = "not_eligible", _("Not taken on after intake")
    OTHER = "other", _("Other")


class Case(ChoiceLabels, models.Model):
    """A case worked through the MZ/T 094 stages; the stage changes only through the case services."""

    number = models.CharField(_("case number"), max_length=40, unique=True, editable=False)
    region = _region_fk()
    recipient = models.ForeignKey(
        "recipients.Recipient", verbose_name=_("recipient"), on_delete=models.CASCADE, related_name="cases"
    )
    worker = _user_fk(_("case worker"), related_name="cases_worked")
    supervisor = _user_fk(_("supervisor"), related_name="cases_supervised")
    source = models.CharField(pgettext_lazy("case", "source"), max_length=20, choices=CaseSource.choices)
    source_detail = models.CharField(_("referred by"), max_length=200, blank=True)
    source_visit = models.ForeignKey(
        Visit, verbose_name=_("from visit"), null=True, blank=True, on_delete=models.SET_NULL, related_name="cases"
    )
    stage = models.CharField(_("stage"), max_length=20, choices=CaseStage.choices, default=CaseStage.INTAKE, editable=False)
    opened_on = models.DateField(pgettext_lazy("case", "opened on"))
    problem = models.TextField(_("presenting problem"))
    assessment = models.TextField(_("assessment"), blank=True)
    review_summary = models.TextField(_("review"), blank=True)
    closure_reason = models.CharField(_("reason for closing"), max_length=20, choices=ClosureReason.choices, blank=True)
    closure_summary = models.TextField(_("closing summary"), blank=True)
    closed_on = models.DateField(_("closed on"), null=True, blank=True)
    reopened_count = models.PositiveSmallIntegerField(_("times reopened"), default=0, editable=False)
    items = models.ManyToManyField(ServiceItem, verbose_name=_("services"), blank=True, related_name="+")
    version = models.PositiveIntegerField(default=1, editable=False)
    created_by = _user_fk(_("opened by"))
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = ScopedManager()
    scope = ScopeRule(region="region__code", roles=CASEWORK_ROLES)

    class Meta:
        verbose_name = _("case")
        verbose_name_plural = pgettext_lazy("casework", "cases")
        ordering = ["-opened_on", "-pk"]
        indexes = [
            models.Index(fields=["region", "stage"], name="case_region_stage"),
            models.Index(fields=["region", "opened_on"], name="case_region_opened"),
        ]

    def __str__(self):
        return self.number

    def audit_region_code(self) -> str:
        return self.region_id


class ApprovalSubject(models.TextChoices):
    PLAN = "plan", _("Service plan")
    CLOSURE = "closure", _("Closure")


class ApprovalStatus(models.TextChoices):
    PENDING = "pending", _("Awaiting decision")
    APPROVED = "approved", _("Approved")
    RETURNED = "returned", _("Returned with comments")


class CasePlan(models.Model):
    """A service plan (服务计划): goals, actions and timetable; each submission is a new number."""

    case = models.ForeignKey(Case, verbose_name=_("case"), on_delete=models.CASCADE, related_name="plans")
    number = models.PositiveSmallIntegerField(_("version"), default=1)
    goals = models.TextField(_("goals"))
    actions = models.TextField(_("actions"))
    timetable = models.TextField(_("timetable"))
    review_on = models.DateField(_("review due"), null=True, blank=True)
    written_by = _user_fk(_("written by"))
    written_at = models.DateTimeField(_("written"), auto_now_add=True)

    objects = ScopedManager()
    scope = ScopeRule(region="case__region__code", roles=CASEWORK_ROLES)

    class Meta:
        verbose_name = _("service plan")
        verbose_name_plural = _("service plans")
        ordering = ["case_id", "-number"]
        constraints = [models.UniqueConstraint(fields=["case", "number"], name="case_plan_unique")]

    def __str__(self):
        return _("Plan %(number)s") % {"number": self.number}

    def audit_region_code(self) -> str:
        return self.case.region_id


class Approval(models.Model):
    """A plan or a closure put to the supervisor, and the decision (approve / return with comments)."""

    case = models.ForeignKey(Case, verbose_name=_("case"), on_delete=models.CASCADE, related_name="approvals")
    subject = models.CharField(_("subject"), max_length=10, choices=ApprovalSubject.choices)
    plan = models.ForeignKey(CasePlan, verbose_name=_("plan"), null=True, blank=True, on_delete=models.CASCADE, related_name="approvals")
    status = models.CharField(_("status"), max_length=10, choices=ApprovalStatus.choices, default=ApprovalStatus.PENDING)
    requested_by = _user_fk(_("submitted by"))
    requested_at = models.DateTimeField(_("submitted"), auto_now_add=True)
    decided_by = _user_fk(_("decided by"))
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    comment = models.TextField(_("comments"), blank=True)

    objects = ScopedManager()
    scope = ScopeRule(region="case__region__code", roles=CASEWORK_ROLES)

    class Meta:
        verbose_name = _("approval")
        verbose_name_plural = _("approvals")
        ordering = ["-requested_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["case"], condition=Q(status="pending"), name="approval_one_pending")
        ]

    def __str__(self):
        return f"{self.get_subject_display()} · {self.get_status_display()}"

    def audit_region_code(self) -> str:
        return self.case.region_id


class ContactKind(models.TextChoices):
    HOME = "home", _("Home visit")
    PHONE = "phone", _("Phone")
    OFFICE = "office", _("At the station")
    OTHER = "other", _("Other")


class CaseRecord(models.Model):
    """An intervention record (服务记录): one contact and what was done."""

    case = models.ForeignKey(Case, verbose_name=_("case"), on_delete=models.CASCADE, related_name="records")
    occurred_on = models.DateField(_("date"))
    contact = models.CharField(_("contact"), max_length=10, choices=ContactKind.choices, default=ContactKind.HOME)
    content = models.TextField(_("what was done"))
    items = models.ManyToManyField(ServiceItem, verbose_name=_("services"), blank=True, related_name="+")
    written_by = _user_fk(_("written by"))
    written_at = models.DateTimeField(_("written"), auto_now_add=True)

    objects = ScopedManager()
    scope = ScopeRule(region="case__region__code", roles=CASEWORK_ROLES)

    class Meta:
        verbose_name = _("service record")
        verbose_name_plural = _("service records")
        ordering = ["case_id", "-occurred_on", "-pk"]

    def __str__(self):
        return _("Record of %(date)s") % {"date": self.occurred_on.isoformat()}

    def audit_region_code(self) -> str:
        return self.case.region_id


class ConfidentialNote(models.Model):
    """A note only the case's worker and supervisor may read (encrypted at rest).

    The scope rule names the people: the case's current worker and supervisor, so that the notes
    follow the case when it is transferred and nobody else reaches them by place.
    """

    case = models.ForeignKey(Case, verbose_name=_("case"), on_delete=models.CASCADE, related_name="confidential_notes")
    cipher = models.TextField(editable=False)
    written_by = _user_fk(_("written by"))
    written_at = models.DateTimeField(_("written"), auto_now_add=True)

    objects = ScopedManager()
    scope = ScopeRule(
        region="case__region__code", roles=CASEWORK_ROLES, people=("case__worker", "case__supervisor")
    )

    class Meta:
        verbose_name = _("confidential note")
        verbose_name_plural = _("confidential notes")
        ordering = ["case_id", "-written_at", "-pk"]

    def __str__(self):
        return _("Confidential note")

    def audit_region_code(self) -> str:
        return self.case.region_id


class StageChange(models.Model):
    """Every move of a case between stages, who made it and why."""

    case = models.ForeignKey(Case, verbose_name=_("case"), on_delete=models.CASCADE, related_name="stage_changes")
    old_stage = models.CharField(pgettext_lazy("stage change", "from"), max_length=20, choices=CaseStage.choices, blank=True)
    new_stage = models.CharField(pgettext_lazy("stage change", "to"), max_length=20, choices=CaseStage.choices)
    note = models.CharField(_("note"), max_length=300, blank=True)
    changed_by = _user_fk(pgettext_lazy("changed by", "by"))
    changed_at = models.DateTimeField(_("when"), auto_now_add=True)

    objects = ScopedManager()
    scope = ScopeRule(region="case__region__code", roles=CASEWORK_ROLES)

    class Meta:
        verbose_name = _("stage change")
        verbose_name_plural = _("stage changes")
        ordering = ["case_id", "changed_at", "pk"]

    def __str__(self):
        return f"{self.get_old_stage_display()} → {self.get_new_stage_display()}"

    def audit_region_code(self) -> str:
        return self.case.region_id


class CaseTransfer(models.Model):
    """A case handed to another worker, or to another township's station when the person moves."""

    case = models.ForeignKey(Case, verbose_name=_("case"), on_delete=models.CASCADE, related_name="transfers")
    from_worker = _user_fk(_("from worker"))
    to_worker = _user_fk(_("to worker"))
    from_region = models.ForeignKey("regions.Region", verbose_name=pgettext_lazy("transfer", "from"), on_delete=models.PROTECT, related_name="+")
    to_region = models.ForeignKey("regions.Region", verbose_name=pgettext_lazy("transfer", "to"), on_delete=models.PROTECT, related_name="+")
    reason = models.CharField(_("reason"), max_length=300)
    transferred_by = _user_fk(pgettext_lazy("changed by", "by"))
    transferred_at = models.DateTimeField(_("when"), auto_now_add=True)

    objects = ScopedManager()
    scope = ScopeRule(region="case__region__code", roles=CASEWORK_ROLES)

    class Meta:
        verbose_name = _("case transfer")
        verbose_name_plural = _("case transfers")
        ordering = ["case_id", "transferred_at", "pk"]

    def __str__(self):
        return f"{self.from_region_id} → {self.to_region_id}"

    def audit_region_code(self) -> str:
        return self.case.region_id


# --- Groups (小组, MZ/T 095) ---------------------------------------------------------------------


class GroupStatus(models.TextChoices):
    PLANNED = "planned", _("Being formed")
    RUNNING = "running", _("Running")
    FINISHED = "finished", _("Finished")


class Group(ChoiceLabels, models.Model):
    """A group: goal, members, sessions; its validity is computed against the profile."""

    region = _region_fk()
    name = models.CharField(_("name"), max_length=200)
    goal = models.TextField(_("goal"))
    leader = _user_fk(_("group leader"), related_name="groups_led")
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=GroupStatus.choices, default=GroupStatus.PLANNED)
    items = models.ManyToManyField(ServiceItem, verbose_name=_("services"), blank=True, related_name="+")
    version = models.PositiveIntegerField(default=1, editable=False)
    created_by = _user_fk(_("created by"))
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = ScopedManager()
    scope = ScopeRule(region="region__code", roles=CASEWORK_ROLES)

    class Meta:
        verbose_name = _("group")
        verbose_name_plural = pgettext_lazy("casework", "groups")
        ordering = ["-starts_on", "-pk"]
        indexes = [models.Index(fields=["region", "starts_on"], name="group_region_start")]

    def __str__(self):
        return self.name

    def audit_region_code(self) -> str:
        return self.region_id


class GroupMember(models.Model):
    """A member: a registered recipient, or a resident named only here."""

    group = models.ForeignKey(Group, verbose_name=_("group"), on_delete=models.CASCADE, related_name="members")
    recipient = models.ForeignKey(
        "recipients.Recipient", verbose_name=_("recipient"), null=True, blank=True, on_delete=models.CASCADE,
        related_name="group_memberships",
    )
    name = models.CharField(_("name"), max_length=50, blank=True)
    joined_on = models.DateField(_("joined on"))
    left_on = models.DateField(_("left on"), null=True, blank=True)

    objects = ScopedManager()
    scope = ScopeRule(region="group__region__code", roles=CASEWORK_ROLES)

    class Meta:
        verbose_name = _("group member")
        verbose_name_plural = _("group members")
        ordering = ["group_id", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["group", "recipient"], name="group_member_unique"),
            models.CheckConstraint(condition=Q(recipient__isnull=False) | ~Q(name=""), name="group_member_named"),
        ]

    def __str__(self):
        return self.recipient.name if self.recipient_id else self.name

    def audit_region_code(self) -> str:
        return self.group.region_id


class GroupSession(models.Model):
    """One meeting of a group, with its record and attendance."""

    group = models.ForeignKey(Group, verbose_name=_("group"), on_delete=models.CASCADE, related_name="sessions")
    number = models.PositiveSmallIntegerField(pgettext_lazy("group session", "session"))
    held_on = models.DateField(_("held on"))
    topic = models.CharField(_("topic"), max_length=200)
    record = models.TextField(_("session record"), blank=True)
    version = models.PositiveIntegerField(default=1, editable=False)
    written_by = _user_fk(_("written by"))
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = ScopedManager()
    scope = ScopeRule(region="group__region__code", roles=CASEWORK_ROLES)

    class Meta:
        verbose_name = _("group session")
        verbose_name_plural = _("group sessions")
        ordering = ["group_id", "number"]
        constraints = [models.UniqueConstraint(fields=["group", "number"], name="group_session_unique")]

    def __str__(self):
        return _("Session %(number)s") % {"number": self.number}

    def audit_region_code(self) -> str:
        return self.group.region_id


class SessionAttendance(models.Model):
    session = models.ForeignKey(GroupSession, verbose_name=pgettext_lazy("group session", "session"), on_delete=models.CASCADE, related_name="attendance")
    member = models.ForeignKey(GroupMember, verbose_name=_("member"), on_delete=models.CASCADE, related_name="attendance")
    present = models.BooleanField(_("present"), default=False)

    objects = ScopedManager()
    scope = ScopeRule(region="session__group__region__code", roles=CASEWORK_ROLES)

    class Meta:
        verbose_name = _("attendance")
        verbose_name_plural = _("attendance")
        constraints = [models.UniqueConstraint(fields=["session", "member"], name="session_attendance_unique")]

    def __str__(self):
        return f"{self.member} · {self.session}"

    def audit_region_code(self) -> str:
        return self.session.group.region_id


# --- Community activities (社区活动) and policy publicity (政策宣传) ---------------------------------


class ActivityKind(models.TextChoices):
    ACTIVITY = "activity", _("Community activity (社区活动)")
    PUBLICITY = "publicity", _("Policy publicity (政策宣传)")


class Activity(ChoiceLabels, models.Model):
    """A community activity or a policy publicity event."""

    kind = models.CharField(_("kind"), max_length=10, choices=ActivityKind.choices)
    region = _region_fk()
    title = models.CharField(_("title"), max_length=200)
    held_on = models.DateField(_("held on"))
    place = models.CharField(_("place"), max_length=200)
    items = models.ManyToManyField(ServiceItem, verbose_name=_("topic"), related_name="+")
    participant_count = models.PositiveIntegerField(_("participants"), validators=[MaxValueValidator(100000)])
    description = models.TextField(_("what happened"), blank=True)
    organiser = _user_fk(_("organised by"))
    participants = models.ManyToManyField(
        "recipients.Recipient", verbose_name=_("named participants"), through="ActivityParticipant", blank=True,
        related_name="activities",
    )
    client_uuid = models.UUIDField(_("form id"), null=True, blank=True, unique=True, editable=False)
    version = models.PositiveIntegerField(default=1, editable=False)
    created_by = _user_fk(_("recorded by"))
    created_at = models.DateTimeField(_("recorded"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = ScopedManager()
    scope = ScopeRule(region="region__code", roles=CASEWORK_ROLES)

    class Meta:
        verbose_name = pgettext_lazy("community activity", "activity")
        verbose_name_plural = pgettext_lazy("community activity", "activities")
        ordering = ["-held_on", "-pk"]
        indexes = [models.Index(fields=["region", "kind", "held_on"], name="activity_region_kind_date")]

    def __str__(self):
        return self.title

    def audit_region_code(self) -> str:
        return self.region_id


class ActivityParticipant(models.Model):
    activity = models.ForeignKey(Activity, verbose_name=pgettext_lazy("community activity", "activity"), on_delete=models.CASCADE, related_name="named")
    recipient = models.ForeignKey("recipients.Recipient", verbose_name=_("recipient"), on_delete=models.CASCADE, related_name="+")

    objects = ScopedManager()
    scope = ScopeRule(region="activity__region__code", roles=CASEWORK_ROLES)

    class Meta:
        verbose_name = _("named participant")
        verbose_name_plural = _("named participants")
        constraints = [models.UniqueConstraint(fields=["activity", "recipient"], name="activity_participant_unique")]

    def __str__(self):
        return str(self.recipient)

    def audit_region_code(self) -> str:
        return self.activity.region_id


class ActivityVolunteer(models.Model):
    """A volunteer who served at an activity, and for how long (also written to the volunteer's hours)."""

    activity = models.ForeignKey(Activity, verbose_name=pgettext_lazy("community activity", "activity"), on_delete=models.CASCADE, related_name="volunteers")
    volunteer = models.ForeignKey("workforce.Volunteer", verbose_name=_("volunteer"), on_delete=models.PROTECT, related_name="+")
    hours = models.DecimalField(
        _("hours"), max_digits=5, decimal_places=1, validators=[MinValueValidator(0), MaxValueValidator(24)]
    )
    service = models.OneToOneField(
        "workforce.VolunteerService", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", editable=False
    )

    objects = ScopedManager()
    scope = ScopeRule(region="activity__region__code", roles=CASEWORK_ROLES)

    class Meta:
        verbose_name = _("activity volunteer")
        verbose_name_plural = _("activity volunteers")
        constraints = [models.UniqueConstraint(fields=["activity", "volunteer"], name="activity_volunteer_unique")]

    def __str__(self):
        return f"{self.volunteer} · {self.hours}"

    def audit_region_code(self) -> str:
        return self.activity.region_id


# --- Attachments --------------------------------------------------------------------------------


class AttachmentKind(models.TextChoices):
    PHOTO = "photo", _("Photo")
    SIGN_IN = "sign_in", _("Sign-in sheet")
    DOCUMENT = "document", _("Document")


class Attachment(models.Model):
    """A photo or document of a visit, case, group session or activity.

    Placed at its record's region; served only through the scoped attachment view. Photos get a
    thumbnail (re-encoded, so no camera metadata such as the location travels with it).
    """

    region = _region_fk()
    owner_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, related_name="+")
    owner_id = models.PositiveBigIntegerField()
    owner = GenericForeignKey("owner_type", "owner_id")
    kind = models.CharField(_("kind"), max_length=10, choices=AttachmentKind.choices, default=AttachmentKind.PHOTO)
    title = models.CharField(_("title"), max_length=200, blank=True)
    file = models.FileField(_("file"), upload_to="casework/%Y/%m/")
    thumbnail = models.FileField(_("thumbnail"), upload_to="casework/thumbs/%Y/%m/", blank=True)
    content_type = models.CharField(max_length=100, editable=False)
    size = models.PositiveIntegerField(editable=False)
    client_uuid = models.UUIDField(null=True, blank=True, unique=True, editable=False, default=None)
    uploaded_by = _user_fk(_("uploaded by"))
    uploaded_at = models.DateTimeField(_("uploaded"), auto_now_add=True)

    objects = ScopedManager()
    scope = ScopeRule(region="region__code", roles=CASEWORK_ROLES)

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        ordering = ["owner_type_id", "owner_id", "pk"]
        indexes = [models.Index(fields=["owner_type", "owner_id"], name="cw_attachment_owner")]

    def __str__(self):
        return self.title or self.get_kind_display()

    def audit_region_code(self) -> str:
        return self.region_id
