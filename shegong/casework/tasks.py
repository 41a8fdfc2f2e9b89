"""Background work of the casework app: planning home visits.

Run by ``shegong worker``; queue it nightly (``shegong plan_visits --enqueue`` from cron).
Arguments are plain values, so a task can be queued in one process and run in another.
"""

from __future__ import annotations

from datetime import date

from django.tasks import task
from django.utils import timezone

from . import planning


@task()
def plan_visits(region_prefix: str = "", on: str | None = None) -> dict:
    """Bring the visit plans under ``region_prefix`` in line with the rules in force on ``on``
    (an ISO date; today when not given). Returns how many were planned, closed and cancelled."""
    day = date.fromisoformat(on) if on else timezone.localdate()
    return planning.plan_visits(region_prefix, day).as_dict()
