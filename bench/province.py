"""The province-scale databases the benchmarks read: 辽宁省 on its real region tree, generated once.

    .venv/bin/python bench/province.py [--backend postgresql|sqlite|both] [--rebuild]

Builds what is missing (or everything, with ``--rebuild``): migrate, ``shegong regions load
<national set> --under 21`` (辽宁省 and its ancestors), ``shegong generate --preset province``
(1,406 townships × 1,735 recipients, three years of casework to a fixed day, so every build holds
the same people). PostgreSQL: database ``shegong_bench_province``; SQLite: a file under
var/bench/province/. Both share that folder as their var dir (the keys that encrypted the data).
Each build's time, rows and peak memory are kept beside it (``build_<backend>.json``) and
reported by ``bench/run.py``. About 40 minutes on PostgreSQL and 25 on SQLite on 2 cores.
"""

from __future__ import annotations

import argparse
import json
import re
import resource
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import PG_SERVER, REGIONS_DIR, ROOT, Figure, django_env, pg_create, pg_exists, pg_reachable  # noqa: E402

VAR_DIR = ROOT / "var" / "bench" / "province"
PG_NAME = "shegong_bench_province"
SQLITE = VAR_DIR / "province.sqlite3"
END = "2026-11-22"
TARGET_S = 3600


def _url(backend: str) -> str:
    return f"{PG_SERVER}/{PG_NAME}" if backend == "postgresql" else f"sqlite:///{SQLITE}"


def _record(backend: str) -> Path:
    return VAR_DIR / f"build_{backend}.json"


def built(backend: str) -> bool:
    """A finished build: its record is written only after ``generate`` succeeded."""
    if not _record(backend).exists():
        return False
    if backend == "postgresql":
        return pg_reachable() and pg_exists(PG_NAME)
    return SQLITE.exists()


def database_urls() -> dict[str, str]:
    return {backend: _url(backend) for backend in ("postgresql", "sqlite") if built(backend)}


def build(backend: str) -> dict:
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    _record(backend).unlink(missing_ok=True)
    if backend == "postgresql":
        pg_create(PG_NAME)
    else:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{SQLITE}{suffix}").unlink(missing_ok=True)
    env = django_env(_url(backend), VAR_DIR)
    shegong = [str(ROOT / ".venv" / "bin" / "shegong")] if (ROOT / ".venv" / "bin" / "shegong").exists() else [
        sys.executable, "-m", "shegong.cli"]
    subprocess.run([*shegong, "migrate", "-v0"], cwd=ROOT, env=env, check=True)
    t = time.perf_counter()
    subprocess.run([*shegong, "regions", "load", str(REGIONS_DIR), "--under", "21"], cwd=ROOT, env=env, check=True)
    regions_s = time.perf_counter() - t
    t = time.perf_counter()
    out = subprocess.Popen([*shegong, "generate", "--preset", "province", "--end", END], cwd=ROOT, env=env,
                           stdout=subprocess.PIPE, text=True)
    last = ""
    for line in out.stdout:
        last = line if "rows in" in line else last
        if line.startswith("township ") and int(line.split()[1].split("/")[0]) % 50 == 0:
            print(f"  {backend}: {line.strip()}", flush=True)
        elif not line.startswith("township "):
            print(f"  {backend}: {line.rstrip()}", flush=True)
    if out.wait():
        raise SystemExit(f"shegong generate failed on {backend}")
    seconds = time.perf_counter() - t
    rows = int(re.match(r"([\d,]+) rows in", last.strip()).group(1).replace(",", ""))
    record = {"backend": backend, "seconds": seconds, "rows": rows, "regions_s": regions_s,
              "peak_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024, "end": END}
    _record(backend).write_text(json.dumps(record))
    return record


def ensure(backends: list[str], rebuild: bool = False) -> None:
    for backend in backends:
        if backend == "postgresql" and not pg_reachable():
            continue
        if rebuild or not built(backend):
            print(f"building the province on {backend} (this takes a while) …", flush=True)
            build(backend)


def figures() -> list[Figure]:
    """The build of each province database, against the target of an hour."""
    found = []
    for backend in ("sqlite", "postgresql"):
        if _record(backend).exists():
            r = json.loads(_record(backend).read_text())
            found.append(Figure("shegong generate --preset province (辽宁省, 1,406 townships)", backend, r["seconds"] / 60,
                                "min", target="< 60 min", met=r["seconds"] < TARGET_S, scale="province",
                                note=f"{r['rows']:,} rows, {r['rows'] / r['seconds']:,.0f} rows/s, peak {r['peak_mb']:,.0f} MB"))
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", choices=("postgresql", "sqlite", "both"), default="both")
    parser.add_argument("--rebuild", action="store_true")
    args = parser.parse_args()
    ensure(["postgresql", "sqlite"] if args.backend == "both" else [args.backend], args.rebuild)
    for f in figures():
        print(f"{f.backend}: {f.what}: {f.value:.1f} min ({f.note})")


if __name__ == "__main__":
    main()
