"""What every filtered list page shares: paging, the query string to keep, the filters to audit."""

from django.core.paginator import Page, Paginator
from django.utils.functional import cached_property

PAGE_SIZE = 50
COUNT_CAP = 100_000


class CappedPaginator(Paginator):
    """Counts at most ``COUNT_CAP`` rows. A county's lists count exactly; a province's 2.4 million
    recipients or 7 million visits are not counted row by row on every page view (a second and
    more), the list says "more than 100,000" and asks for a filter, and its pages stop there."""

    cap = COUNT_CAP

    @cached_property
    def count(self):
        counted = self.object_list.order_by()[: self.cap + 1].count()  # the order does not change a count
        self.capped = counted > self.cap
        return min(counted, self.cap)

    capped = False


def page_of(request, queryset) -> tuple[Page, str]:
    """The requested page of ``queryset`` and the query string (without ``page``) for the pager."""
    page = CappedPaginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return page, query.urlencode()


def filters_of(request) -> dict:
    """The filters of a list request, as recorded in the audit row of an export."""
    return {k: v for k, v in request.GET.items() if k not in ("format", "page")}
