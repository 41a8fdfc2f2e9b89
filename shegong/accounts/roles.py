"""The roles people hold, where each may sit in the region tree, and who may grant what."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    BUREAU = "bureau", _("Bureau official")
    TOWNSHIP_OFFICER = "township_officer", _("Township officer")
    OPERATOR_MANAGER = "operator_manager", _("Operator manager")
    STATION_LEAD = "station_lead", _("Station lead")
    WORKER = "worker", _("Social worker")
    SUPERVISOR = "supervisor", _("Supervisor")
    EVALUATOR = "evaluator", _("Evaluator")
    ADMIN = "admin", _("System administrator")


# Region levels (code lengths) each role may be assigned at. An administrator may also hold the
# whole country (no region).
ALLOWED_CODE_LENGTHS = {
    Role.BUREAU: (2, 4, 6),
    Role.TOWNSHIP_OFFICER: (9,),
    Role.OPERATOR_MANAGER: (2, 4, 6, 9),
    Role.STATION_LEAD: (9,),
    Role.WORKER: (9,),
    Role.SUPERVISOR: (6, 9),
    Role.EVALUATOR: (2, 4, 6, 9),
    Role.ADMIN: (2, 4, 6),
}

# Roles that must name the operator they act for.
OPERATOR_REQUIRED = {Role.OPERATOR_MANAGER}
# Roles that may name an operator (their employer).
OPERATOR_ALLOWED = {Role.OPERATOR_MANAGER, Role.STATION_LEAD, Role.WORKER, Role.SUPERVISOR}

# Roles that must pass a second factor at every login.
SECOND_FACTOR_REQUIRED = {Role.BUREAU, Role.ADMIN}

# Roles that manage user accounts, and the roles each may grant (always within its own region).
GRANTABLE_BY = {
    Role.ADMIN: set(Role),
    Role.BUREAU: set(Role) - {Role.ADMIN},
}

BUREAU_LEVEL_NAMES = {2: _("Provincial bureau official"), 4: _("City bureau official"), 6: _("County bureau official")}


def role_label(role: str, region_code: str | None) -> str:
    """Human label of a role at a place: a bureau official is named by its level."""
    if role == Role.BUREAU and region_code:
        return str(BUREAU_LEVEL_NAMES.get(len(region_code), Role.BUREAU.label))
    return str(Role(role).label)
