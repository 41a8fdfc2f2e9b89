"""What the benchmarks share: databases to measure on, child processes, figures, the machine."""

from __future__ import annotations

import json
import os
import platform
import sqlite3
import subprocess
import sys
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PG_SERVER = os.environ.get("SHEGONG_BENCH_PG", "postgresql://postgres@127.0.0.1:5432")
REGIONS_DIR = ROOT.parent / "shared" / "data" / "regions"


# Start of a measuring child process: Django set up; with ``build == "county"`` (its second argument) a
# fresh database gets the 海城市 regions and ``shegong generate --preset county`` first.
CHILD_START = r"""
import json, statistics, sys, time
import django
django.setup()
from django.core.management import call_command
from django.test.utils import setup_test_environment

setup_test_environment()
if sys.argv[2] == "county":
    call_command("migrate", verbosity=0)
    call_command("regions", "load", verbosity=0)
    call_command("generate", preset="county", verbosity=0)
call_command("collectstatic", interactive=False, verbosity=0)
"""


@dataclass
class Figure:
    """One measured figure, beside its floor (the same work in raw SQL or COPY) and its target."""

    what: str
    backend: str
    value: float
    unit: str  # "ms", "s", "rows/s", "MB", "%"
    target: str = ""
    met: bool | None = None  # None: no target for this figure
    floor: float | None = None  # in the same unit
    note: str = ""
    scale: str = ""

    @property
    def ratio(self) -> float | None:
        """How far from the floor: time over floor time, or floor rate over our rate (≥ 1 is slower)."""
        if not self.floor or not self.value:
            return None
        return self.floor / self.value if self.unit == "rows/s" else self.value / self.floor

    def as_dict(self) -> dict:
        return {**asdict(self), "ratio": self.ratio}


def fmt(value: float, unit: str) -> str:
    if unit == "rows/s":
        return f"{value:,.0f} rows/s"
    if unit == "ms":
        return f"{value:,.2f} ms" if value < 10 else f"{value:,.1f} ms"
    if unit == "%":
        return f"{value:.2f} %"
    if unit == "MB":
        return f"{value:,.0f} MB"
    return f"{value:,.1f} {unit}"


def print_figures(figures: list[Figure]) -> None:
    for f in figures:
        ratio = f"{f.ratio:6.1f}× floor ({fmt(f.floor, f.unit)})" if f.ratio else ""
        verdict = {True: "met", False: "MISSED", None: ""}[f.met]
        print(f"{f.backend:<10} {f.what:<58} {fmt(f.value, f.unit):>16}  {ratio:<34} {f.target:<18} {verdict}", flush=True)


def child(code: str, env: dict, *args, timeout: float | None = None) -> dict:
    """Run ``python -c code args`` and return the JSON object on its last line of output."""
    done = subprocess.run([sys.executable, "-c", code, *map(str, args)], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=timeout)
    if done.returncode:
        sys.stderr.write(done.stderr[-4000:])
        raise SystemExit(f"benchmark step failed ({done.returncode})")
    return json.loads(done.stdout.strip().splitlines()[-1])


def django_env(database_url: str, var_dir: str | Path, **extra) -> dict:
    return {**os.environ, "DATABASE_URL": database_url, "SHEGONG_VAR_DIR": str(var_dir),
            "DJANGO_SETTINGS_MODULE": "shegong.settings", **extra}


def migrate(env: dict) -> None:
    subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True)


def pg_reachable() -> bool:
    try:
        import psycopg

        with psycopg.connect(f"{PG_SERVER}/postgres", connect_timeout=3):
            return True
    except Exception as exc:  # noqa: BLE001 - any failure means "not here"
        print(f"PostgreSQL not reachable, skipped: {exc}".strip(), flush=True)
        return False


def pg_exists(name: str) -> bool:
    import psycopg

    with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as conn:
        return conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone() is not None


def pg_create(name: str) -> str:
    import psycopg

    with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    return f"{PG_SERVER}/{name}"


def pg_drop(name: str) -> None:
    import psycopg

    with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextmanager
def throwaway_pg(tag: str):
    """A fresh PostgreSQL database for one measurement, dropped afterwards."""
    name = f"shegong_bench_{os.getpid()}_{tag}"
    url = pg_create(name)
    try:
        yield url
    finally:
        pg_drop(name)


def machine() -> dict:
    """What the figures were measured on."""
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = ""
    try:
        kb = int(Path("/proc/meminfo").read_text().split()[1])
        memory = f"{kb / 1024 / 1024:.0f} GiB"
    except (OSError, ValueError, IndexError):
        pass
    postgres = ""
    try:
        import psycopg

        with psycopg.connect(f"{PG_SERVER}/postgres", connect_timeout=3) as conn:
            postgres = conn.execute("SHOW server_version").fetchone()[0].split()[0]
    except Exception:  # noqa: BLE001
        postgres = "not reachable"
    return {"cpu": cpu, "cores": os.cpu_count(), "memory": memory, "python": platform.python_version(),
            "sqlite": sqlite3.sqlite_version, "postgresql": postgres, "os": platform.platform(terse=True)}


def at_scales(name: str, run, scale: str, requests: int, postgres: bool = True, sqlite: bool = True) -> list:
    """``run(label, database_url, var_dir, requests, build, scale)`` on each database asked for: at
    county scale on fresh ones built for the purpose (``var/bench/<name>``, a throwaway PostgreSQL
    database), at province scale on the databases ``bench/province.py`` built once."""
    from pathlib import Path

    figures = []
    if scale == "county":
        folder = ROOT / "var" / "bench" / name
        folder.mkdir(parents=True, exist_ok=True)
        if sqlite:
            db = folder / f"{name}.sqlite3"
            for suffix in ("", "-wal", "-shm"):
                Path(f"{db}{suffix}").unlink(missing_ok=True)
            figures += run("sqlite", f"sqlite:///{db}", str(folder), requests, "county", scale)
        if postgres and pg_reachable():
            with throwaway_pg(name) as url:
                figures += run("postgresql", url, str(folder), requests, "county", scale)
        return figures
    from province import VAR_DIR, database_urls

    found = database_urls()
    if sqlite and found.get("sqlite"):
        figures += run("sqlite", found["sqlite"], str(VAR_DIR), requests, "none", scale)
    if postgres and found.get("postgresql"):
        figures += run("postgresql", found["postgresql"], str(VAR_DIR), requests, "none", scale)
    return figures
