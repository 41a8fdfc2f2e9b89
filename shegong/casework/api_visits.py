"""API: visits."""


def register(router) -> None:
    pass
