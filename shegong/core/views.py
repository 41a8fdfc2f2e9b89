"""Home page and the audit log."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext as _

from shegong.regions.models import Level, Region

from .exports import xlsx_response
from .lists import filters_of, page_of
from .models import AuditEntry
from .scoping import assignments_of
from .selectors import audit_list


def not_found(request, exception=None):
    """404 for everything, missing or out of jurisdiction alike: problem details under /api/."""
    if request.path.startswith("/api/"):
        from django.http import JsonResponse

        return JsonResponse(
            {"type": "about:blank", "title": str(_("Not found")), "status": 404, "instance": request.path},
            status=404,
            content_type="application/problem+json",
        )
    return render(request, "404.html", status=404)


@login_required
def home(request):
    """The signed-in user's start page: where they stand, what they hold, where to go next."""
    held = assignments_of(request.user)
    places = []
    for assignment in held:
        counts = {}
        if assignment.region_id:
            below = Region.objects.under(assignment.region_id)
            counts = {
                "townships": below.filter(level=Level.TOWNSHIP).count(),
                "villages": below.filter(level=Level.VILLAGE).count(),
            }
        places.append({"assignment": assignment, "counts": counts})
    recent = AuditEntry.objects.visible_to(request.user)[:8]
    roles = {a.role for a in held}
    return render(request, "core/home.html", {"places": places, "recent_audit": recent, "roles": roles})


@login_required
def audit_list_view(request):
    filterset, qs = audit_list(actor=request.user, params=request.GET)
    if request.GET.get("format") == "xlsx":
        rows = (
            (e.at, e.actor_name, e.ip, e.action, e.get_result_display(), e.object_repr, e.region_code, e.detail)
            for e in qs.iterator(chunk_size=2000)
        )
        return xlsx_response(
            filename=_("audit-log"),
            sheet=_("Audit log"),
            headers=[_("Time"), _("Actor"), _("IP address"), _("Action"), _("Result"), _("Object"), _("Region code"), _("Detail")],
            rows=rows,
            action="audit.export",
            detail={"filters": filters_of(request)},
        )
    page, query = page_of(request, qs)
    return render(
        request, "core/audit_list.html", {"filter": filterset, "page": page, "query": query}
    )


@login_required
def audit_detail(request, pk):
    entry = get_object_or_404(AuditEntry.objects.visible_to(request.user), pk=pk)
    return render(request, "core/audit_detail.html", {"entry": entry})
