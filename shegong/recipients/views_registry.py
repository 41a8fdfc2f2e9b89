"""Pages of the recipients app: registry — the list and its export, search by ID number,
registration and edits, the recipient file (一人一档) with its sections, status, attachments and
unmasking, the print view, and households.

Every read starts from ``visible_to``; outside the jurisdiction is the same 404 as missing.
Full ID and phone numbers appear only through ``services.reveal`` (one audited value at a time)
or a full export that ``services.may_export_full`` allows (audited); never in a URL.
"""

from __future__ import annotations

import unicodedata

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpResponseBadRequest
from django.middleware.csrf import get_token
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from shegong.core import audit
from shegong.core.exports import xlsx_response
from shegong.core.flow import post_and_flash, submit
from shegong.core.lists import filters_of, page_of
from shegong.core.scoping import CHANGE, assignments_of

from . import idnumber, selectors, services, services_registry
from .filters import VIEW_ROLES
from .forms import (
    AttachmentForm,
    HouseholdForm,
    IdSearchForm,
    RecipientEditForm,
    RecipientForm,
    StatusForm,
    household_choices,
)
from .models import Attachment, Household, Recipient
from .sections import RECIPIENT_FILE_SECTIONS

INLINE_TYPES = {"application/pdf", "image/jpeg", "image/png"}


def _recipient_or_404(request, pk, action="view") -> Recipient:
    try:
        return selectors.recipient_get(actor=request.user, pk=pk, action=action)
    except Recipient.DoesNotExist:
        raise Http404 from None


def _household_or_404(request, pk, action="view") -> Household:
    try:
        return selectors.household_get(actor=request.user, pk=pk, action=action)
    except Household.DoesNotExist:
        raise Http404 from None


def _denied(request, message: str):
    """A refusal the user can read (403); the service or view has audited it already."""
    return render(request, "recipients/recipient_denied.html", {"message": message}, status=403)


# --- The list, its export and the search by ID number ----------------------------------------


def _looks_like_id_number(text: str) -> bool:
    """Digits in the name box: someone typed an ID number where it would end up in the address."""
    return sum(ch.isdigit() for ch in unicodedata.normalize("NFKC", text or "")) >= 6


@login_required
def recipient_list(request):
    if _looks_like_id_number(request.GET.get("q", "")):
        messages.warning(request, _("Search by ID number with the ID number form, so that the number stays out of addresses and logs."))
        query = request.GET.copy()
        query.pop("q", None)
        query.pop("page", None)
        return redirect(reverse("recipients:recipient_list") + (f"?{query.urlencode()}" if query else ""))
    filterset, qs = selectors.recipient_list(actor=request.user, params=request.GET)
    may_full = selectors.full_export_allowed(actor=request.user, params=request.GET)
    if request.GET.get("format") == "xlsx":
        return _export(request, qs, full=request.GET.get("full") == "1", allowed=may_full)
    page, query = page_of(request, qs)
    export_query = "&".join(p for p in (query, "format=xlsx") if p)
    return render(
        request, "recipients/recipient_list.html",
        {
            "filter": filterset, "page": page, "query": query, "export_query": export_query, "may_full_export": may_full,
            "can_create": selectors.villages_to_register(request.user).exists(), "id_form": IdSearchForm(),
        },
    )


# Column headers of the export: the words of township lists (data, like the import's headers).
EXPORT_HEADERS = (
    "姓名", "性别", "出生日期", "年龄", "身份证号", "联系电话", "乡镇(街道)", "村(社区)", "户主", "与户主关系", "救助类别",
    "跟进等级", "自理能力", "状态", "户籍地址", "现住址", "监护人", "监护人关系", "监护人电话", "登记日期",
)


def _export_row(r: Recipient, full: bool) -> list:
    def value(field, masked):
        return services.clear_value(r, field) if full and masked else masked

    township = r.region.parent.name if r.region.parent_id else ""
    return [
        # A masked export leaves the birth date out: it is the eight digits the masked ID hides.
        r.name, r.get_sex_display(), (r.birth_date or "") if full else "", r.age if r.age is not None else "",
        value("id_number", r.id_masked), value("phone", r.phone_masked), township, r.region.name,
        r.household.head_name if r.household_id else "", r.get_relation_display(),
        "、".join(m.get_category_display() for m in r.open_categories), r.get_follow_up_level_display(),
        r.get_self_care_display(), r.get_status_display(), r.registered_address, r.current_address,
        r.guardian_name, r.guardian_relation, value("guardian_phone", r.guardian_phone_masked),
        timezone.localtime(r.created_at).date(),
    ]


def _export_region(request) -> str:
    """The place an export row of the audit log belongs to: the filter's, else the user's."""
    place = request.GET.get("village") or request.GET.get("township")
    if place and selectors.place_in_reach(actor=request.user, code=place):
        return place
    return audit.longest_common_prefix([a.region_id or "" for a in assignments_of(request.user) if a.role in VIEW_ROLES])


