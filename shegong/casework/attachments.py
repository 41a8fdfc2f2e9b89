"""Photos and documents of casework records (visits, cases, groups and their sessions, activities).

An upload is checked by content (``core.uploads.check_upload``: size cap, type sniffed from the
first bytes, a generated name), a photo must really decode as an image, and a thumbnail of at most
480 px is drawn from it and re-encoded as JPEG, so no camera metadata (EXIF, GPS position) travels
with what the pages show. The attachment is placed at its record's region and reached only
through ``Attachment.objects.visible_to``; the files are served by the scoped views of
``views_attachments`` and every opening is audited.
"""

from __future__ import annotations

import io
import uuid
import warnings

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

from shegong.core import audit
from shegong.core.scoping import CHANGE, ScopeRule, may_act_at
from shegong.core.uploads import IMAGE_TYPES, check_upload

from .models import (
    LEAD_ROLES,
    Activity,
    Attachment,
    AttachmentKind,
    Case,
    Group,
    GroupSession,
    Visit,
)

OWNER_KINDS = {"visit": Visit, "case": Case, "group": Group, "group_session": GroupSession, "activity": Activity}
KIND_OF_MODEL = {model: kind for kind, model in OWNER_KINDS.items()}

THUMBNAIL_PX = 480
# Pixels an uploaded photo may have (a 20 MB file can still unpack into a huge bitmap).
MAX_PIXELS = 60_000_000
SIGN_IN_TYPES = IMAGE_TYPES | {"application/pdf"}
INLINE_TYPES = IMAGE_TYPES | {"application/pdf"}

# Station leads may remove any attachment of their station's records (an uploader removes their own).
_LEAD_RULE = ScopeRule(region="region__code", roles={"view": LEAD_ROLES, "change": LEAD_ROLES})


# --- Owners ---------------------------------------------------------------------------------


def owner_model(owner_kind: str):
    """The model of an owner kind ("visit", "case" …); LookupError for an unknown kind."""
    try:
        return OWNER_KINDS[owner_kind]
    except KeyError:
        raise LookupError(owner_kind) from None


def kind_of(owner) -> str:
    return KIND_OF_MODEL[type(owner)]


def owner_for(user, owner_kind: str, owner_pk, action: str = "view"):
    """The record ``owner_kind``/``owner_pk`` if ``user`` may ``action`` it, else None (a 404)."""
    try:
        model = owner_model(owner_kind)
    except LookupError:
        return None
    qs = model.objects.visible_to(user, action)
    if model is GroupSession:
        qs = qs.select_related("group")
    return qs.filter(pk=owner_pk).first()


def owner_region(owner) -> str:
    """The region code the record is placed at (a group session's is its group's)."""
    if isinstance(owner, GroupSession):
        return owner.group.region_id
    return owner.region_id


def owner_recipient(owner):
    """The person a record is about (a visit's or case's recipient), None for group records."""
    if isinstance(owner, (Visit, Case)) and owner.recipient_id:
        return owner.recipient
    return None


def _reverse_first(candidates) -> str:
    for name, pk in candidates:
        try:
            return reverse(name, kwargs={"pk": pk})
        except NoReverseMatch:
            continue
    return ""


def owner_url(owner) -> str:
    """The page of the record ("" if that page does not exist)."""
    kind = kind_of(owner)
    if kind == "group_session":
        return _reverse_first([
            ("casework:session_detail", owner.pk), ("casework:group_session_detail", owner.pk),
            ("casework:group_detail", owner.group_id),
        ])
    return _reverse_first([(f"casework:{kind}_detail", owner.pk)])


def owner_label(owner) -> str:
    """How a record is named in a timeline line or a link ("home visit of 2025-03-01")."""
    kind = kind_of(owner)
    if kind == "visit":
        return _("home visit of %(date)s") % {"date": owner.visited_on.isoformat()}
    if kind == "case":
        return _("case %(number)s") % {"number": owner.number}
    if kind == "group":
        return _("group “%(name)s”") % {"name": owner.name}
    if kind == "group_session":
        return _("group session of %(date)s") % {"date": owner.held_on.isoformat()}
    return _("activity “%(title)s” of %(date)s") % {"title": owner.title, "date": owner.held_on.isoformat()}


