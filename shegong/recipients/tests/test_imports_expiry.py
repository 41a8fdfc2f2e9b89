"""Uploaded lists hold ID numbers in clear: one left unwritten is discarded after a week, files and all."""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from shegong.core.models import AuditEntry
from shegong.recipients import imports
from shegong.recipients.models import ImportBatch, ImportState, Recipient
from shegong.recipients.tests import workbooks as wb

pytestmark = pytest.mark.django_db


def checked(user, township, rows):
    return imports.check(imports.create_batch(user, wb.upload(wb.xlsx(rows)), township))


def test_a_list_left_unwritten_for_a_week_is_discarded_with_its_files(people, regions, django_capture_on_commit_callbacks):
    officer, township = people["officer_a"], regions["township_a"].code
    old = checked(officer, township, wb.family())
    rows = wb.family(seq=40)
    rows[0]["身份证号码"] = rows[0]["身份证号码"][:-1] + ("0" if rows[0]["身份证号码"][-1] != "0" else "1")
    old_with_errors = checked(officer, township, rows)
    assert old_with_errors.error_file
    recent = checked(officer, township, wb.family(seq=70))
    written = checked(officer, township, wb.family(seq=100))
    imports.commit(officer, written)
    eight_days_ago = timezone.now() - timedelta(days=8)
    ImportBatch.objects.exclude(pk=recent.pk).update(created_at=eight_days_ago)
    paths = [old.file.path, old_with_errors.file.path, old_with_errors.error_file.path]

    with django_capture_on_commit_callbacks(execute=True):
        call_command("expire_imports")

    for batch in (old, old_with_errors):
        batch.refresh_from_db()
        assert batch.state == ImportState.DISCARDED and not batch.file and not batch.error_file and batch.preview == {}
    assert not any(__import__("os").path.exists(p) for p in paths)
    recent.refresh_from_db()
    assert recent.state == ImportState.VALIDATED and recent.file  # younger than a week: kept
    written.refresh_from_db()
    assert written.state == ImportState.COMMITTED
    assert Recipient.objects.count() == 3  # only the written list's household
    assert AuditEntry.objects.filter(action="recipient.import_expire").count() == 2
