"""Workforce pages: worker list and file, create/edit, station moves, sessions, import,
volunteers and their hours, local average wages."""

import base64
from datetime import date

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from shegong.core.exports import xlsx_response
from shegong.core.flow import attach_errors, post_and_flash, submit
from shegong.core.lists import filters_of, page_of

from . import imports, selectors, services
from .forms import (
    AssignForm,
    ImportForm,
    SessionForm,
    VolunteerForm,
    VolunteerHoursForm,
    WageForm,
    WorkerCreateForm,
    WorkerForm,
)
from .models import SocialWorker, Volunteer

IMPORT_SESSION_KEY = "workforce_import"
MAX_IMPORT_BYTES = 5 * 1024 * 1024




def _worker_or_404(request, pk, action="view"):
    try:
        return selectors.worker_get(actor=request.user, pk=pk, action=action)
    except SocialWorker.DoesNotExist:
        raise Http404 from None


def _station_name(worker):
    current = getattr(worker, "current_assignments", None)
    return "、".join(a.station.name for a in current) if current else ""


@login_required
def worker_list(request):
    filterset, qs = selectors.worker_list(actor=request.user, params=request.GET)
    if request.GET.get("format") == "xlsx":
        rows = (
            (
                w.name, w.get_sex_display(), w.birth_date, w.get_education_display(), w.major,
                w.get_certificate_level_display(), w.certificate_number, w.certificate_date, w.took_post_on,
                _station_name(w), w.employer.name, w.monthly_salary, w.phone,
            )
            for w in qs
        )
        return xlsx_response(
            filename=_("social workers"),
            sheet=_("Social workers"),
            headers=[
                _("Name"), _("Sex"), _("Birth date"), _("Education"), _("Major"), _("Certificate level"),
                _("Certificate number"), _("Certificate date"), _("Took the post on"), _("Station"), _("Employer"),
                _("Monthly salary"), _("Phone"),
            ],
            rows=rows,
            action="workforce.worker_export",
            detail={"filters": filters_of(request)},
        )
    page, query = page_of(request, qs)
    for worker in page.object_list:
        worker.station_name = _station_name(worker)
    return render(
        request,
        "workforce/worker_list.html",
        {"filter": filterset, "page": page, "query": query, "can_create": selectors.stations_for_workers(request.user).exists()},
    )


@login_required
def worker_detail(request, pk):
    worker = _worker_or_404(request, pk)
    this_year = date.today().year
    data = selectors.worker_file(actor=request.user, worker=worker, years=[this_year, this_year - 1])
    can_change = selectors.worker_changeable(actor=request.user, worker=worker)
    return render(
        request,
        "workforce/worker_detail.html",
        {"subject": worker, "can_change": can_change, "assign_form": AssignForm(actor=request.user) if can_change else None, **data},
    )


@login_required
def worker_create(request):
    form = WorkerCreateForm(request.POST or None, actor=request.user)
    if not form.fields["station"].queryset.exists():
        raise Http404
    if request.method == "POST" and form.is_valid():
        done = submit(
            request, form,
            lambda station, **data: services.worker_create(
                actor=request.user, employer=station.operator, station=station, **data
            ),
            error_field="station", success=_("Saved."),
            then=lambda worker: redirect("workforce:worker_detail", pk=worker.pk),
        )
        if done:
            return done
    return render(request, "workforce/worker_form.html", {"form": form, "title": _("New social worker")})


@login_required
def worker_edit(request, pk):
    worker = _worker_or_404(request, pk, "change")
    form = WorkerForm(request.POST or None, instance=SocialWorker.objects.get(pk=worker.pk))
    if request.method == "POST" and form.is_valid():
        try:
            services.worker_update(actor=request.user, worker=worker, **{k: form.cleaned_data[k] for k in WorkerForm.Meta.fields})
        except ValidationError as exc:
            attach_errors(form, exc, default_field="name")
        else:
            messages.success(request, _("Saved."))
            return redirect("workforce:worker_detail", pk=worker.pk)
    return render(
        request, "workforce/worker_form.html",
        {"form": form, "title": _("Edit %(name)s") % {"name": worker.name}, "subject": worker},
    )


@login_required
@require_POST
def worker_assign(request, pk):
    worker = _worker_or_404(request, pk, "change")
    form = AssignForm(request.POST, actor=request.user)
    post_and_flash(
        request, form, lambda **data: services.worker_assign(actor=request.user, worker=worker, **data),
        success=_("The worker has been moved."),
    )
    return redirect("workforce:worker_detail", pk=worker.pk)


@login_required
def session_list(request):
    filterset, qs = selectors.session_list(actor=request.user, params=request.GET)
    page, query = page_of(request, qs)
    can_create = SessionForm(actor=request.user).fields["region"].queryset.exists()
    return render(request, "workforce/session_list.html", {"filter": filterset, "page": page, "query": query, "can_create": can_create})


@login_required
def session_detail(request, pk):
    from .models import Session

    try:
        session = selectors.session_get(actor=request.user, pk=pk)
    except Session.DoesNotExist:
        raise Http404 from None
    # Attendees are listed only as far as the user may see them.
    visible = SocialWorker.objects.visible_to(request.user).values("pk")
    attendance = session.attendance.filter(worker__in=visible).select_related("worker")
    return render(request, "workforce/session_detail.html", {"session": session, "attendance": attendance})


