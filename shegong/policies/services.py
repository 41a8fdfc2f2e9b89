"""Writes on policy profiles: create, add a version, apply a preset. Audited, atomic."""

from __future__ import annotations

from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from shegong.core import audit
from shegong.core.scoping import CHANGE, may_act_at
from shegong.regions.models import Region

from .models import PolicyProfile, PolicyVersion
from .parameters import clean_values
from .presets import PRESETS


def _check(actor, region: Region) -> None:
    """Only a bureau official or administrator of the place (or above) sets its rules."""
    if actor is not None and not may_act_at(actor, PolicyProfile.scope, CHANGE, region.code):
        raise PermissionDenied(_("You cannot set the rules of this place."))


@transaction.atomic
def profile_create(*, actor, name: str, region: Region, preset: str = "") -> PolicyProfile:
    """Create the profile of a jurisdiction (one per region)."""
    _check(actor, region)
    if PolicyProfile.objects.filter(region=region).exists():
        raise ValidationError({"region": _("%(region)s already has a policy profile.") % {"region": region.name}})
    profile = PolicyProfile(name=name, region=region, preset=preset)
    profile.full_clean()
    profile.save()
    audit.record("policy.profile_create", obj=profile, actor=actor, detail={"preset": preset})
    return profile


@transaction.atomic
def version_add(*, actor, profile: PolicyProfile, valid_from: date, values: dict, note: str = "") -> PolicyVersion:
    """Add a new version of ``profile``'s values, in force from ``valid_from``. Never edits an old one."""
    _check(actor, profile.region)
    cleaned = clean_values(values)
    number = (profile.versions.aggregate(n=Max("number"))["n"] or 0) + 1
    version = PolicyVersion(
        profile=profile, number=number, valid_from=valid_from, values=cleaned, note=note,
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    version.full_clean()
    version.save()
    audit.record(
        "policy.version_add", obj=version, actor=actor,
        detail={"profile": profile.name, "number": number, "valid_from": valid_from.isoformat(), "values": cleaned},
    )
    return version


@transaction.atomic
def preset_apply(*, actor, preset: str, region: Region, valid_from: date, name: str | None = None) -> PolicyVersion:
    """Give ``region`` the values of a preset programme, as a new version of its profile."""
    if preset not in PRESETS:
        raise ValidationError(
            {"preset": _("Unknown preset “%(name)s”. Choose one of: %(names)s.") % {"name": preset, "names": ", ".join(PRESETS)}}
        )
    profile = PolicyProfile.objects.filter(region=region).first()
    if profile is None:
        profile = profile_create(
            actor=actor, name=name or f"{region.full_name()}（{PRESETS[preset]['label']}）", region=region, preset=preset
        )
        # A programme with a service catalogue brings it along (casework's catalogue presets).
        from shegong.casework.catalogue_presets import CATALOGUE_PRESETS
        from shegong.casework.services_catalogue import apply_catalogue_preset

        if preset in CATALOGUE_PRESETS:
            apply_catalogue_preset(actor, profile, preset)
    return version_add(
        actor=actor, profile=profile, valid_from=valid_from, values=dict(PRESETS[preset]["values"]),
        note=_("Preset: %(label)s") % {"label": PRESETS[preset]["label"]},
    )
