"""Field encryption keys: configuration errors, rotation without downtime, the deploy check.

Given keys configured as "id:base64" lists (current first), when they are wrong the system says
exactly what is wrong; when a new key is put first, old rows still open and are still found by
ID number; `shegong keys rotate` moves every row to the new keys, after which the old keys can go.
"""

import base64
import io
from datetime import date

import pytest
from django.core.checks import run_checks
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.core.management.base import CommandError, SystemCheckError
from django.test import override_settings

from shegong.core import crypto
from shegong.core.models import AuditEntry
from shegong.recipients import services
from shegong.recipients.models import Recipient
from shegong.recipients.tests.factories import id_for, make_recipient, village_of


def key(byte: int, length: int = 32) -> str:
    return base64.b64encode(bytes([byte]) * length).decode()


K1, K2 = f"k1:{key(1)}", f"k2:{key(2)}"
I1, I2 = f"i1:{key(11)}", f"i2:{key(12)}"


class TestKeyParsing:
    @pytest.mark.parametrize(
        ("value", "message"),
        [
            ("k1:!!!notbase64", "SHEGONG_DATA_KEYS: key 'k1' is not valid base64"),
            (f"k1:{key(1, 16)}", "SHEGONG_DATA_KEYS: key 'k1' must be 32 bytes, is 16"),
            (f"k1:{key(1)},k1:{key(2)}", "SHEGONG_DATA_KEYS: key id 'k1' is listed twice"),
            (key(1), "SHEGONG_DATA_KEYS: each key is 'id:base64'"),
        ],
    )
    def test_bad_data_keys_are_named(self, value, message):
        with override_settings(SHEGONG_DATA_KEYS=value, SHEGONG_INDEX_KEYS=I1):
            with pytest.raises(ImproperlyConfigured) as exc:
                crypto.keyring()
        assert message in str(exc.value)

    def test_bad_index_key_names_its_variable(self):
        with override_settings(SHEGONG_DATA_KEYS=K1, SHEGONG_INDEX_KEYS=f"i1:{key(1, 31)}"):
            with pytest.raises(ImproperlyConfigured, match="SHEGONG_INDEX_KEYS: key 'i1' must be 32 bytes, is 31"):
                crypto.keyring()

    def test_the_first_key_is_current_and_spaces_are_allowed(self):
        with override_settings(SHEGONG_DATA_KEYS=f" {K2} , {K1} ", SHEGONG_INDEX_KEYS=I1):
            ring = crypto.keyring()
            assert [kid for kid, _ in ring.data] == ["k2", "k1"] and not ring.derived
            assert crypto.key_id_of(crypto.encrypt("13812345678", "t")) == "k2"

    def test_without_keys_they_are_derived(self):
        with override_settings(SHEGONG_DATA_KEYS="", SHEGONG_INDEX_KEYS=""):
            ring = crypto.keyring()
            assert ring.derived and ring.data[0][0] == crypto.DERIVED_KEY_ID

    def test_the_command_reports_a_bad_key_without_a_traceback(self):
        with override_settings(SHEGONG_DATA_KEYS="k1:???", SHEGONG_INDEX_KEYS=I1):
            with pytest.raises(CommandError, match="not valid base64"):
                call_command("keys", "status", stdout=io.StringIO())


class TestGenerate:
    def test_prints_one_usable_key_line(self):
        out = io.StringIO()
        call_command("keys", "generate", "--id", "k9", stdout=out, stderr=io.StringIO())
        line = out.getvalue().strip()
        assert line.startswith("k9:") and "\n" not in line
        with override_settings(SHEGONG_DATA_KEYS=line, SHEGONG_INDEX_KEYS=I1):
            assert crypto.keyring().data[0][0] == "k9"

    def test_two_keys_differ(self):
        lines = set()
        for _ in range(2):
            out = io.StringIO()
            call_command("keys", "generate", stdout=out, stderr=io.StringIO())
            lines.add(out.getvalue().split(":", 1)[1])
        assert len(lines) == 2

    def test_refuses_a_key_id_that_would_break_the_list(self):
        with pytest.raises(CommandError):
            call_command("keys", "generate", "--id", "a,b", stdout=io.StringIO(), stderr=io.StringIO())


def _people(regions):
    """Five people (one with a guardian's phone, one merged away keeping its ciphertext)."""
    village = village_of(regions["township_a"])
    people = [
        make_recipient(village, f"测试{i}", id_number=id_for(date(1950 + i, 1, 2), 10 + i), phone=f"1381234567{i}")
        for i in range(4)
    ]
    services.set_phone(people[0], "13900001111", guardian=True)
    people[0].save()
    merged = make_recipient(village, "已合并", id_number=id_for(date(1990, 5, 6), 21))
    Recipient.objects.filter(pk=merged.pk).update(id_index=None, merged_into=people[1])
    return people, merged


def _clear(person) -> tuple:
    person.refresh_from_db()
    return tuple(services.clear_value(person, f) for f in ("id_number", "phone", "guardian_phone"))


def _ciphers():
    return [
        token for row in Recipient.objects.values_list("id_cipher", "phone_cipher", "guardian_phone_cipher")
        for token in row if token
    ]


