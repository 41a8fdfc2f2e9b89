"""Demo cases."""

from __future__ import annotations

from datetime import date


def build(*, townships, today: date) -> None:
    return None
