"""Whose figures a user may read: the one check every dashboard, report and KPI endpoint makes.

The figures are counts, not personal data, but they are a place's business: an office reads the
places it governs (its assignment's region and everything under it), the people of a station read
their township, and an operator manager reads the townships of the stations its organisation runs
(never the county as a whole, which counts other operators' stations too). Anything else is 404.
"""

from __future__ import annotations

from django.http import Http404

from shegong.core.scoping import assignments_of

from .models import TALLY_ROLES
from .rollups import UNIT_LENGTH

PLACE_ROLES = TALLY_ROLES["view"] - {"operator_manager"}


def roots(user) -> list[str]:
    """The widest places whose figures ``user`` reads, narrowest-last order by code.

    ``""`` stands for the whole country (a nationwide assignment). Read once per user object (a
    request asks several times: the check, the children, the page)."""
    cached = getattr(user, "_shegong_tally_roots", None)
    if cached is None:
        cached = _roots(user)
        if user is not None:
            user._shegong_tally_roots = cached
    return list(cached)


def _roots(user) -> list[str]:
    codes = set()
    operator = False
    for assignment in assignments_of(user):
        if assignment.role in PLACE_ROLES:
            codes.add(assignment.region_id or "")
        elif assignment.role == "operator_manager":
            operator = True
    if operator:
        codes.update(operator_townships(user))
    # Drop places inside another place of the list.
    return sorted(c for c in codes if not any(c != o and c.startswith(o) for o in codes))


def operator_townships(user) -> set[str]:
    """The townships of the stations an operator manager's organisation runs, within reach."""
    from shegong.stations.models import Station

    rows = Station.objects.visible_to(user).values_list("region_id", flat=True)
    return {code[:UNIT_LENGTH] if len(code) >= UNIT_LENGTH else code + "000" for code in rows}


def may_see(user, code: str) -> bool:
    return any(code.startswith(root) for root in roots(user))


def check(user, code: str) -> None:
    """Raise 404 unless ``user`` may read the figures of ``code``."""
    if not code or not may_see(user, code):
        raise Http404


def visible_children(user, card):
    """``card`` with only the child places ``user`` may read (an operator manager at a county sees
    its own stations' townships)."""
    allowed = roots(user)
    card.children = [c for c in card.children if any(c.code.startswith(r) for r in allowed)]
    return card
