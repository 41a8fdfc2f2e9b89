"""Shared records: the append-only audit log."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .scoping import ScopedQuerySet, ScopeRule


class AuditAppendOnly(Exception):
    """Raised on any attempt to change or remove an audit row."""


class AuditQuerySet(ScopedQuerySet):
    """Audit rows are written once and read many times; there is no path to change them."""

    def update(self, **kwargs):
        raise AuditAppendOnly("audit rows cannot be changed")

    def delete(self):
        raise AuditAppendOnly("audit rows cannot be deleted")

    def bulk_update(self, *args, **kwargs):
        raise AuditAppendOnly("audit rows cannot be changed")

    def update_or_create(self, *args, **kwargs):
        raise AuditAppendOnly("audit rows cannot be changed")


class AuditEntry(models.Model):
    """One thing that happened: who, when, from where, what, on what, with what result."""

    class Result(models.TextChoices):
        SUCCESS = "success", _("Succeeded")
        FAILURE = "failure", _("Failed")
        DENIED = "denied", _("Denied")

    at = models.DateTimeField(_("time"), default=timezone.now, editable=False)
    # No database constraint and no cascade: deleting or renaming a user must never touch the log.
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("actor"),
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    actor_name = models.CharField(_("actor name"), max_length=150, blank=True)
    ip = models.GenericIPAddressField(_("address"), null=True, blank=True)
    action = models.CharField(_("action"), max_length=64)
    result = models.CharField(_("result"), max_length=16, choices=Result.choices, default=Result.SUCCESS)
    object_type = models.CharField(_("object type"), max_length=100, blank=True)
    object_id = models.CharField(_("object id"), max_length=64, blank=True)
    object_repr = models.CharField(_("object"), max_length=200, blank=True)
    region_code = models.CharField(_("region code"), max_length=12, blank=True)
    detail = models.JSONField(_("detail"), default=dict, blank=True)

    objects = AuditQuerySet.as_manager()

    scope = ScopeRule(
        region="region_code",
        roles={"view": {"bureau", "admin", "township_officer"}, "change": set()},
    )

    class Meta:
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit log")
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["region_code", "at"], name="audit_region_at"),
            models.Index(fields=["action", "at"], name="audit_action_at"),
            models.Index(fields=["actor", "at"], name="audit_actor_at"),
        ]

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.actor_name} {self.action} {self.object_repr}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AuditAppendOnly("audit rows cannot be changed")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AuditAppendOnly("audit rows cannot be deleted")
