"""Pages of the recipients app: importing township lists (名单导入) and reconciling with them (名单比对).

Upload a list → it is checked (at once when small, by ``shegong worker`` otherwise, the page
showing its progress) → the preview says what would change, row by row, with every error →
write it all (or discard it). Every batch page starts from ``ImportBatch.objects.visible_to``:
outside the jurisdiction is the same 404 as missing.
"""

from __future__ import annotations

from pathlib import PurePath
from urllib.parse import quote

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST, require_safe
from django_htmx.http import HttpResponseClientRefresh

from shegong.core import audit
from shegong.core.exports import XLSX
from shegong.core.flow import attach_errors, flash_refusal
from shegong.core.lists import page_of
from shegong.core.scoping import CHANGE, regions_within_reach
from shegong.regions.models import Level

from . import imports
from .models import RECIPIENT_ROLES, Category, ImportBatch, ImportKind, ImportState

WORKING = (ImportState.QUEUED, ImportState.VALIDATING, ImportState.COMMITTING)
STATE_PILLS = {
    ImportState.QUEUED: "neutral", ImportState.VALIDATING: "neutral", ImportState.COMMITTING: "neutral",
    ImportState.VALIDATED: "ok", ImportState.COMMITTED: "ok", ImportState.FAILED: "bad", ImportState.DISCARDED: "off",
}


def townships_for(user):
    """The townships where ``user`` may import recipients (the choices of the upload form)."""
    return regions_within_reach(user, RECIPIENT_ROLES["change"]).filter(level=Level.TOWNSHIP).order_by("code")


class ImportUploadForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("List"), widget=forms.FileInput(attrs={"accept": ".xlsx,.csv,.txt"}),
        help_text=gettext_lazy("An Excel workbook (.xlsx) or a CSV file, at most 20 MB."),
    )
    township = forms.ModelChoiceField(
        queryset=None, to_field_name="code", label=gettext_lazy("Township"), empty_label=gettext_lazy("Choose a township")
    )
    kind = forms.ChoiceField(
        label=gettext_lazy("Mode"), choices=ImportKind.choices, initial=ImportKind.IMPORT, widget=forms.RadioSelect,
        help_text=gettext_lazy(
            "Import adds the people and categories of the list. Reconcile also treats the list as the township's "
            "complete current list for its categories: people who are missing from it are shown, and you choose "
            "whose category ends."
        ),
    )

    def __init__(self, *args, actor, **kwargs):
        super().__init__(*args, **kwargs)
        townships = townships_for(actor)
        self.fields["township"].queryset = townships
        only = list(townships[:2])
        if len(only) == 1:
            self.fields["township"].initial = only[0].code


def _batch_or_404(request, pk, action="view") -> ImportBatch:
    queryset = ImportBatch.objects.visible_to(request.user, action).select_related("region", "uploaded_by")
    return get_object_or_404(queryset, pk=pk)


@login_required
@require_safe
def import_list(request):
    """The lists uploaded in the user's jurisdiction, newest first."""
    batches = ImportBatch.objects.visible_to(request.user).select_related("region", "uploaded_by").order_by("-created_at", "-id")
    page, query = page_of(request, batches)
    for batch in page.object_list:
        batch.pill = STATE_PILLS.get(batch.state, "neutral")
    return render(request, "recipients/import_list.html", {
        "page": page, "query": query, "can_upload": townships_for(request.user).exists(),
    })


@login_required
def import_upload(request):
    form = ImportUploadForm(request.POST or None, request.FILES or None, actor=request.user)
    if not form.fields["township"].queryset.exists():
        raise Http404
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            batch = imports.create_batch(request.user, data["file"], data["township"].code, data["kind"])
        except ValidationError as exc:
            attach_errors(form, exc, default_field="file")
        except PermissionDenied as exc:
            form.add_error("township", str(exc))
        else:
            imports.schedule_check(batch)
            return redirect("recipients:import_detail", pk=batch.pk)
    return render(request, "recipients/import_upload.html", {
        "form": form, "headers": imports.TEMPLATE_HEADERS, "required": [imports.HEADERS[f][0] for f in imports.REQUIRED_FIELDS],
        "categories": [words[0] for words in imports.CATEGORY_WORDS.values()],
    })


@login_required
@require_safe
def import_template(request):
    """An empty list with the expected headers, to fill in (no personal data)."""
    response = HttpResponse(imports.template_workbook(), content_type=XLSX)
    name = _("recipient list template") + ".xlsx"
    response["Content-Disposition"] = f"attachment; filename=\"template.xlsx\"; filename*=UTF-8''{quote(name)}"
    return response


def _labels(codes) -> list[str]:
    return [str(Category(c).label) if c in Category.values else c for c in codes]


