"""Benchmark the pages people use most: list and search pages, one recipient's file and timeline,
and exact search by ID number, each beside its floor.

    .venv/bin/python bench/pages.py [--scale county|province] [--requests 60] [--sqlite-only]

``--scale county`` (default): a fresh database per backend (a file under var/bench/, a throwaway
PostgreSQL database), migrated, 海城市 regions, ``shegong generate --preset county``.
``--scale province``: the province databases built once by ``bench/run.py --scale province``
(``bench.province``), reused as they are.

Each page is requested ``--requests`` times through Django's test client (in process: no network,
no browser), one at a time, as three people: a generated social worker of 海州街道 (her township),
a county bureau official of 海城市 and, at province scale, a province official of 辽宁省. Queries per
page are counted on every request: they must not grow with the page or the person.

The floor of a page is its own reads without Django: every SELECT the page ran, captured and
executed again through the raw database cursor. The floor of ID search is the bare blind-index
lookup. Prints p50 / p95 per page and the ratio to the floor.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import CHILD_START, Figure, at_scales, child, django_env, print_figures  # noqa: E402

TARGET_MS = 150
ID_TARGET_MS = 20

MEASURE = CHILD_START + r"""
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

requests = int(sys.argv[1])

from shegong.accounts.models import RoleAssignment, User
from shegong.casework.models import Visit
from shegong.core import crypto
from shegong.recipients.models import ID_PURPOSE, Recipient
from shegong.recipients.services import find_by_id_number, id_indexes_of
from shegong.regions.models import Region

def official(code):
    user, created = User.objects.get_or_create(username=f"bench_bureau_{code}", defaults={"name": "基准测试"})
    if created:
        RoleAssignment.objects.create(user=user, role="bureau", region=Region.objects.get(code=code))
    return user

worker = User.objects.filter(username__startswith="gen_210381001_w").order_by("username").first()
assert worker is not None, "no generated data: run shegong generate first"
people = list(Recipient.objects.visible_to(worker).exclude(id_cipher="").order_by("pk")[:requests])
assert len(people) == requests

def floor_of(queries):
    # The page's own reads, through the raw cursor: what the database alone costs.
    reads = [q["sql"] for q in queries if q["sql"].lstrip().upper().startswith(("SELECT", "WITH"))]
    with connection.cursor() as cursor:
        t = time.perf_counter()
        for sql in reads:
            cursor.execute(sql.replace("%", "%%") if connection.vendor == "postgresql" else sql)
            cursor.fetchall()
        return (time.perf_counter() - t) * 1000

def p95(values):
    values = sorted(values)
    return values[max(0, int(len(values) * 0.95) - 1)]

def timed(who, label, client, urls):
    client.get(urls[0])  # warm
    times, floors, queries = [], [], set()
    for url in urls:
        with CaptureQueriesContext(connection) as captured:
            t = time.perf_counter()
            response = client.get(url)
            times.append((time.perf_counter() - t) * 1000)
        assert response.status_code == 200, (url, response.status_code)
        queries.add(len(captured.captured_queries))
        floors.append(floor_of(captured.captured_queries))
    return {"who": who, "page": label, "p50": statistics.median(times), "p95": p95(times),
            "floor_p50": statistics.median(floors), "floor_p95": p95(floors), "queries": sorted(queries)}

def client_of(user):
    client = Client()
    client.force_login(user)
    return client

results = []
w = client_of(worker)
initials = [p.name_initials[:2] for p in people]
results += [
    timed("worker", "recipients list", w, ["/recipients/"] * requests),
    timed("worker", "recipients list, page 20", w, ["/recipients/?page=20"] * requests),
    timed("worker", "recipients search by name (pinyin initials)", w, [f"/recipients/?q={q}" for q in initials]),
    timed("worker", "recipient file with timeline", w, [f"/recipients/{p.pk}/" for p in people]),
    timed("worker", "timeline of one recipient (API, first page)", w, [f"/api/v1/recipients/{p.pk}/timeline/" for p in people]),
    timed("worker", "visits list", w, ["/casework/visits/"] * requests),
    timed("worker", "visits due", w, ["/casework/visits/due/"] * requests),
    timed("worker", "cases list", w, ["/casework/cases/"] * requests),
    timed("worker", "households list", w, ["/recipients/households/"] * requests),
]
officials = [("county official", official("210381"))]
if Region.objects.filter(code__startswith="21", level=4).count() > 100:
    officials.append(("province official", official("21")))
