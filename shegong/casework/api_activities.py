"""API: activities."""


def register(router) -> None:
    pass
