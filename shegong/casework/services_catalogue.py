"""Writes on the service catalogue (服务清单) of a policy profile: apply a preset, add, rename,
retire and reorder domains and items. Atomic and audited; only a bureau official or administrator
of the profile's place (or above) may change it (``actor=None`` is the system: commands, demo).

Items are never deleted: a retired item (``active=False``) stays on the records tagged with it
and leaves the choices of new records.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from shegong.core import audit
from shegong.core.scoping import CHANGE, may_act_at
from shegong.policies.models import PolicyProfile

from .catalogue_presets import CATALOGUE_PRESETS
from .models import DomainKind, ServiceDomain, ServiceItem


def may_edit(actor, profile: PolicyProfile) -> bool:
    """Whether ``actor`` may change the catalogue of ``profile``."""
    return actor is None or may_act_at(actor, PolicyProfile.scope, CHANGE, profile.region_id)


def _check_profile(actor, profile: PolicyProfile) -> None:
    if not may_edit(actor, profile):
        raise PermissionDenied(_("You cannot change the service catalogue of this place."))


def _check_domain(actor, domain: ServiceDomain) -> None:
    if actor is not None and not ServiceDomain.objects.visible_to(actor, CHANGE).filter(pk=domain.pk).exists():
        raise PermissionDenied(_("You cannot change the service catalogue of this place."))


def _check_item(actor, item: ServiceItem) -> None:
    if actor is not None and not ServiceItem.objects.visible_to(actor, CHANGE).filter(pk=item.pk).exists():
        raise PermissionDenied(_("You cannot change the service catalogue of this place."))


def _actor(actor):
    return actor if getattr(actor, "is_authenticated", False) else None


def _clean_code(code: str) -> str:
    code = (code or "").strip()
    if not code:
        raise ValidationError({"code": _("A code is required.")})
    if len(code) > 20:
        raise ValidationError({"code": _("A code has at most 20 characters.")})
    return code


def _clean_name(name: str, limit: int) -> str:
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": _("A name is required.")})
    if len(name) > limit:
        raise ValidationError({"name": _("A name has at most %(n)s characters.") % {"n": limit}})
    return name


def _clean_kind(kind: str) -> str:
    kind = kind or ""
    if kind not in DomainKind.values:
        raise ValidationError({"kind": _("Unknown kind.")})
    return kind


def _item_code_taken(profile_id: int, code: str, exclude_pk: int | None = None) -> bool:
    qs = ServiceItem.objects.filter(domain__profile_id=profile_id, code=code)
    if exclude_pk:
        qs = qs.exclude(pk=exclude_pk)
    return qs.exists()


# --- Presets --------------------------------------------------------------------------------


@transaction.atomic
def apply_catalogue_preset(actor, profile: PolicyProfile, preset: str) -> dict:
    """Write the catalogue of a preset programme under ``profile``.

    Domains and items are matched by code: what exists is left as it is (a bureau's renames and
    retirements stand), what is missing is added. Applying the same preset twice changes nothing.
    Returns ``{"domains": n added, "items": n added}``.
    """
    if preset not in CATALOGUE_PRESETS:
        raise ValidationError({"preset": _("Unknown catalogue preset “%(name)s”. Choose one of: %(names)s.") % {
            "name": preset, "names": ", ".join(CATALOGUE_PRESETS)}})
    _check_profile(actor, profile)
    domains = {d.code: d for d in ServiceDomain.objects.filter(profile=profile)}
    item_codes = set(ServiceItem.objects.filter(domain__profile=profile).values_list("code", flat=True))
    next_domain = (max((d.position for d in domains.values()), default=-1)) + 1
    added_domains = added_items = 0
    new_items = []
    for code, name, kind, entries in CATALOGUE_PRESETS[preset]["domains"]:
        domain = domains.get(code)
        if domain is None:
            domain = ServiceDomain.objects.create(profile=profile, code=code, name=name, kind=kind, position=next_domain)
            next_domain += 1
            added_domains += 1
            next_item = 0
        else:
            next_item = (domain.items.aggregate(n=Max("position"))["n"] or 0) + 1
        for item_code, item_name, description in entries:
            if item_code in item_codes:
                continue
            new_items.append(ServiceItem(domain=domain, code=item_code, name=item_name, description=description,
                                         position=next_item))
            item_codes.add(item_code)
            next_item += 1
    ServiceItem.objects.bulk_create(new_items)
    added_items = len(new_items)
    if added_domains or added_items:
        audit.record("casework.catalogue_apply", obj=profile, actor=_actor(actor), region_code=profile.region_id,
                     detail={"preset": preset, "domains": added_domains, "items": added_items})
    return {"domains": added_domains, "items": added_items}


# --- Domains --------------------------------------------------------------------------------


@transaction.atomic
def domain_add(*, actor, profile: PolicyProfile, code: str, name: str, kind: str = "") -> ServiceDomain:
    """Add a domain at the end of ``profile``'s catalogue."""
    _check_profile(actor, profile)
    code, name, kind = _clean_code(code), _clean_name(name, 100), _clean_kind(kind)
    if ServiceDomain.objects.filter(profile=profile, code=code).exists():
        raise ValidationError({"code": _("This catalogue already has a domain with this code.")})
    position = (ServiceDomain.objects.filter(profile=profile).aggregate(n=Max("position"))["n"] or 0) + 1
    domain = ServiceDomain.objects.create(profile=profile, code=code, name=name, kind=kind, position=position)
    audit.record("casework.catalogue_domain_add", obj=domain, actor=_actor(actor), region_code=profile.region_id,
                 detail={"code": code, "name": name, "kind": kind})
    return domain