# --- Checks ---------------------------------------------------------------------------------


def _decode_image(upload) -> Image.Image:
    """The fully decoded image; a file that only looks like one (a JPEG header and garbage, a
    truncated photo, a decompression bomb) is refused."""
    refused = ValidationError(_("The photo cannot be read: it is damaged or not a photo."))
    upload.seek(0)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(upload)
            if image.width * image.height > MAX_PIXELS:
                raise ValidationError(_("The photo is too large (more than %(mp)s megapixels).") % {"mp": MAX_PIXELS // 1_000_000})
            image.load()
    except ValidationError:
        raise
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombWarning,
            Image.DecompressionBombError):
        raise refused from None
    finally:
        upload.seek(0)
    return image


def _thumbnail(image: Image.Image) -> ContentFile:
    """A JPEG of at most THUMBNAIL_PX, turned upright, without any metadata."""
    image = ImageOps.exif_transpose(image)
    if image.mode not in ("RGB", "L"):
        background = Image.new("RGB", image.size, "white")
        rgba = image.convert("RGBA")
        background.paste(rgba, mask=rgba.getchannel("A"))
        image = background
    image.thumbnail((THUMBNAIL_PX, THUMBNAIL_PX))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=80, optimize=True)  # no exif= argument: nothing is carried over
    return ContentFile(out.getvalue(), name=f"{uuid.uuid4().hex}.jpg")


def check_file(upload, kind: str) -> tuple[str, Image.Image | None]:
    """Check one upload for an attachment of ``kind``; returns its content type and, for an
    image, the decoded picture. The upload is renamed to a generated name."""
    if kind not in AttachmentKind.values:
        raise ValidationError({"kind": _("Unknown kind of attachment.")})
    if kind == AttachmentKind.PHOTO:
        content_type = check_upload(upload, images_only=True)
    else:
        content_type = check_upload(upload)
        if kind == AttachmentKind.SIGN_IN and content_type not in SIGN_IN_TYPES:
            raise ValidationError(_("A sign-in sheet is a photo (JPEG, PNG) or a PDF."))
    image = _decode_image(upload) if content_type in IMAGE_TYPES else None
    return content_type, image


def may_upload(user, owner) -> bool:
    """Whether ``user`` may add attachments to ``owner`` (the record's CHANGE scope)."""
    return type(owner).objects.visible_to(user, CHANGE).filter(pk=owner.pk).exists()


# --- Writes ---------------------------------------------------------------------------------


def _discard_files(attachments) -> None:
    for attachment in attachments:
        for field in (attachment.file, attachment.thumbnail):
            if field:
                field.storage.delete(field.name)


def attach(owner, upload, *, user, kind: str = AttachmentKind.PHOTO, title: str = "", client_uuid=None) -> Attachment:
    """Add one photo or document to ``owner``; see :func:`attach_many`."""
    return attach_many(owner, [upload], user=user, kind=kind, title=title, client_uuid=client_uuid)[0]


