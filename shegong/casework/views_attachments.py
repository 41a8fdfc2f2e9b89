"""Attachment pages: upload photos and documents to a casework record, open them and their
thumbnails through a scoped view (never a public media address), remove one.

The upload answers an htmx request with the refreshed attachment block of the record, and a
plain form post with a redirect back to the page it came from.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from shegong.core import audit
from shegong.core.flow import flash_refusal

from . import attachments
from .models import Attachment, AttachmentKind
from .views_referrals import urlpatterns as referral_urls


def back_to(request, fallback: str = "") -> str:
    """Where to go after a post: the page's own ``next`` (same site only), else ``fallback``."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                                  require_https=request.is_secure()):
        return target
    return fallback or "/"


@login_required
@require_POST
def attachment_upload(request, owner_kind, owner_pk):
    """Add one or several files to a record (multipart ``file``, ``kind``, ``title``)."""
    owner = attachments.owner_for(request.user, owner_kind, owner_pk)
    if owner is None:
        raise Http404
    kind = request.POST.get("kind") or AttachmentKind.PHOTO
    errors = []
    try:
        added = attachments.attach_many(
            owner, request.FILES.getlist("file"), user=request.user, kind=kind, title=request.POST.get("title", ""),
        )
    except (ValidationError, PermissionDenied) as exc:
        errors = getattr(exc, "messages", None) or [str(exc)]
        added = []
    if request.htmx:
        context = attachments.section_context(owner, request.user)
        context.update({"upload_errors": errors, "uploaded": len(added)})
        return render(request, "casework/_attachments.html", context)  # htmx swaps 2xx answers only
    if errors:
        for message in errors:
            messages.error(request, message)
    else:
        messages.success(request, _("%(n)s file(s) added.") % {"n": len(added)})
    return redirect(back_to(request, attachments.owner_url(owner)))


def _serve(request, pk, *, thumbnail: bool):
    attachment = Attachment.objects.visible_to(request.user).filter(pk=pk).first()
    if attachment is None:
        raise Http404
    field = attachment.thumbnail if thumbnail else attachment.file
    if not field:
        raise Http404
    if thumbnail:
        content_type, inline = "image/jpeg", True
    else:
        # Thumbnails show on every page with the record; opening the file itself is what is audited.
        audit.record("casework.attachment_view", obj=attachment, actor=request.user,
                     detail={"owner": f"{attachment.owner_type_id}:{attachment.owner_id}"})
        content_type, inline = attachment.content_type or "application/octet-stream", attachments.is_inline(attachment)
    suffix = "." + field.name.rsplit(".", 1)[-1] if "." in field.name.rsplit("/", 1)[-1] else ""
    title = "".join(ch for ch in (attachment.title or attachment.get_kind_display()) if ch not in '/\\:*?"<>|\r\n').strip()
    response = FileResponse(field.open("rb"), as_attachment=not inline, filename=f"{title or 'attachment'}{suffix}",
                            content_type=content_type)
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@login_required
def attachment_file(request, pk):
    """The file itself, only to those who see its record (inline for photos and PDF)."""
    return _serve(request, pk, thumbnail=False)


@login_required
def attachment_thumb(request, pk):
    """The metadata-free thumbnail of a photo, only to those who see its record."""
    return _serve(request, pk, thumbnail=True)


@login_required
@require_POST
def attachment_remove(request, pk):
    """Remove an attachment (its uploader, or the station lead)."""
    attachment = Attachment.objects.visible_to(request.user).select_related("owner_type").filter(pk=pk).first()
    if attachment is None:
        raise Http404
    owner = attachment.owner
    try:
        attachments.remove(attachment, request.user)
    except PermissionDenied as exc:
        flash_refusal(request, exc)
    else:
        messages.success(request, _("The attachment has been removed."))
    if request.htmx and owner is not None:
        return render(request, "casework/_attachments.html", attachments.section_context(owner, request.user))
    return redirect(back_to(request, attachments.owner_url(owner) if owner is not None else ""))


urlpatterns = [
    path("attachments/<str:owner_kind>/<int:owner_pk>/upload/", attachment_upload, name="attachment_upload"),
    path("attachments/<int:pk>/", attachment_file, name="attachment_file"),
    path("attachments/<int:pk>/thumbnail/", attachment_thumb, name="attachment_thumb"),
    path("attachments/<int:pk>/remove/", attachment_remove, name="attachment_remove"),
    *referral_urls,
]
