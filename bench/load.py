"""Load test: 50 people at once browsing their own jurisdiction, on loopback, with locust (headless).

    .venv/bin/python bench/load.py [--scale county|province] [--users 50] [--seconds 90] [--backend postgresql|sqlite]

Data: ``--scale county`` generates the 海城市 county into a throwaway database; ``--scale province``
uses the province database built by ``bench/province.py``. The users are real users of that data:
social workers of townships spread over the place (each in her own township), plus county officials
where the data has them. Each gets a session prepared beforehand (signing in is not what is measured).

The server is what production runs: gunicorn (``shegong.wsgi``) on 127.0.0.1, 3 processes × 4 threads,
with Redis for cache and sessions. locust runs in another process on the same 2 cores, ramping to
``--users`` at 10 a second, each pausing 0.5–2 s between actions (``bench/locustfile.py``), for
``--seconds``. Prints p50 / p95 / p99 and the error rate, overall and per page, from locust's CSV.
"""

from __future__ import annotations

import argparse
import csv
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import CHILD_START, ROOT, Figure, child, django_env, pg_reachable, print_figures, throwaway_pg  # noqa: E402

TARGET_MS = 150
REDIS = os.environ.get("SHEGONG_BENCH_REDIS", "redis://127.0.0.1:6379/7")

PREPARE = CHILD_START + r"""
from django.test import Client

users_wanted, out = int(sys.argv[1]), sys.argv[3]

from shegong.accounts.models import User
from shegong.core import crypto
from shegong.recipients.models import ID_PURPOSE, Recipient

workers = list(User.objects.filter(username__startswith="gen_", username__contains="_w").order_by("username"))
townships = sorted({u.username.split("_")[1] for u in workers})
step = max(1, len(townships) // users_wanted)
chosen_townships = townships[::step]
by_township = {}
for u in workers:
    by_township.setdefault(u.username.split("_")[1], []).append(u)
chosen, round_ = [], 0
while len(chosen) < users_wanted:
    added = False
    for code in chosen_townships:
        if round_ < len(by_township[code]) and len(chosen) < users_wanted:
            chosen.append(by_township[code][round_])
            added = True
    if not added:
        break
    round_ += 1
people = []
for user in chosen:
    client = Client()
    client.force_login(user)
    mine = list(Recipient.objects.visible_to(user).exclude(id_cipher="").order_by("?")[:30])
    people.append({
        "username": user.username, "session": client.cookies["sessionid"].value,
        "recipients": [p.pk for p in mine], "initials": sorted({p.name_initials[:2] for p in mine}),
        "id_numbers": [(crypto.decrypt(p.id_cipher, ID_PURPOSE), p.pk) for p in mine[:10]],
    })
json.dump(people, open(out, "w", encoding="utf-8"), ensure_ascii=False)
print(json.dumps({"users": len(people), "townships": len({p["username"].split("_")[1] for p in people}),
                  "recipients": Recipient.objects.count()}))
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_up(url: str, server: subprocess.Popen, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit("the server stopped while starting")
        try:
            urllib.request.urlopen(url + "/accounts/login/", timeout=2)
            return
        except OSError:
            time.sleep(0.5)
    raise SystemExit("the server did not start")


def run(label: str, database_url: str, var_dir: str, users: int, seconds: int, build: str, scale: str) -> list[Figure]:
    out = ROOT / "var" / "bench" / "load"
    out.mkdir(parents=True, exist_ok=True)
    people_file = out / "users.json"
    env = django_env(database_url, var_dir, REDIS_URL=REDIS)
    prepared = child(PREPARE, env, users, build, people_file)
    port = free_port()
    host = f"http://127.0.0.1:{port}"
    bin_dir = Path(sys.executable).parent
    server = subprocess.Popen(
        [str(bin_dir / "gunicorn"), "shegong.wsgi", "--bind", f"127.0.0.1:{port}", "--workers", "3",
         "--worker-class", "gthread", "--threads", "4", "--log-level", "warning"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=open(out / "server.log", "w"),
    )
    try:
        wait_up(host, server)
        prefix = out / f"{label}_{scale}"
        subprocess.run(
            [str(bin_dir / "locust"), "-f", str(ROOT / "bench" / "locustfile.py"), "--headless", "--users", str(users),
             "--spawn-rate", "10", "--run-time", f"{seconds}s", "--host", host, "--csv", str(prefix), "--only-summary",
             "--loglevel", "WARNING", "--stop-timeout", "5"],
            cwd=ROOT, env={**env, "SHEGONG_LOAD_USERS": str(people_file)}, check=False,
        )
    finally:
        server.terminate()
        server.wait(timeout=30)
    rows = list(csv.DictReader(open(f"{prefix}_stats.csv", encoding="utf-8")))
    figures = []
    for row in rows:
        count, failures = int(row["Request Count"]), int(row["Failure Count"])
        if not count:
            continue
        name = "all pages" if row["Name"] == "Aggregated" else row["Name"]
        p50, p95, p99 = (float(row[k]) for k in ("50%", "95%", "99%"))
        note = (f"p50 {p50:.0f} ms, p99 {p99:.0f} ms; {count:,} requests, {failures} failed "
                f"({100 * failures / count:.2f} %), {float(row['Requests/s']):.1f} requests/s")
        if name == "all pages":
            note += (f"; {prepared['users']} users in {prepared['townships']} townships, "
                     f"{prepared['recipients']:,} recipients, {seconds} s")
        figures.append(Figure(f"{users} users: {name}", label, p95, "ms", target=f"p95 < {TARGET_MS} ms",
                              met=p95 < TARGET_MS and failures == 0, scale=scale, note=note))
    return figures


def measure(scale: str = "county", users: int = 50, seconds: int = 90, backends=("postgresql",)) -> list[Figure]:
    figures = []
    if scale == "county":
        folder = ROOT / "var" / "bench" / "load"
        folder.mkdir(parents=True, exist_ok=True)
        if "sqlite" in backends:
            db = folder / "load.sqlite3"
            for suffix in ("", "-wal", "-shm"):
                Path(f"{db}{suffix}").unlink(missing_ok=True)
            figures += run("sqlite", f"sqlite:///{db}", str(folder), users, seconds, "county", scale)
        if "postgresql" in backends and pg_reachable():
            with throwaway_pg("load") as url:
                figures += run("postgresql", url, str(folder), users, seconds, "county", scale)
        return figures
    from province import VAR_DIR, database_urls

    found = database_urls()
    for backend in backends:
        if backend in found:
            figures += run(backend, found[backend], str(VAR_DIR), users, seconds, "none", scale)
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", choices=("county", "province"), default="county")
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--seconds", type=int, default=90)
    parser.add_argument("--backend", choices=("postgresql", "sqlite", "both"), default="postgresql")
    args = parser.parse_args()
    backends = ("sqlite", "postgresql") if args.backend == "both" else (args.backend,)
    figures = measure(args.scale, args.users, args.seconds, backends)
    print_figures(figures)
    for f in figures:
        print(f"  {f.backend}: {f.what}: {f.note}")


if __name__ == "__main__":
    main()
