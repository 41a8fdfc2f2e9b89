"""Every benchmark for the performance targets (DESIGN §5), on SQLite and PostgreSQL, in one command.

    .venv/bin/python bench/run.py [--scale county|province] [--only regions,import,pages,load] [--write]

Runs, each in fresh processes:

* ``regions`` — the national region tree load (665k rows), beside COPY / executemany of the same rows;
* ``import``  — a 100,000-row recipient .xlsx, end to end, beside django-import-export and COPY;
* ``pages``   — list and search pages, a recipient's file and timeline, exact search by ID number,
  as a social worker, a county official and (at province scale) a province official, beside the
  pages' own SQL run raw;
* ``load``    — 50 users at once through gunicorn with locust (PostgreSQL), p50 / p95 / p99 and errors.

``--scale province`` measures pages and load on 辽宁省 (2.4 million recipients), building the
province databases first when they are missing (``bench/province.py``: about 40 minutes on
PostgreSQL, 25 on SQLite; kept under var/bench/ for the next run). Prints every figure beside its
floor and target; ``--write`` also puts them in docs/performance.md (between its "bench/run.py"
markers) with the date, the commands and the machine. Run it on a quiet machine: anything else
running on the two cores shows in the figures.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import load  # noqa: E402
import pages  # noqa: E402
import province  # noqa: E402
import recipients_import  # noqa: E402
import regions_load  # noqa: E402
from common import ROOT, Figure, fmt, machine, print_figures  # noqa: E402

PARTS = ("regions", "import", "pages", "load")
DOC = ROOT / "docs" / "performance.md"
BEGIN = "<!-- bench/run.py: begin (generated; edit the text around it, not inside) -->"
END = "<!-- bench/run.py: end -->"


def collect(scale: str, parts: list[str], requests: int, users: int, seconds: int) -> list[Figure]:
    figures: list[Figure] = []
    if scale == "province" and {"pages", "load"} & set(parts):
        province.ensure(["postgresql", "sqlite"])
        figures += province.figures()
    for part in parts:
        started = time.perf_counter()
        print(f"== {part} …", flush=True)
        if part == "regions":
            found = regions_load.measure()
        elif part == "import":
            found = recipients_import.measure()
        elif part == "pages":
            found = pages.measure(scale, requests)
        else:
            found = load.measure(scale, users, seconds, ("postgresql",))
        for f in found:
            f.scale = f.scale or ("national" if part == "regions" else "100,000 rows" if part == "import" else scale)
        print_figures(found)
        print(f"   ({time.perf_counter() - started:.0f} s)", flush=True)
        figures += found
    return figures


def table(figures: list[Figure]) -> str:
    lines = ["| what | backend | scale | figure | floor | × floor | target | |",
             "|---|---|---|---|---|---|---|---|"]
    for f in figures:
        floor = fmt(f.floor, f.unit) if f.floor else "—"
        ratio = f"{f.ratio:.1f}×" if f.ratio else "—"
        verdict = {True: "met", False: "**missed**", None: ""}[f.met]
        lines.append(f"| {f.what} | {f.backend} | {f.scale} | {fmt(f.value, f.unit)} | {floor} | {ratio} | {f.target} | {verdict} |")
    notes = [f"- {f.backend}, {f.what}: {f.note}" for f in figures if f.note]
    return "\n".join(lines) + "\n\nDetails:\n\n" + "\n".join(notes)


def write(figures: list[Figure], args) -> None:
    m = machine()
    command = " ".join(["bench/run.py", *sys.argv[1:]])
    block = "\n".join([
        BEGIN,
        f"Measured {date.today():%Y-%m-%d} with `.venv/bin/python {command}` on {m['cpu']}, {m['cores']} cores, "
        f"{m['memory']}; Python {m['python']}, SQLite {m['sqlite']}, PostgreSQL {m['postgresql']} on the same host; "
        f"{m['os']}. Figures are p95 unless the unit says otherwise; the floor is the same work without us "
        "(COPY or executemany of the same rows; a page's own SELECTs through the raw cursor; the bare "
        "blind-index lookup), and × floor is how many times the floor's time ours takes.",
        "",
        table(figures),
        END,
    ])
    text = DOC.read_text(encoding="utf-8")
    if BEGIN in text and END in text:
        text = re.sub(re.escape(BEGIN) + ".*?" + re.escape(END), lambda _m: block, text, flags=re.S)
    else:
        text = text.rstrip() + "\n\n## Latest run of `bench/run.py`\n\n" + block + "\n"
    DOC.write_text(text, encoding="utf-8")
    (ROOT / "var" / "bench").mkdir(parents=True, exist_ok=True)
    (ROOT / "var" / "bench" / "last_run.json").write_text(json.dumps([f.as_dict() for f in figures], ensure_ascii=False, indent=1))
    print(f"written to {DOC.relative_to(ROOT)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", choices=("county", "province"), default="county")
    parser.add_argument("--only", default=",".join(PARTS), help=f"comma-separated, of: {', '.join(PARTS)}")
    parser.add_argument("--requests", type=int, default=60, help="requests per page in the pages benchmark")
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--seconds", type=int, default=90, help="length of the load test")
    parser.add_argument("--write", action="store_true", help="put the figures in docs/performance.md")
    args = parser.parse_args()
    parts = [p.strip() for p in args.only.split(",") if p.strip()]
    unknown = set(parts) - set(PARTS)
    if unknown:
        parser.error(f"unknown part(s): {', '.join(sorted(unknown))}")
    figures = collect(args.scale, parts, args.requests, args.users, args.seconds)
    print("\n== summary")
    print_figures(figures)
    missed = [f for f in figures if f.met is False]
    print(f"{len(figures)} figures, {len(missed)} below target")
    if args.write:
        write(figures, args)


if __name__ == "__main__":
    main()
