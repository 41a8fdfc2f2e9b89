"""Service catalogue pages: the catalogue in force at a place (a public rule, like the policy
thresholds: any signed-in user reads it) and the editor of a profile's catalogue (bureau and
administrators of the profile's place, through ``services_catalogue``)."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Prefetch
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from shegong.core.context_processors import primary_assignment
from shegong.core.flow import flash_form_errors, flash_refusal
from shegong.core.scoping import CHANGE
from shegong.policies.models import PolicyProfile
from shegong.regions.models import Region

from . import services_catalogue
from .catalogue import catalogue_in_force
from .catalogue_presets import preset_choices
from .models import DomainKind, ServiceDomain, ServiceItem

# --- Forms of the editor (each posted with its own "op") -------------------------------------


class PresetForm(forms.Form):
    preset = forms.ChoiceField(label=gettext_lazy("Preset"), choices=preset_choices,
                               widget=forms.RadioSelect(attrs={"class": "pills"}))


class DomainAddForm(forms.Form):
    code = forms.CharField(label=gettext_lazy("Code"), max_length=20)
    name = forms.CharField(label=gettext_lazy("Name"), max_length=100)
    kind = forms.ChoiceField(label=gettext_lazy("Kind"), choices=DomainKind.choices, required=False,
                             widget=forms.RadioSelect(attrs={"class": "pills"}))


class DomainUpdateForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Name"), max_length=100)
    kind = forms.ChoiceField(label=gettext_lazy("Kind"), choices=DomainKind.choices, required=False)


class ItemAddForm(forms.Form):
    code = forms.CharField(label=gettext_lazy("Code"), max_length=20)
    name = forms.CharField(label=gettext_lazy("Name"), max_length=200)
    description = forms.CharField(label=gettext_lazy("Description"), required=False,
                                  widget=forms.Textarea(attrs={"rows": 2}))


class ItemUpdateForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Name"), max_length=200)
    description = forms.CharField(label=gettext_lazy("Description"), required=False,
                                  widget=forms.Textarea(attrs={"rows": 2}))


# --- Pages ----------------------------------------------------------------------------------


@login_required
def catalogue(request):
    """The catalogue in force at a place (the user's own unless ``?region=`` names one), with the
    profile it comes from; retired items are listed with ``?retired=1``."""
    primary = primary_assignment(request.user)
    code = request.GET.get("region") or (primary.region_id if primary and primary.region_id else "")
    region = Region.objects.filter(code=code).first() if code.isdigit() else None
    if region is None:
        raise Http404
    show_retired = request.GET.get("retired") == "1"
    profile, domains = catalogue_in_force(region.code, active_only=not show_retired)
    can_edit = profile is not None and services_catalogue.may_edit(request.user, profile)
    return render(request, "casework/catalogue.html", {
        "region": region, "profile": profile, "domains": domains, "can_edit": can_edit,
        "show_retired": show_retired, "item_count": sum(len(d.items.all()) for d in domains),
    })


def _editable_profile(request, pk) -> PolicyProfile:
    profile = PolicyProfile.objects.visible_to(request.user, CHANGE).select_related("region").filter(pk=pk).first()
    if profile is None:
        raise Http404
    return profile


def _domain(request, profile, key="domain") -> ServiceDomain:
    return get_object_or_404(ServiceDomain.objects.visible_to(request.user, CHANGE).filter(profile=profile),
                             pk=request.POST.get(key) or 0)


def _item(request, profile) -> ServiceItem:
    return get_object_or_404(
        ServiceItem.objects.visible_to(request.user, CHANGE).filter(domain__profile=profile).select_related("domain"),
        pk=request.POST.get("item") or 0,
    )


def _step(request) -> int:
    return -1 if request.POST.get("step") == "up" else 1


def _run(request, form, action, success) -> None:
    """Run ``action(data)`` for a valid posted form and say how it went as messages."""
    if form is not None and not form.is_valid():
        flash_form_errors(request, form)
        return
    try:
        result = action(form.cleaned_data if form is not None else {})
    except (ValidationError, PermissionDenied) as exc:
        flash_refusal(request, exc)
        return
    messages.success(request, success(result) if callable(success) else success)


@login_required
def catalogue_edit(request, pk):
    """Edit the catalogue of one profile: apply a preset, add domains and items, rename, retire
    (never delete: records keep their tags) and reorder."""
    profile = _editable_profile(request, pk)
    if request.method == "POST":
        _edit(request, profile)
        return redirect("casework:catalogue_edit", pk=profile.pk)
    domains = list(
        ServiceDomain.objects.visible_to(request.user, CHANGE).filter(profile=profile).order_by("position", "code")
        .prefetch_related(Prefetch("items", queryset=ServiceItem.objects.order_by("position", "code")))
    )
    return render(request, "casework/catalogue_edit.html", {
        "profile": profile, "domains": domains, "preset_form": PresetForm(), "domain_form": DomainAddForm(),
        "kinds": DomainKind.choices,
    })


def _edit(request, profile) -> None:
    user, op, post = request.user, request.POST.get("op", ""), request.POST
    if op == "apply":
        _run(request, PresetForm(post), lambda d: services_catalogue.apply_catalogue_preset(user, profile, d["preset"]),
             lambda n: _("Preset applied: %(domains)s domains and %(items)s items added.") % n)
    elif op == "domain_add":
        _run(request, DomainAddForm(post), lambda d: services_catalogue.domain_add(actor=user, profile=profile, **d),
             _("The domain has been added."))
    elif op == "domain_update":
        domain = _domain(request, profile)
        _run(request, DomainUpdateForm(post), lambda d: services_catalogue.domain_update(actor=user, domain=domain, **d),
             _("The domain has been saved."))
    elif op == "domain_move":
        domain = _domain(request, profile)
        _run(request, None, lambda d: services_catalogue.domain_move(actor=user, domain=domain, step=_step(request)),
             _("The order has been saved."))
    elif op == "item_add":
        domain = _domain(request, profile)
        _run(request, ItemAddForm(post), lambda d: services_catalogue.item_add(actor=user, domain=domain, **d),
             _("The item has been added."))
    elif op == "item_update":
        item = _item(request, profile)
        _run(request, ItemUpdateForm(post), lambda d: services_catalogue.item_update(actor=user, item=item, **d),
             _("The item has been saved."))
    elif op == "item_move":
        item = _item(request, profile)
        _run(request, None, lambda d: services_catalogue.item_move(actor=user, item=item, step=_step(request)),
             _("The order has been saved."))
    elif op in ("item_retire", "item_restore"):
        item = _item(request, profile)
        active = op == "item_restore"
        _run(request, None, lambda d: services_catalogue.item_set_active(actor=user, item=item, active=active),
             _("The item is back in use.") if active else
             _("The item is retired: new records no longer offer it; records tagged with it keep the tag."))
    else:
        messages.error(request, _("Unknown request."))


urlpatterns = [
    path("catalogue/", catalogue, name="catalogue"),
    path("catalogue/profiles/<int:pk>/", catalogue_edit, name="catalogue_edit"),
]
