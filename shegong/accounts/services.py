"""Writes on accounts: create, grant, revoke, deactivate, passwords. Each audited, each atomic."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.contrib.auth import password_validation
from django.contrib.sessions.backends.base import SessionBase
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from shegong.core import audit
from shegong.core.scoping import CHANGE, assignments_of, forget_assignments
from shegong.regions.models import Region

from .models import RoleAssignment, User, UserSession
from .roles import ALLOWED_CODE_LENGTHS, GRANTABLE_BY, OPERATOR_ALLOWED, OPERATOR_REQUIRED, Role


def _region_within(inner: str | None, outer: str | None) -> bool:
    """Whether region ``inner`` lies in ``outer`` (None is the whole country)."""
    if outer is None:
        return True
    if inner is None:
        return False
    return inner.startswith(outer)


def can_grant(*, actor, role: str, region_code: str | None, operator_id: int | None) -> bool:
    """Whether ``actor`` holds an assignment that lets it grant ``role`` at ``region_code``.

    Never more than one holds: the place must lie within the actor's own, the role must be one
    the actor's role may grant, and an actor bound to an operator may only grant for it.
    """
    if actor is None:
        return True  # command line, run by whoever holds the server
    for held in assignments_of(actor):
        grantable = GRANTABLE_BY.get(held.role)
        if not grantable or role not in grantable:
            continue
        if not _region_within(region_code, held.region_id):
            continue
        if held.operator_id and held.operator_id != operator_id:
            continue
        return True
    return False


def _validate_assignment(*, role: str, region: Region | None, operator) -> None:
    errors = {}
    if role not in Role.values:
        errors["role"] = _("Unknown role.")
    else:
        if region is None and role != Role.ADMIN:
            errors["region"] = _("This role needs a region.")
        elif region is not None and len(region.code) not in ALLOWED_CODE_LENGTHS[role]:
            errors["region"] = _("A %(role)s cannot be assigned at the level of %(region)s.") % {
                "role": Role(role).label,
                "region": region.name,
            }
        if role in OPERATOR_REQUIRED and operator is None:
            errors["operator"] = _("This role needs an operator.")
        if operator is not None and role not in OPERATOR_ALLOWED:
            errors["operator"] = _("This role does not act for an operator.")
    if errors:
        raise ValidationError(errors)


def _check_actor_may_change(actor, user: User) -> None:
    if actor is not None and not User.objects.visible_to(actor, CHANGE).filter(pk=user.pk).exists():
        raise PermissionDenied


def _require_grant(*, actor, user_label: str, role: str, region: Region | None, operator) -> None:
    """Validate an assignment and check the actor may grant it; a refusal is audited and kept
    (it is written before any transaction that the refusal rolls back)."""
    _validate_assignment(role=role, region=region, operator=operator)
    region_code = region.code if region else None
    operator_id = operator.pk if operator else None
    if not can_grant(actor=actor, role=role, region_code=region_code, operator_id=operator_id):
        audit.record(
            "role.grant",
            actor=actor,
            result=audit.Result.DENIED,
            region_code=region_code or "",
            object_repr=user_label,
            detail={"user": user_label, "role": role, "region": region_code, "operator": operator_id},
        )
        raise PermissionDenied(_("You cannot grant this role at this place."))


def role_grant(*, actor, user: User, role: str, region: Region | None, operator=None) -> RoleAssignment:
    """Give ``user`` a role over ``region``. The actor must be allowed to grant exactly that."""
    _require_grant(actor=actor, user_label=user.username, role=role, region=region, operator=operator)
    return _grant(actor=actor, user=user, role=role, region=region, operator=operator)


@transaction.atomic
def _grant(*, actor, user: User, role: str, region: Region | None, operator) -> RoleAssignment:
    existing = RoleAssignment.objects.filter(user=user, role=role, region=region, operator=operator).first()
    if existing:
        raise ValidationError(_("%(user)s already holds this role here.") % {"user": user})
    assignment = RoleAssignment(user=user, role=role, region=region, operator=operator, granted_by=actor)
    assignment.full_clean(validate_unique=False, validate_constraints=False)
    assignment.save()
    forget_assignments(user)
    audit.record(
        "role.grant",
        obj=assignment,
        actor=actor,
        detail={
            "user": user.username,
            "role": role,
            "region": region.code if region else None,
            "operator": operator.pk if operator else None,
        },
    )
    return assignment


@transaction.atomic
def role_revoke(*, actor, assignment: RoleAssignment) -> None:
    """Take a role away. The actor must be able to grant it, and the user must keep one role."""
    if not can_grant(
        actor=actor, role=assignment.role, region_code=assignment.region_id, operator_id=assignment.operator_id
    ):
        raise PermissionDenied(_("You cannot revoke this role."))
    user = assignment.user
    if user.role_assignments.count() <= 1:
        raise ValidationError(_("This is the account's last role: deactivate the account instead."))
    detail = {
        "user": user.username,
        "role": assignment.role,
        "region": assignment.region_id,
        "operator": assignment.operator_id,
    }
    audit.record("role.revoke", obj=assignment, actor=actor, detail=detail)
    assignment.delete()
    forget_assignments(user)


def user_create(
    *,
    actor,
    username: str,
    name: str,
    role: str,
    region: Region | None,
    operator=None,
    password: str | None = None,
    phone: str = "",
    language: str | None = None,
) -> tuple[User, str]:
    """Create an account with its first role. Returns the user and its initial password.

    When no password is given one is generated; it is returned once and never stored in clear.
    """
    _require_grant(actor=actor, user_label=username, role=role, region=region, operator=operator)
    with transaction.atomic():
        return _create(
            actor=actor, username=username, name=name, role=role, region=region, operator=operator,
            password=password, phone=phone, language=language,
        )


def _create(*, actor, username, name, role, region, operator, password, phone, language) -> tuple[User, str]:
    user = User(username=username, name=name, phone=phone, language=language or settings.LANGUAGE_CODE)
    user.full_clean(exclude=["password"])
    if password is None:
        password = generate_password()
    password_validation.validate_password(password, user)
    user.set_password(password)
    user.save()
    _grant(actor=actor, user=user, role=role, region=region, operator=operator)
    audit.record("user.create", obj=user, actor=actor, detail={"role": role, "region": region.code if region else None})
    return user, password


@transaction.atomic
def user_update(*, actor, user: User, name: str, phone: str, email: str) -> User:
    """Change an account's contact details."""
    _check_actor_may_change(actor, user)
    before = {"name": user.name, "phone": user.phone, "email": user.email}
    user.name, user.phone, user.email = name, phone, email
    user.full_clean(exclude=["password"])
    user.save(update_fields=["name", "phone", "email"])
    after = {"name": user.name, "phone": user.phone, "email": user.email}
    changed = {k: [before[k], after[k]] for k in before if before[k] != after[k]}
    audit.record("user.update", obj=user, actor=actor, detail={"changed": changed})
    return user


