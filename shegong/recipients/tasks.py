"""Background work of the recipients app: checking and writing large imported lists.

Run by ``shegong worker`` (the database queue, or Redis). Arguments are ids, so a task can be
queued in one process and run in another.
"""

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.tasks import task

from . import imports
from .models import ImportBatch, ImportState


@task()
def check_batch(batch_id: int) -> dict:
    """Check a large list (``imports.schedule_check`` queues it)."""
    batch = ImportBatch.objects.select_related("region", "uploaded_by").filter(pk=batch_id).first()
    if batch is None or batch.state not in (ImportState.QUEUED, ImportState.VALIDATING):
        return {"skipped": True}
    imports.check(batch)
    return {"state": batch.state, **batch.summary}


@task()
def commit_batch(batch_id: int, user_id: int, confirm_gone: list[int]) -> dict:
    """Write a large checked list (``imports.schedule_commit`` claimed it and queued this)."""
    batch = ImportBatch.objects.select_related("region").filter(pk=batch_id, state=ImportState.COMMITTING).first()
    user = get_user_model().objects.filter(pk=user_id, is_active=True).first()
    if batch is None:
        return {"skipped": True}
    if user is None:
        ImportBatch.objects.filter(pk=batch_id).update(state=ImportState.VALIDATED)
        return {"skipped": True}
    try:
        return imports.commit_claimed(user, batch, confirm_gone)
    except (ValidationError, PermissionDenied) as exc:  # the batch says why; the page shows it
        return {"refused": getattr(exc, "messages", None) or [str(exc)]}


# An uploaded list that nobody writes or discards is dropped after this many days: its file and
# error workbook hold ID numbers in clear (docs/data-inventory.md).
STALE_AFTER_DAYS = 7


@task()
def imports_expire(days: int = STALE_AFTER_DAYS) -> dict:
    """Discard the lists left unwritten for ``days`` days, deleting their files; audited per list.
    Run daily: ``shegong expire_imports --enqueue`` from cron."""
    from datetime import timedelta

    from django.db import transaction
    from django.utils import timezone

    from shegong.core import audit

    cutoff = timezone.now() - timedelta(days=days)
    stale = ImportBatch.objects.filter(
        created_at__lt=cutoff, state__in=(ImportState.QUEUED, ImportState.VALIDATED, ImportState.FAILED)
    )
    expired = 0
    for batch in stale.iterator():
        with transaction.atomic():
            batch.state, batch.preview = ImportState.DISCARDED, {}
            batch.save(update_fields=["state", "preview"])
            audit.record("recipient.import_expire", obj=batch, actor=None, detail={"file": batch.original_name, "days": days})
            transaction.on_commit(lambda b=batch: imports._drop_files(b))
        expired += 1
    return {"expired": expired}
