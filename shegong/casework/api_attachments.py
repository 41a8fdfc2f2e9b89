"""API: attachments."""


def register(router) -> None:
    pass
