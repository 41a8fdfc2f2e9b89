"""What changes recipients: registration, edits, categories, status, reveals, the timeline,
duplicates and merges. Every function writes its audit row in the same transaction.

Pages, the API, imports and the demo all come through here; nothing else writes these tables.
"""

from __future__ import annotations

from collections import namedtuple
from collections.abc import Iterable
from datetime import date
from itertools import batched

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from shegong.core import audit, crypto
from shegong.core.masking import mask_id_number, mask_phone
from shegong.core.scoping import CHANGE, VIEW, ScopeRule, may_act_at

from . import idnumber, phones, pinyin
from .models import (
    ACTIVE_STATUSES,
    FULL_EXPORT_ROLES,
    GUARDIAN_PHONE_PURPOSE,
    ID_PURPOSE,
    MERGE_ROLES,
    PHONE_PURPOSE,
    UNMASK_ROLES,
    CategoryMembership,
    DuplicateCandidate,
    DuplicateReason,
    DuplicateStatus,
    Household,
    Recipient,
    Status,
    StatusChange,
    TimelineEntry,
)

_UNMASK_RULE = ScopeRule(region="region__code", roles={"view": UNMASK_ROLES})
_FULL_EXPORT_RULE = ScopeRule(region="region__code", roles={"view": FULL_EXPORT_ROLES})
_MERGE_RULE = ScopeRule(region="region__code", roles={"change": MERGE_ROLES})

SENSITIVE_FIELDS = {
    "id_number": ("id_cipher", ID_PURPOSE),
    "phone": ("phone_cipher", PHONE_PURPOSE),
    "guardian_phone": ("guardian_phone_cipher", GUARDIAN_PHONE_PURPOSE),
}


# --- Permissions beyond seeing and changing -------------------------------------------------


def may_change(user, region_code: str) -> bool:
    return may_act_at(user, Recipient.scope, CHANGE, region_code)


def may_unmask(user, recipient: Recipient) -> bool:
    """Whether ``user`` may reveal this person's full ID and phone numbers."""
    return may_act_at(user, _UNMASK_RULE, VIEW, recipient.region_id)


def may_unmask_anywhere(user) -> bool:
    from shegong.core.scoping import assignments_of

    return any(a.role in UNMASK_ROLES for a in assignments_of(user))


def may_export_full(user, region_code: str) -> bool:
    """Whether ``user`` may export full (unmasked) values of rows under ``region_code``."""
    return may_act_at(user, _FULL_EXPORT_RULE, VIEW, region_code)


def may_merge(user, recipient: Recipient) -> bool:
    return may_act_at(user, _MERGE_RULE, CHANGE, recipient.region_id)


# --- Sensitive values -----------------------------------------------------------------------


def id_index_of(value: str) -> str | None:
    return crypto.blind_index(value, ID_PURPOSE)


def id_indexes_of(value: str) -> list[str]:
    return crypto.blind_indexes(value, ID_PURPOSE)


def set_id_number(recipient: Recipient, parsed: idnumber.IdNumber | None) -> None:
    """Store an ID number (already parsed) the three ways; sex and birth date follow from it."""
    if parsed is None:
        recipient.id_cipher, recipient.id_index, recipient.id_masked = "", None, ""
        return
    recipient.id_cipher = crypto.encrypt(parsed.value, ID_PURPOSE)
    recipient.id_index = id_index_of(parsed.value)
    recipient.id_masked = mask_id_number(parsed.value)
    recipient.sex = parsed.sex
    recipient.birth_date = parsed.birth_date


def set_phone(recipient: Recipient, value: str, *, guardian: bool = False) -> None:
    cipher = crypto.encrypt(value, GUARDIAN_PHONE_PURPOSE if guardian else PHONE_PURPOSE)
    if guardian:
        recipient.guardian_phone_cipher, recipient.guardian_phone_masked = cipher, mask_phone(value)
    else:
        recipient.phone_cipher, recipient.phone_masked = cipher, mask_phone(value)


