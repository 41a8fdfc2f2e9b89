"""Operator and station pages: lists, the station file, registration, evidence, coverage."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from shegong.core import audit
from shegong.core.context_processors import primary_assignment
from shegong.core.exports import xlsx_response
from shegong.core.flow import attach_errors, post_and_flash, submit
from shegong.core.lists import filters_of, page_of
from shegong.core.scoping import CHANGE, may_act_at
from shegong.regions.models import Region

from . import selectors, services
from .forms import DisclosureForm, EvidenceForm, OperatorForm, StationForm
from .models import Disclosure, Evidence, Operator, Station


def _station_or_404(request, pk, action="view"):
    try:
        return selectors.station_get(actor=request.user, pk=pk, action=action)
    except Station.DoesNotExist:
        raise Http404 from None


def _operator_or_404(request, pk, action="view"):
    try:
        return Operator.objects.visible_to(request.user, action).get(pk=pk)
    except Operator.DoesNotExist:
        raise Http404 from None


@login_required
def station_list(request):
    filterset, qs = selectors.station_list(actor=request.user, params=request.GET)
    if request.GET.get("format") == "xlsx":
        rows = (
            (s.name, s.get_kind_display(), s.region.name, s.region_id, s.operator or "", s.get_status_display(),
             s.venue_area or "", s.evidence_items, s.opened_on or "")
            for s in qs
        )
        return xlsx_response(
            filename=_("stations"), sheet=_("Stations"),
            headers=[_("Name"), _("Kind"), _("Place"), _("Region code"), _("Operator"), _("Status"),
                     _("Venue area (m²)"), _("Eight-haves items with evidence"), _("Opened on")],
            rows=rows, action="station.export", detail={"filters": filters_of(request)},
        )
    page, query = page_of(request, qs)
    can_create = bool(StationForm(actor=request.user).fields["region"].queryset.exists())
    return render(request, "stations/station_list.html", {"filter": filterset, "page": page, "query": query, "can_create": can_create})


@login_required
def station_detail(request, pk):
    """The station file: everything about one station on one page, with what is still missing."""
    station = _station_or_404(request, pk)
    today = timezone.localdate()
    can_change = Station.objects.visible_to(request.user, CHANGE).filter(pk=station.pk).exists()
    extra, sections = {}, []
    for template, hook in STATION_FILE_SECTIONS:
        extra.update(hook(station=station, actor=request.user, on=today))
        sections.append(template)
    return render(
        request,
        "stations/station_detail.html",
        {
            "station": station,
            "path": station.region.path(),
            "haves": selectors.eight_haves(station, on=today),
            "can_change": can_change,
            "evidence_form": EvidenceForm() if can_change else None,
            "station_sections": sections,
            **extra,
        },
    )


# Other apps add sections to the station file (staff on post, contracts): each is a pair
# (template name, callable(station, actor, on) -> context dict), registered from AppConfig.ready().
STATION_FILE_SECTIONS: list = []


@login_required
def station_create(request):
    form = StationForm(request.POST or None, actor=request.user)
    if not form.fields["region"].queryset.exists():
        raise Http404
    if request.method == "POST" and form.is_valid():
        done = submit(
            request, form, lambda **data: services.station_create(actor=request.user, **data),
            error_field="region", success=_("Station registered."),
            then=lambda station: redirect("stations:station_detail", pk=station.pk),
        )
        if done:
            return done
    return render(request, "stations/form.html", {"form": form, "title": _("Register a station"), "back": "stations:station_list"})


@login_required
def station_edit(request, pk):
    station = _station_or_404(request, pk, CHANGE)
    initial = {f: getattr(station, f) for f in services.STATION_FIELDS}
    initial.update({"operator": station.operator, "rooms": "\n".join(station.rooms), "equipment": "\n".join(station.equipment)})
    form = StationForm(request.POST or None, actor=request.user, initial=initial)
    if request.method == "POST" and form.is_valid():
        done = submit(
            request, form, lambda **data: services.station_update(actor=request.user, station=station, **data),
            error_field="name", success=_("Saved."),
            then=lambda _station: redirect("stations:station_detail", pk=station.pk),
        )
        if done:
            return done
    return render(request, "stations/form.html", {"form": form, "title": _("Edit %(name)s") % {"name": station}, "back": "stations:station_list"})


@login_required
@require_POST
def evidence_add(request, pk):
    station = _station_or_404(request, pk, CHANGE)
    form = EvidenceForm(request.POST, request.FILES)
    post_and_flash(
        request, form, lambda **data: services.evidence_add(actor=request.user, station=station, **data),
        success=_("Evidence added."),
    )
    return redirect("stations:station_detail", pk=station.pk)


@login_required
def evidence_file(request, pk):
    """Serve an evidence file only to those who may see its station; every view is audited."""
    try:
        evidence = Evidence.objects.visible_to(request.user).select_related("station").get(pk=pk)
    except Evidence.DoesNotExist:
        raise Http404 from None
    if not evidence.file:
        raise Http404
    audit.record("station.evidence_view", obj=evidence)
    return FileResponse(evidence.file.open("rb"), as_attachment=False, filename=evidence.file.name.rsplit("/", 1)[-1])


@login_required
def coverage(request):
    primary = primary_assignment(request.user)
    code = request.GET.get("region") or (primary.region_id if primary and primary.region_id else None)
    region = Region.objects.filter(code=code).first() if code else None
    if region is None:
        raise Http404
    result = selectors.coverage(actor=request.user, region=region, on=timezone.localdate())
    return render(request, "stations/coverage.html", {"coverage": result})


@login_required
def operator_list(request):
    filterset, qs = selectors.operator_list(actor=request.user, params=request.GET)
    page, query = page_of(request, qs)
    can_create = bool(OperatorForm(actor=request.user).fields["region"].queryset.exists())
    return render(request, "stations/operator_list.html", {"filter": filterset, "page": page, "query": query, "can_create": can_create})


@login_required
def operator_create(request):
    form = OperatorForm(request.POST or None, actor=request.user)
    if not form.fields["region"].queryset.exists():
        raise Http404
    if request.method == "POST" and form.is_valid():
        done = submit(
            request, form, lambda **data: services.operator_register(actor=request.user, **data),
            error_field="credit_code", success=_("Operator registered."),
            then=lambda operator: redirect("stations:operator_detail", pk=operator.pk),
        )
        if done:
            return done
    return render(request, "stations/form.html", {"form": form, "title": _("Register an operator"), "back": "stations:operator_list"})


@login_required
def operator_detail(request, pk):
    operator = _operator_or_404(request, pk)
    can_change = may_act_at(request.user, Disclosure.scope, CHANGE, operator.region_id, operator.pk)
    form = DisclosureForm(request.POST or None, request.FILES or None) if request.method == "POST" else DisclosureForm()
    if request.method == "POST":
        if not can_change:
            raise Http404
        if form.is_valid():
            try:
                services.disclosure_add(actor=request.user, operator=operator, **form.cleaned_data)
            except (ValidationError, PermissionDenied) as exc:
                attach_errors(form, exc, default_field="title")
            else:
                messages.success(request, _("Disclosure published."))
                return redirect("stations:operator_detail", pk=operator.pk)
    stations = Station.objects.visible_to(request.user).filter(operator=operator).select_related("region")
    return render(
        request,
        "stations/operator_detail.html",
        {"operator": operator, "stations": stations, "disclosures": operator.disclosures.all(), "form": form, "can_change": can_change},
    )
