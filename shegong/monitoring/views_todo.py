"""The to-do page (待办事项): everything the signed-in user has to do, grouped by kind, and the
short summary the home page loads into itself. Both read :func:`alerts.todo_for`, which scopes
every part through ``visible_to``."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.utils import timezone

from . import alerts


@login_required
def todo(request):
    today = timezone.localdate()
    items = alerts.todo_for(request.user, today)
    return render(request, "monitoring/todo.html", {
        "today": today, "groups": alerts.by_kind(items), "total": sum(i.count for i in items),
        "overdue": sum(i.count for i in items if i.overdue), "single_kinds": alerts.SINGLE_KINDS,
    })


@login_required
def todo_summary(request):
    """Counts per kind, linking to the page: a fragment the home page fetches once it has loaded
    (so the home page itself stays as quick as before)."""
    items = alerts.todo_for(request.user)
    return render(request, "monitoring/todo_summary.html", {"kinds": alerts.summary(items)})
