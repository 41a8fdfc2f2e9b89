"""Social workers, their station assignments over time, training and supervision sessions,
volunteers and their hours, and the local average wage (data, per region and year)."""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from shegong.core.scoping import ScopedManager, ScopeRule
from shegong.policies.parameters import EDUCATION_LEVELS

# Who reaches workers and their assignment history. A social worker sees colleagues only
# through the station pages (not here): a worker file holds salary and contract data.
WORKER_ROLES = {
    "view": {"bureau", "admin", "township_officer", "operator_manager", "station_lead", "supervisor"},
    "change": {"bureau", "admin", "operator_manager"},
}
# Supervisors log supervision sessions, so they may also create sessions.
SESSION_ROLES = {
    "view": {"bureau", "admin", "township_officer", "operator_manager", "station_lead", "supervisor"},
    "change": {"bureau", "admin", "operator_manager", "supervisor"},
}
VOLUNTEER_ROLES = {
    "view": {"bureau", "admin", "township_officer", "operator_manager", "station_lead", "supervisor", "worker"},
    "change": {"bureau", "admin", "operator_manager", "station_lead", "worker"},
}
WAGE_ROLES = {
    "view": {"bureau", "admin", "township_officer", "operator_manager", "station_lead", "supervisor"},
    "change": {"bureau", "admin"},
}


class Education(models.TextChoices):
    """The levels of policies.parameters.EDUCATION_LEVELS, lowest first (order matters)."""

    HIGH_SCHOOL = "high_school", _("High school")
    VOCATIONAL = "vocational", _("Secondary vocational school")
    COLLEGE = "college", _("Junior college")
    BACHELOR = "bachelor", _("Bachelor's degree")
    MASTER = "master", _("Master's degree")
    DOCTORATE = "doctorate", _("Doctorate")


assert tuple(Education.values) == EDUCATION_LEVELS, "education choices must follow the policy parameter"


class CertificateLevel(models.TextChoices):
    NONE = "none", _("No certificate")
    ASSISTANT = "assistant", _("Assistant social worker (助理社会工作师)")
    SOCIAL_WORKER = "social_worker", _("Social worker (社会工作师)")
    SENIOR = "senior", _("Senior social worker (高级社会工作师)")


class Sex(models.TextChoices):
    MALE = "male", _("Male")
    FEMALE = "female", _("Female")


