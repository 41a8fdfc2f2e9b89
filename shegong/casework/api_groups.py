"""API: groups."""


def register(router) -> None:
    pass
