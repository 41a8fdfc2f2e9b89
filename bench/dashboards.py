"""Benchmark the dashboards: a county's and the province's KPI scorecards, as functions and as pages,
each beside its floor.

    .venv/bin/python bench/dashboards.py [--scale county|province] [--requests 200] [--postgresql-only]

``--scale province`` (the target's scale): the province databases built once by ``bench/province.py``
(辽宁省, 1,406 townships, 2.4 million recipients, three years of casework), reused as they are.
``--scale county``: a fresh database per backend, migrated, 海城市 regions, ``shegong generate
--preset county`` (which ends with the rollups rebuilt).

Warm (one call first), one at a time, ``--requests`` times each:

* ``kpi.scorecard("210381", year)`` and ``kpi.scorecard("21", year)`` called as functions, for the
  year a bureau opens: the current year of the data (the year of the latest visit);
* the dashboard page ``monitoring:dashboard`` through Django's test client (in process: no
  network, no browser), logged in as a bureau official of 海城市 and of 辽宁省;
* the county scorecard for the first year of the history beside the latest one: read from the
  rollups, the figure does not grow with the years of records behind it.

The floor of a figure is its own reads without Django: every SELECT the call or page ran, captured
and executed again through the raw database cursor (the rollup rows, stations, workers, policies).
Prints p50 / p95 / p99 and the ratio to the floor.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import CHILD_START, Figure, at_scales, child, django_env, print_figures  # noqa: E402

COUNTY_TARGET_MS = 100
PROVINCE_TARGET_MS = 300
COUNTY, PROVINCE = "210381", "21"

MEASURE = CHILD_START + r"""
from datetime import date

from django.db import connection
from django.db.models import Max, Min
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from shegong.accounts.models import RoleAssignment, User
from shegong.casework.models import Visit
from shegong.monitoring import kpi
from shegong.monitoring.models import Tally
from shegong.monitoring.periods import Period
from shegong.recipients.models import Recipient
from shegong.regions.models import Region

requests = int(sys.argv[1])
COUNTY, PROVINCE = "210381", "21"

def official(code):
    user, created = User.objects.get_or_create(username=f"bench_bureau_{code}", defaults={"name": "基准测试"})
    if created:
        RoleAssignment.objects.create(user=user, role="bureau", region=Region.objects.get(code=code))
    return user

span = Visit.objects.aggregate(first=Min("visited_on"), last=Max("visited_on"))
assert span["last"] is not None, "no generated data: run shegong generate first"
assert Tally.objects.filter(unit=COUNTY).exists(), "no rollups: run shegong rollups rebuild first"
latest, first = span["last"].year, span["first"].year
# The data's "today": the generated history ends on a fixed day; a later run reads it as of that day.
today = min(timezone.localdate(), date(latest, 12, 31))

def p(values, q):
    values = sorted(values)
    return values[max(0, int(round(len(values) * q)) - 1)]

def summary(times):
    return {"p50": statistics.median(times), "p95": p(times, 0.95), "p99": p(times, 0.99)}

def replay(reads):
    with connection.cursor() as cursor:
        t = time.perf_counter()
        for sql in reads:
            cursor.execute(sql.replace("%", "%%") if connection.vendor == "postgresql" else sql)
            cursor.fetchall()
        return (time.perf_counter() - t) * 1000

def selects(queries):
    return [q["sql"] for q in queries if q["sql"].lstrip().upper().startswith(("SELECT", "WITH"))]

def timed(label, call):
    # Warm, then the calls alone (nothing captured), then the floor: the SELECTs of one call
    # replayed through the raw cursor as many times.
    call()
    times = []
    for _ in range(requests):
        t = time.perf_counter()
        call()
        times.append((time.perf_counter() - t) * 1000)
    with CaptureQueriesContext(connection) as captured:
        call()
    reads = selects(captured.captured_queries)
    floors = [replay(reads) for _ in range(requests)]
    tally = sum(1 for sql in reads if Tally._meta.db_table in sql)
    return {"what": label, **summary(times), "floor": summary(floors), "queries": len(captured.captured_queries),
            "tally_queries": tally}

def scorecard(code, year):
    period = Period.year(year)
    return lambda: kpi.scorecard(code, period, today=today)

