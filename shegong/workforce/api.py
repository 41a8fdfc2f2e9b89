"""API endpoints of this app (registered on the /api/v1/ router by ``register``)."""


def register(router) -> None:
    """Add this app's viewsets to the API router."""
