"""``shegong import recipients FILE --township CODE --user USERNAME [--reconcile] [--commit]``."""

from __future__ import annotations

import io
from datetime import date

import pytest
from django.core.management import CommandError, call_command
from django.utils import translation

from shegong.core.models import AuditEntry
from shegong.recipients.models import ImportBatch, Recipient
from shegong.recipients.tests import workbooks as wb
from shegong.recipients.tests.factories import id_for, make_recipient

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def run(*args) -> str:
    out = io.StringIO()
    call_command("import", *args, stdout=out)
    return out.getvalue()


def test_check_only_then_commit(people, tmp_path):
    path = tmp_path / "海州低保.xlsx"
    path.write_bytes(wb.xlsx(wb.family()))
    out = run("recipients", str(path), "--township", "210381001", "--user", "officer_a")
    assert "new people: 3" in out and "errors: 0" in out and "run again with --commit" in out
    assert not Recipient.objects.exists()
    out = run("recipients", str(path), "--township", "210381001", "--user", "officer_a", "--commit")
    assert "people registered: 3" in out and "Written." in out
    assert Recipient.objects.count() == 3
    entry = AuditEntry.objects.get(action="recipient.import_commit")
    assert entry.actor == people["officer_a"]


def test_errors_are_printed_and_nothing_is_written(people, tmp_path):
    bad = wb.person("乙", date(1951, 4, 5), 3, village="兴源社区")
    path = tmp_path / "l.xlsx"
    path.write_bytes(wb.xlsx([wb.person("甲", date(1950, 3, 4), 1), bad]))
    out = io.StringIO()
    with pytest.raises(CommandError, match="nothing was written"):
        call_command("import", "recipients", str(path), "--township", "210381001", "--user", "officer_a", "--commit", stdout=out)
    assert "Row 5, 所属村（社区）: “兴源社区” belongs to 兴海街道" in out.getvalue()
    assert not Recipient.objects.exists()


def test_reconcile_with_confirmation(people, tmp_path):
    leaves = make_recipient("210381001001", "走", id_number=id_for(date(1952, 1, 1), 5), categories=("dibao",))
    path = tmp_path / "l.csv"
    path.write_bytes(wb.csv_bytes([wb.person("新", date(1960, 1, 1), 11)], encoding="gbk"))
    out = run("recipients", str(path), "--township", "210381001", "--user", "officer_a", "--reconcile", "--commit", "--confirm-gone")
    assert "Not on the list: 走 210381********" in out and "files closed: 1" in out
    leaves.refresh_from_db()
    assert leaves.status == "closed"


def test_refusals(people, tmp_path, regions):
    path = tmp_path / "l.xlsx"
    path.write_bytes(wb.xlsx(wb.family("兴源社区")))
    with pytest.raises(CommandError, match="may not import"):
        run("recipients", str(path), "--township", regions["township_b"].code, "--user", "officer_a")
    with pytest.raises(CommandError, match="No active user"):
        run("recipients", str(path), "--township", "210381001", "--user", "nobody")
    with pytest.raises(CommandError, match="No file"):
        run("recipients", str(tmp_path / "missing.xlsx"), "--township", "210381001", "--user", "officer_a")
    empty = tmp_path / "e.xlsx"
    empty.write_bytes(wb.xlsx([], footer=False))
    with pytest.raises(CommandError, match="header row but no people"):
        run("recipients", str(empty), "--township", "210381001", "--user", "officer_a")
    assert ImportBatch.objects.filter(state="failed").count() == 1