def attach_many(owner, uploads, *, user, kind: str = AttachmentKind.PHOTO, title: str = "", client_uuid=None) -> list[Attachment]:
    """Add photos or documents to ``owner`` — all of them or none.

    The owner must be changeable by ``user`` (else PermissionDenied). Each file is checked by
    content and size, photos must decode, images get a metadata-free thumbnail. Audited per file;
    the owner's person gets one timeline line. ``client_uuid`` (one file only) makes a form sent
    again after a lost connection return the attachment already stored instead of a second one.
    """
    if not may_upload(user, owner):
        raise PermissionDenied(_("You cannot add attachments to this record."))
    uploads = [u for u in uploads if u is not None]
    if not uploads:
        raise ValidationError({"file": _("Choose at least one file.")})
    if client_uuid is not None:
        if len(uploads) != 1:
            raise ValidationError({"file": _("Send one file per form id.")})
        existing = Attachment.objects.filter(client_uuid=client_uuid).first()
        if existing is not None:
            if existing.owner_type_id != ContentType.objects.get_for_model(owner).pk or existing.owner_id != owner.pk:
                raise ValidationError({"client_uuid": _("This form id belongs to another record.")})
            return [existing]
    title = (title or "").strip()[:200]
    checked = []
    for upload in uploads:
        original = getattr(upload, "name", "") or ""
        try:
            checked.append((upload, *check_file(upload, kind)))
        except ValidationError as exc:
            messages = exc.messages
            raise ValidationError({"file": [_("%(name)s: %(error)s") % {"name": original, "error": m} for m in messages]}) from None
    owner_type = ContentType.objects.get_for_model(owner)
    region = owner_region(owner)
    created: list[Attachment] = []
    try:
        with transaction.atomic():
            for upload, content_type, image in checked:
                attachment = Attachment.objects.create(
                    region_id=region, owner_type=owner_type, owner_id=owner.pk, kind=kind, title=title,
                    file=upload, thumbnail=_thumbnail(image) if image is not None else "",
                    content_type=content_type, size=upload.size, client_uuid=client_uuid,
                    uploaded_by=user if getattr(user, "pk", None) else None,
                )
                created.append(attachment)
                audit.record("casework.attachment_add", obj=attachment, actor=user, detail={
                    "owner": f"{kind_of(owner)}:{owner.pk}", "kind": kind, "content_type": content_type, "size": upload.size,
                })
            recipient = owner_recipient(owner)
            if recipient is not None:
                from shegong.recipients.services import add_to_timeline

                line = _("%(n)s %(kind)s added to the %(record)s") % {
                    "n": len(created), "kind": AttachmentKind(kind).label, "record": owner_label(owner)}
                add_to_timeline(recipient, "attachment", line, actor=user, link=owner_url(owner))
    except Exception:
        _discard_files(created)
        raise
    return created


def may_remove(user, attachment: Attachment) -> bool:
    """The uploader (while they may still change the record's place) or a station lead of the place."""
    if may_act_at(user, _LEAD_RULE, CHANGE, attachment.region_id):
        return True
    return (
        attachment.uploaded_by_id == getattr(user, "pk", None)
        and may_act_at(user, Attachment.scope, CHANGE, attachment.region_id)
    )


@transaction.atomic
def remove(attachment: Attachment, user) -> None:
    """Delete an attachment and its files (the uploader or the station lead); audited."""
    if not Attachment.objects.visible_to(user).filter(pk=attachment.pk).exists() or not may_remove(user, attachment):
        raise PermissionDenied(_("You cannot remove this attachment."))
    audit.record("casework.attachment_remove", obj=attachment, actor=user, detail={
        "owner": f"{attachment.owner_type.model}:{attachment.owner_id}", "kind": attachment.kind,
        "uploaded_by": attachment.uploaded_by_id,
    })
    files = [attachment]
    attachment.delete()
    transaction.on_commit(lambda: _discard_files(files))


# --- Reads ----------------------------------------------------------------------------------


def attachments_of(owner, user):
    """The attachments of ``owner`` that ``user`` may see, oldest first (one query)."""
    owner_type = ContentType.objects.get_for_model(owner)
    return (
        Attachment.objects.visible_to(user).filter(owner_type=owner_type, owner_id=owner.pk)
        .select_related("uploaded_by").order_by("pk")
    )


def section_context(owner, user) -> dict:
    """The context of ``casework/_attachments.html`` for ``owner`` (two queries)."""
    attachments = list(attachments_of(owner, user))
    can_upload = may_upload(user, owner)
    for attachment in attachments:
        attachment.removable = can_upload and may_remove(user, attachment)
    return {
        "owner": owner, "owner_kind": kind_of(owner), "attachments": attachments, "can_upload": can_upload,
        "photos": [a for a in attachments if a.thumbnail],
        "documents": [a for a in attachments if not a.thumbnail],
    }


def is_inline(attachment: Attachment) -> bool:
    return attachment.content_type in INLINE_TYPES
