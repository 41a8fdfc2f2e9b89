"""API: cases."""


def register(router) -> None:
    pass