class SocialWorker(models.Model):
    """A paid social worker employed by an operator (DOMAIN §3 "Social worker")."""

    employer = models.ForeignKey(
        "stations.Operator", verbose_name=_("employer"), on_delete=models.PROTECT, related_name="workers"
    )
    name = models.CharField(_("name"), max_length=50)
    sex = models.CharField(_("sex"), max_length=10, choices=Sex.choices)
    birth_date = models.DateField(_("birth date"))
    education = models.CharField(_("education"), max_length=20, choices=Education.choices)
    major = models.CharField(_("major"), max_length=100, blank=True)
    is_social_work_major = models.BooleanField(_("social work major"), default=False)
    certificate_level = models.CharField(
        _("certificate level"), max_length=20, choices=CertificateLevel.choices, default=CertificateLevel.NONE
    )
    certificate_number = models.CharField(_("certificate number"), max_length=50, blank=True)
    certificate_date = models.DateField(_("certificate date"), null=True, blank=True)
    took_post_on = models.DateField(_("took the post on"))
    has_labour_contract = models.BooleanField(_("labour contract signed"), default=False)
    contract_start = models.DateField(_("contract start"), null=True, blank=True)
    contract_end = models.DateField(_("contract end"), null=True, blank=True)
    has_social_insurance = models.BooleanField(_("social insurance and housing fund (五险一金)"), default=False)
    monthly_salary = models.DecimalField(
        _("monthly salary (yuan)"), max_digits=9, decimal_places=2, null=True, blank=True,
        validators=[MinValueValidator(0)],
    )
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, verbose_name=_("user account"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="social_worker",
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    objects = ScopedManager()
    # Placed by the stations it has been assigned to; narrowed to the employer for operator roles.
    scope = ScopeRule(
        region="station__region__code",
        operator="worker__employer_id",
        via=("workforce.StationAssignment", "worker"),
        roles=WORKER_ROLES,
    )

    class Meta:
        verbose_name = _("social worker")
        verbose_name_plural = _("social workers")
        ordering = ["name", "pk"]

    def __str__(self):
        return self.name

    def clean(self):
        errors = {}
        if self.certificate_level != CertificateLevel.NONE and not self.certificate_date:
            errors["certificate_date"] = _("Enter the date the certificate was obtained.")
        if self.certificate_level == CertificateLevel.NONE and (self.certificate_number or self.certificate_date):
            errors["certificate_level"] = _("Choose the certificate level, or clear the certificate number and date.")
        if self.contract_start and self.contract_end and self.contract_end < self.contract_start:
            errors["contract_end"] = _("The contract cannot end before it starts.")
        if self.birth_date and self.took_post_on and self.took_post_on <= self.birth_date:
            errors["took_post_on"] = _("The post cannot start before the birth date.")
        if errors:
            raise ValidationError(errors)

    @property
    def is_certified(self) -> bool:
        return self.certificate_level != CertificateLevel.NONE

    @property
    def is_professional(self) -> bool:
        """Holds the certificate or a social work degree (seed 004)."""
        return self.is_certified or self.is_social_work_major

    def assignment_on(self, on: date):
        """The station assignment in force on ``on`` (None when unassigned)."""
        return self.assignments.filter(start__lte=on).filter(Q(end__isnull=True) | Q(end__gte=on)).order_by("-start").first()

    @property
    def current_assignment(self):
        return self.assignment_on(date.today())

    def latest_assignment(self):
        return self.assignments.order_by("-start").select_related("station").first()

    def audit_region_code(self) -> str:
        latest = self.latest_assignment()
        return latest.station.region_id if latest else ""


class StationAssignment(models.Model):
    """A worker posted to a station from ``start`` to ``end`` (inclusive; open while serving)."""

    worker = models.ForeignKey(SocialWorker, verbose_name=_("social worker"), on_delete=models.CASCADE, related_name="assignments")
    station = models.ForeignKey("stations.Station", verbose_name=_("station"), on_delete=models.PROTECT, related_name="assignments")
    start = models.DateField(_("from"))
    end = models.DateField(_("until"), null=True, blank=True)

    objects = ScopedManager()
    scope = ScopeRule(region="station__region__code", operator="worker__employer_id", roles=WORKER_ROLES)

    class Meta:
        verbose_name = _("station assignment")
        verbose_name_plural = _("station assignments")
        ordering = ["worker_id", "-start"]

    def __str__(self):
        return f"{self.worker} · {self.station}"

    def clean(self):
        if self.end and self.start and self.end < self.start:
            raise ValidationError({"end": _("An assignment cannot end before it starts.")})

    def audit_region_code(self) -> str:
        return self.station.region_id


class Session(models.Model):
    """A training (培训) or supervision (督导) session with its attendees."""

    class Kind(models.TextChoices):
        TRAINING = "training", _("Training")
        SUPERVISION = "supervision", _("Supervision")

    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    date = models.DateField(_("date"))
    hours = models.DecimalField(_("hours"), max_digits=5, decimal_places=1, validators=[MinValueValidator(0)])
    provider = models.CharField(_("provider"), max_length=200)
    topic = models.CharField(_("topic"), max_length=200)
    region = models.ForeignKey(
        "regions.Region", verbose_name=_("held for"), on_delete=models.PROTECT, related_name="+", db_column="region_code"
    )
    operator = models.ForeignKey(
        "stations.Operator", verbose_name=_("organised by"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="sessions",
    )
    attendees = models.ManyToManyField(SocialWorker, through="Attendance", related_name="sessions", verbose_name=_("attendees"))
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    objects = ScopedManager()
    scope = ScopeRule(region="region__code", operator="operator_id", roles=SESSION_ROLES)

    class Meta:
        verbose_name = _("training or supervision session")
        verbose_name_plural = _("training and supervision sessions")
        ordering = ["-date", "pk"]

    def __str__(self):
        return f"{self.date:%Y-%m-%d} {self.topic}"


class Attendance(models.Model):
    """One worker at one session, with the hours credited (at most the session's hours)."""

    session = models.ForeignKey(Session, verbose_name=_("session"), on_delete=models.CASCADE, related_name="attendance")
    worker = models.ForeignKey(SocialWorker, verbose_name=_("social worker"), on_delete=models.CASCADE, related_name="attendance")
    hours = models.DecimalField(_("hours credited"), max_digits=5, decimal_places=1, validators=[MinValueValidator(0)])

    class Meta:
        verbose_name = _("attendance")
        verbose_name_plural = _("attendance")
        constraints = [models.UniqueConstraint(fields=["session", "worker"], name="attendance_once_per_session")]

    def __str__(self):
        return f"{self.worker} @ {self.session}"

    def clean(self):
        if self.session_id and self.hours is not None and self.hours > self.session.hours:
            raise ValidationError({"hours": _("A worker cannot be credited more hours than the session lasted.")})


class Volunteer(models.Model):
    """A volunteer serving with a station ("社工 + 志愿者")."""

    station = models.ForeignKey("stations.Station", verbose_name=_("station"), on_delete=models.PROTECT, related_name="volunteers")
    name = models.CharField(_("name"), max_length=50)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    joined_on = models.DateField(_("joined on"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    objects = ScopedManager()
    scope = ScopeRule(region="station__region__code", operator="station__operator_id", roles=VOLUNTEER_ROLES)

    class Meta:
        verbose_name = _("volunteer")
        verbose_name_plural = _("volunteers")
        ordering = ["station_id", "name"]

    def __str__(self):
        return self.name

    def audit_region_code(self) -> str:
        return self.station.region_id


class VolunteerService(models.Model):
    """Hours one volunteer served on one day."""

    volunteer = models.ForeignKey(Volunteer, verbose_name=_("volunteer"), on_delete=models.CASCADE, related_name="services")
    date = models.DateField(_("date"))
    hours = models.DecimalField(_("hours"), max_digits=5, decimal_places=1, validators=[MinValueValidator(0)])
    activity = models.CharField(_("activity"), max_length=200, blank=True)

    objects = ScopedManager()
    scope = ScopeRule(
        region="volunteer__station__region__code", operator="volunteer__station__operator_id", roles=VOLUNTEER_ROLES
    )

    class Meta:
        verbose_name = _("volunteer service")
        verbose_name_plural = _("volunteer services")
        ordering = ["-date", "pk"]

    def __str__(self):
        return f"{self.volunteer} {self.date:%Y-%m-%d} {self.hours}"

    def audit_region_code(self) -> str:
        return self.volunteer.station.region_id


class LocalAverageWage(models.Model):
    """The published average wage of a place for a year (data, never code). The pay check of a
    worker uses the row of the station's township, or failing that of the nearest place above."""

    region = models.ForeignKey(
        "regions.Region", verbose_name=_("place"), on_delete=models.PROTECT, related_name="+", db_column="region_code"
    )
    year = models.PositiveSmallIntegerField(_("year"))
    monthly_amount = models.DecimalField(
        _("average monthly wage (yuan)"), max_digits=9, decimal_places=2, validators=[MinValueValidator(0)]
    )
    source = models.CharField(_("source"), max_length=200, blank=True)

    objects = ScopedManager()
    scope = ScopeRule(region="region__code", roles=WAGE_ROLES)

    class Meta:
        verbose_name = _("local average wage")
        verbose_name_plural = _("local average wages")
        ordering = ["region_id", "-year"]
        constraints = [models.UniqueConstraint(fields=["region", "year"], name="one_average_wage_per_place_year")]

    def __str__(self):
        return f"{self.region_id} {self.year}: {self.monthly_amount}"
