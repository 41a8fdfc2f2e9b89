"""Benchmark the monthly county report: its figures taken from the KPI engine and its .xlsx and .docx
made, as ``shegong report monthly --county 210381 --month …`` does (target < 3 s).

    .venv/bin/python bench/reports.py [--requests 5] [--sqlite-only] [--postgresql-only] [--var-dir DIR]

On a fresh database per backend — migrated, 海城市 regions, ``shegong generate --preset county``
(the rollups rebuilt at its end) — for the month of the latest generated visit:

* the county's own monthly report (``kpi.scorecard`` of the county with its townships), and the
  operator's monthly report for its contract (``kpi.contract_scorecard``) when the data has one;
* the first build in the process (cold: translations, the Word template, fonts) and the median and
  p95 of ``--requests`` warm builds, each split into figures / .xlsx / .docx.

There is no floor to set beside it (the files are not SQL); the PDF is left out, as the target is.
Not for province scale: a report is one county's.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import CHILD_START, ROOT, Figure, child, django_env, pg_reachable, print_figures, throwaway_pg  # noqa: E402

TARGET_S = 3.0
COUNTY = "210381"

MEASURE = CHILD_START + r"""
from datetime import date

from django.db.models import Max
from django.utils import timezone

from shegong.casework.models import Visit
from shegong.contracts.models import Contract
from shegong.monitoring.models import Tally
from shegong.monitoring.periods import Period
from shegong.recipients.models import Recipient
from shegong.regions.models import Region
from shegong.reports import files, services, snapshot

requests = int(sys.argv[1])
COUNTY = "210381"
last = Visit.objects.aggregate(last=Max("visited_on"))["last"]
assert last is not None, "no generated data: run shegong generate first"
assert Tally.objects.filter(unit=COUNTY).exists(), "no rollups: run shegong rollups rebuild first"
month = Period.month(last.year, last.month)
today = min(timezone.localdate(), date(last.year, 12, 31))
county = Region.objects.get(code=COUNTY)

def p(values, q):
    values = sorted(values)
    return values[max(0, int(round(len(values) * q)) - 1)]

def build(contract):
    report = services.new_report(period=month, contract=contract, region=None if contract else county)
    t0 = time.perf_counter()
    report.snapshot = snapshot.take(kind=report.kind, region=county, period=month, contract=contract, today=today)
    t1 = time.perf_counter()
    xlsx = files.build(report, "xlsx")
    t2 = time.perf_counter()
    docx = files.build(report, "docx")
    t3 = time.perf_counter()
    assert xlsx.startswith(b"PK") and docx.startswith(b"PK")
    return {"figures": t1 - t0, "xlsx": t2 - t1, "docx": t3 - t2, "total": t3 - t0, "bytes": len(xlsx) + len(docx),
            "children": len(report.snapshot["children"])}

def measure(label, contract):
    cold = build(contract)
    warm = [build(contract) for _ in range(requests)]
    totals = [w["total"] for w in warm]
    return {"what": label, "cold": cold, "p50": statistics.median(totals), "p95": p(totals, 0.95),
            "split": {k: statistics.median(w[k] for w in warm) for k in ("figures", "xlsx", "docx")},
            "bytes": cold["bytes"], "children": cold["children"]}

results = [measure(f"monthly county report {COUNTY} {month.key} (.xlsx + .docx)", None)]
contract = (Contract.objects.filter(purchaser_region_id=COUNTY, period_start__lte=month.end, period_end__gte=month.start)
            .exclude(status="draft").order_by("-period_start").first())
if contract is not None:
    results.append(measure(f"monthly operator report, contract {contract.number} {month.key} (.xlsx + .docx)", contract))
print(json.dumps({"recipients": Recipient.objects.count(), "visits": Visit.objects.count(),
                  "townships": Region.objects.filter(code__startswith=COUNTY, level=4).count(),
                  "month": month.key, "today": today.isoformat(), "results": results}))
"""


def _figures(label: str, result: dict) -> list[Figure]:
    scale = f"{result['townships']} townships, {result['recipients']:,} recipients, {result['visits']:,} visits"
    figures = []
    for r in result["results"]:
        split = ", ".join(f"{k} {v:.2f} s" for k, v in r["split"].items())
        figures.append(Figure(
            r["what"] + ", warm", label, r["p95"], "s", target=f"< {TARGET_S:g} s", met=r["p95"] < TARGET_S, scale=scale,
            note=f"p50 {r['p50']:.2f} s, p95 {r['p95']:.2f} s; median {split}; {r['children']} child places, "
                 f"{r['bytes'] / 1024:.0f} KiB of files; as of {result['today']}",
        ))
        figures.append(Figure(
            r["what"] + ", cold (first in the process)", label, r["cold"]["total"], "s", target=f"< {TARGET_S:g} s",
            met=r["cold"]["total"] < TARGET_S, scale=scale,
            note=", ".join(f"{k} {r['cold'][k]:.2f} s" for k in ("figures", "xlsx", "docx")),
        ))
    return figures


def run(label: str, database_url: str, var_dir: str, requests: int) -> list[Figure]:
    env = django_env(database_url, var_dir)
    result = child(MEASURE, env, requests, "county")
    print(f"  {label}: {result['recipients']:,} recipients, month {result['month']}", flush=True)
    return _figures(label, result)


def measure(requests: int = 5, postgres: bool = True, sqlite: bool = True, var_dir: Path | None = None) -> list[Figure]:
    folder = var_dir or ROOT / "var" / "bench" / "reports"
    folder.mkdir(parents=True, exist_ok=True)
    figures = []
    if sqlite:
        db = folder / "reports.sqlite3"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{db}{suffix}").unlink(missing_ok=True)
        figures += run("sqlite", f"sqlite:///{db}", str(folder), requests)
    if postgres and pg_reachable():
        with throwaway_pg("reports") as url:
            figures += run("postgresql", url, str(folder), requests)
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=5)
    parser.add_argument("--sqlite-only", action="store_true")
    parser.add_argument("--postgresql-only", action="store_true")
    parser.add_argument("--var-dir", type=Path, default=None, help="where the database and files go (default var/bench/reports)")
    args = parser.parse_args()
    figures = measure(args.requests, postgres=not args.sqlite_only, sqlite=not args.postgresql_only, var_dir=args.var_dir)
    print_figures(figures)
    for f in figures:
        print(f"  {f.backend}: {f.what}: {f.note}")


if __name__ == "__main__":
    main()
