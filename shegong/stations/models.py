"""Operators (承接主体), stations (社工站), hubs and village rooms, and the eight-haves checklist."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _
from stdnum.cn import uscc

from shegong.core.scoping import ScopedManager, ScopeRule

STATION_ROLES = {
    "view": {"bureau", "admin", "township_officer", "operator_manager", "station_lead", "worker", "supervisor"},
    "change": {"bureau", "admin", "operator_manager"},
}


def validate_credit_code(value: str) -> None:
    """A unified social credit code (统一社会信用代码) with a valid check character."""
    if not uscc.is_valid(value):
        raise ValidationError(
            _("“%(value)s” is not a valid unified social credit code."), params={"value": value}
        )


class Operator(models.Model):
    """A registered social work organisation that can hold purchase contracts."""

    name = models.CharField(_("name"), max_length=200)
    credit_code = models.CharField(
        _("unified social credit code"), max_length=18, unique=True, validators=[validate_credit_code]
    )
    region = models.ForeignKey(
        "regions.Region",
        verbose_name=_("registered in"),
        on_delete=models.PROTECT,
        related_name="+",
        db_column="region_code",
    )
    legal_representative = models.CharField(_("legal representative"), max_length=50, blank=True)
    registration_authority = models.CharField(_("registration authority"), max_length=100, blank=True)
    registered_on = models.DateField(_("registered on"), null=True, blank=True)
    qualifications = models.TextField(_("qualifications"), blank=True)
    address = models.CharField(_("address"), max_length=200, blank=True)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    objects = ScopedManager()

    scope = ScopeRule(
        region="region__code",
        operator="pk",
        roles={"view": {"bureau", "admin", "operator_manager"}, "change": {"bureau", "admin"}},
    )

    class Meta:
        verbose_name = _("operator")
        verbose_name_plural = _("operators")
        ordering = ["name"]

    def __str__(self):
        return self.name

    def clean(self):
        self.credit_code = uscc.compact(self.credit_code or "")


class Disclosure(models.Model):
    """A public disclosure of an operator: basic information, qualifications, annual financial
    report, project experience (seeds 000, 001)."""

    class Kind(models.TextChoices):
        BASIC = "basic", _("Basic information")
        QUALIFICATION = "qualification", _("Qualifications")
        FINANCIAL = "financial", _("Annual financial report")
        EXPERIENCE = "experience", _("Project experience")

    operator = models.ForeignKey(Operator, verbose_name=_("operator"), on_delete=models.CASCADE, related_name="disclosures")
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    year = models.PositiveSmallIntegerField(_("year"), null=True, blank=True)
    title = models.CharField(_("title"), max_length=200)
    file = models.FileField(_("file"), upload_to="disclosures/%Y/", blank=True)
    note = models.TextField(_("note"), blank=True)
    published_on = models.DateField(_("published on"))

    objects = ScopedManager()
    scope = ScopeRule(
        region="operator__region__code",
        operator="operator_id",
        roles={"view": {"bureau", "admin", "operator_manager"}, "change": {"bureau", "admin", "operator_manager"}},
    )

    class Meta:
        verbose_name = _("disclosure")
        verbose_name_plural = _("disclosures")
        ordering = ["operator_id", "-published_on"]

    def __str__(self):
        return self.title


class Station(models.Model):
    """A township station, a county hub or a village room."""

    class Kind(models.TextChoices):
        STATION = "station", _("Township station")
        HUB = "hub", _("County hub")
        VILLAGE_ROOM = "village_room", _("Village room")

    class Status(models.TextChoices):
        PLANNED = "planned", _("Being set up")
        OPERATING = "operating", _("Operating")
        SUSPENDED = "suspended", _("Suspended")
        CLOSED = "closed", _("Closed")

    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.STATION)
    region = models.ForeignKey(
        "regions.Region", verbose_name=_("place"), on_delete=models.PROTECT, related_name="+", db_column="region_code"
    )
    operator = models.ForeignKey(
        Operator, verbose_name=_("operator"), null=True, blank=True, on_delete=models.PROTECT, related_name="stations"
    )
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.PLANNED)
    address = models.CharField(_("address"), max_length=200, blank=True)
    venue_area = models.DecimalField(_("venue area (m²)"), max_digits=8, decimal_places=1, null=True, blank=True)
    rooms = models.JSONField(_("rooms"), default=list, blank=True)
    equipment = models.JSONField(_("equipment"), default=list, blank=True)
    township_population = models.PositiveIntegerField(_("residents of the township"), null=True, blank=True)
    signboard_photo = models.FileField(_("signboard photo"), upload_to="signboards/%Y/", blank=True)
    registration_number = models.CharField(_("registration number on 中国社会工作网"), max_length=50, blank=True)
    registered_on = models.DateField(_("registered on 中国社会工作网"), null=True, blank=True)
    opened_on = models.DateField(_("opened on"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    objects = ScopedManager()
    scope = ScopeRule(region="region__code", operator="operator_id", roles=STATION_ROLES)

    class Meta:
        verbose_name = _("station")
        verbose_name_plural = _("stations")
        ordering = ["region_id", "name"]
        indexes = [models.Index(fields=["region", "kind"], name="station_region_kind")]

    def __str__(self):
        return self.name

    def clean(self):
        expected = {self.Kind.STATION: 9, self.Kind.HUB: 6, self.Kind.VILLAGE_ROOM: 12}[self.kind]
        if self.region_id and len(self.region_id) != expected:
            raise ValidationError({"region": _("A %(kind)s belongs to a place of that level.") % {"kind": self.get_kind_display()}})


class EightHaves(models.TextChoices):
    """The eight-haves standard (八有, seed 000)."""

    PLACE = "place", _("Has a venue")
    STAFF = "staff", _("Has staff")
    EQUIPMENT = "equipment", _("Has office equipment")
    SIGNBOARD = "signboard", _("Has a signboard")
    ORGANISATION = "organisation", _("Has an operating organisation")
    RULES = "rules", _("Has rules")
    SERVICE = "service", _("Has services")
    RESULTS = "results", _("Has results")


class Evidence(models.Model):
    """One piece of evidence for an eight-haves item of a station: a file, a photo or a note."""

    class Kind(models.TextChoices):
        FILE = "file", _("File")
        PHOTO = "photo", _("Photo")
        NOTE = "note", _("Note")

    station = models.ForeignKey(Station, verbose_name=_("station"), on_delete=models.CASCADE, related_name="evidence")
    item = models.CharField(_("item"), max_length=20, choices=EightHaves.choices)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    file = models.FileField(_("file"), upload_to="evidence/%Y/", blank=True)
    note = models.TextField(_("note"), blank=True)
    created_at = models.DateTimeField(_("added"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("added by"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )

    objects = ScopedManager()
    scope = ScopeRule(region="station__region__code", operator="station__operator_id", roles=STATION_ROLES)

    class Meta:
        verbose_name = _("evidence")
        verbose_name_plural = _("evidence")
        ordering = ["station_id", "item", "-created_at"]

    def __str__(self):
        return f"{self.station} · {self.get_item_display()}"

    def clean(self):
        if self.kind == self.Kind.NOTE and not self.note.strip():
            raise ValidationError({"note": _("A note needs text.")})
        if self.kind in (self.Kind.FILE, self.Kind.PHOTO) and not self.file:
            raise ValidationError({"file": _("Attach the file.")})

    def audit_region_code(self) -> str:
        return self.station.region_id
