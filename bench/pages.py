"""Benchmark the pages people use most, on generated county data: list and search pages, one
recipient's file with its timeline, and exact search by ID number (with its SQL floor).

    .venv/bin/python bench/pages.py [--requests 60] [--sqlite-only]

On SQLite (a file under var/bench/) and on a throwaway PostgreSQL database
(postgresql://postgres@127.0.0.1), each in a fresh process: migrate, load the 海城市 regions,
``shegong generate --preset county`` (26 townships × 1,735 recipients, 3 years of casework), then,
signed in as a generated social worker of 海州街道, time each page through Django's test client
(in process: no network, no browser) and count its queries. Exact search by ID number is timed
through ``recipients.services.find_by_id_number`` (blind index, scoped, audited) beside its floor:
the same lookup as one raw SQL statement on the blind index.

Prints p50 / p95 per page, queries per page, and the ratio of the ID search to its floor. One
process answers one request at a time here: the DESIGN target (p95 < 150 ms at 50 concurrent users)
is for the load test, which these single-request figures bound from below.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PG_SERVER = "postgresql://postgres@127.0.0.1:5432"

MEASURE = r"""
import json, statistics, sys, time
import django
django.setup()
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext, setup_test_environment

setup_test_environment()
requests = int(sys.argv[1])
call_command("migrate", verbosity=0)
call_command("regions", "load", verbosity=0)
call_command("collectstatic", interactive=False, verbosity=0)
started = time.perf_counter()
call_command("generate", preset="county", verbosity=0)
generated = time.perf_counter() - started

from shegong.accounts.models import User
from shegong.casework.models import Visit
from shegong.core import crypto
from shegong.recipients.models import ID_PURPOSE, Recipient
from shegong.recipients.services import find_by_id_number, id_indexes_of

worker = User.objects.filter(username__startswith="gen_210381001_w").order_by("username").first()
client = Client()
client.force_login(worker)
people = list(Recipient.objects.visible_to(worker).exclude(id_cipher="").order_by("pk")[:requests])
visits = Visit.objects.visible_to(worker).count()

def timed(label, urls):
    client.get(urls[0])  # warm
    times, queries = [], set()
    for url in urls:
        with CaptureQueriesContext(connection) as captured:
            t = time.perf_counter()
            response = client.get(url)
            times.append((time.perf_counter() - t) * 1000)
        assert response.status_code == 200, (url, response.status_code)
        queries.add(len(captured.captured_queries))
    times.sort()
    return {"page": label, "p50": statistics.median(times), "p95": times[int(len(times) * 0.95) - 1],
            "queries": sorted(queries)}

pages = [
    timed("recipients list", ["/recipients/"] * requests),
    timed("recipients list, page 20", ["/recipients/?page=20"] * requests),
    timed("recipients search by name (pinyin initials)", [f"/recipients/?q={p.name_initials[:2]}" for p in people]),
    timed("recipient file with timeline", [f"/recipients/{p.pk}/" for p in people]),
    timed("visits list", ["/casework/visits/"] * requests),
    timed("visits due", ["/casework/visits/due/"] * requests),
    timed("cases list", ["/casework/cases/"] * requests),
]

numbers = [crypto.decrypt(p.id_cipher, ID_PURPOSE) for p in people]
find_by_id_number(worker, numbers[0])  # warm
ours = []
for number in numbers:
    t = time.perf_counter()
    assert len(list(find_by_id_number(worker, number))) == 1
    ours.append((time.perf_counter() - t) * 1000)
floor = []
table = Recipient._meta.db_table
with connection.cursor() as cursor:
    for number in numbers:
        t = time.perf_counter()
        cursor.execute(f"SELECT id FROM {table} WHERE id_index = %s", [id_indexes_of(number)[0]])
        cursor.fetchall()
        floor.append((time.perf_counter() - t) * 1000)
ours.sort(); floor.sort()
print(json.dumps({
    "generated_s": generated, "recipients": Recipient.objects.count(), "visits_in_township": visits,
    "pages": pages,
    "id_search": {"p50": statistics.median(ours), "p95": ours[int(len(ours) * 0.95) - 1],
                  "floor_p50": statistics.median(floor)},
}))
"""


def run(database_url: str, requests: int) -> dict:
    env = {**os.environ, "DATABASE_URL": database_url, "DJANGO_SETTINGS_MODULE": "shegong.settings",
           "SHEGONG_VAR_DIR": str(ROOT / "var" / "bench" / "pages")}
    out = subprocess.run([sys.executable, "-c", MEASURE, str(requests)], env=env, cwd=ROOT,
                         capture_output=True, text=True)
    if out.returncode:
        sys.exit(out.stderr[-3000:])
    return json.loads(out.stdout.strip().splitlines()[-1])


def report(name: str, result: dict) -> None:
    print(f"\n== {name}: {result['recipients']:,} recipients generated in {result['generated_s']:.1f} s; "
          f"{result['visits_in_township']:,} visits in the worker's township ==")
    print(f"{'page':48} {'p50 ms':>8} {'p95 ms':>8}  queries")
    for page in result["pages"]:
        print(f"{page['page']:48} {page['p50']:8.1f} {page['p95']:8.1f}  {page['queries']}")
    s = result["id_search"]
    print(f"{'exact search by ID number (scoped, audited)':48} {s['p50']:8.2f} {s['p95']:8.2f}  "
          f"floor {s['floor_p50']:.2f} ms → {s['p50'] / s['floor_p50']:.1f}× the raw lookup")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=60)
    parser.add_argument("--sqlite-only", action="store_true")
    args = parser.parse_args()
    folder = ROOT / "var" / "bench"
    folder.mkdir(parents=True, exist_ok=True)
    db = folder / "pages.sqlite3"
    db.unlink(missing_ok=True)
    report("SQLite", run(f"sqlite:///{db}", args.requests))
    if args.sqlite_only:
        return
    name = f"shegong_bench_{uuid.uuid4().hex[:8]}"
    subprocess.run(["psql", PG_SERVER + "/postgres", "-qc", f"CREATE DATABASE {name}"], check=True)
    try:
        report("PostgreSQL", run(f"{PG_SERVER}/{name}", args.requests))
    finally:
        subprocess.run(["psql", PG_SERVER + "/postgres", "-qc", f"DROP DATABASE IF EXISTS {name}"], check=False)


if __name__ == "__main__":
    main()
