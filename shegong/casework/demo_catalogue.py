"""Demo catalogue: 海城市's must-do and optional services (seed 001) under the county's profile.

Runs first in the casework demo, so visits, cases, groups and activities can be tagged. The
Jiangsu and Hainan catalogues stay available as presets (editor, API, ``shegong catalogue``) and
are not applied. Idempotent: the preset is matched by code.
"""

from __future__ import annotations

from datetime import date

COUNTY = "210381"


def build(*, townships, today: date) -> None:
    from shegong.policies.models import PolicyProfile
    from shegong.policies.services import profile_create
    from shegong.regions.models import Region

    from .services_catalogue import apply_catalogue_preset

    county = Region.objects.filter(code=COUNTY).first()
    if county is None:
        return
    profile = PolicyProfile.objects.filter(region=county).first()
    if profile is None:
        profile = profile_create(actor=None, name="海城市社工站项目（seed 001）", region=county, preset="haicheng")
    apply_catalogue_preset(None, profile, "haicheng")
