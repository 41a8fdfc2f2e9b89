"""Browsing the division tree. Regions are public reference data, open to every signed-in user."""

from django.contrib.auth.decorators import login_required
from django.db.models import Count
from django.http import Http404
from django.shortcuts import redirect, render

from shegong.core.context_processors import primary_assignment

from .models import Region


@login_required
def browse(request, code=None):
    if code is None:
        primary = primary_assignment(request.user)
        if primary and primary.region_id:
            return redirect("regions:detail", code=primary.region_id)
        region = None
        children = Region.objects.filter(level=1)
    else:
        try:
            region = Region.objects.get(code=code)
        except Region.DoesNotExist:
            raise Http404 from None
        children = region.children.all()
    children = children.annotate(child_count=Count("children"))
    return render(
        request,
        "regions/browse.html",
        {"region": region, "path": region.path() if region else [], "children": children},
    )
