"""The dashboards: a place's KPI figures against their targets for a period, its child places, the
charts with their numbers as tables, and links to the records behind every figure.

``monitoring:home`` sends the user to the widest place they read (an operator manager with several
townships, or anyone with several places, gets the list of them and of their contracts);
``monitoring:dashboard`` is a place (province, city, county, township) for ``?period=`` (2026,
2026-H1, 2026-Q3, 2026-10; the current year by default); ``monitoring:contract`` is a contract's
scorecard against its own targets. Every place goes through :func:`access.check` (404 otherwise),
every contract through ``Contract.objects.visible_to``.
"""

from __future__ import annotations

import hashlib

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.functional import SimpleLazyObject
from django.views.decorators.http import require_safe

from . import access, kpi, rollups, selectors
from .periods import Period
from .rollups import UNIT_LENGTH
from .vendor import asset_url

VILLAGE_LENGTH = 12


def _period(request, default: Period | None = None) -> tuple[Period, str]:
    """The ``?period=`` asked for (else ``default``, else this year), and the error if it is wrong."""
    text = request.GET.get("period", "").strip()
    fallback = default or selectors.default_period()
    if not text:
        return fallback, ""
    try:
        return Period.parse(text[:40]), ""
    except ValidationError as exc:
        return fallback, " ".join(exc.messages)


def _page(request, template, context, status=200):
    today = timezone.localdate()
    period = context["period"]
    context = {
        "today": today, "period_groups": selectors.period_choices(period, today),
        "previous": selectors._shift(period, -1), "next": selectors._shift(period, 1), "echarts": asset_url(),
        **context,
    }
    return render(request, template, context, status=status)


@require_safe
@login_required
def home(request):
    roots = access.roots(request.user)
    if not roots:
        raise Http404
    if len(roots) == 1 and roots[0]:  # the dashboard reads (and, if need be, refuses) the period
        query = request.GET.urlencode()
        return redirect(selectors.dashboard_url(roots[0]) + (f"?{query}" if query else ""))
    period, error = _period(request)
    overview = selectors.overview(request.user, period, roots)
    return _page(request, "monitoring/dashboard_home.html", {"period": period, "error": error, **overview},
                 status=400 if error else 200)


@require_safe
@login_required
def dashboard(request, code):
    access.check(request.user, code)
    if len(code) == VILLAGE_LENGTH:  # a village's figures are its township's
        return redirect(f"{selectors.dashboard_url(code[:UNIT_LENGTH])}?{request.GET.urlencode()}".rstrip("?"))
    allowed = access.roots(request.user)
    crumbs, names = selectors.crumbs(request.user, code, allowed)
    county_unit = len(code) == UNIT_LENGTH and code.endswith("000")
    if code not in names and not (county_unit and code[:6] in names):
        raise Http404
    period, error = _period(request)
    if error:
        return _page(request, "monitoring/dashboard.html", {
            "period": period, "error": error, "code": code, "name": names.get(code, code), "crumbs": crumbs,
        }, status=400)
    # The figures are computed only when the cached part of the page has expired or its rollups
    # changed (``rollups.stamp``): the key names the place, period, day, language-independent
    # viewer (the places they read; at a township the user, whose workers table may be their own).
    board = SimpleLazyObject(lambda: selectors.dashboard(request.user, code, period, crumb_rows=crumbs, allowed=allowed))
    viewer = request.user.pk if len(code) >= UNIT_LENGTH else hashlib.sha256("|".join(allowed).encode()).hexdigest()[:16]
    today = timezone.localdate()
    return _page(request, "monitoring/dashboard.html", {
        "period": period, "board": board, "code": code, "name": names.get(code) or board.name, "crumbs": crumbs,
        "level": selectors.level_name(code), "elapsed_percent": kpi._q(period.elapsed(today) * 100),
        "fragment": f"{today.isoformat()}:{rollups.stamp(code)}:{viewer}", "has_board": True,
    })


@require_safe
@login_required
def contract(request, pk):
    from shegong.contracts.models import Contract

    contract = get_object_or_404(Contract.objects.visible_to(request.user).select_related("operator"), pk=pk)
    own = Period.between(contract.period_start, contract.period_end)
    period, error = _period(request, own)
    if error:
        return _page(request, "monitoring/dashboard.html", {
            "period": period, "error": error, "contract": contract, "name": str(contract), "crumbs": [],
        }, status=400)
    board = selectors.contract_board(request.user, contract, period)
    today = timezone.localdate()
    return _page(request, "monitoring/dashboard.html", {
        "period": period, "board": board, "contract": contract, "name": board.name, "crumbs": [], "has_board": True,
        "elapsed_percent": board.elapsed_percent, "code": f"contract-{contract.pk}",
        "fragment": f"{today.isoformat()}:{rollups.stamp(contract.purchaser_region_id)}:{request.user.pk}",
        "contract_period": own,
    })
