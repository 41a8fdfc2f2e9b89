"""What every filtered list page shares: paging, the query string to keep, the filters to audit."""

from django.core.paginator import Page, Paginator

PAGE_SIZE = 50


def page_of(request, queryset) -> tuple[Page, str]:
    """The requested page of ``queryset`` and the query string (without ``page``) for the pager."""
    page = Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return page, query.urlencode()


def filters_of(request) -> dict:
    """The filters of a list request, as recorded in the audit row of an export."""
    return {k: v for k, v in request.GET.items() if k not in ("format", "page")}