def set_name(recipient: Recipient, name: str) -> None:
    recipient.name = name.strip()
    recipient.name_pinyin = pinyin.full(recipient.name)
    recipient.name_initials = pinyin.initials(recipient.name)


def clear_value(recipient: Recipient, field: str) -> str:
    """The clear value of a sensitive field, for internal comparisons (never for display)."""
    attr, purpose = SENSITIVE_FIELDS[field]
    return crypto.decrypt(getattr(recipient, attr), purpose)


def reveal(user, recipient: Recipient, field: str) -> str:
    """The full value of ``field`` for ``user`` to read, audited; PermissionDenied otherwise."""
    if field not in SENSITIVE_FIELDS:
        raise ValueError(field)
    if not may_unmask(user, recipient):
        audit.record("recipient.unmask", obj=recipient, actor=user, result=audit.Result.DENIED, detail={"field": field})
        raise PermissionDenied(_("Your role may not see full personal numbers."))
    value = clear_value(recipient, field)
    audit.record("recipient.unmask", obj=recipient, actor=user, detail={"field": field})
    return value


# --- The timeline ---------------------------------------------------------------------------


def add_to_timeline(recipient: Recipient, kind: str, summary: str, *, actor=None, at=None, link: str = "") -> TimelineEntry:
    """Write one line on the recipient's timeline (other capabilities call this too)."""
    return TimelineEntry.objects.create(
        recipient=recipient, kind=kind, summary=summary[:300], actor=actor if getattr(actor, "pk", None) else None,
        occurred_at=at or timezone.now(), link=link,
    )


# --- Registering and editing ----------------------------------------------------------------


def _check_id_free(parsed: idnumber.IdNumber, user, *, exclude_pk: int | None = None) -> None:
    existing = Recipient.objects.filter(id_index__in=id_indexes_of(parsed.value))
    if exclude_pk:
        existing = existing.exclude(pk=exclude_pk)
    found = existing.first()
    if found is None:
        return
    if Recipient.objects.visible_to(user).filter(pk=found.pk).exists():
        raise ValidationError(
            {"id_number": _("This ID number is already registered: %(name)s (file no. %(pk)s).") % {"name": found.name, "pk": found.pk}}
        )
    raise ValidationError(
        {"id_number": _("This ID number is already registered outside your jurisdiction; ask the county bureau to transfer the file.")}
    )


def set_categories(recipient: Recipient, categories: Iterable[str], *, on: date, source: str = "", reason: str = "") -> tuple[set, set]:
    """Make the open categories exactly ``categories``: open the new ones, end the dropped ones.
    Returns (added, ended). Nothing is deleted: the history stays."""
    wanted = set(categories)
    open_rows = {m.category: m for m in recipient.categories.all() if m.ended_on is None}
    added = wanted - set(open_rows)
    ended = set(open_rows) - wanted
    for code in ended:
        row = open_rows[code]
        row.ended_on, row.end_reason = max(on, row.started_on), reason[:200]
        row.save(update_fields=["ended_on", "end_reason"])
    CategoryMembership.objects.bulk_create(
        [CategoryMembership(recipient=recipient, category=c, started_on=on, source=source[:100]) for c in sorted(added)]
    )
    if hasattr(recipient, "_prefetched_objects_cache"):
        recipient._prefetched_objects_cache.pop("categories", None)
    return added, ended


def open_categories(recipient: Recipient) -> list[str]:
    return sorted(m.category for m in recipient.categories.all() if m.ended_on is None)


