"""Writes of the registry pages that ``services`` does not cover: households (created with their
first member, changed from the household page) and attachments of the recipient file.

Like ``services``: keyword arguments, one transaction, permission checked first, one audit row.
Registration and edits of the person themselves go through ``services.register`` and
``services.update``; these functions wrap them so that a new household and its first member are
written together or not at all.
"""

from __future__ import annotations

import zipfile

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from shegong.core import audit
from shegong.core.scoping import CHANGE
from shegong.core.uploads import check_upload

from . import services
from .models import Attachment, Household, Recipient, Relation

# What an Office upload must contain to be the document its name says (a renamed zip is not).
OFFICE_TYPES = {
    ".docx": ("word/document.xml", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    ".xlsx": ("xl/workbook.xml", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
}


# --- Households -----------------------------------------------------------------------------


def household_create(user, *, region_code: str, head_name: str, address: str = "") -> Household:
    """A new household in a village (its members are attached by registration or edit)."""
    if not services.may_change(user, region_code):
        raise PermissionDenied
    head_name = (head_name or "").strip()
    if not head_name:
        raise ValidationError({"new_head_name": _("Give the name of the head of the new household.")})
    with transaction.atomic():
        household = Household.objects.create(region_id=region_code, head_name=head_name[:50], address=address[:200])
        audit.record("recipient.household_create", obj=household, actor=user, detail={"region": region_code})
    return household


def _household_for(user, *, region_code: str, household, new_household: bool, new_head_name: str,
                   name: str, relation: str, address: str) -> Household | None:
    """The household a person joins: an existing one of their village, a new one, or none."""
    if new_household:
        head_name = name if relation == Relation.HEAD else new_head_name
        return household_create(user, region_code=region_code, head_name=head_name, address=address)
    if household is not None and household.region_id != region_code:
        raise ValidationError({"household": _("This household is registered in another village.")})
    return household


def _claim_head(household: Household | None, recipient: Recipient) -> None:
    """A person recorded as the head of a household without one becomes its head."""
    if household is not None and recipient.relation == Relation.HEAD and household.head_id is None:
        household.head, household.head_name = recipient, recipient.name
        household.save(update_fields=["head", "head_name", "updated_at"])


@transaction.atomic
def register_person(user, *, household=None, new_household: bool = False, new_head_name: str = "", **fields) -> Recipient:
    """Register a person (``services.register``) together with their household."""
    region_code = fields["region_code"]
    if not services.may_change(user, region_code):
        raise PermissionDenied
    household = _household_for(
        user, region_code=region_code, household=household, new_household=new_household, new_head_name=new_head_name,
        name=fields.get("name", ""), relation=fields.get("relation", ""),
        address=fields.get("current_address") or fields.get("registered_address") or "",
    )
    recipient = services.register(user, household=household, **fields)
    _claim_head(household, recipient)
    return recipient


@transaction.atomic
def update_person(user, recipient: Recipient, *, household=None, new_household: bool = False, new_head_name: str = "",
                  **fields) -> Recipient:
    """Change a person's file (``services.update``), moving them to another household if asked."""
    if not Recipient.objects.visible_to(user, CHANGE).filter(pk=recipient.pk).exists():
        raise PermissionDenied
    region_code = fields.get("region_code") or recipient.region_id
    if region_code != recipient.region_id and not services.may_change(user, region_code):
        raise PermissionDenied
    household = _household_for(
        user, region_code=region_code, household=household, new_household=new_household, new_head_name=new_head_name,
        name=fields.get("name") or recipient.name, relation=fields.get("relation", recipient.relation),
        address=fields.get("current_address") or fields.get("registered_address") or "",
    )
    previous = recipient.household
    recipient = services.update(user, recipient, household=household, **fields)
    if previous is not None and previous != household and previous.head_id == recipient.pk:
        previous.head = None  # the head left: the household keeps the name until a new head is chosen
        previous.save(update_fields=["head", "updated_at"])
    _claim_head(household, recipient)
    return recipient


@transaction.atomic
def household_update(user, household: Household, *, address: str, head: Recipient | None) -> Household:
    """Change a household's address and head (chosen among its members). The new head's relation
    becomes "head"; the former head's relation is cleared, since it was relative to themselves."""
    if not Household.objects.visible_to(user, CHANGE).filter(pk=household.pk).exists():
        raise PermissionDenied
    changed = []
    if head is not None and head.pk != household.head_id:
        if head.household_id != household.pk or head.merged_into_id is not None:
            raise ValidationError({"head": _("The head must be a member of the household.")})
        former = household.head
        if former is not None and former.household_id == household.pk and former.relation == Relation.HEAD:
            former.relation = ""
            former.save(update_fields=["relation", "updated_at"])
        if head.relation != Relation.HEAD:
            head.relation = Relation.HEAD
            head.save(update_fields=["relation", "updated_at"])
        household.head, household.head_name = head, head.name
        changed.append("head")
    address = (address or "").strip()[:200]
    if address != household.address:
        household.address = address
        changed.append("address")
    household.save()
    audit.record("recipient.household_update", obj=household, actor=user, detail={"fields": changed})
    return household


# --- Attachments ----------------------------------------------------------------------------


def _office_type(upload) -> str:
    """The Office type of a zip upload, checked inside the file: a renamed archive is refused."""
    suffix = "." + upload.name.rsplit(".", 1)[-1].lower() if "." in upload.name else ""
    member, content_type = OFFICE_TYPES.get(suffix, ("", ""))
    try:
        with zipfile.ZipFile(upload) as archive:
            names = set(archive.namelist())
    except zipfile.BadZipFile:
        names = set()
    finally:
        upload.seek(0)
    if not member or member not in names:
        raise ValidationError(_("Only photos (JPEG, PNG), PDF and Office documents (.docx, .xlsx) are accepted."))
    return content_type


@transaction.atomic
def attachment_add(user, recipient: Recipient, *, title: str, file) -> Attachment:
    """Keep a document or photo in the recipient file: type checked by content, size capped,
    stored under a generated name."""
    if not Recipient.objects.visible_to(user, CHANGE).filter(pk=recipient.pk).exists():
        raise PermissionDenied
    title = (title or "").strip()
    if not title:
        raise ValidationError({"title": _("Give the attachment a title.")})
    try:
        content_type = check_upload(file)  # a zip keeps its .docx / .xlsx suffix in the generated name
        if content_type == "application/zip":
            content_type = _office_type(file)
    except ValidationError as exc:
        raise ValidationError({"file": exc.messages}) from None
    attachment = Attachment.objects.create(
        recipient=recipient, title=title[:200], file=file, content_type=content_type, size=file.size,
        uploaded_by=user if getattr(user, "pk", None) else None,
    )
    services.add_to_timeline(recipient, "attachment", _("Attachment added: %(title)s") % {"title": attachment.title}, actor=user)
    audit.record("recipient.attachment_add", obj=recipient, actor=user, detail={"attachment": attachment.pk, "type": content_type})
    return attachment
