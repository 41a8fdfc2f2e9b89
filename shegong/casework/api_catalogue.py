"""API: catalogue."""


def register(router) -> None:
    pass