@transaction.atomic
def register(user, *, name: str, region_code: str, id_number: str = "", phone: str = "", categories=(),
             household: Household | None = None, on: date | None = None, **fields) -> Recipient:
    """Register a person. Raises ValidationError (field -> message) or PermissionDenied."""
    if not may_change(user, region_code):
        raise PermissionDenied
    recipient = Recipient(region_id=region_code, household=household, created_by=user if getattr(user, "pk", None) else None)
    _apply(recipient, user, name=name, id_number=id_number, phone=phone, **fields)
    recipient.save()
    on = on or timezone.localdate()
    set_categories(recipient, categories, on=on, source=_("registered"))
    StatusChange.objects.create(recipient=recipient, new_status=recipient.status, changed_on=on, changed_by=_user(user), reason=_("registered"))
    add_to_timeline(recipient, "registered", _("Registered"), actor=user)
    audit.record("recipient.create", obj=recipient, actor=user)
    detect_duplicates([recipient])
    return recipient


@transaction.atomic
def update(user, recipient: Recipient, *, categories=None, on: date | None = None, **fields) -> Recipient:
    """Change a person's file; ``id_number``/``phone`` given as clear text replace the stored ones."""
    if not Recipient.objects.visible_to(user, CHANGE).filter(pk=recipient.pk).exists():
        raise PermissionDenied
    region_code = fields.pop("region_code", None)
    if region_code and region_code != recipient.region_id:
        if not may_change(user, region_code):
            raise PermissionDenied
        recipient.region_id = region_code
    changed = _apply(recipient, user, **fields)
    recipient.save()
    on = on or timezone.localdate()
    if categories is not None:
        added, ended = set_categories(recipient, categories, on=on, source=_("edited"))
        changed += [f"category+{c}" for c in sorted(added)] + [f"category-{c}" for c in sorted(ended)]
        if added or ended:
            add_to_timeline(recipient, "categories", _("Categories changed"), actor=user)
    audit.record("recipient.update", obj=recipient, actor=user, detail={"fields": sorted(set(changed))})
    if {"name", "id_number", "birth_date", "region_code"} & set(fields) or region_code:
        detect_duplicates([recipient])
    return recipient


_PLAIN_FIELDS = (
    "sex", "birth_date", "relation", "registered_address", "current_address", "follow_up_level",
    "self_care", "guardian_name", "guardian_relation", "notes", "household",
)


def _apply(recipient: Recipient, user, **fields) -> list[str]:
    """Validate and set fields on an unsaved or saved recipient; returns the names changed."""
    errors, changed = {}, []
    if "name" in fields:
        name = (fields["name"] or "").strip()
        if not name:
            errors["name"] = _("A name is required.")
        elif name != recipient.name:
            set_name(recipient, name)
            changed.append("name")
    raw_id = fields.get("id_number")
    if raw_id:
        try:
            parsed = idnumber.parse(raw_id)
        except idnumber.InvalidIdNumber as exc:
            errors["id_number"] = str(exc)
        else:
            if recipient.id_index not in id_indexes_of(parsed.value):
                try:
                    _check_id_free(parsed, user, exclude_pk=recipient.pk)
                except ValidationError as exc:
                    errors.update(exc.message_dict)
                else:
                    set_id_number(recipient, parsed)
                    changed.append("id_number")
            for key in ("sex", "birth_date"):
                given = fields.get(key)
                if given and given != getattr(parsed, key):
                    errors[key] = _("Does not match the ID number.")
                fields.pop(key, None)
    for key, guardian in (("phone", False), ("guardian_phone", True)):
        if key in fields and fields[key] is not None:
            try:
                value = phones.parse(fields[key])
            except phones.InvalidPhone as exc:
                errors[key] = str(exc)
            else:
                current = clear_value(recipient, key) if (recipient.guardian_phone_cipher if guardian else recipient.phone_cipher) else ""
                if value != current:
                    set_phone(recipient, value, guardian=guardian)
                    changed.append(key)
    for key in _PLAIN_FIELDS:
        if key in fields and fields[key] is not None and getattr(recipient, key) != fields[key]:
            setattr(recipient, key, fields[key])
            changed.append(key)
    if "status" in fields and not recipient.pk:
        recipient.status = fields["status"]
    if errors:
        raise ValidationError(errors)
    return changed


def _user(user):
    return user if getattr(user, "pk", None) else None