@transaction.atomic
def domain_update(*, actor, domain: ServiceDomain, name: str | None = None, kind: str | None = None) -> ServiceDomain:
    """Rename a domain or change whether it is must-do or optional."""
    _check_domain(actor, domain)
    before = {"name": domain.name, "kind": domain.kind}
    if name is not None:
        domain.name = _clean_name(name, 100)
    if kind is not None:
        domain.kind = _clean_kind(kind)
    domain.save(update_fields=["name", "kind"])
    audit.record("casework.catalogue_domain_update", obj=domain, actor=_actor(actor),
                 region_code=domain.profile.region_id,
                 detail={"from": before, "to": {"name": domain.name, "kind": domain.kind}})
    return domain


# --- Items ----------------------------------------------------------------------------------


@transaction.atomic
def item_add(*, actor, domain: ServiceDomain, code: str, name: str, description: str = "") -> ServiceItem:
    """Add an item at the end of ``domain``; its code is unique within the whole catalogue."""
    _check_domain(actor, domain)
    code, name = _clean_code(code), _clean_name(name, 200)
    if _item_code_taken(domain.profile_id, code):
        raise ValidationError({"code": _("This catalogue already has an item with this code.")})
    position = (domain.items.aggregate(n=Max("position"))["n"] or 0) + 1
    item = ServiceItem.objects.create(domain=domain, code=code, name=name, description=(description or "").strip(),
                                      position=position)
    audit.record("casework.catalogue_item_add", obj=item, actor=_actor(actor), region_code=domain.profile.region_id,
                 detail={"domain": domain.code, "code": code, "name": name})
    return item


@transaction.atomic
def item_update(*, actor, item: ServiceItem, name: str | None = None, description: str | None = None) -> ServiceItem:
    """Rename an item or change its description (records tagged with it show the new name)."""
    _check_item(actor, item)
    before = {"name": item.name}
    if name is not None:
        item.name = _clean_name(name, 200)
    if description is not None:
        item.description = description.strip()
    item.save(update_fields=["name", "description"])
    audit.record("casework.catalogue_item_update", obj=item, actor=_actor(actor),
                 region_code=item.domain.profile.region_id, detail={"from": before, "to": {"name": item.name}})
    return item


@transaction.atomic
def item_set_active(*, actor, item: ServiceItem, active: bool) -> ServiceItem:
    """Retire an item (it leaves the choices of new records; records tagged with it keep the tag)
    or bring a retired one back."""
    _check_item(actor, item)
    if item.active != active:
        item.active = active
        item.save(update_fields=["active"])
        audit.record("casework.catalogue_item_retire" if not active else "casework.catalogue_item_restore", obj=item,
                     actor=_actor(actor), region_code=item.domain.profile.region_id, detail={"code": item.code})
    return item


def item_in_use(item: ServiceItem) -> bool:
    """Whether any record is tagged with ``item`` (such an item can only be retired)."""
    from .models import Activity, Case, CaseRecord, Group, Visit

    return any(
        model.items.through.objects.filter(serviceitem_id=item.pk).exists()
        for model in (Visit, Case, CaseRecord, Group, Activity)
    )


def _move(rows: list, row, step: int) -> list:
    """``rows`` in their new order after moving ``row`` by ``step`` (−1 up, +1 down)."""
    index = next(i for i, r in enumerate(rows) if r.pk == row.pk)
    target = max(0, min(len(rows) - 1, index + step))
    rows.insert(target, rows.pop(index))
    return rows


@transaction.atomic
def domain_move(*, actor, domain: ServiceDomain, step: int) -> None:
    """Move a domain up (``step=-1``) or down (``+1``) in its catalogue."""
    _check_domain(actor, domain)
    rows = _move(list(ServiceDomain.objects.filter(profile_id=domain.profile_id).order_by("position", "code")), domain, step)
    for position, row in enumerate(rows):
        row.position = position
    ServiceDomain.objects.bulk_update(rows, ["position"])
    audit.record("casework.catalogue_reorder", obj=domain, actor=_actor(actor), region_code=domain.profile.region_id,
                 detail={"domain": domain.code, "step": step})


@transaction.atomic
def item_move(*, actor, item: ServiceItem, step: int) -> None:
    """Move an item up (``step=-1``) or down (``+1``) within its domain."""
    _check_item(actor, item)
    rows = _move(list(ServiceItem.objects.filter(domain_id=item.domain_id).order_by("position", "code")), item, step)
    for position, row in enumerate(rows):
        row.position = position
    ServiceItem.objects.bulk_update(rows, ["position"])
    audit.record("casework.catalogue_reorder", obj=item, actor=_actor(actor),
                 region_code=item.domain.profile.region_id, detail={"item": item.code, "step": step})
