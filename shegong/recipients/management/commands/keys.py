"""``shegong keys generate | status | rotate``: the keys that protect ID and phone numbers at rest.

A rotation, step by step:

1. ``shegong keys generate`` twice: one new data key, one new index key.
2. Put each first in its variable, keeping the old ones listed after it
   (``SHEGONG_DATA_KEYS="k2:…,k1:…"``, ``SHEGONG_INDEX_KEYS="i2:…,i1:…"``) and restart. New values
   are written under the new keys at once; old rows still decrypt (each names its key) and are
   still found by ID number (lookups try every listed index key).
3. ``shegong keys rotate``: every row is rewritten under the current keys, in batches of 2,000, each
   batch in its own transaction. It can be interrupted and run again: rows already under the
   current keys are left alone.
4. ``shegong keys status`` shows no row left under the old data key: remove the old keys.
"""

from __future__ import annotations

import re

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone

from shegong.core import audit, crypto
from shegong.recipients.models import GUARDIAN_PHONE_PURPOSE, ID_PURPOSE, PHONE_PURPOSE, Recipient

BATCH_SIZE = 2000
# Every encrypted column of the project, with the purpose its ciphertexts are bound to.
ENCRYPTED = (
    ("id_cipher", ID_PURPOSE, "id_number"),
    ("phone_cipher", PHONE_PURPOSE, "phone"),
    ("guardian_phone_cipher", GUARDIAN_PHONE_PURPOSE, "guardian_phone"),
)
_KEY_ID = re.compile(r"^[A-Za-z0-9_.-]{1,20}$")