@transaction.atomic
def change_status(user, recipient: Recipient, new_status: str, *, reason: str = "", on: date | None = None) -> StatusChange | None:
    """Move a recipient to another status, with its reason; no-op when unchanged."""
    if not Recipient.objects.visible_to(user, CHANGE).filter(pk=recipient.pk).exists():
        raise PermissionDenied
    if new_status not in Status.values:
        raise ValidationError({"status": _("Unknown status.")})
    if new_status == recipient.status:
        return None
    if new_status not in ACTIVE_STATUSES and not reason.strip():
        raise ValidationError({"reason": _("Give the reason for closing the file.")})
    on = on or timezone.localdate()
    change = StatusChange.objects.create(
        recipient=recipient, old_status=recipient.status, new_status=new_status, reason=reason.strip()[:200],
        changed_on=on, changed_by=_user(user),
    )
    old = recipient.status
    recipient.status = new_status
    recipient.save(update_fields=["status", "updated_at"])
    add_to_timeline(
        recipient, "status",
        _("Status: %(old)s → %(new)s") % {"old": Status(old).label, "new": Status(new_status).label}
        + (f" ({reason.strip()})" if reason.strip() else ""),
        actor=user,
    )
    audit.record("recipient.status", obj=recipient, actor=user, detail={"from": old, "to": new_status})
    return change


def find_by_id_number(user, raw: str):
    """The recipients visible to ``user`` holding this ID number (zero or one), audited as a
    search. Raises InvalidIdNumber for a malformed number."""
    parsed = idnumber.parse(raw)
    found = Recipient.objects.visible_to(user).filter(id_index__in=id_indexes_of(parsed.value), merged_into__isnull=True)
    audit.record("recipient.search_id", actor=user, detail={"found": found.count()})
    return found


# --- Duplicates -----------------------------------------------------------------------------


_Other = namedtuple("_Other", "pk name birth_date region_id id_index")  # what detect_duplicates reads of a file


def _pair(a: Recipient, b: Recipient):
    return (a, b) if a.pk < b.pk else (b, a)


def detect_duplicates(recipients: Iterable[Recipient]) -> int:
    """Queue likely duplicates of these recipients for review; returns how many pairs are new.

    Likely the same person: the same name and birth date (one of the two ID numbers may be
    mistyped, or missing), or names that sound alike in the same village where the ID numbers
    cannot tell them apart (one is missing, or both give the same birth date). Two files with
    different, valid ID numbers and different birth dates are different people.

    Candidates are found through hashed keys (name + birth date; village + syllables, and
    village + syllables with one left out), so a 100,000-row import costs a few dict lookups a row.
    """
    recipients = [r for r in recipients if r.merged_into_id is None and r.pk]
    if not recipients:
        return 0
    villages = {r.region_id for r in recipients}
    names = {r.name for r in recipients if r.birth_date}
    births = {r.birth_date for r in recipients if r.birth_date}
    # The other files are read as tuples: a village of 100,000 people as model instances costs a second.
    fields = ("id", "name", "birth_date", "region_id", "id_index")
    others = {o.pk: o for o in map(_Other._make, Recipient.objects.filter(region_id__in=villages, merged_into__isnull=True).values_list(*fields))}
    if names:
        for chunk in batched(sorted(names), 2000):
            for o in map(_Other._make, Recipient.objects.filter(name__in=chunk, birth_date__in=births, merged_into__isnull=True).values_list(*fields)):
                others[o.pk] = o
    for r in recipients:
        others[r.pk] = r
    by_name_birth: dict = {}
    by_sound: dict = {}
    # With ID numbers on both sides only the same birth date can make a pair: people with an ID
    # are also filed under their birth date (those without under None), so a village where
    # hundreds share a common name costs a lookup, not a scan.
    by_sound_birth: dict = {}
    for o in others.values():
        if o.birth_date:
            by_name_birth.setdefault((o.name, o.birth_date), []).append(o)
        for key in village_sound_keys(o.region_id, o.name):
            by_sound.setdefault(key, []).append(o)
            by_sound_birth.setdefault((key, o.birth_date if o.id_index else None), []).append(o)
    found = {}
    for r in recipients:
        if r.birth_date:
            for o in by_name_birth.get((r.name, r.birth_date), ()):
                if o.pk != r.pk:
                    a, b = _pair(r, o)
                    found.setdefault((a.pk, b.pk), (a, b, DuplicateReason.SAME_NAME_BIRTH, r.region_id))
        for key in village_sound_keys(r.region_id, r.name):
            near = by_sound_birth.get((key, r.birth_date), []) + by_sound_birth.get((key, None), []) if r.id_index else by_sound.get(key, ())
            for o in near:
                if o.pk == r.pk or o.region_id != r.region_id or not pinyin.sounds_alike(o.name, r.name):
                    continue
                if r.id_index and o.id_index and not (r.birth_date and r.birth_date == o.birth_date):
                    continue
                a, b = _pair(r, o)
                found.setdefault((a.pk, b.pk), (a, b, DuplicateReason.SIMILAR_NAME_VILLAGE, r.region_id))
    if not found:
        return 0
    existing = set()
    for chunk in batched(sorted(found), 2000):
        existing |= set(
            DuplicateCandidate.objects.filter(first_id__in={k[0] for k in chunk}, second_id__in={k[1] for k in chunk})
            .values_list("first_id", "second_id")
        )
    new = [
        DuplicateCandidate(first_id=a.pk, second_id=b.pk, reason=reason, region_id=region)
        for key, (a, b, reason, region) in found.items() if key not in existing
    ]
    DuplicateCandidate.objects.bulk_create(new, batch_size=1000)
    return len(new)


