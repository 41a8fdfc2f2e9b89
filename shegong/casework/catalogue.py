"""The service catalogue (服务清单) in force for a place: the narrowest policy profile, at the place
or above it, that holds a catalogue. Like the policy thresholds, a catalogue is a public rule:
any caller may read it (form choices, tags on records); changing it goes through the profile's
scope (bureau, administrator).
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db.models import Prefetch
from django.utils.translation import gettext as _

from shegong.regions.models import ancestor_codes

from .models import ServiceDomain, ServiceItem


def catalogue_profile_id(region_code: str) -> int | None:
    """The profile whose catalogue applies at ``region_code`` (None when no profile has one)."""
    codes = [*ancestor_codes(region_code), region_code]
    found = (
        ServiceDomain.objects.filter(profile__region_id__in=codes)
        .values_list("profile_id", "profile__region_id")
        .distinct()
    )
    best = max(found, key=lambda row: len(row[1]), default=None)
    return best[0] if best else None


def domains_for(region_code: str, *, active_only: bool = True):
    """The catalogue's domains at ``region_code``, each with its items prefetched (in order)."""
    profile_id = catalogue_profile_id(region_code)
    if profile_id is None:
        return ServiceDomain.objects.none()
    items = ServiceItem.objects.order_by("position", "code")
    if active_only:
        items = items.filter(active=True)
    return (
        ServiceDomain.objects.filter(profile_id=profile_id)
        .order_by("position", "code")
        .prefetch_related(Prefetch("items", queryset=items))
    )


def items_for(region_code: str):
    """The catalogue items in use at ``region_code``: the choices for tagging a record there."""
    profile_id = catalogue_profile_id(region_code)
    if profile_id is None:
        return ServiceItem.objects.none()
    return (
        ServiceItem.objects.filter(domain__profile_id=profile_id, active=True)
        .select_related("domain")
        .order_by("domain__position", "domain__code", "position", "code")
    )


def grouped_choices(region_code: str) -> list[tuple[str, list[tuple[int, str]]]]:
    """Choices for a form field, grouped by domain: ``[(domain, [(item pk, item name), …]), …]``."""
    groups: dict[str, list] = {}
    for item in items_for(region_code):
        groups.setdefault(item.domain.name, []).append((item.pk, item.name))
    return list(groups.items())


def catalogue_profile(region_code: str):
    """The policy profile whose catalogue applies at ``region_code`` (None when there is none)."""
    from shegong.policies.models import PolicyProfile

    profile_id = catalogue_profile_id(region_code)
    if profile_id is None:
        return None
    return PolicyProfile.objects.select_related("region").filter(pk=profile_id).first()


def catalogue_in_force(region_code: str, *, active_only: bool = True):
    """``(profile, [domain, …])`` of the catalogue in force at ``region_code``, each domain with
    its items prefetched in order (``(None, [])`` where no profile holds one). Four queries."""
    profile = catalogue_profile(region_code)
    if profile is None:
        return None, []
    items = ServiceItem.objects.order_by("position", "code")
    if active_only:
        items = items.filter(active=True)
    domains = list(
        ServiceDomain.objects.filter(profile_id=profile.pk).order_by("position", "code")
        .prefetch_related(Prefetch("items", queryset=items))
    )
    return profile, domains


def items_by_pk(pks) -> list:
    """Catalogue items named by id (an API body); an unknown id is refused. Whether they belong to
    the place is :func:`check_items`'s question."""
    pks = list(dict.fromkeys(pks or []))
    found = list(ServiceItem.objects.filter(pk__in=pks))
    if len(found) != len(pks):
        raise ValidationError({"items": [_("Unknown catalogue item.")]})
    return found


def check_items(region_code: str, items) -> list[int]:
    """The ids of ``items`` (items or ids, repeats dropped), each checked to belong to the catalogue
    in force at ``region_code``; refuses naming those that do not."""
    items = list(dict.fromkeys(items or ()))
    pks = [getattr(item, "pk", item) for item in items]
    if not pks:
        return []
    allowed = set(items_for(region_code).filter(pk__in=pks).values_list("pk", flat=True))
    foreign = [str(item) for item, pk in zip(items, pks, strict=True) if pk not in allowed]
    if foreign:
        raise ValidationError(
            {"items": _("Not in the service catalogue of this place: %(items)s.") % {"items": "、".join(foreign)}}
        )
    return pks