for who, user in officials:
    c = client_of(user)
    results += [
        timed(who, "recipients list", c, ["/recipients/"] * requests),
        timed(who, "recipients search by name (pinyin initials)", c, [f"/recipients/?q={q}" for q in initials]),
        timed(who, "recipients list, one category", c, ["/recipients/?category=tekun"] * requests),
        timed(who, "visits list", c, ["/casework/visits/"] * requests),
        timed(who, "cases list", c, ["/casework/cases/"] * requests),
    ]

numbers = [crypto.decrypt(p.id_cipher, ID_PURPOSE) for p in people]
id_search = {}
for who, user in [("worker", worker), *officials]:
    find_by_id_number(user, numbers[0])  # warm
    ours = []
    for number in numbers:
        t = time.perf_counter()
        assert len(list(find_by_id_number(user, number))) == 1
        ours.append((time.perf_counter() - t) * 1000)
    id_search[who] = {"p50": statistics.median(ours), "p95": p95(ours)}
floor = []
table = Recipient._meta.db_table
with connection.cursor() as cursor:
    for number in numbers:
        t = time.perf_counter()
        cursor.execute(f"SELECT id FROM {table} WHERE id_index = %s", [id_indexes_of(number)[0]])
        cursor.fetchall()
        floor.append((time.perf_counter() - t) * 1000)
print(json.dumps({
    "recipients": Recipient.objects.count(), "visits": Visit.objects.count(),
    "worker_recipients": Recipient.objects.visible_to(worker).count(),
    "pages": results, "id_search": id_search, "id_floor_p50": statistics.median(floor), "id_floor_p95": p95(floor),
}))
"""


def province_databases() -> dict[str, str]:
    from province import VAR_DIR, database_urls

    return {"var_dir": str(VAR_DIR), **database_urls()}


def run(label: str, database_url: str, var_dir: str, requests: int, build: str, scale: str) -> list[Figure]:
    env = django_env(database_url, var_dir, SHEGONG_RELAX_SECOND_FACTOR="true")
    result = child(MEASURE, env, requests, build)
    scale_note = f"{result['recipients']:,} recipients, {result['visits']:,} visits"
    figures = []
    for page in result["pages"]:
        figures.append(Figure(
            f"{page['page']} — {page['who']}", label, page["p95"], "ms", target=f"p95 < {TARGET_MS} ms (1 user)",
            met=page["p95"] < TARGET_MS, floor=page["floor_p95"], scale=scale,
            note=f"p50 {page['p50']:.1f} ms (floor {page['floor_p50']:.1f}); {'–'.join(map(str, page['queries']))} queries; "
                 f"{scale_note}",
        ))
    for who, s in result["id_search"].items():
        figures.append(Figure(f"exact search by ID number (scoped, audited) — {who}", label, s["p95"], "ms",
                              target=f"< {ID_TARGET_MS} ms", met=s["p95"] < ID_TARGET_MS, floor=result["id_floor_p95"],
                              scale=scale, note=f"p50 {s['p50']:.2f} ms; floor p50 {result['id_floor_p50']:.2f} ms"))
    print(f"  {label} {scale}: {scale_note}; the worker sees {result['worker_recipients']:,}", flush=True)
    return figures


def measure(scale: str = "county", requests: int = 60, postgres: bool = True, sqlite: bool = True) -> list[Figure]:
    return at_scales("pages", run, scale, requests, postgres, sqlite)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", choices=("county", "province"), default="county")
    parser.add_argument("--requests", type=int, default=60)
    parser.add_argument("--sqlite-only", action="store_true")
    parser.add_argument("--postgresql-only", action="store_true")
    args = parser.parse_args()
    figures = measure(args.scale, args.requests, postgres=not args.sqlite_only, sqlite=not args.postgresql_only)
    print_figures(figures)
    for f in figures:
        print(f"  {f.backend}: {f.what}: {f.note}")


if __name__ == "__main__":
    main()