@transaction.atomic
def dismiss_duplicate(user, candidate: DuplicateCandidate) -> None:
    if candidate.status != DuplicateStatus.OPEN:
        raise ValidationError(_("This pair has already been decided."))
    if not (may_merge(user, candidate.first) and may_merge(user, candidate.second)):
        raise PermissionDenied
    candidate.status, candidate.decided_by, candidate.decided_at = DuplicateStatus.DISMISSED, user, timezone.now()
    candidate.save(update_fields=["status", "decided_by", "decided_at"])
    audit.record("recipient.duplicate_dismiss", obj=candidate.first, actor=user, detail={"other": candidate.second_id})


@transaction.atomic
def merge(user, candidate: DuplicateCandidate, survivor: Recipient) -> Recipient:
    """Merge the two files of ``candidate`` into ``survivor``. The other file stays, marked as
    merged and pointing at the survivor; its categories, status history, timeline, needs,
    referrals and attachments move to the survivor, so the full history of both is kept."""
    if candidate.status != DuplicateStatus.OPEN:
        raise ValidationError(_("This pair has already been decided."))
    if survivor.pk not in (candidate.first_id, candidate.second_id):
        raise ValidationError(_("The file kept must be one of the pair."))
    absorbed = candidate.second if survivor.pk == candidate.first_id else candidate.first
    for person in (survivor, absorbed):
        if not may_merge(user, person):
            raise PermissionDenied
    if absorbed.merged_into_id or survivor.merged_into_id:
        raise ValidationError(_("One of these files has already been merged."))
    if survivor.id_index and absorbed.id_index and survivor.id_index != absorbed.id_index:
        raise ValidationError(_("The two files carry different ID numbers: they are different people, or one number is wrong. Correct the wrong one first."))
    with transaction.atomic():
        fill = {}
        if not survivor.id_index and absorbed.id_index:
            fill = {"id_cipher": absorbed.id_cipher, "id_index": absorbed.id_index, "id_masked": absorbed.id_masked,
                    "sex": absorbed.sex, "birth_date": absorbed.birth_date}
            absorbed.id_index = None
        for attr in ("phone_cipher", "phone_masked", "household_id", "relation", "registered_address", "current_address",
                     "guardian_name", "guardian_relation", "guardian_phone_cipher", "guardian_phone_masked", "birth_date", "sex"):
            if not getattr(survivor, attr) and getattr(absorbed, attr):
                fill.setdefault(attr, getattr(absorbed, attr))
        absorbed.merged_into = survivor
        absorbed.save(update_fields=["merged_into", "id_index", "updated_at"])
        for attr, value in fill.items():
            setattr(survivor, attr, value)
        survivor.save()
        survivor_open = {m.category for m in survivor.categories.all() if m.ended_on is None}
        for m in absorbed.categories.all():
            if m.ended_on is None and m.category in survivor_open:
                m.ended_on, m.end_reason = timezone.localdate(), _("merged")
                m.save(update_fields=["ended_on", "end_reason"])
        absorbed.categories.update(recipient=survivor)
        absorbed.status_changes.update(recipient=survivor)
        absorbed.timeline.update(recipient=survivor)
        absorbed.needs.update(recipient=survivor)
        absorbed.referrals.update(recipient=survivor)
        absorbed.attachments.update(recipient=survivor)
        from django.apps import apps

        for model, field in TIMELINE_OWNERS:
            _move_rows(apps.get_model(model), field, absorbed, survivor)
        candidate.status, candidate.decided_by, candidate.decided_at = DuplicateStatus.MERGED, user, timezone.now()
        candidate.save(update_fields=["status", "decided_by", "decided_at"])
        DuplicateCandidate.objects.filter(status=DuplicateStatus.OPEN).filter(Q(first=absorbed) | Q(second=absorbed)).update(
            status=DuplicateStatus.DISMISSED, decided_by=user, decided_at=timezone.now()
        )
        add_to_timeline(survivor, "merged", _("File no. %(pk)s (%(name)s) merged into this file") % {"pk": absorbed.pk, "name": absorbed.name}, actor=user)
        audit.record("recipient.merge", obj=survivor, actor=user, detail={"absorbed": absorbed.pk})
        # Rows moved with update() pass no signal: both files' places are recounted for every year
        # since the earlier registration (visits, categories and status history changed hands).
        from shegong.monitoring import rollups

        first = min(timezone.localtime(p.created_at).date() for p in (survivor, absorbed))
        for region in {survivor.region_id, absorbed.region_id}:
            rollups.touch_years(region, first)
    return survivor