class Command(BaseCommand):
    help = (
        "个人信息加密密钥 / Keys of the personal-data encryption. "
        "`keys generate` prints a new key line, `keys status` shows the keys in use, "
        "`keys rotate` rewrites every row under the current keys."
    )

    def add_arguments(self, parser):
        actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
        generate = actions.add_parser(
            "generate",
            help="生成新密钥 / print a new key line (id:base64)",
            description=(
                "打印一行新密钥，放在 SHEGONG_DATA_KEYS 或 SHEGONG_INDEX_KEYS 的最前面；两个变量须用不同的密钥。 / "
                "Print a new key line to put first in SHEGONG_DATA_KEYS or SHEGONG_INDEX_KEYS; "
                "the two variables need different keys, so run this twice."
            ),
        )
        generate.add_argument("--id", dest="key_id", metavar="ID",
                              help="密钥编号（默认 k+日期） / key id (default k + today's date)")
        actions.add_parser(
            "status",
            help="显示密钥与各密钥下的数据行数 / show the keys and how many values each data key holds",
        )
        rotate = actions.add_parser(
            "rotate",
            help="用当前密钥重新加密全部数据 / rewrite every value under the current keys",
            description=(
                "用当前数据密钥重新加密身份证号和电话，用当前索引密钥重算查找索引；可中断后重新运行。 / "
                "Re-encrypt ID and phone numbers under the current data key and recompute the lookup "
                "index under the current index key; safe to interrupt and run again."
            ),
        )
        rotate.add_argument("--batch-size", type=int, default=BATCH_SIZE, help="每批行数 / rows per transaction")

    def handle(self, *args, action, **options):
        try:
            ring = crypto.keyring()
        except Exception as exc:  # ImproperlyConfigured: say which variable is wrong, without a traceback
            raise CommandError(str(exc)) from exc
        if action == "generate":
            self.generate(options.get("key_id"))
        elif action == "status":
            self.status(ring)
        elif action == "rotate":
            if options["batch_size"] < 1:
                raise CommandError("--batch-size 须为正数 / --batch-size must be positive")
            self.rotate(ring, options["batch_size"])

    # --- generate -------------------------------------------------------------------------------

    def generate(self, key_id: str | None) -> None:
        """One ``id:base64`` line on stdout (so it can be pasted or scripted), advice on stderr."""
        key_id = key_id or f"k{timezone.localdate():%Y%m%d}"
        if not _KEY_ID.match(key_id):
            raise CommandError(
                "密钥编号只能含字母、数字、点、横线、下划线，最长 20 个字符 / "
                "a key id holds letters, digits, '.', '-' and '_' only, 20 at most"
            )
        self.stdout.write(f"{key_id}:{crypto.generate_key()}")
        self.stderr.write(
            "把这一行放在变量最前面，旧密钥留在后面直到 `shegong keys rotate` 完成。 / "
            "Put this line first in the variable, keep the old keys after it until `shegong keys rotate` is done."
        )

    # --- status ---------------------------------------------------------------------------------

    def status(self, ring: crypto.Keyring) -> None:
        if ring.derived:
            self.stdout.write(self.style.WARNING(
                "未配置密钥：当前密钥由 SECRET_KEY 派生，仅可用于演示。 / "
                "No keys configured: the keys are derived from SECRET_KEY, fit for a demo only."
            ))
        self.stdout.write(f"数据密钥 / data keys (SHEGONG_DATA_KEYS): {_ids(ring.data)}")
        self.stdout.write(f"索引密钥 / index keys (SHEGONG_INDEX_KEYS): {_ids(ring.index)}")
        counts = count_by_data_key(ring)
        labels = [label for _attr, _purpose, label in ENCRYPTED]
        self.stdout.write("")
        self.stdout.write(f"{'key':<24}" + "".join(f"{label:>16}" for label in labels))
        for kid, row in counts.items():
            name = kid if kid is not None else "未列出 / not listed"
            if kid == ring.data[0][0]:
                name += " (current)"
            self.stdout.write(f"{name:<24}" + "".join(f"{row[label]:>16}" for label in labels))
        stale = sum(n for kid, row in counts.items() if kid != ring.data[0][0] for n in row.values())
        indexed = Recipient._base_manager.filter(id_index__isnull=False).count()
        self.stdout.write("")
        self.stdout.write(
            f"{indexed} 个身份证号查找索引；索引不记录密钥编号，`keys rotate` 会全部按当前索引密钥重算。 / "
            f"{indexed} ID lookup indexes; an index names no key, `keys rotate` recomputes each under the current index key."
        )
        if stale:
            self.stdout.write(self.style.WARNING(
                f"{stale} 个值不在当前数据密钥下：运行 `shegong keys rotate`。 / "
                f"{stale} values are not under the current data key: run `shegong keys rotate`."
            ))
        else:
            self.stdout.write(self.style.SUCCESS("所有值都在当前数据密钥下。 / Every value is under the current data key."))

    # --- rotate ---------------------------------------------------------------------------------

    def rotate(self, ring: crypto.Keyring, batch_size: int) -> None:
        total = Recipient._base_manager.count()
        data_kid, index_kid = ring.data[0][0], ring.index[0][0]
        self.stdout.write(f"→ {total} 行，数据密钥 {data_kid}，索引密钥 {index_kid} / {total} rows, data key {data_kid}, index key {index_kid}")
        counts = {"rows": 0, "rows_changed": 0, "values_reencrypted": 0, "indexes_recomputed": 0}
        last_pk = 0
        try:
            while True:
                done = rotate_batch(after_pk=last_pk, size=batch_size, current_data_key=data_kid)
                if done is None:
                    break
                last_pk, batch_counts = done
                for key, value in batch_counts.items():
                    counts[key] += value
                self.stdout.write(f"  {counts['rows']}/{total} …")
        except crypto.DecryptionError as exc:
            audit.record("recipient.keys_rotate", result=audit.Result.FAILURE, region_code="",
                         detail={**counts, "data_key": data_kid, "index_key": index_kid, "error": str(exc)})
            raise CommandError(
                f"{exc}。旧密钥须保留在 SHEGONG_DATA_KEYS 中直到轮换完成；已完成的批次已保存，可重新运行。 / "
                f"{exc}. Keep the old keys listed in SHEGONG_DATA_KEYS until the rotation is done; "
                "the batches done so far are saved, run it again."
            ) from exc
        audit.record("recipient.keys_rotate", region_code="", detail={**counts, "data_key": data_kid, "index_key": index_kid})
        self.stdout.write(self.style.SUCCESS(
            f"完成：{counts['rows_changed']} 行已改写（{counts['values_reencrypted']} 个值重新加密，"
            f"{counts['indexes_recomputed']} 个索引重算）。 / Done: {counts['rows_changed']} rows rewritten "
            f"({counts['values_reencrypted']} values re-encrypted, {counts['indexes_recomputed']} indexes recomputed)."
        ))


