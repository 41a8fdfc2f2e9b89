"""Benchmark the import of a township list of recipients: ours, django-import-export, and COPY.

    .venv/bin/python bench/recipients_import.py [--rows 100000] [--iie-rows N] [--sqlite-only]

Generates (once, cached in var/bench/) an .xlsx of ROWS fictional recipients that looks like a
township list: a title row, Chinese headers, ID numbers as text, villages of 海州街道, categories,
households. Then, on SQLite and on a throwaway PostgreSQL database (postgresql://postgres@127.0.0.1),
each in a fresh process on a freshly migrated database with the 海城市 regions:

* **shegong** — ``imports.create_batch`` + ``check`` (read with python-calamine, validate every ID
  number, match villages, de-duplicate, encrypt) + ``commit`` (all rows in one transaction; COPY
  on PostgreSQL), rows/s end to end and the peak memory (RSS) of the process;
* **django-import-export** — the well-known library on the same file, given the same work per row
  (ID validation, encryption, blind index), its rows/s and peak memory (``--iie-rows`` limits the
  rows it is given, to keep the run short; its rows/s is per row it processed);
* **COPY floor** (PostgreSQL) — the same rows, already encrypted, through ``COPY`` into the
  recipients table with its indexes, in a transaction rolled back: the fastest the database takes them.

Prints one line per figure, and the ratio of ours to the others.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import ROOT, Figure, child, django_env, migrate, pg_reachable, print_figures, throwaway_pg  # noqa: E402

TARGET_RATE = 20_000
TARGET_MB = 500
TARGET_IIE = 10
TOWNSHIP = "210381001"  # 海州街道

SETUP = """
import django
django.setup()
from shegong.accounts.models import RoleAssignment, User
from shegong.regions.loader import default_slice_dir, load_regions
from shegong.regions.models import Region
load_regions(default_slice_dir())
user = User.objects.create(username="bench_worker", name="基准测试")
RoleAssignment.objects.create(user=user, role="worker", region=Region.objects.get(code="{TOWNSHIP}"))
""".replace("{TOWNSHIP}", TOWNSHIP)

OURS = """
import json, resource, sys, time
import django
django.setup()
from django.core.files.uploadedfile import SimpleUploadedFile
from shegong.accounts.models import User
from shegong.recipients import imports
from shegong.recipients.models import Recipient

user = User.objects.get(username="bench_worker")
path = sys.argv[1]
base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
start = time.perf_counter()
with open(path, "rb") as fh:
    upload = SimpleUploadedFile("名单.xlsx", fh.read())
batch = imports.create_batch(user, upload, "{TOWNSHIP}")
del upload
imports.check(batch)
checked = time.perf_counter()
assert batch.state == "validated", (batch.state, batch.message, batch.summary)
result = imports.commit(user, batch)
done = time.perf_counter()
print(json.dumps({
    "rows": Recipient.objects.count(), "summary": batch.summary, "check_s": checked - start,
    "commit_s": done - checked, "total_s": done - start,
    "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, "base_mb": base,
}))
""".replace("{TOWNSHIP}", TOWNSHIP)

IIE = """
import json, resource, sys, time
import django
django.setup()
import tablib
from import_export import fields, resources
from shegong.recipients import idnumber, services
from shegong.recipients.models import Recipient
from shegong.regions.models import Region

VILLAGES = {r.name: r.code for r in Region.objects.filter(parent_id="{TOWNSHIP}")}


class RecipientResource(resources.ModelResource):
    name = fields.Field(attribute="name", column_name="姓名")

    class Meta:
        model = Recipient
        fields = ("name", "id_index", "id_cipher", "id_masked", "region", "sex", "birth_date")
        import_id_fields = ("id_index",)
        use_bulk = False

    def before_import_row(self, row, **kwargs):
        parsed = idnumber.parse(row["身份证号"])
        holder = Recipient()
        services.set_id_number(holder, parsed)
        services.set_phone(holder, row["联系电话"] or "")
        row["id_index"], row["id_cipher"], row["id_masked"] = holder.id_index, holder.id_cipher, holder.id_masked
        row["sex"], row["birth_date"] = holder.sex, holder.birth_date
        row["region"] = VILLAGES[row["所属村(社区)"]]


