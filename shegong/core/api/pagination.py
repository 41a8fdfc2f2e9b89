from rest_framework.pagination import CursorPagination


class Cursor(CursorPagination):
    """Cursor pagination: stable and constant-cost however deep the list goes."""

    page_size = 50
    max_page_size = 500
    page_size_query_param = "page_size"
    ordering = "-pk"
