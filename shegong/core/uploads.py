"""Uploaded files: size-capped, type checked by content (not by name), stored under generated names."""

from __future__ import annotations

import uuid
from pathlib import PurePath

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

MAX_UPLOAD_BYTES = 20 * 1024 * 1024

# What the first bytes of each accepted type look like.
SIGNATURES = {
    "image/jpeg": (b"\xff\xd8\xff",),
    "image/png": (b"\x89PNG\r\n\x1a\n",),
    "application/pdf": (b"%PDF-",),
    # .docx and .xlsx are zip containers
    "application/zip": (b"PK\x03\x04",),
}
EXTENSIONS = {"image/jpeg": ".jpg", "image/png": ".png", "application/pdf": ".pdf", "application/zip": ".zip"}
IMAGE_TYPES = {"image/jpeg", "image/png"}


def sniff(head: bytes) -> str | None:
    for content_type, signatures in SIGNATURES.items():
        if any(head.startswith(s) for s in signatures):
            return content_type
    return None


def check_upload(upload, *, images_only: bool = False) -> str:
    """Validate an uploaded file and give it a generated name; returns the detected content type."""
    if upload.size > MAX_UPLOAD_BYTES:
        raise ValidationError(_("The file is larger than %(mb)s MB.") % {"mb": MAX_UPLOAD_BYTES // (1024 * 1024)})
    if upload.size == 0:
        raise ValidationError(_("The file is empty."))
    head = upload.read(16)
    upload.seek(0)
    content_type = sniff(head)
    allowed = IMAGE_TYPES if images_only else set(SIGNATURES)
    if content_type not in allowed:
        raise ValidationError(
            _("Only photos (JPEG, PNG) are accepted here.")
            if images_only
            else _("Only photos (JPEG, PNG), PDF and Office documents (.docx, .xlsx) are accepted.")
        )
    suffix = EXTENSIONS[content_type]
    if content_type == "application/zip":
        suffix = PurePath(upload.name).suffix.lower()
        if suffix not in (".docx", ".xlsx"):
            raise ValidationError(_("Only photos (JPEG, PNG), PDF and Office documents (.docx, .xlsx) are accepted."))
    upload.name = f"{uuid.uuid4().hex}{suffix}"
    return content_type