def _preview_for_display(batch: ImportBatch) -> dict:
    """The stored preview with codes turned into words (categories, changes)."""
    preview = batch.preview or {}
    new = [{**item, "category_labels": _labels(item.get("categories", []))} for item in preview.get("new", [])]
    changed = {
        kind: [{**item, "change_labels": [imports.describe_change(c) for c in item.get("changes", [])]} for item in preview.get(kind, [])]
        for kind in ("updated", "unchanged")
    }
    gone = [{**item, "category_labels": _labels(item.get("categories", []))} for item in preview.get("gone", [])]
    return {
        "new": new, **changed, "gone": gone, "duplicates": preview.get("duplicates", []), "errors": preview.get("errors", []),
        "unknown_columns": preview.get("unknown_columns", []), "header_row": preview.get("header_row"),
        "scope": _labels(preview.get("scope", [])),
    }


@login_required
@require_safe
def import_detail(request, pk):
    batch = _batch_or_404(request, pk)
    can_change = ImportBatch.objects.visible_to(request.user, CHANGE).filter(pk=batch.pk).exists()
    summary = batch.summary or {}
    return render(request, "recipients/import_detail.html", {
        "batch": batch, "summary": summary, "written": summary.get("written"), "preview": _preview_for_display(batch),
        "working": batch.state in WORKING, "pill": STATE_PILLS.get(batch.state, "neutral"),
        "can_change": can_change, "reconcile": batch.kind == ImportKind.RECONCILE,
        "can_commit": can_change and batch.state == ImportState.VALIDATED and not summary.get("errors"),
        "can_discard": can_change and batch.state in (ImportState.QUEUED, ImportState.VALIDATED, ImportState.FAILED),
        "has_errors": bool(summary.get("errors")), "preview_rows": imports.PREVIEW_ROWS, "max_errors": imports.MAX_ERRORS,
    })


@login_required
@require_safe
def import_progress(request, pk):
    """The progress bar, polled every second by htmx while the list is checked or written;
    once done, the page reloads to show the result."""
    batch = _batch_or_404(request, pk)
    if batch.state not in WORKING:
        if request.htmx:
            return HttpResponseClientRefresh()
        return redirect("recipients:import_detail", pk=batch.pk)
    return render(request, "recipients/import_progress.html", {"batch": batch})


@login_required
@require_safe
def import_errors(request, pk):
    """The error workbook: the rows with errors as the user wrote them (full ID numbers, so
    only for those who may change the township's recipients), audited."""
    batch = _batch_or_404(request, pk, CHANGE)
    if not batch.error_file:
        raise Http404
    audit.record("recipient.import_errors", obj=batch, actor=request.user, detail={"file": batch.original_name})
    name = f"{PurePath(batch.original_name).stem}-{_('rows with errors')}.xlsx"
    return FileResponse(batch.error_file.open("rb"), as_attachment=True, filename=name, content_type=XLSX)


@login_required
@require_POST
def import_commit(request, pk):
    batch = _batch_or_404(request, pk, CHANGE)
    if request.POST.get("gone_all"):
        gone = [item["recipient"] for item in (batch.preview or {}).get("gone", [])]
    else:
        gone = [int(v) for v in request.POST.getlist("gone") if v.isdigit()]
    try:
        written = imports.schedule_commit(request.user, batch, gone)
    except (ValidationError, PermissionDenied) as exc:
        flash_refusal(request, exc)
    else:
        if written is None:
            messages.success(request, _("The list is being written; this page shows when it is done."))
        else:
            messages.success(request, _("Written: %(created)s people registered, %(updated)s updated.") % written)
    return redirect("recipients:import_detail", pk=batch.pk)


@login_required
@require_POST
def import_discard(request, pk):
    batch = _batch_or_404(request, pk, CHANGE)
    try:
        imports.discard(request.user, batch)
    except (ValidationError, PermissionDenied) as exc:
        flash_refusal(request, exc)
        return redirect("recipients:import_detail", pk=batch.pk)
    messages.success(request, _("The list has been discarded."))
    return redirect("recipients:import_list")


urlpatterns = [
    path("imports/", import_list, name="import_list"),
    path("imports/new/", import_upload, name="import_upload"),
    path("imports/template.xlsx", import_template, name="import_template"),
    path("imports/<int:pk>/", import_detail, name="import_detail"),
    path("imports/<int:pk>/progress/", import_progress, name="import_progress"),
    path("imports/<int:pk>/errors.xlsx", import_errors, name="import_errors"),
    path("imports/<int:pk>/commit/", import_commit, name="import_commit"),
    path("imports/<int:pk>/discard/", import_discard, name="import_discard"),
]