def _export(request, qs, *, full: bool, allowed: bool):
    """The filtered rows as a workbook (write-only: constant memory a row), masked unless the
    user may export full values for the whole filter; every export and refusal is audited."""
    filters = {k: v for k, v in filters_of(request).items() if k != "full"}
    region_code = _export_region(request)
    if full and not allowed:
        audit.record("recipient.export", result=audit.Result.DENIED, region_code=region_code, detail={"full": True, "filters": filters})
        return _denied(request, _("Your role may not export full ID and phone numbers for these rows."))
    return xlsx_response(
        filename=f"服务对象{'-完整号码' if full else ''}", sheet="服务对象", headers=EXPORT_HEADERS,
        rows=(_export_row(r, full) for r in qs.iterator(chunk_size=2000)), action="recipient.export",
        region_code=region_code, detail={"full": full, "filters": filters},
    )


@login_required
def recipient_search_id(request):
    """Exact search by ID number, by POST only: the number never enters a URL, and the answer
    never repeats it. Not found and outside the jurisdiction read the same."""
    form = IdSearchForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            found = services.find_by_id_number(request.user, form.cleaned_data["id_number"])
        except idnumber.InvalidIdNumber as exc:
            form.add_error("id_number", str(exc))
        else:
            person = found.first()
            if person is not None:
                return redirect("recipients:recipient_detail", pk=person.pk)
            messages.warning(request, _("No recipient with this ID number in your jurisdiction."))
            return redirect("recipients:recipient_list")
    return render(request, "recipients/recipient_search_id.html", {"id_form": form})


# --- Registration and edits -----------------------------------------------------------------


@login_required
def recipient_create(request):
    form = RecipientForm(request.POST or None, actor=request.user)
    if not form.fields["village"].queryset.exists():
        raise Http404
    if request.method == "POST" and form.is_valid():
        done = submit(
            request, form, lambda **_data: services_registry.register_person(request.user, **form.service_fields()),
            error_field="name", denied_field="village", success=_("The person has been registered."),
            then=lambda recipient: redirect("recipients:recipient_detail", pk=recipient.pk),
        )
        if done:
            return done
    return render(request, "recipients/recipient_form.html", {"form": form, "title": _("Register a person")})


@login_required
def recipient_edit(request, pk):
    recipient = _recipient_or_404(request, pk, CHANGE)
    form = RecipientEditForm(request.POST or None, actor=request.user, recipient=recipient)
    if request.method == "POST" and form.is_valid():
        done = submit(
            request, form, lambda **_data: services_registry.update_person(request.user, recipient, **form.service_fields()),
            error_field="name", denied_field="village", success=_("Saved."),
            then=lambda saved: redirect("recipients:recipient_detail", pk=saved.pk),
        )
        if done:
            return done
    return render(
        request, "recipients/recipient_form.html",
        {"form": form, "title": _("Edit %(name)s") % {"name": recipient.name}, "subject": recipient},
    )


@login_required
def household_options(request):
    """The household choices of a village (the registration form reloads them when the village
    changes): households the user may change, as <option> elements."""
    households = selectors.households_of_village(actor=request.user, region_code=request.GET.get("village", "").strip())
    return render(request, "recipients/household_options.html", {"choices": household_choices(households)})


# --- The recipient file ---------------------------------------------------------------------


def _sections(request, recipient) -> list[str]:
    """The sections other capabilities add to the file, rendered with their own context."""
    rendered = []
    for template_name, context_of in RECIPIENT_FILE_SECTIONS:
        context = context_of(request, recipient)
        if context is None:
            continue
        base = {"recipient": recipient, "request": request, "user": request.user, "csrf_token": get_token(request)}
        rendered.append(render_to_string(template_name, {**base, **context}))
    return rendered


def _file_context(request, recipient, *, all_timeline: bool) -> dict:
    return {
        "recipient": recipient,
        "sections": _sections(request, recipient),
        **selectors.recipient_file(actor=request.user, recipient=recipient, all_timeline=all_timeline),
    }


@login_required
def recipient_detail(request, pk):
    recipient = _recipient_or_404(request, pk)
    if recipient.merged_into_id:
        messages.info(request, _("File no. %(pk)s was merged into this file.") % {"pk": recipient.pk})
        return redirect("recipients:recipient_detail", pk=recipient.merged_into_id)
    audit.record("recipient.view_file", obj=recipient)
    can_change = selectors.recipient_changeable(actor=request.user, recipient=recipient)
    return render(
        request, "recipients/recipient_detail.html",
        {
            **_file_context(request, recipient, all_timeline=request.GET.get("timeline") == "all"),
            "can_change": can_change,
            "can_unmask": services.may_unmask(request.user, recipient),
            "status_form": StatusForm(initial={"new_status": recipient.status}) if can_change else None,
            "attachment_form": AttachmentForm() if can_change else None,
        },
    )


@login_required
def recipient_print(request, pk):
    recipient = _recipient_or_404(request, pk)
    if recipient.merged_into_id:
        return redirect("recipients:recipient_print", pk=recipient.merged_into_id)
    audit.record("recipient.print", obj=recipient)
    context = _file_context(request, recipient, all_timeline=True)  # the whole file on paper
    return render(request, "recipients/recipient_print.html", {**context, "printed_at": timezone.localtime()})


