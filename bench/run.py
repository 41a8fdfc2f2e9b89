"""Every benchmark for the performance targets (DESIGN §5), on SQLite and PostgreSQL, in one command.

    .venv/bin/python bench/run.py [--scale county|province|both] [--only regions,import,pages,load,dashboards] [--write]

Runs, each in fresh processes:

* ``regions`` — the national region tree load (665k rows), beside COPY / executemany of the same rows;
* ``import``  — a 100,000-row recipient .xlsx, end to end, beside django-import-export and COPY;
* ``pages``   — list and search pages, a recipient's file and timeline, exact search by ID number,
  as a social worker, a county official and (at province scale) a province official, beside the
  pages' own SQL run raw;
* ``load``    — 50 users at once through gunicorn with locust (PostgreSQL), p50 / p95 / p99 and errors;
* ``dashboards`` — the county (海城市) and province (辽宁省) KPI dashboards, as ``kpi.scorecard`` calls and
  as pages, warm, beside their own SQL run raw; the county's first year of history beside its latest.

``--scale province`` measures pages, load and dashboards on 辽宁省 (2.4 million recipients), building the
province database first when it is missing (``bench/province.py``: about 40 minutes on PostgreSQL;
with ``--province-sqlite`` also on SQLite, about 25 more; kept under var/bench/ for the next run).
A SQLite province built before is measured whether or not the flag is given. Prints every figure beside its
floor and target; ``--write`` also puts them in docs/performance.md (between its "bench/run.py"
markers) with the date, the commands and the machine, keeping the figures of earlier runs for
what this run did not measure. Run it on a quiet machine: anything else
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

import dashboards  # noqa: E402
import load  # noqa: E402
import pages  # noqa: E402
import province  # noqa: E402
import recipients_import  # noqa: E402
import regions_load  # noqa: E402
from common import ROOT, Figure, fmt, machine, print_figures  # noqa: E402

PARTS = ("regions", "import", "pages", "load", "dashboards")
BY_SCALE = ("pages", "load", "dashboards")  # measured at each scale asked for
DOC = ROOT / "docs" / "performance.md"
BEGIN = "<!-- bench/run.py: begin (generated; edit the text around it, not inside) -->"
END = "<!-- bench/run.py: end -->"


def collect(scale: str, parts: list[str], requests: int, users: int, seconds: int, province_sqlite: bool,
            dashboard_requests: int = 200) -> list[Figure]:
    figures: list[Figure] = []
    scales = ("county", "province") if scale == "both" else (scale,)
    if "province" in scales and set(BY_SCALE) & set(parts):
        province.ensure(["postgresql", "sqlite"] if province_sqlite else ["postgresql"])
        figures += province.figures()
    steps = [(part, s) for part in parts for s in (scales if part in BY_SCALE else ("",))]
    for part, at in steps:
        started = time.perf_counter()
        print(f"== {part} {at} …", flush=True)
        if part == "regions":
            found = regions_load.measure()
        elif part == "import":
            found = recipients_import.measure()
        elif part == "pages":
            found = pages.measure(at, requests)
        elif part == "dashboards":
            found = dashboards.measure(at, dashboard_requests)
        else:
            found = load.measure(at, users, seconds, ("postgresql",))
        for f in found:
            f.scale = f.scale or ("national" if part == "regions" else "100,000 rows" if part == "import" else at)
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


def from_doc() -> list[dict]:
    """The figures of the table in docs/performance.md read back (for a checkout without
    var/bench/last_run.json, so that a run of one part keeps the others' figures)."""
    text = DOC.read_text(encoding="utf-8")
    if BEGIN not in text or END not in text:
        return []
    lines = text.split(BEGIN, 1)[1].split(END, 1)[0].splitlines()
    rows = []
    for line in lines:
        cells = [c.strip() for c in line.strip()[1:-1].split("|")] if line.startswith("| ") else []
        if len(cells) != 8 or cells[0] == "what":
            continue
        what, backend, scale, value, floor, _ratio, target, verdict = cells
        number = re.match(r"([\d,.]+) (.+)$", value)
        if not number:
            continue
        low = re.match(r"([\d,.]+) ", floor)
        prefix = f"- {backend}, {what}: "
        note = next((n[len(prefix):] for n in lines if n.startswith(prefix)), "")
        rows.append({"what": what, "backend": backend, "scale": scale, "value": float(number.group(1).replace(",", "")),
                     "unit": number.group(2), "target": target, "met": {"met": True, "**missed**": False}.get(verdict),
                     "floor": float(low.group(1).replace(",", "")) if low else None, "note": note})
    return rows


def merged(figures: list[Figure]) -> list[Figure]:
    """This run's figures, plus those of earlier runs for what this one did not measure (from
    var/bench/last_run.json, else from the table on the page)."""
    last = ROOT / "var" / "bench" / "last_run.json"
    earlier = json.loads(last.read_text()) if last.exists() else from_doc()
    fresh = {(f.what, f.backend, f.scale) for f in figures}
    kept = []
    for row in earlier:
        row.pop("ratio", None)
        f = Figure(**row)
        if (f.what, f.backend, f.scale) not in fresh:
            kept.append(f)
    return kept + figures


def write(figures: list[Figure], args) -> None:
    figures = merged(figures)
    m = machine()
    command = " ".join(["bench/run.py", *sys.argv[1:]])
    block = "\n".join([
        BEGIN,
        f"Measured {date.today():%Y-%m-%d} by `bench/run.py` (last run: `.venv/bin/python {command}`; figures it did "
        f"not re-measure are kept from earlier runs, see var/bench/last_run.json) on {m['cpu']}, {m['cores']} cores, "
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
    parser.add_argument("--scale", choices=("county", "province", "both"), default="county",
                        help="where pages, load and dashboards are measured (both: county, then province)")
    parser.add_argument("--only", default=",".join(PARTS), help=f"comma-separated, of: {', '.join(PARTS)}")
    parser.add_argument("--requests", type=int, default=60, help="requests per page in the pages benchmark")
    parser.add_argument("--dashboard-requests", type=int, default=200, help="calls per figure in the dashboards benchmark")
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--seconds", type=int, default=90, help="length of the load test")
    parser.add_argument("--province-sqlite", action="store_true",
                        help="at province scale, build and measure the SQLite province too (about 25 minutes more)")
    parser.add_argument("--write", action="store_true", help="put the figures in docs/performance.md")
    args = parser.parse_args()
    parts = [p.strip() for p in args.only.split(",") if p.strip()]
    unknown = set(parts) - set(PARTS)
    if unknown:
        parser.error(f"unknown part(s): {', '.join(sorted(unknown))}")
    figures = collect(args.scale, parts, args.requests, args.users, args.seconds, args.province_sqlite, args.dashboard_requests)
    print("\n== summary")
    print_figures(figures)
    missed = [f for f in figures if f.met is False]
    print(f"{len(figures)} figures, {len(missed)} below target")
    if args.write:
        write(figures, args)


if __name__ == "__main__":
    main()
