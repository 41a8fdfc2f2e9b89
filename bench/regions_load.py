"""Benchmark ``regions load`` on the national set: SQLite, and PostgreSQL when reachable.

    .venv/bin/python bench/regions_load.py [DIR]

DIR defaults to ../shared/data/regions (beside the checkout). Each backend gets a fresh database
(a temporary SQLite file; a throwaway PostgreSQL database, dropped afterwards), migrated in a
subprocess; then a second subprocess times the floor (the same rows, already read, straight into
the region table: ``COPY`` on PostgreSQL, one ``executemany`` on SQLite, rolled back), then loads
the files twice in-process (the second run is the idempotent one: everything unchanged). Only the
load is timed, not Django's start-up.
"""

import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import REGIONS_DIR, Figure, child, django_env, migrate, pg_reachable, print_figures, throwaway_pg  # noqa: E402

DEFAULT_DIR = REGIONS_DIR
TARGET_S = 30.0

CHILD = """
import csv, json, resource, sys, time
from pathlib import Path
import django
django.setup()
from django.db import connection, transaction
from shegong.regions.loader import load_regions
from shegong.regions.models import Region

folder = Path(sys.argv[1])
rows = []
for level, name in enumerate(("provinces", "cities", "areas", "streets", "villages"), start=1):
    parent = {1: None, 2: "provinceCode", 3: "cityCode", 4: "areaCode", 5: "streetCode"}[level]
    with open(folder / f"{name}.csv", encoding="utf-8") as fh:
        for r in csv.DictReader(fh):
            rows.append((r["code"], r["name"], level, r[parent] if parent else None))
table = Region._meta.db_table
start = time.perf_counter()
with transaction.atomic():
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {table} (code, name, level, parent_code) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            cursor.executemany(f"INSERT INTO {table} (code, name, level, parent_code) VALUES (%s, %s, %s, %s)", rows)
    floor = time.perf_counter() - start
    transaction.set_rollback(True)
del rows
first = load_regions(sys.argv[1])
second = load_regions(sys.argv[1])
print(json.dumps({
    "vendor": connection.vendor,
    "first": vars(first),
    "second": vars(second),
    "floor_s": floor,
    "count": Region.objects.count(),
    "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
}))
"""


def run_backend(label: str, database_url: str, data_dir: Path) -> list[Figure]:
    with tempfile.TemporaryDirectory(prefix="shegong-bench-") as var_dir:
        env = django_env(database_url.replace("{var}", var_dir), var_dir)
        migrate(env)
        result = child(CHILD, env, data_dir)
    first, second = result["first"], result["second"]
    rows = first["total"]
    assert first["added"] == rows and result["count"] == rows, result
    assert second["unchanged"] == rows and second["added"] == second["changed"] == 0, result
    return [
        Figure("national region tree load (665k rows, checked, idempotent)", label, first["seconds"], "s",
               target=f"< {TARGET_S:.0f} s", met=first["seconds"] < TARGET_S, floor=result["floor_s"],
               note=f"{rows:,} rows, {rows / first['seconds']:,.0f} rows/s; re-run {second['seconds']:.1f} s; "
                    f"peak {result['peak_mb']:,.0f} MB"),
    ]


def measure(data_dir: Path = DEFAULT_DIR, postgres: bool = True) -> list[Figure]:
    if not data_dir.is_dir():
        sys.exit(f"no such directory: {data_dir} (the five CSV files of the national region set)")
    figures = run_backend("sqlite", "sqlite:///{var}/bench.sqlite3", data_dir)
    if postgres and pg_reachable():
        with throwaway_pg("regions") as url:
            figures += run_backend("postgresql", url, data_dir)
    return figures


def main() -> None:
    data_dir = Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_DIR
    figures = measure(data_dir)
    print_figures(figures)
    for f in figures:
        print(f"  {f.backend}: {f.note}")


if __name__ == "__main__":
    main()