def page(user, code, year, fresh=False):
    from django.core.cache import cache

    client = Client()
    client.force_login(user)
    url = reverse("monitoring:dashboard", args=[code]) + f"?period={year}"

    def get():
        if fresh:  # the figures computed from the rollups on every request, not served from the cache
            cache.clear()  # (sessions live in the database here: the client stays signed in)
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
    return get

results = [
    timed(f"county dashboard: kpi.scorecard({COUNTY!r}, {latest})", scorecard(COUNTY, latest)),
    timed(f"province dashboard: kpi.scorecard({PROVINCE!r}, {latest})", scorecard(PROVINCE, latest)),
]
province_scale = Region.objects.filter(code__startswith=PROVINCE, level=4).count() > 100
results.append(timed(f"county dashboard page ({COUNTY}, {latest}) — county official", page(official(COUNTY), COUNTY, latest)))
results.append(timed(f"province dashboard page ({PROVINCE}, {latest}) — province official",
                     page(official(PROVINCE), PROVINCE, latest)))
results.append(timed(f"county dashboard page ({COUNTY}, {latest}), figures recomputed on every request",
                     page(official(COUNTY), COUNTY, latest, fresh=True)))
results.append(timed(f"province dashboard page ({PROVINCE}, {latest}), figures recomputed on every request",
                     page(official(PROVINCE), PROVINCE, latest, fresh=True)))
history = []
for year in sorted({first, latest}):
    r = timed(f"county dashboard: kpi.scorecard({COUNTY!r}, {year})", scorecard(COUNTY, year))
    history.append({"year": year, "years_before": year - first, **r})
print(json.dumps({
    "recipients": Recipient.objects.count(), "visits": Visit.objects.count(), "tallies": Tally.objects.count(),
    "townships": Region.objects.filter(code__startswith=PROVINCE, level=4).count(), "first": first, "latest": latest,
    "today": today.isoformat(), "province_scale": province_scale, "results": results, "history": history,
}))
"""


def _figures(label: str, result: dict, scale: str) -> list[Figure]:
    note_scale = (f"{result['recipients']:,} recipients, {result['visits']:,} visits, {result['tallies']:,} rollup rows; "
                  f"data {result['first']}–{result['latest']}, as of {result['today']}")
    figures = []
    for r in result["results"]:
        province = "province" in r["what"]
        target = PROVINCE_TARGET_MS if province else COUNTY_TARGET_MS
        figures.append(Figure(
            r["what"], label, r["p95"], "ms", target=f"p95 < {target} ms (warm)", met=r["p95"] < target,
            floor=r["floor"]["p95"], scale=scale,
            note=(f"p50 {r['p50']:.1f} ms, p99 {r['p99']:.1f} ms (floor p50 {r['floor']['p50']:.1f}); {r['queries']} queries, "
                  f"{r['tally_queries']} on the rollups; {note_scale}"),
        ))
    history = result["history"]
    if len(history) == 2:
        early, late = history
        for h in history:
            figures.append(Figure(
                f"county scorecard, year {h['year']} ({h['years_before']} years of records before it)", label, h["p95"], "ms",
                target=f"p95 < {COUNTY_TARGET_MS} ms (warm)", met=h["p95"] < COUNTY_TARGET_MS, floor=h["floor"]["p95"],
                scale=scale, note=f"p50 {h['p50']:.1f} ms; {h['queries']} queries. Latest over first year: "
                                  f"{late['p50'] / early['p50']:.2f}× at p50",
            ))
    return figures


def run(label: str, database_url: str, var_dir: str, requests: int, build: str, scale: str) -> list[Figure]:
    env = django_env(database_url, var_dir, SHEGONG_RELAX_SECOND_FACTOR="true")
    result = child(MEASURE, env, requests, build)
    print(f"  {label} {scale}: {result['recipients']:,} recipients, {result['tallies']:,} rollup rows", flush=True)
    return _figures(label, result, scale)


def measure(scale: str = "province", requests: int = 200, postgres: bool = True, sqlite: bool = True) -> list[Figure]:
    return at_scales("dashboards", run, scale, requests, postgres, sqlite)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", choices=("county", "province"), default="province")
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--sqlite-only", action="store_true")
    parser.add_argument("--postgresql-only", action="store_true")
    args = parser.parse_args()
    figures = measure(args.scale, args.requests, postgres=not args.sqlite_only, sqlite=not args.postgresql_only)
    print_figures(figures)
    for f in figures:
        print(f"  {f.backend}: {f.what}: {f.note}")


if __name__ == "__main__":
    main()
