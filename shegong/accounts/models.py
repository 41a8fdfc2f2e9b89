"""People who sign in, the roles they hold where, and their live sessions."""

from django.conf import settings
from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.utils.translation import gettext_lazy as _

from shegong.core.audit import longest_common_prefix
from shegong.core.scoping import ScopedQuerySet, ScopeRule

from .roles import SECOND_FACTOR_REQUIRED, Role, role_label

# Who reaches people's accounts and their roles: by place, and for an operator manager by operator.
ACCOUNT_ROLES = {
    "view": {Role.BUREAU, Role.ADMIN, Role.TOWNSHIP_OFFICER, Role.OPERATOR_MANAGER, Role.STATION_LEAD},
    "change": {Role.BUREAU, Role.ADMIN},
}


class ShegongUserManager(UserManager.from_queryset(ScopedQuerySet)):
    pass


class User(AbstractUser):
    """A person with an account. Places and powers come from role assignments, never from flags."""

    name = models.CharField(_("full name"), max_length=100, blank=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    language = models.CharField(
        _("language"), max_length=10, choices=settings.LANGUAGES, default=settings.LANGUAGE_CODE
    )

    objects = ShegongUserManager()

    scope = ScopeRule(
        via=("accounts.RoleAssignment", "user"),
        region="region__code",
        operator="operator_id",
        roles=ACCOUNT_ROLES,
    )

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        ordering = ["username"]

    def __str__(self):
        return self.name or self.username

    def audit_region_code(self) -> str:
        return longest_common_prefix([a.region_id or "" for a in self.role_assignments.all()])

    @property
    def requires_second_factor(self) -> bool:
        return self.role_assignments.filter(role__in=SECOND_FACTOR_REQUIRED).exists()


class RoleAssignmentQuerySet(ScopedQuerySet):
    def active(self):
        return self.filter(user__is_active=True)


class RoleAssignment(models.Model):
    """A role held over a region (and everything under it), optionally for one operator."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE, related_name="role_assignments"
    )
    role = models.CharField(_("role"), max_length=32, choices=Role.choices)
    region = models.ForeignKey(
        "regions.Region",
        verbose_name=_("region"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_column="region_code",
    )
    operator = models.ForeignKey(
        "stations.Operator",
        verbose_name=_("operator"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="role_assignments",
    )
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("granted by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    granted_at = models.DateTimeField(_("granted"), auto_now_add=True)

    objects = RoleAssignmentQuerySet.as_manager()

    scope = ScopeRule(
        region="region__code",
        operator="operator_id",
        roles=ACCOUNT_ROLES,
    )

    class Meta:
        verbose_name = _("role assignment")
        verbose_name_plural = _("role assignments")
        ordering = ["region_id", "role"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "role", "region", "operator"],
                name="role_assignment_unique",
            )
        ]

    def __str__(self):
        where = self.region.name if self.region_id else _("Nationwide")
        return f"{self.label} · {where}"

    @property
    def label(self) -> str:
        return role_label(self.role, self.region_id)

    def audit_region_code(self) -> str:
        return self.region_id or ""


class UserSession(models.Model):
    """A live login, so that deactivating an account can end every session it has."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="live_sessions")
    session_key = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    ip = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=300, blank=True)

    class Meta:
        verbose_name = _("session")
        verbose_name_plural = _("sessions")

    def __str__(self):
        return f"{self.user} @ {self.ip or '-'}"