@pytest.mark.django_db
def test_rotation_keeps_every_row_readable_and_findable(regions, people):
    officer = people["officer_a"]
    with override_settings(SHEGONG_DATA_KEYS=K1, SHEGONG_INDEX_KEYS=I1):
        persons, merged = _people(regions)
        before = {p.pk: _clear(p) for p in [*persons, merged]}
        assert {crypto.key_id_of(t) for t in _ciphers()} == {"k1"}

    # A new key put first: old rows still decrypt and are still found (the index under i1 is tried too).
    with override_settings(SHEGONG_DATA_KEYS=f"{K2},{K1}", SHEGONG_INDEX_KEYS=f"{I2},{I1}"):
        assert {p.pk: _clear(p) for p in [*persons, merged]} == before
        found = services.find_by_id_number(officer, before[persons[2].pk][0])
        assert [r.pk for r in found] == [persons[2].pk]
        newcomer = make_recipient(persons[0].region_id, "新来的", id_number=id_for(date(2001, 1, 1), 31), phone="13700000000")
        assert crypto.key_id_of(newcomer.id_cipher) == "k2"

        status = io.StringIO()
        call_command("keys", "status", stdout=status)
        table = {line.split()[0]: line.split()[-3:] for line in status.getvalue().splitlines() if line.startswith(("k1", "k2"))}
        assert table == {"k2": ["1", "1", "0"], "k1": ["5", "4", "1"]}
        assert "10 values are not under the current data key" in status.getvalue()

        out = io.StringIO()
        call_command("keys", "rotate", "--batch-size", "2", stdout=out)
        assert "4/6" in out.getvalue()  # progress, batch by batch
        assert {crypto.key_id_of(t) for t in _ciphers()} == {"k2"}
        for person in persons:
            person.refresh_from_db()
            assert person.id_index == crypto.blind_index(before[person.pk][0], "recipient.id_number")
        merged.refresh_from_db()
        assert merged.id_index is None  # a file merged away keeps no index: the survivor owns the number
        run = AuditEntry.objects.filter(action="recipient.keys_rotate").latest("pk")
        assert run.result == "success"
        assert run.detail["rows"] == 6 and run.detail["rows_changed"] == 5
        assert run.detail["values_reencrypted"] == 10 and run.detail["indexes_recomputed"] == 4
        assert run.detail["data_key"] == "k2" and run.detail["index_key"] == "i2"

        call_command("keys", "rotate", stdout=io.StringIO())  # idempotent: nothing left to do
        again = AuditEntry.objects.filter(action="recipient.keys_rotate").latest("pk")
        assert again.pk != run.pk and again.detail["rows_changed"] == 0

    # The old keys removed: everything still opens and is still found.
    with override_settings(SHEGONG_DATA_KEYS=K2, SHEGONG_INDEX_KEYS=I2):
        assert {p.pk: _clear(p) for p in [*persons, merged]} == before
        for person in persons:
            found = services.find_by_id_number(officer, before[person.pk][0])
            assert [r.pk for r in found] == [person.pk]
        status = io.StringIO()
        call_command("keys", "status", stdout=status)
        assert "Every value is under the current data key" in status.getvalue()


@pytest.mark.django_db
def test_rotation_refuses_when_an_old_key_was_removed_too_early(regions):
    with override_settings(SHEGONG_DATA_KEYS=K1, SHEGONG_INDEX_KEYS=I1):
        persons, _merged = _people(regions)
    with override_settings(SHEGONG_DATA_KEYS=K2, SHEGONG_INDEX_KEYS=I2):
        with pytest.raises(crypto.DecryptionError):
            _clear(persons[0])
        status = io.StringIO()
        call_command("keys", "status", stdout=status)
        assert "not listed" in status.getvalue()
        with pytest.raises(CommandError, match="Keep the old keys listed"):
            call_command("keys", "rotate", stdout=io.StringIO())
    failed = AuditEntry.objects.get(action="recipient.keys_rotate")
    assert failed.result == "failure" and "unknown data key 'k1'" in failed.detail["error"]
    with override_settings(SHEGONG_DATA_KEYS=f"{K2},{K1}", SHEGONG_INDEX_KEYS=f"{I2},{I1}"):
        call_command("keys", "rotate", stdout=io.StringIO())  # the old key back: the rotation completes
        assert {crypto.key_id_of(t) for t in _ciphers()} == {"k2"}


class TestDeployCheck:
    def test_derived_keys_fail_the_deploy_check(self):
        with override_settings(SHEGONG_DATA_KEYS="", SHEGONG_INDEX_KEYS=I1):
            with pytest.raises(SystemCheckError, match=r"shegong\.E002"):
                call_command("check", "--deploy", stdout=io.StringIO(), stderr=io.StringIO())

    def test_configured_keys_pass_it(self):
        with override_settings(SHEGONG_DATA_KEYS=K1, SHEGONG_INDEX_KEYS=I1):
            ids = {message.id for message in run_checks(include_deployment_checks=True)}
        assert "shegong.E002" not in ids