def village_sound_keys(village: str, name: str) -> list[tuple]:
    """Keys under which a name meets the names that sound like it in its village."""
    return [(village, key) for key in pinyin.sound_keys(name)]


# Other apps' models that point at a recipient (``("app.Model", "fk_field")``) register here so a
# merge moves their rows too (casework's visits, cases, group memberships …).
TIMELINE_OWNERS: list[tuple[str, str]] = []


def _move_rows(model, field: str, absorbed: Recipient, survivor: Recipient) -> None:
    """Point ``model``'s rows from the absorbed file to the survivor. Where a unique constraint
    allows only one row per person (both were members of the same group, both had an open visit
    plan), the survivor's row already says it: the absorbed file's duplicate is dropped."""
    rows = model._base_manager.filter(**{field: absorbed})
    for constraint in model._meta.constraints:
        fields = getattr(constraint, "fields", ())
        if field not in fields or not isinstance(constraint, models.UniqueConstraint):
            continue
        others = [f for f in fields if f != field]
        taken = model._base_manager.filter(**{field: survivor})
        if constraint.condition is not None:
            taken = taken.filter(constraint.condition)
        keys = set(taken.values_list(*others)) if others else ({()} if taken.exists() else set())
        if not keys:
            continue
        clashing = rows.filter(constraint.condition) if constraint.condition is not None else rows
        drop = [pk for pk, *values in clashing.values_list("pk", *others) if tuple(values) in keys]
        model._base_manager.filter(pk__in=drop).delete()
    rows.update(**{field: survivor})