@login_required
@require_POST
def recipient_unmask(request, pk):
    """One full value (ID, phone or guardian's phone) for a user allowed to read it, audited by
    ``services.reveal``; an htmx request gets just the value to put in place of the button."""
    recipient = _recipient_or_404(request, pk)
    field = request.POST.get("field", "")
    if field not in services.SENSITIVE_FIELDS:
        return HttpResponseBadRequest(_("Unknown field."))
    try:
        value = services.reveal(request.user, recipient, field)
    except PermissionDenied as exc:
        return _denied(request, str(exc))
    template = "recipients/_file_unmasked.html" if request.htmx else "recipients/recipient_unmask.html"
    return render(request, template, {"recipient": recipient, "value": value, "field": field})


@login_required
@require_POST
def recipient_status(request, pk):
    recipient = _recipient_or_404(request, pk, CHANGE)
    post_and_flash(
        request, StatusForm(request.POST),
        lambda new_status, reason, on: services.change_status(request.user, recipient, new_status, reason=reason, on=on),
        success=_("The status has been changed."),
    )
    return redirect("recipients:recipient_detail", pk=recipient.pk)


@login_required
@require_POST
def attachment_add(request, pk):
    recipient = _recipient_or_404(request, pk, CHANGE)
    post_and_flash(
        request, AttachmentForm(request.POST, request.FILES),
        lambda title, file: services_registry.attachment_add(request.user, recipient, title=title, file=file),
        success=_("The attachment has been added."),
    )
    return redirect("recipients:recipient_detail", pk=recipient.pk)


@login_required
@require_safe
def attachment_file(request, pk):
    """Serve an attachment only to those who may see its recipient; every opening is audited."""
    try:
        attachment = Attachment.objects.visible_to(request.user).select_related("recipient").get(pk=pk)
    except Attachment.DoesNotExist:
        raise Http404 from None
    if not attachment.file:
        raise Http404
    audit.record("recipient.attachment_view", obj=attachment.recipient, detail={"attachment": attachment.pk})
    suffix = "." + attachment.file.name.rsplit(".", 1)[-1] if "." in attachment.file.name else ""
    title = "".join(ch for ch in attachment.title if ch not in '/\\:*?"<>|').strip() or "attachment"
    return FileResponse(
        attachment.file.open("rb"), as_attachment=attachment.content_type not in INLINE_TYPES,
        filename=f"{title}{suffix}", content_type=attachment.content_type or "application/octet-stream",
    )


# --- Households -----------------------------------------------------------------------------


@login_required
def household_list(request):
    filterset, qs = selectors.household_list(actor=request.user, params=request.GET)
    page, query = page_of(request, qs)
    page.object_list = selectors.with_member_counts(page.object_list)
    return render(request, "recipients/household_list.html", {"filter": filterset, "page": page, "query": query})


@login_required
def household_detail(request, pk):
    household = _household_or_404(request, pk)
    return render(
        request, "recipients/household_detail.html",
        {
            "household": household,
            "members": selectors.household_members(actor=request.user, household=household).select_related("region"),
            "can_change": selectors.household_changeable(actor=request.user, household=household),
        },
    )


@login_required
def household_edit(request, pk):
    household = _household_or_404(request, pk, CHANGE)
    members = selectors.household_members(actor=request.user, household=household)
    form = HouseholdForm(request.POST or None, members=members, initial={"address": household.address, "head": household.head_id})
    if request.method == "POST" and form.is_valid():
        done = submit(
            request, form, lambda **data: services_registry.household_update(request.user, household, **data),
            error_field="address", denied_field="head", success=_("Saved."),
            then=lambda saved: redirect("recipients:household_detail", pk=saved.pk),
        )
        if done:
            return done
    return render(
        request, "recipients/household_form.html",
        {"form": form, "household": household, "title": _("Edit the household of %(name)s") % {"name": household.head_name}},
    )


urlpatterns = [
    path("", recipient_list, name="recipient_list"),
    path("new/", recipient_create, name="recipient_create"),
    path("search-id/", recipient_search_id, name="recipient_search_id"),
    path("<int:pk>/", recipient_detail, name="recipient_detail"),
    path("<int:pk>/edit/", recipient_edit, name="recipient_edit"),
    path("<int:pk>/print/", recipient_print, name="recipient_print"),
    path("<int:pk>/unmask/", recipient_unmask, name="recipient_unmask"),
    path("<int:pk>/status/", recipient_status, name="recipient_status"),
    path("<int:pk>/attachments/", attachment_add, name="attachment_add"),
    path("attachments/<int:pk>/", attachment_file, name="attachment_file"),
    path("households/", household_list, name="household_list"),
    path("households/options/", household_options, name="household_options"),
    path("households/<int:pk>/", household_detail, name="household_detail"),
    path("households/<int:pk>/edit/", household_edit, name="household_edit"),
]
