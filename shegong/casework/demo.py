"""Demo casework for the demo townships: the catalogue, then visits, cases, groups and activities.

Each area's part lives beside its code (demo_<area>.py) and is called here in order."""

from __future__ import annotations

from datetime import date


def build(*, townships, today: date) -> None:
    from . import demo_activities, demo_cases, demo_catalogue, demo_groups, demo_visits

    for part in (demo_catalogue, demo_visits, demo_cases, demo_groups, demo_activities):
        part.build(townships=townships, today=today)