limit = int(sys.argv[2])
base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
start = time.perf_counter()
with open(sys.argv[1], "rb") as fh:
    data = tablib.Dataset().load(fh.read(), format="xlsx", skip_lines=1)  # the title row
extra = ["id_index", "id_cipher", "id_masked", "sex", "birth_date", "region"]  # filled per row by the hook
dataset = tablib.Dataset(*[list(r) + [""] * len(extra) for r in data[:limit]], headers=list(data.headers) + extra)
rows = dataset
result = RecipientResource().import_data(dataset, dry_run=False, raise_errors=True)
done = time.perf_counter()
assert Recipient.objects.count() == len(rows), "django-import-export did not write every row"
print(json.dumps({"rows": len(rows), "total_s": done - start, "errors": result.has_errors(),
                  "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, "base_mb": base}))
""".replace("{TOWNSHIP}", TOWNSHIP)

COPY_FLOOR = """
import json, sys, time
import django
django.setup()
from python_calamine import CalamineWorkbook
from django.db import connection, transaction
from shegong.recipients import idnumber, pinyin, services
from shegong.recipients.models import Recipient
from shegong.regions.models import Region

villages = {r.name: r.code for r in Region.objects.filter(parent_id="{TOWNSHIP}")}
sheet = CalamineWorkbook.from_path(sys.argv[1]).get_sheet_by_index(0).to_python()
header = sheet[1]
col = {name: i for i, name in enumerate(header)}
rows = []
for raw in sheet[2:]:
    holder = Recipient()
    services.set_id_number(holder, idnumber.parse(raw[col["身份证号"]]))
    services.set_phone(holder, str(raw[col["联系电话"]]))
    name = raw[col["姓名"]]
    rows.append((name, pinyin.full(name), pinyin.initials(name), holder.sex, holder.birth_date, holder.id_cipher,
                 holder.id_index, holder.id_masked, holder.phone_cipher, holder.phone_masked,
                 villages[raw[col["所属村(社区)"]]]))
columns = ("name", "name_pinyin", "name_initials", "sex", "birth_date", "id_cipher", "id_index", "id_masked",
           "phone_cipher", "phone_masked", "region_code")
start = time.perf_counter()
with transaction.atomic():
    with connection.cursor() as cursor:
        raw_cursor = cursor.cursor
        sql = ("COPY recipients_recipient (" + ", ".join(columns) + ", relation, registered_address, current_address, "
               "follow_up_level, self_care, status, guardian_name, guardian_relation, guardian_phone_cipher, "
               "guardian_phone_masked, created_at, updated_at, notes) FROM STDIN")
        with raw_cursor.copy(sql) as copy:
            for row in rows:
                copy.write_row((*row, "", "", "", "general", "unknown", "new", "", "", "", "", "2026-01-01T00:00Z", "2026-01-01T00:00Z", ""))
    elapsed = time.perf_counter() - start
    count = Recipient.objects.count()
    transaction.set_rollback(True)
print(json.dumps({"rows": count, "total_s": elapsed}))
""".replace("{TOWNSHIP}", TOWNSHIP)


def generate(path: Path, rows: int) -> None:
    """A township list of ``rows`` fictional people (deterministic), written with openpyxl."""
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "shegong.settings"}
    code = f"""
import random, sys
from datetime import date, timedelta
import django
django.setup()
from openpyxl import Workbook
from shegong.recipients import idnumber
from shegong.recipients.demo import GIVEN_F, GIVEN_M, SURNAMES
from shegong.regions.loader import default_slice_dir
import csv
villages = [r["name"] for r in csv.DictReader(open(default_slice_dir() / "villages.csv", encoding="utf-8")) if r["streetCode"] == "{TOWNSHIP}"]
rng = random.Random(100000)
wb = Workbook(write_only=True)
ws = wb.create_sheet("名单")
ws.append(["海城市海州街道2026年低保及特困人员花名册"])
ws.append(["序号", "姓名", "性别", "身份证号", "联系电话", "所属村(社区)", "现住址", "人员类别", "户主姓名", "与户主关系"])
used = set()
cats = ["低保", "低保", "低保", "特困", "低保、残疾人", "低保边缘", "独居老人", "留守儿童"]
for i in range({rows}):
    sex = rng.choice(["男", "女"])
    while True:
        birth = date(1930, 1, 1) + timedelta(days=rng.randint(0, 33000))
        seq = rng.randint(0, 499) * 2 + (1 if sex == "男" else 0)
        number = idnumber.with_check_digit(f"210381{{birth:%Y%m%d}}{{seq:03d}}")
        if number not in used:
            used.add(number)
            break
    name = rng.choice(SURNAMES) + rng.choice(GIVEN_M if sex == "男" else GIVEN_F)
    village = rng.choice(villages)
    ws.append([i + 1, name, sex, number, f"139{{rng.randint(0, 99999999):08d}}", village, f"海城市海州街道{{village}}{{rng.randint(1, 300)}}号",
               rng.choice(cats), name, "户主"])
wb.save(sys.argv[1])
"""
    subprocess.run([sys.executable, "-c", code, str(path)], cwd=ROOT, env=env, check=True)


def fresh(database_url: str, var_dir: str) -> dict:
    env = django_env(database_url, var_dir)
    migrate(env)
    child(SETUP + "\nprint('{}')", env)
    return env


def run_backend(label: str, make_db, workbook: Path, rows: int, iie_rows: int) -> list[Figure]:
    with tempfile.TemporaryDirectory(prefix="shegong-bench-") as var_dir:
        with make_db(var_dir, "a") as url:
            ours = child(OURS, fresh(url, var_dir), workbook)
        assert ours["rows"] == rows, ours
        with make_db(var_dir, "b") as url:
            iie = child(IIE, fresh(url, var_dir), workbook, iie_rows)
        floor = None
        if label == "postgresql":
            with make_db(var_dir, "c") as url:
                floor = child(COPY_FLOOR, fresh(url, var_dir), workbook)
    rate = rows / ours["total_s"]
    iie_rate = iie["rows"] / iie["total_s"]
    what = f"import of a {rows:,}-row recipient .xlsx, end to end"
    return [
        Figure(what, label, rate, "rows/s", target=f"≥ {TARGET_RATE:,} rows/s", met=rate >= TARGET_RATE,
               floor=floor["rows"] / floor["total_s"] if floor else None,
               note=f"{ours['total_s']:.1f} s: check {ours['check_s']:.1f} + commit {ours['commit_s']:.1f}"),
        Figure("import: peak memory of the process", label, ours["peak_mb"], "MB", target=f"< {TARGET_MB} MB",
               met=ours["peak_mb"] < TARGET_MB, note=f"process at start {ours['base_mb']:,.0f} MB"),
        Figure("import: times the throughput of django-import-export", label, rate / iie_rate, "×",
               target=f"≥ {TARGET_IIE}×", met=rate / iie_rate >= TARGET_IIE,
               note=f"django-import-export {iie_rate:,.0f} rows/s on {iie['rows']:,} rows, peak {iie['peak_mb']:,.0f} MB"),
    ]


def workbook_for(rows: int) -> Path:
    cache = ROOT / "var" / "bench"
    cache.mkdir(parents=True, exist_ok=True)
    workbook = cache / f"recipients_{rows}.xlsx"
    if not workbook.exists():
        print(f"generating {workbook} …", flush=True)
        generate(workbook, rows)
    return workbook


class _SqliteDb:
    def __init__(self, var_dir, tag):
        self.url = f"sqlite:///{var_dir}/bench_{tag}.sqlite3"

    def __enter__(self):
        return self.url

    def __exit__(self, *exc):
        return False


def measure(rows: int = 100_000, iie_rows: int | None = None, postgres: bool = True) -> list[Figure]:
    workbook = workbook_for(rows)
    iie_rows = iie_rows or min(rows, 20_000)
    figures = run_backend("sqlite", _SqliteDb, workbook, rows, iie_rows)
    if postgres and pg_reachable():
        figures += run_backend("postgresql", lambda var_dir, tag: throwaway_pg(f"import_{tag}"), workbook, rows, iie_rows)
    return figures


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--iie-rows", type=int, default=None, help="rows given to django-import-export (default: 20,000; it runs ~700 rows/s)")
    parser.add_argument("--sqlite-only", action="store_true")
    args = parser.parse_args()
    figures = measure(args.rows, args.iie_rows, postgres=not args.sqlite_only)
    print_figures(figures)
    for f in figures:
        print(f"  {f.backend}: {f.what}: {f.note}")


if __name__ == "__main__":
    main()
