"""Benchmark ``regions load`` on the national set: SQLite, and PostgreSQL when reachable.

    .venv/bin/python bench/regions_load.py [DIR]

DIR defaults to ../shared/data/regions (beside the checkout). Each backend gets a fresh database
(a temporary SQLite file; a throwaway PostgreSQL database ``shegong_bench_<pid>`` on
postgresql://postgres@127.0.0.1:5432, dropped afterwards), migrated in a subprocess; then a
second subprocess loads the files twice in-process and reports both timings (the second run is
the idempotent one: everything unchanged). Only the load is timed, not Django's start-up.
"""

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DIR = ROOT.parent / "shared" / "data" / "regions"
PG_SERVER = "postgresql://postgres@127.0.0.1:5432"

CHILD = """
import json, resource, sys, time
import django
django.setup()
from django.db import connection
from shegong.regions.loader import load_regions
from shegong.regions.models import Region

first = load_regions(sys.argv[1])
second = load_regions(sys.argv[1])
print(json.dumps({
    "vendor": connection.vendor,
    "first": vars(first),
    "second": vars(second),
    "count": Region.objects.count(),
    "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
}))
"""


def run_backend(label: str, database_url: str, data_dir: Path) -> None:
    with tempfile.TemporaryDirectory(prefix="shegong-bench-") as var_dir:
        env = {
            **os.environ,
            "DATABASE_URL": database_url.replace("{var}", var_dir),
            "SHEGONG_VAR_DIR": var_dir,
            "DJANGO_SETTINGS_MODULE": "shegong.settings",
        }
        subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True)
        done = subprocess.run(
            [sys.executable, "-c", CHILD, str(data_dir)], cwd=ROOT, env=env, check=True, capture_output=True, text=True
        )
    result = json.loads(done.stdout.strip().splitlines()[-1])
    first, second = result["first"], result["second"]
    rows = first["total"]
    assert first["added"] == rows and result["count"] == rows, result
    assert second["unchanged"] == rows and second["added"] == second["changed"] == 0, result
    print(
        f"regions.load {label:<10} {rows:,} rows  {first['seconds']:.1f} s  "
        f"{rows / first['seconds']:,.0f} rows/s  (re-run {second['seconds']:.1f} s)  "
        f"peak {result['peak_mb']:,.0f} MB",
        flush=True,
    )


def postgres_reachable() -> bool:
    try:
        import psycopg

        with psycopg.connect(f"{PG_SERVER}/postgres", connect_timeout=3):
            return True
    except Exception as exc:  # noqa: BLE001 - any failure means "not here"
        print(f"regions.load postgresql skipped: {exc}".strip(), flush=True)
        return False


def main() -> None:
    data_dir = Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_DIR
    if not data_dir.is_dir():
        sys.exit(f"no such directory: {data_dir}")

    run_backend("sqlite", "sqlite:///{var}/bench.sqlite3", data_dir)

    if postgres_reachable():
        import psycopg

        name = f"shegong_bench_{os.getpid()}"
        with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        try:
            run_backend("postgresql", f"{PG_SERVER}/{name}", data_dir)
        finally:
            with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


if __name__ == "__main__":
    main()
