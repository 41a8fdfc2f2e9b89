"""Reads of accounts, always scoped on their first line."""

from django.db.models import Prefetch

from shegong.core.scoping import CHANGE

from .filters import UserFilter
from .models import RoleAssignment, User


def user_list(*, actor, params=None):
    """Users ``actor`` may see, filtered; returns (filterset, queryset) with roles prefetched."""
    base = User.objects.visible_to(actor).prefetch_related(
        Prefetch("role_assignments", queryset=RoleAssignment.objects.select_related("region", "operator"))
    )
    filterset = UserFilter(params or None, queryset=base)
    qs = filterset.qs if not filterset.is_bound or filterset.is_valid() else base.none()
    return filterset, qs.order_by("username")


def user_get(*, actor, pk, action="view") -> User:
    """One user ``actor`` may see (or change); raises User.DoesNotExist otherwise."""
    return User.objects.visible_to(actor, action).get(pk=pk)


def user_changeable(*, actor, user) -> bool:
    return User.objects.visible_to(actor, CHANGE).filter(pk=user.pk).exists()