@login_required
def session_create(request):
    form = SessionForm(request.POST or None, actor=request.user)
    if not form.fields["region"].queryset.exists():
        raise Http404
    if request.method == "POST" and form.is_valid():
        done = submit(
            request, form, lambda **data: services.session_create(actor=request.user, **data),
            error_field="topic", denied_field="region", success=_("Saved."),
            then=lambda session: redirect("workforce:session_detail", pk=session.pk),
        )
        if done:
            return done
    return render(request, "workforce/session_form.html", {"form": form, "title": _("New session")})


@login_required
def worker_import(request):
    """Upload a sheet, see every row's errors, then confirm to write all rows (or none)."""
    if not selectors.stations_for_workers(request.user).exists():
        raise Http404
    form = ImportForm(request.POST or None, request.FILES or None)
    result, file_error = None, None
    if request.method == "POST" and request.POST.get("confirm"):
        content = base64.b64decode(request.session.get(IMPORT_SESSION_KEY, "") or b"")
        try:
            created = imports.commit(actor=request.user, content=content)
        except imports.ImportFileError as exc:
            file_error = str(exc)
        except ValidationError as exc:
            file_error = "；".join(exc.messages)
        else:
            request.session.pop(IMPORT_SESSION_KEY, None)
            messages.success(request, _("%(n)s workers imported.") % {"n": len(created)})
            return redirect("workforce:worker_list")
    elif request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        if upload.size > MAX_IMPORT_BYTES:
            file_error = _("The file is too large.")
        else:
            content = upload.read()
            try:
                result = imports.validate(actor=request.user, content=content)
            except imports.ImportFileError as exc:
                file_error = str(exc)
            else:
                if result.ok:
                    request.session[IMPORT_SESSION_KEY] = base64.b64encode(content).decode()
    return render(
        request, "workforce/worker_import.html",
        {"form": form, "result": result, "file_error": file_error, "headers": list(imports.HEADERS)},
    )


def _volunteer_or_404(request, pk, action="view"):
    try:
        return selectors.volunteer_get(actor=request.user, pk=pk, action=action)
    except Volunteer.DoesNotExist:
        raise Http404 from None


@login_required
def volunteer_list(request):
    year = date.today().year
    filterset, qs = selectors.volunteer_list(actor=request.user, params=request.GET, year=year)
    if request.GET.get("format") == "xlsx":
        rows = (
            (v.name, v.station.name, v.station.region.name, v.phone, v.joined_on, v.year_hours)
            for v in qs
        )
        return xlsx_response(
            filename=_("volunteers"),
            sheet=_("Volunteers"),
            headers=[
                _("Name"), _("Station"), _("Township"), _("Phone"), _("Joined on"),
                _("Hours in %(year)s") % {"year": year},
            ],
            rows=rows,
            action="workforce.volunteer_export",
            detail={"filters": filters_of(request), "year": year},
        )
    page, query = page_of(request, qs)
    return render(
        request,
        "workforce/volunteer_list.html",
        {
            "filter": filterset, "page": page, "query": query, "year": year,
            "can_create": selectors.stations_for_volunteers(request.user).exists(),
        },
    )


@login_required
def volunteer_create(request):
    form = VolunteerForm(request.POST or None, actor=request.user)
    if not form.fields["station"].queryset.exists():
        raise Http404
    if request.method == "POST" and form.is_valid():
        done = submit(
            request, form, lambda **data: services.volunteer_create(actor=request.user, **data),
            error_field="name", denied_field="station", success=_("Saved."),
            then=lambda volunteer: redirect("workforce:volunteer_detail", pk=volunteer.pk),
        )
        if done:
            return done
    return render(request, "workforce/volunteer_form.html", {"form": form, "title": _("New volunteer")})


@login_required
def volunteer_detail(request, pk):
    """The volunteer, the hours logged, and (for those who may change it) a form to log hours.
    Posting needs the change right: outside it the volunteer is a 404, as outside the view."""
    volunteer = _volunteer_or_404(request, pk, "change" if request.method == "POST" else "view")
    can_change = selectors.volunteer_changeable(actor=request.user, volunteer=volunteer)
    form = None
    if can_change:
        form = VolunteerHoursForm(request.POST or None, initial={"date": date.today()})
        if request.method == "POST" and form.is_valid():
            try:
                services.volunteer_service_add(actor=request.user, volunteer=volunteer, **form.cleaned_data)
            except ValidationError as exc:
                attach_errors(form, exc, default_field="hours")
            except PermissionDenied as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(request, _("The hours have been logged."))
                return redirect("workforce:volunteer_detail", pk=volunteer.pk)
    return render(
        request,
        "workforce/volunteer_detail.html",
        {
            "subject": volunteer, "can_change": can_change, "hours_form": form, "year": date.today().year,
            "services": selectors.volunteer_services(actor=request.user, volunteer=volunteer),
        },
    )


@login_required
def wage_list(request):
    page, query = page_of(request, selectors.wage_list(actor=request.user))
    can_set = WageForm(actor=request.user).fields["region"].queryset.exists()
    return render(request, "workforce/wage_list.html", {"page": page, "query": query, "can_set": can_set})


@login_required
def wage_set(request):
    """Enter or correct the average wage of a place for a year (bureau officials of the place)."""
    initial = {"year": request.GET.get("year") or date.today().year, "region": request.GET.get("region")}
    form = WageForm(request.POST or None, actor=request.user, initial=initial)
    if not form.fields["region"].queryset.exists():
        raise Http404
    if request.method == "POST" and form.is_valid():
        done = submit(
            request, form, lambda **data: services.wage_set(actor=request.user, **data),
            error_field="monthly_amount", denied_field="region", success=_("Saved."),
            then=lambda _wage: redirect("workforce:wage_list"),
        )
        if done:
            return done
    return render(request, "workforce/wage_form.html", {"form": form, "title": _("Set a local average wage")})
