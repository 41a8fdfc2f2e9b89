"""Who writes a report and who reviews it — on top of the scope rule, which decides who reads it.

- An **operator report** (monthly to the bureau) is written by a manager of its operator whose
  assignment reaches the report's place, and reviewed by the bureau of that very place (the
  contract's purchaser, usually the county).
- A **place report** (a county's quarterly report to the city) is written by the bureau of the place
  itself and reviewed by the bureau of the place above it.

Administrators read reports but neither write nor review them. A draft (never submitted) is the
writer's own: reviewers see a report once it has been submitted.
"""

from __future__ import annotations

from django.db.models import Q

from shegong.core.scoping import assignments_of
from shegong.regions.models import parent_code


def _parent(code: str) -> str | None:
    try:
        return parent_code(code)
    except KeyError:
        return None


def may_write(user, report) -> bool:
    """Whether ``user`` writes ``report`` (edits its text, submits it, corrects it)."""
    for a in assignments_of(user):
        if report.operator_id:
            if (a.role == "operator_manager" and a.operator_id == report.operator_id
                    and report.region_id.startswith(a.region_id or "")):
                return True
        elif a.role == "bureau" and a.region_id == report.region_id:
            return True
    return False


def may_review(user, report) -> bool:
    """Whether ``user`` returns or approves ``report``."""
    reviewer_place = report.region_id if report.operator_id else _parent(report.region_id)
    return bool(reviewer_place) and any(a.role == "bureau" and a.region_id == reviewer_place for a in assignments_of(user))


def writer_q(user) -> Q | None:
    """The reports ``user`` writes, as a condition on Report rows (None: none)."""
    condition = None
    for a in assignments_of(user):
        if a.role == "operator_manager" and a.operator_id:
            part = Q(operator_id=a.operator_id)
            if a.region_id:
                part &= Q(region__code__under=a.region_id)
        elif a.role == "bureau" and a.region_id:
            part = Q(operator__isnull=True, region_id=a.region_id)
        else:
            continue
        condition = part if condition is None else condition | part
    return condition


def reviewer_q(user) -> Q | None:
    """The reports ``user`` reviews, as a condition on Report rows (None: none)."""
    condition = None
    for a in assignments_of(user):
        if a.role != "bureau" or not a.region_id:
            continue
        part = Q(operator__isnull=False, region_id=a.region_id) | Q(operator__isnull=True, region__parent_id=a.region_id)
        condition = part if condition is None else condition | part
    return condition


def writes_operator_reports(user) -> bool:
    return any(a.role == "operator_manager" and a.operator_id for a in assignments_of(user))


def place_report_regions(user) -> list[str]:
    """The places (counties and cities) whose own reports ``user`` writes: its bureau assignments."""
    return sorted({a.region_id for a in assignments_of(user) if a.role == "bureau" and a.region_id and len(a.region_id) in (4, 6)})
