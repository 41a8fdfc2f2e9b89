"""Jurisdiction scoping: the one place that answers "what may this user see or change".

Every model that holds data tied to a place declares a :class:`ScopeRule` as ``scope`` and uses
:class:`ScopedQuerySet` (or :class:`ScopedManager`). Views, API endpoints, exports, form choices
and reports all start from ``Model.objects.visible_to(user)`` or
``Model.objects.visible_to(user, CHANGE)``.

A user's reach is the union of their role assignments. An assignment grants, for the models whose
rule names its role for the action, every row whose region code starts with the assignment's
region code (a county assignment ``210381`` reaches township ``210381101`` and its villages),
narrowed to the assignment's operator where the assignment names one. An assignment without a
region (a national system administrator) reaches the whole country. Nothing is granted by default:
a role a rule does not name sees nothing of that model, and a model without a rule cannot be
queried through ``visible_to`` at all.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from django.apps import apps
from django.core.exceptions import ImproperlyConfigured
from django.db import models
from django.db.models import Q

VIEW = "view"
CHANGE = "change"
ACTIONS = (VIEW, CHANGE)


@dataclass(frozen=True)
class ScopeRule:
    """How rows of one model are tied to places and which roles reach them.

    ``region``: lookup (from the model, or from ``via``'s model) to the region code.
    ``roles``: action -> the roles whose assignments grant that action.
    ``operator``: lookup to the operator id; an assignment naming an operator is narrowed to it.
    ``via``: ``("app_label.Model", "fk_to_this_model")`` when the place is held by related rows
    (a user's places are its role assignments). A row is visible when any related row is in
    reach, and changeable only when every related row is, so that a county can never change a
    person who also works somewhere it does not govern.
    ``people``: lookups to user foreign keys (``("case__worker", "case__supervisor")``). When
    given, a row in reach is further limited to the users those fields name: the confidential
    notes of a case reach only its worker and its supervisor, and follow the case when it is
    transferred. Such rows are never reached by place alone.
    """

    region: str
    roles: Mapping[str, Iterable[str]]
    operator: str | None = None
    via: tuple[str, str] | None = None
    people: tuple[str, ...] = ()
    _role_sets: dict = field(default_factory=dict, compare=False, repr=False)

    def roles_for(self, action: str) -> frozenset[str]:
        if action not in ACTIONS:
            raise ValueError(f"unknown scoping action {action!r}")
        return frozenset(self.roles.get(action, ()))


def assignments_of(user) -> list:
    """The user's role assignments, read once per user object."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return []
    cached = getattr(user, "_shegong_assignments", None)
    if cached is None:
        cached = list(user.role_assignments.all())
        user._shegong_assignments = cached
    return cached


def forget_assignments(user) -> None:
    """Drop the per-object caches after the user's assignments change."""
    for name in ("_shegong_assignments", "_shegong_tally_roots"):
        if hasattr(user, name):
            delattr(user, name)


def reach_q(rule: ScopeRule, user, action: str) -> Q | None:
    """The condition, on the rule's own rows, that ``user`` may ``action``; None for nothing."""
    allowed = rule.roles_for(action)
    condition = None
    for assignment in assignments_of(user):
        if assignment.role not in allowed:
            continue
        part = Q()
        if assignment.region_id:
            part &= Q(**{f"{rule.region}__under": assignment.region_id})
        if assignment.operator_id and rule.operator:
            part &= Q(**{rule.operator: assignment.operator_id})
        condition = part if condition is None else condition | part
    if condition is not None and rule.people:
        named = Q()
        for lookup in rule.people:
            named |= Q(**{lookup: user.pk})
        condition &= named
    return condition


def may_act_at(user, rule: ScopeRule, action: str, region_code: str, operator_id: int | None = None) -> bool:
    """Whether ``user`` may ``action`` a row of ``rule`` placed at ``region_code`` — for rows not
    yet written (creations), with exactly the semantics of :func:`reach_q`.

    A rule naming ``people`` cannot be answered by place: the caller checks the named users."""
    if rule.people:
        raise ImproperlyConfigured("a rule limited to named people cannot be checked by place alone")
    allowed = rule.roles_for(action)
    for assignment in assignments_of(user):
        if assignment.role not in allowed:
            continue
        if assignment.region_id and not region_code.startswith(assignment.region_id):
            continue
        if assignment.operator_id and rule.operator and operator_id != assignment.operator_id:
            continue
        return True
    return False


def regions_within_reach(user, roles) -> models.QuerySet:
    """Regions at or below the places where ``user`` holds one of ``roles`` (the choices of a
    form that creates rows there); a nationwide assignment reaches every region."""
    reach = None
    for assignment in assignments_of(user):
        if assignment.role not in roles:
            continue
        part = Q(code__under=assignment.region_id) if assignment.region_id else Q()
        reach = part if reach is None else reach | part
    region_model = apps.get_model("regions", "Region")
    return region_model.objects.none() if reach is None else region_model.objects.filter(reach)


def users_acting_at(roles, region_code: str) -> models.QuerySet:
    """Active users holding one of ``roles`` at ``region_code`` or at a place above it: the people
    who may be named for work there (the worker of a visit or a case, a group's leader)."""
    from django.contrib.auth import get_user_model

    from shegong.regions.models import ancestor_codes

    codes = [*ancestor_codes(region_code), region_code]
    return (
        get_user_model().objects.filter(
            is_active=True, role_assignments__role__in=list(roles), role_assignments__region_id__in=codes
        )
        .distinct()
        .order_by("name", "username")
    )


def restrict(queryset: models.QuerySet, user, action: str = VIEW) -> models.QuerySet:
    """Narrow ``queryset`` to the rows ``user`` may ``action``; deny by default."""
    model = queryset.model
    rule = getattr(model, "scope", None)
    if not isinstance(rule, ScopeRule):
        raise ImproperlyConfigured(f"{model.__name__} declares no ScopeRule and cannot be scoped")
    condition = reach_q(rule, user, action)
    if condition is None:
        return queryset.none()
    if rule.via is None:
        return queryset.filter(condition)
    related_model = apps.get_model(rule.via[0])
    link = rule.via[1]
    base = related_model._base_manager
    scoped = queryset.filter(pk__in=base.filter(condition).values(link))
    if action == CHANGE:
        scoped = scoped.exclude(pk__in=base.exclude(condition).values(link))
    return scoped


class ScopedQuerySet(models.QuerySet):
    """A queryset that can answer what a user may see or change."""

    def visible_to(self, user, action: str = VIEW):
        """Rows of this queryset ``user`` may see (or, with ``CHANGE``, change)."""
        return restrict(self, user, action)

    def changeable_by(self, user):
        """Rows of this queryset ``user`` may change."""
        return restrict(self, user, CHANGE)


ScopedManager = models.Manager.from_queryset(ScopedQuerySet)


def scoped_models() -> list[type[models.Model]]:
    """Every installed model that declares a scope rule (the scoping test walks them all)."""
    return [m for m in apps.get_models() if isinstance(getattr(m, "scope", None), ScopeRule)]
