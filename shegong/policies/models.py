"""Policy profiles: the thresholds of one jurisdiction, versioned so that the past stays computable."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from shegong.core.scoping import ScopedQuerySet, ScopeRule

POLICY_ROLES = {"view": {"bureau", "admin"}, "change": {"bureau", "admin"}}


class PolicyProfile(models.Model):
    """The rules of one jurisdiction (a region and everything under it, unless overridden below)."""

    name = models.CharField(_("name"), max_length=200)
    region = models.OneToOneField(
        "regions.Region", verbose_name=_("jurisdiction"), on_delete=models.PROTECT, related_name="+",
        db_column="region_code",
    )
    preset = models.CharField(_("preset"), max_length=32, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    objects = ScopedQuerySet.as_manager()
    scope = ScopeRule(region="region__code", roles=POLICY_ROLES)

    class Meta:
        verbose_name = _("policy profile")
        verbose_name_plural = _("policy profiles")
        ordering = ["region_id"]

    def __str__(self):
        return self.name


class PolicyVersionQuerySet(ScopedQuerySet):
    def update(self, **kwargs):
        raise PolicyVersion.Immutable("a policy version is never changed: add a new one")


class PolicyVersion(models.Model):
    """One immutable set of values, in force from ``valid_from`` until a later version replaces it.

    The version in force on a day is the highest-numbered version whose ``valid_from`` is on or
    before that day; a figure records the version it used, so it can always be recomputed.
    """

    class Immutable(Exception):
        pass

    profile = models.ForeignKey(PolicyProfile, verbose_name=_("profile"), on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField(_("version"))
    valid_from = models.DateField(_("in force from"))
    values = models.JSONField(_("values"), default=dict)
    note = models.CharField(_("note"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("created by"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )

    objects = PolicyVersionQuerySet.as_manager()
    scope = ScopeRule(region="profile__region__code", roles=POLICY_ROLES)

    class Meta:
        verbose_name = _("policy version")
        verbose_name_plural = _("policy versions")
        ordering = ["profile_id", "number"]
        constraints = [models.UniqueConstraint(fields=["profile", "number"], name="policy_version_unique")]

    def __str__(self):
        return _("%(profile)s v%(number)s (from %(date)s)") % {
            "profile": self.profile, "number": self.number, "date": self.valid_from.isoformat()
        }

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise self.Immutable("a policy version is never changed: add a new one")
        super().save(*args, **kwargs)

    def audit_region_code(self) -> str:
        return self.profile.region_id
