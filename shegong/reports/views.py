"""Report pages: the list, a new report, the report (figures, text, history, the steps the reader may
take), the text form, the steps (POST) and the three files."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from shegong.core.flow import attach_errors, flash_form_errors, flash_refusal
from shegong.core.lists import page_of

from . import files, selectors, services
from .document import document
from .forms import ApproveForm, CorrectForm, NarrativeForm, ReportCreateForm, ReturnForm, VersionForm
from .models import Report, Status
from .rules import may_review, may_write, place_report_regions, writes_operator_reports


def _get_or_404(request, pk) -> Report:
    try:
        return selectors.report_get(actor=request.user, pk=pk)
    except Report.DoesNotExist:
        raise Http404 from None


@login_required
def report_list(request):
    filterset, qs = selectors.report_list(actor=request.user, params=request.GET, request=request)
    page, query = page_of(request, qs)
    can_create = writes_operator_reports(request.user) or bool(place_report_regions(request.user))
    return render(request, "reports/report_list.html", {"filter": filterset, "page": page, "query": query,
                                                        "can_create": can_create})


@login_required
def report_create(request):
    initial = {k: request.GET[k] for k in ("period", "contract", "region") if request.GET.get(k)}  # from the to-do list
    form = ReportCreateForm(request.POST or None, actor=request.user, today=timezone.localdate(), initial=initial)
    if not form.usable:
        raise Http404
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            report = services.create_report(actor=request.user, period=data["period"], contract=data.get("contract"),
                                            region=data.get("region"))
        except ValidationError as exc:
            attach_errors(form, exc, default_field=None)
        except PermissionDenied as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("The report has been started with the figures of today. Write its text, then submit it."))
            return redirect("reports:report_edit", pk=report.pk)
    return render(request, "reports/report_create.html", {"form": form})


@login_required
def report_detail(request, pk):
    report = _get_or_404(request, pk)
    writer, reviewer = may_write(request.user, report), may_review(request.user, report)
    try:
        newer = report.superseded_by
    except Report.DoesNotExist:
        newer = None
    corrected = newer is not None
    if newer is not None and newer.status == Status.DRAFT and not writer:
        newer = None  # a correction being written is the writer's own until it is submitted
    return render(request, "reports/report_detail.html", {
        "report": report,
        "doc": document(report),
        "events": report.events.all(),
        "writer": writer,
        "reviewer": reviewer,
        "newer": newer,
        "can_edit": writer and report.editable,
        "submit_form": VersionForm(initial={"version": report.version}) if writer and report.editable else None,
        "return_form": ReturnForm(initial={"version": report.version}, prefix="ret")
        if reviewer and report.status == Status.SUBMITTED else None,
        "approve_form": ApproveForm(initial={"version": report.version}, prefix="app")
        if reviewer and report.status == Status.SUBMITTED else None,
        "correct_form": CorrectForm(prefix="cor") if writer and report.status == Status.APPROVED and not corrected else None,
    })


@login_required
def report_edit(request, pk):
    report = _get_or_404(request, pk)
    if not may_write(request.user, report):
        raise Http404
    if not report.editable:
        messages.error(request, _("A submitted or approved report cannot be changed."))
        return redirect(report)
    form = NarrativeForm(request.POST or None, instance=report)
    if request.method == "POST" and form.is_valid():
        texts = {name: form.cleaned_data[name] for name in NarrativeForm.Meta.fields}
        try:
            services.update_narrative(actor=request.user, report=report, expected_version=form.cleaned_data["version"], **texts)
        except (ValidationError, PermissionDenied) as exc:
            attach_errors(form, exc, default_field=None)
        else:
            if request.POST.get("then") == "submit":
                return _submit(request, report.pk, None)
            messages.success(request, _("The text has been saved."))
            return redirect(report)
    return render(request, "reports/report_edit.html", {"form": form, "report": report})


def _submit(request, pk, version):
    report = _get_or_404(request, pk)
    try:
        services.submit(actor=request.user, report=report, expected_version=version)
    except (ValidationError, PermissionDenied) as exc:
        flash_refusal(request, exc)
        return redirect("reports:report_edit", pk=report.pk) if report.editable and may_write(request.user, report) else redirect(report)
    messages.success(request, _("The report has been submitted with the figures of today."))
    return redirect(report)


def _step(request, pk, form_class, prefix, call, success):
    """A step posted from the report page: refused steps are shown as messages."""
    report = _get_or_404(request, pk)
    form = form_class(request.POST, prefix=prefix)
    if not form.is_valid():
        flash_form_errors(request, form)
        return redirect(report)
    try:
        call(report, form.cleaned_data)
    except (ValidationError, PermissionDenied) as exc:
        flash_refusal(request, exc)
        return redirect(report)
    messages.success(request, success)
    return None


@login_required
@require_POST
def report_submit(request, pk):
    report = _get_or_404(request, pk)
    form = VersionForm(request.POST)
    if not form.is_valid():
        flash_form_errors(request, form)
        return redirect(report)
    return _submit(request, pk, form.cleaned_data["version"])


@login_required
@require_POST
def report_return(request, pk):
    done = _step(request, pk, ReturnForm, "ret", lambda r, d: services.return_report(
        actor=request.user, report=r, comment=d["comment"], expected_version=d["version"]),
        _("The report has been returned to its writer with your comment."))
    return done or redirect("reports:report_detail", pk=pk)


@login_required
@require_POST
def report_approve(request, pk):
    done = _step(request, pk, ApproveForm, "app", lambda r, d: services.approve(
        actor=request.user, report=r, comment=d["comment"], expected_version=d["version"]),
        _("The report has been approved. Its figures and files will not change."))
    return done or redirect("reports:report_detail", pk=pk)


@login_required
@require_POST
def report_correct(request, pk):
    report = _get_or_404(request, pk)
    form = CorrectForm(request.POST, prefix="cor")
    if not form.is_valid():
        flash_form_errors(request, form)
        return redirect(report)
    try:
        new = services.correct(actor=request.user, report=report, reason=form.cleaned_data["reason"])
    except (ValidationError, PermissionDenied) as exc:
        flash_refusal(request, exc)
        return redirect(report)
    messages.success(request, _("A new revision has been started. The approved report stays as it is."))
    return redirect("reports:report_edit", pk=new.pk)


@login_required
@require_POST
def report_refresh(request, pk):
    done = _step(request, pk, VersionForm, None, lambda r, d: services.refresh_figures(
        actor=request.user, report=r, expected_version=d["version"]), _("The figures have been taken again."))
    return done or redirect("reports:report_detail", pk=pk)


def file_response(report: Report, fmt: str) -> HttpResponse:
    """The report's file: as stored on approval, else made from its snapshot."""
    stored = getattr(report, f"{fmt}_file")
    if report.status == Status.APPROVED and stored:
        with stored.open("rb") as handle:
            data = handle.read()
    else:
        data = files.build(report, fmt)
    response = HttpResponse(data, content_type=files.FORMATS[fmt])
    response["Content-Disposition"] = content_disposition_header(True, files.filename(report, fmt))
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@login_required
def report_file(request, pk, fmt):
    report = _get_or_404(request, pk)
    if fmt not in files.FORMATS:
        raise Http404
    try:
        response = file_response(report, fmt)
    except files.PdfUnavailable as exc:
        return render(request, "reports/pdf_unavailable.html", {"report": report, "message": str(exc)}, status=503)
    services.record_download(actor=request.user, report=report, fmt=fmt)
    return response