def _ids(keys) -> str:
    return ", ".join(f"{kid} (current)" if i == 0 else kid for i, (kid, _key) in enumerate(keys))


def count_by_data_key(ring: crypto.Keyring) -> dict[str | None, dict[str, int]]:
    """How many values of each encrypted column are under each listed data key (``None``: under
    a key no longer listed, which cannot be decrypted). One query per column."""
    result: dict[str | None, dict[str, int]] = {kid: {} for kid, _key in ring.data}
    result[None] = {}
    for attr, _purpose, label in ENCRYPTED:
        per_key = {f"k{i}": Count("pk", filter=Q(**{f"{attr}__startswith": f"{kid}$"})) for i, (kid, _key) in enumerate(ring.data)}
        row = Recipient._base_manager.aggregate(total=Count("pk", filter=~Q(**{attr: ""})), **per_key)
        for i, (kid, _key) in enumerate(ring.data):
            result[kid][label] = row[f"k{i}"]
        result[None][label] = row["total"] - sum(row[f"k{i}"] for i in range(len(ring.data)))
    if not any(result[None].values()):
        del result[None]
    return result


def rotate_batch(*, after_pk: int, size: int, current_data_key: str) -> tuple[int, dict] | None:
    """Rewrite the next ``size`` rows after ``after_pk`` under the current keys, in one
    transaction with the rows locked (so a concurrent edit is not overwritten by a stale value).
    Returns the last pk and the counts, or None when no row is left."""
    counts = {"rows": 0, "rows_changed": 0, "values_reencrypted": 0, "indexes_recomputed": 0}
    with transaction.atomic():
        rows = list(
            Recipient._base_manager.select_for_update().filter(pk__gt=after_pk).order_by("pk")
            .only("pk", "id_index", *(attr for attr, _p, _l in ENCRYPTED))[:size]
        )
        if not rows:
            return None
        changed = []
        for row in rows:
            if _rotate_row(row, current_data_key, counts):
                changed.append(row)
        Recipient._base_manager.bulk_update(changed, ["id_index", *(attr for attr, _p, _l in ENCRYPTED)], batch_size=500)
    counts["rows"] = len(rows)
    counts["rows_changed"] = len(changed)
    return rows[-1].pk, counts


def _rotate_row(row: Recipient, current_data_key: str, counts: dict) -> bool:
    """Re-encrypt the row's values not under the current data key and recompute its ID index
    (a row without an index — a file merged away — keeps none). Whether anything changed."""
    dirty = False
    for attr, purpose, _label in ENCRYPTED:
        token = getattr(row, attr)
        if token and crypto.key_id_of(token) != current_data_key:
            try:
                clear = crypto.decrypt(token, purpose)
            except crypto.DecryptionError as exc:
                raise crypto.DecryptionError(f"recipient {row.pk}, {attr}: {exc}") from exc
            setattr(row, attr, crypto.encrypt(clear, purpose))
            counts["values_reencrypted"] += 1
            dirty = True
    if row.id_index is not None and row.id_cipher:
        fresh = crypto.blind_index(crypto.decrypt(row.id_cipher, ID_PURPOSE), ID_PURPOSE)
        if fresh != row.id_index:
            row.id_index = fresh
            counts["indexes_recomputed"] += 1
            dirty = True
    return dirty
