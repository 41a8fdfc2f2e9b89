"""This app's part of ``shegong demo``."""


def build(*, county, operator, stations, today) -> None:
    """Add believable demo data for this app (called by ``shegong demo``; must be idempotent)."""
