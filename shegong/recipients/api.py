"""API of the recipients app (/api/v1/): same scoping and services as the pages."""


def register(router):
    pass
