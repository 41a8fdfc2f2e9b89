"""Policy pages: the rules in force for my place, and profiles a bureau official maintains."""

from datetime import date

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from shegong.core.context_processors import primary_assignment
from shegong.core.flow import attach_errors
from shegong.core.scoping import CHANGE, may_act_at
from shegong.regions.models import Region

from . import services
from .forms import PresetForm, VersionForm
from .models import PolicyProfile
from .parameters import PARAMETERS
from .selectors import policy_for


def _on(request) -> date:
    try:
        return date.fromisoformat(request.GET.get("on", ""))
    except ValueError:
        return timezone.localdate()


@login_required
def in_force(request):
    """The thresholds in force for a place on a day, each with the profile and version it comes from."""
    primary = primary_assignment(request.user)
    code = request.GET.get("region") or (primary.region_id if primary and primary.region_id else "")
    region = Region.objects.filter(code=code).first()
    if region is None:
        raise Http404
    on = _on(request)
    resolved = policy_for(region.code, on)
    rows = [
        (parameter, resolved.get(key), resolved.sources.get(key)) for key, parameter in PARAMETERS.items()
    ]
    profiles = PolicyProfile.objects.visible_to(request.user).select_related("region")
    can_create = may_act_at(request.user, PolicyProfile.scope, CHANGE, region.code)
    preset_form = PresetForm(request.POST or None, initial={"valid_from": on}) if can_create else None
    if request.method == "POST":
        if not can_create:
            raise Http404
        if preset_form.is_valid():
            try:
                services.preset_apply(actor=request.user, region=region, **preset_form.cleaned_data)
            except (ValidationError, PermissionDenied) as exc:
                attach_errors(preset_form, exc, default_field="preset")
            else:
                messages.success(request, _("The preset is applied as a new version."))
                return redirect(f"{request.path}?region={region.code}")
    return render(
        request,
        "policies/in_force.html",
        {"region": region, "on": on, "rows": rows, "profiles": profiles, "preset_form": preset_form},
    )


@login_required
def profile_detail(request, pk):
    try:
        profile = PolicyProfile.objects.visible_to(request.user).select_related("region").get(pk=pk)
    except PolicyProfile.DoesNotExist:
        raise Http404 from None
    versions = list(profile.versions.order_by("-number").select_related("created_by"))
    can_change = may_act_at(request.user, PolicyProfile.scope, CHANGE, profile.region_id)
    latest = versions[0].values if versions else {}
    form = VersionForm(request.POST or None, initial={**latest, "valid_from": timezone.localdate()}) if can_change else None
    if request.method == "POST":
        if not can_change:
            raise Http404
        if form.is_valid():
            try:
                services.version_add(
                    actor=request.user, profile=profile, valid_from=form.cleaned_data["valid_from"],
                    values=form.values(), note=form.cleaned_data["note"],
                )
            except (ValidationError, PermissionDenied) as exc:
                attach_errors(form, exc, default_field="note")
            else:
                messages.success(request, _("A new version is saved. Figures computed under earlier versions keep them."))
                return redirect("policies:profile_detail", pk=profile.pk)
    table = [
        (parameter, [v.values.get(key) for v in versions]) for key, parameter in PARAMETERS.items()
    ]
    return render(
        request, "policies/profile_detail.html", {"profile": profile, "versions": versions, "table": table, "form": form}
    )