def end_sessions(user: User) -> int:
    """End every live session of ``user``; returns how many."""
    engine = import_string(f"{settings.SESSION_ENGINE}.SessionStore")
    count = 0
    for live in UserSession.objects.filter(user=user):
        store: SessionBase = engine(session_key=live.session_key)
        store.delete()
        count += 1
    UserSession.objects.filter(user=user).delete()
    return count


@transaction.atomic
def user_deactivate(*, actor, user: User) -> None:
    """Lock an account out and end all its sessions at once."""
    _check_actor_may_change(actor, user)
    if actor is not None and actor.pk == user.pk:
        raise ValidationError(_("You cannot deactivate your own account."))
    user.is_active = False
    user.save(update_fields=["is_active"])
    ended = end_sessions(user)
    audit.record("user.deactivate", obj=user, actor=actor, detail={"sessions_ended": ended})


@transaction.atomic
def user_reactivate(*, actor, user: User) -> None:
    """Let a deactivated account sign in again."""
    _check_actor_may_change(actor, user)
    user.is_active = True
    user.save(update_fields=["is_active"])
    audit.record("user.reactivate", obj=user, actor=actor)


@transaction.atomic
def user_reset_password(*, actor, user: User) -> str:
    """Give an account a new generated password (returned once) and end its sessions."""
    _check_actor_may_change(actor, user)
    password = generate_password()
    user.set_password(password)
    user.save(update_fields=["password"])
    end_sessions(user)
    audit.record("user.password_reset", obj=user, actor=actor)
    return password


@transaction.atomic
def user_change_password(*, user: User, old_password: str, new_password: str) -> None:
    """A user changes its own password."""
    if not user.check_password(old_password):
        audit.record("user.password_change", obj=user, actor=user, result=audit.Result.FAILURE)
        raise ValidationError({"old_password": _("Your current password is not correct.")})
    password_validation.validate_password(new_password, user)
    user.set_password(new_password)
    user.save(update_fields=["password"])
    audit.record("user.password_change", obj=user, actor=user)


@transaction.atomic
def user_set_language(*, user: User, language: str) -> None:
    """Choose the language the interface speaks to this user."""
    if language not in dict(settings.LANGUAGES):
        raise ValidationError({"language": _("Unknown language.")})
    user.language = language
    user.save(update_fields=["language"])


def lockouts_of(user: User) -> list[str]:
    """Addresses from which ``user`` is locked out right now."""
    from axes.models import AccessAttempt
    from django.utils import timezone

    since = timezone.now() - settings.AXES_COOLOFF_TIME
    return list(
        AccessAttempt.objects.filter(
            username=user.username, failures_since_start__gte=settings.AXES_FAILURE_LIMIT, attempt_time__gte=since
        ).values_list("ip_address", flat=True)
    )


@transaction.atomic
def user_unlock(*, actor, user: User) -> int:
    """Lift a lockout before its 15 minutes are up (the person called the bureau)."""
    from axes.utils import reset

    _check_actor_may_change(actor, user)
    addresses = lockouts_of(user)
    count = reset(username=user.username)
    audit.record("auth.unlock", obj=user, actor=actor, detail={"addresses": addresses})
    return count


def generate_password() -> str:
    """A random password a person can type: four groups of four from an unambiguous alphabet."""
    alphabet = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"
    return "-".join("".join(secrets.choice(alphabet) for _ in range(4)) for _ in range(4))
