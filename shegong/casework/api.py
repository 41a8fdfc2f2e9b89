"""API of the casework app (/api/v1/): the same scoping and services as the pages."""

from . import api_activities, api_attachments, api_cases, api_catalogue, api_groups, api_visits


def register(router) -> None:
    """Add this app's viewsets to the API router."""
    for module in (api_visits, api_cases, api_groups, api_activities, api_catalogue, api_attachments):
        module.register(router)
