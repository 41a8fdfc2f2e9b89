"""Which rules are in force for a place on a day, and where each number came from."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

from django.utils.translation import gettext as _

from shegong.regions.models import ancestor_codes

from .models import PolicyVersion
from .parameters import PARAMETERS


class PolicyMissing(LookupError):
    """No profile in force for this place sets the parameter."""

    def __init__(self, key: str, region_code: str, on: date):
        self.key, self.region_code, self.on = key, region_code, on
        label = PARAMETERS[key].label if key in PARAMETERS else key
        super().__init__(
            _("No policy profile in force for %(region)s on %(date)s sets “%(label)s”.")
            % {"region": region_code, "date": on.isoformat(), "label": label}
        )


@dataclass(frozen=True)
class Source:
    """The profile version a value came from."""

    version_id: int
    profile_name: str
    number: int
    valid_from: date

    def __str__(self):
        return _("%(profile)s v%(number)s (from %(date)s)") % {
            "profile": self.profile_name, "number": self.number, "date": self.valid_from.isoformat()
        }


@dataclass(frozen=True)
class ResolvedPolicy:
    """The thresholds in force for one place on one day, each with its source."""

    region_code: str
    on: date
    values: dict = field(default_factory=dict)
    sources: dict = field(default_factory=dict)

    def __getitem__(self, key: str):
        if key not in self.values:
            raise PolicyMissing(key, self.region_code, self.on)
        return self.values[key]

    def get(self, key: str, default=None):
        return self.values.get(key, default)

    def __contains__(self, key: str) -> bool:
        return key in self.values

    def source(self, key: str) -> Source:
        if key not in self.sources:
            raise PolicyMissing(key, self.region_code, self.on)
        return self.sources[key]

    @property
    def version_ids(self) -> list[int]:
        """Every version that supplied a value: store these with a figure to recompute it later."""
        return sorted({s.version_id for s in self.sources.values()})


def _resolve(region_code: str, on: date, versions) -> ResolvedPolicy:
    # Widest jurisdiction first, so that a narrower profile (county) overrides a wider one (province).
    values, sources = {}, {}
    for version in sorted(versions, key=lambda v: len(v.profile.region_id)):
        source = Source(version.pk, version.profile.name, version.number, version.valid_from)
        for key, value in version.values.items():
            values[key] = value
            sources[key] = source
    return ResolvedPolicy(region_code=region_code, on=on, values=values, sources=sources)


def policy_for(region_code: str, on: date) -> ResolvedPolicy:
    """The rules in force for ``region_code`` on ``on``: its own profile and its ancestors'.

    Policy thresholds are public rules, not personal data: any caller may read them.
    """
    codes = [*ancestor_codes(region_code), region_code]
    candidates = (
        PolicyVersion.objects.filter(profile__region_id__in=codes, valid_from__lte=on)
        .select_related("profile")
        .order_by("profile_id", "-number")
    )
    in_force = {}
    for version in candidates:
        in_force.setdefault(version.profile_id, version)  # highest number first per profile
    return _resolve(region_code, on, in_force.values())


def policy_from_versions(region_code: str, on: date, version_ids) -> ResolvedPolicy:
    """Rebuild the rules a stored figure was computed under, from the versions it recorded."""
    versions = PolicyVersion.objects.filter(pk__in=version_ids).select_related("profile")
    return _resolve(region_code, on, versions)


def policies_for(pairs: Iterable[tuple[str, date]]) -> dict[tuple[str, date], ResolvedPolicy]:
    """``policy_for`` for many (place, day) pairs in one query (a list page, a dashboard, a to-do list)."""
    pairs = set(pairs)
    if not pairs:
        return {}
    codes = {c for code, _day in pairs for c in (*ancestor_codes(code), code)}
    latest = max(day for _code, day in pairs)
    versions = list(
        PolicyVersion.objects.filter(profile__region_id__in=codes, valid_from__lte=latest)
        .select_related("profile").order_by("profile_id", "-number")
    )
    answers = {}
    for code, day in pairs:
        path = {*ancestor_codes(code), code}
        in_force = {}
        for version in versions:
            if version.profile.region_id in path and version.valid_from <= day:
                in_force.setdefault(version.profile_id, version)
        answers[(code, day)] = _resolve(code, day, in_force.values())
    return answers
