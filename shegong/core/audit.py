"""Writing the audit log: one call for every capability.

    from shegong.core import audit
    audit.record("user.create", obj=user, detail={"roles": [...]})

The actor and address come from the request being served unless given. Call it inside the
service's transaction, so that the audit row and the change it records land together or not at all.
"""

from __future__ import annotations

import logging
import os

from django.db import models

from . import context
from .models import AuditEntry

Result = AuditEntry.Result
log = logging.getLogger("shegong.security")


def region_of(obj) -> str:
    """The region code an object belongs to, for scoping its audit rows."""
    if obj is None:
        return ""
    getter = getattr(obj, "audit_region_code", None)
    if callable(getter):
        return getter() or ""
    for attr in ("region_code", "region_id"):
        value = getattr(obj, attr, None)
        if isinstance(value, str):
            return value
    return ""


def record(
    action: str,
    *,
    obj: models.Model | None = None,
    actor=None,
    result: str = Result.SUCCESS,
    region_code: str | None = None,
    ip: str | None = None,
    detail: dict | None = None,
    object_repr: str | None = None,
) -> AuditEntry:
    """Append one audit row and return it."""
    ctx = context.current()
    if actor is None and ctx is not None:
        actor = ctx.user
    if actor is not None and not getattr(actor, "is_authenticated", False):
        actor = None
    if ip is None and ctx is not None:
        ip = ctx.ip
    entry = AuditEntry(
        actor=actor,
        actor_name=getattr(actor, "username", "") if actor is not None else "",
        ip=ip,
        action=action,
        result=result,
        object_type=obj._meta.label_lower if obj is not None else "",
        object_id=str(obj.pk) if obj is not None and obj.pk is not None else "",
        object_repr=(object_repr if object_repr is not None else str(obj) if obj is not None else "")[:200],
        region_code=region_of(obj) if region_code is None else region_code,
        detail=detail or {},
    )
    entry.save()
    if result != Result.SUCCESS or action.startswith("auth."):
        log.info("audit %s %s actor=%s ip=%s object=%s", action, result, entry.actor_name, ip, entry.object_repr)
    return entry


def longest_common_prefix(codes) -> str:
    """The deepest region code that contains all of ``codes`` ('' when they share none)."""
    codes = [c for c in codes if c is not None]
    if not codes or "" in codes:
        return ""
    prefix = os.path.commonprefix(codes)
    # Cut back to a real level boundary (2, 4, 6, 9 or 12 digits).
    for length in (12, 9, 6, 4, 2):
        if len(prefix) >= length:
            return prefix[:length]
    return ""


# What each action code means to a person reading the log. Capabilities add their own here.
from django.utils.translation import gettext_lazy as _  # noqa: E402

ACTION_LABELS = {
    "auth.login": _("Signed in"),
    "auth.logout": _("Signed out"),
    "auth.login_failed": _("Sign-in failed"),
    "auth.lockout": _("Locked out"),
    "auth.second_factor": _("Second factor check"),
    "auth.second_factor_enrol": _("Second factor set up"),
    "auth.unlock": _("Lockout lifted"),
    "auth.token_create": _("API token created"),
    "auth.token_revoke": _("API token revoked"),
    "user.create": _("User created"),
    "user.update": _("User changed"),
    "user.deactivate": _("User deactivated"),
    "user.reactivate": _("User reactivated"),
    "user.password_reset": _("Password reset"),
    "user.password_change": _("Password changed"),
    "user.export": _("Users exported"),
    "role.grant": _("Role granted"),
    "role.revoke": _("Role revoked"),
    "audit.export": _("Audit log exported"),
    "workforce.volunteer_export": _("Volunteers exported"),
    **{f"workforce.{k}": v for k, v in {"worker_create": _("Social worker registered"), "worker_update": _("Social worker changed"), "worker_assign": _("Social worker moved to a station"), "worker_import": _("Social workers imported"), "worker_export": _("Social workers exported"), "session_create": _("Training or supervision session recorded"), "volunteer_create": _("Volunteer registered"), "volunteer_service_add": _("Volunteer hours logged"), "wage_set": _("Local average wage set")}.items()},
    "contract.create": _("Contract created"), "contract.targets_update": _("Contract KPI targets changed"), "contract.instalment_add": _("Contract instalment added"), "contract.payment_add": _("Contract payment recorded"), "contract.renewal_decide": _("Contract renewal decided"), "contract.export": _("Contracts exported"), "station.operator_set": _("Station operator set by a contract"),
    **{f"recipient.{k}": v for k, v in {"create": _("Recipient registered"), "update": _("Recipient changed"), "status": _("Recipient status changed"), "unmask": _("Full ID or phone number shown"), "search_id": _("Recipients searched by ID number"), "export": _("Recipients exported"), "view_file": _("Recipient file opened"), "print": _("Recipient file printed"), "merge": _("Recipient files merged"), "duplicate_dismiss": _("Possible duplicate dismissed"), "attachment_add": _("Attachment added to a recipient file"), "attachment_view": _("Recipient attachment opened"), "import_upload": _("Recipient list uploaded"), "import_commit": _("Recipient list imported"), "import_discard": _("Recipient list discarded"), "import_expire": _("Unwritten recipient list expired"), "import_errors": _("Import error workbook downloaded"), "household_create": _("Household registered"), "household_update": _("Household changed"), "assessment_create": _("Needs assessment recorded"), "need_update": _("Need updated"), "referral_create": _("Referral made"), "referral_update": _("Referral updated"), "resource_create": _("Resource added"), "resource_update": _("Resource updated"), "resource_export": _("Resources exported"), "resource_check": _("Resource checked for the year"), "needs_export": _("Needs list exported"), "assessments_due_export": _("Households due for assessment exported"), "keys_rotate": _("Encryption keys rotated")}.items()},
}


def action_label(code: str) -> str:
    """The readable name of an action code (the code itself when none is known)."""
    label = ACTION_LABELS.get(code)
    return str(label) if label is not None else code
