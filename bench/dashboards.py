#!/usr/bin/env python
"""Benchmark of the dashboards (run by hand, not in `make test`).

Seeds N demo activities (`seed_demo --activities N`, every app's seeder) into a PostgreSQL database of its own,
serves the portal with gunicorn on 127.0.0.1 only, and reports p50/p95 of the portfolio and the project dashboards
(cold: cache version bumped before each request; warm: cached; the portfolio caches its due and overdue lists)
next to `/healthz` in the same run. Then times the export of a list (people, CSV and XLSX) at 10,000 and 100,000
rows with peak memory. Bounded loops, loopback only.

    DATABASE_URL=postgres://root@127.0.0.1:5432/selec_bench REDIS_URL=redis://127.0.0.1:6379/13 \
        .venv/bin/python bench/dashboards.py --activities 100000 --requests 30
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PY = sys.executable
os.environ.setdefault("DJANGO_DEBUG", "true")  # development settings for manage.py and gunicorn: a bench


def manage(*args: str) -> None:
    subprocess.run([PY, "manage.py", *args], cwd=ROOT, check=True, stdout=subprocess.DEVNULL)


def django_setup() -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "selec_portal.settings")
    import django

    django.setup()


def percentile(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, round(p / 100 * (len(values) - 1)))]


def session_cookie() -> str:
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.contrib.sessions.backends.db import SessionStore

    user = get_user_model().objects.get(username="demo-manager")
    session = SessionStore()
    session["_auth_user_id"] = str(user.pk)
    session["_auth_user_backend"] = "django.contrib.auth.backends.ModelBackend"
    session["_auth_user_hash"] = user.get_session_auth_hash()
    session.create()
    return f"{settings.SESSION_COOKIE_NAME}={session.session_key}"


def timed_get(url: str, cookie: str) -> float:
    request = urllib.request.Request(url, headers={"Cookie": cookie})
    start = time.perf_counter()
    with urllib.request.urlopen(request, timeout=120) as response:
        response.read()
        assert response.status == 200, (url, response.status)
    return (time.perf_counter() - start) * 1000


def measure(base: str, path: str, cookie: str, n: int, cold: bool) -> tuple[float, float]:
    from reporting import cache

    times = []
    timed_get(base + path, cookie)  # warm up the worker
    for _ in range(n):
        if cold:
            cache.bump()
        times.append(timed_get(base + path, cookie))
    return percentile(times, 50), percentile(times, 95)


def export_bench(rows: int) -> tuple[float, float, float, float]:
    """Time and peak RSS growth (MB) of exporting `rows` people as CSV then XLSX, in a child process each."""
    results = []
    for fmt in ("csv", "xlsx"):
        code = f"""
import os, sys, time, resource
sys.path.insert(0, {str(ROOT)!r}); os.environ.setdefault("DJANGO_SETTINGS_MODULE", "selec_portal.settings")
import django; django.setup()
from projects.exports import Column, csv_stream, xlsx_file
from projects.models import Person
qs = Person.objects.select_related("country", "organisation").order_by("pk")[:{rows}]
cols = [Column("Name", "name"), Column("Country", "country__name"), Column("Organisation", "organisation__name"),
        Column("E-mail", "email"), Column("Created", "created_at")]
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
t = time.perf_counter()
if {fmt!r} == "csv":
    n = sum(len(chunk) for chunk in csv_stream(qs, cols))
else:
    xlsx_file(qs, cols).close()
print(time.perf_counter() - t, (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024)
"""
        out = subprocess.run([PY, "-c", code], cwd=ROOT, check=True, capture_output=True, text=True).stdout.split()
        results += [float(out[-2]), float(out[-1])]
    return tuple(results)


def seed_people(total: int) -> None:
    from projects.models import Country, Person

    have = Person.objects.filter(name__startswith="Bench person").count()
    countries = list(Country.objects.all())
    batch = [Person(name=f"Bench person {i}", country=countries[i % len(countries)]) for i in range(have, total)]
    Person.objects.bulk_create(batch, batch_size=5000)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--activities", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=30, help="requests per page and mode (bounded)")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--skip-seed", action="store_true")
    args = parser.parse_args()
    if "postgres" not in os.environ.get("DATABASE_URL", ""):
        sys.exit("Set DATABASE_URL to a PostgreSQL database of its own (it is filled with demo data).")
    args.requests = max(1, min(args.requests, 500))

    manage("migrate", "--noinput")
    if not args.skip_seed:
        t = time.perf_counter()
        manage("load_selec")
        manage("seed_demo", "--activities", str(args.activities), "--force")
        print(f"seeded {args.activities} activities in {time.perf_counter() - t:.0f} s")
    django_setup()
    from django.db import connection

    with connection.cursor() as cursor:  # planner statistics, as autovacuum keeps them in production after a bulk load
        cursor.execute("ANALYZE")
    cookie = session_cookie()

    env = {**os.environ, "DJANGO_DEBUG": "true"}
    server = subprocess.Popen(
        [
            str(Path(PY).parent / "gunicorn"),
            "selec_portal.wsgi",
            "-b",
            f"127.0.0.1:{args.port}",
            "-w",
            "2",
            "--timeout",
            "120",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
    )
    base = f"http://127.0.0.1:{args.port}"
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(base + "/healthz", timeout=2).read()
                break
            except OSError:
                time.sleep(0.2)
        pages = [("/healthz", False), ("/", True), ("/", False)]
        for code in ("ATHENA2", "DTP-TOC", "IMOBEX"):
            pages += [(f"/projects/{code}/dashboard/", True), (f"/projects/{code}/dashboard/", False)]
        print(f"\n{'page':40} {'mode':6} {'p50 ms':>8} {'p95 ms':>8}")
        for path, cold in pages:
            p50, p95 = measure(base, path, cookie, args.requests, cold)
            mode = "cold" if cold else ("warm" if path != "/healthz" else "-")
            print(f"{path:40} {mode:6} {p50:8.1f} {p95:8.1f}")
    finally:
        server.terminate()
        server.wait(timeout=30)

    seed_people(100_000)
    print(f"\n{'export (people)':20} {'csv s':>7} {'csv MB':>7} {'xlsx s':>7} {'xlsx MB':>8}")
    for rows in (10_000, 100_000):
        csv_s, csv_mb, xlsx_s, xlsx_mb = export_bench(rows)
        print(f"{rows:>20,} {csv_s:7.2f} {csv_mb:7.1f} {xlsx_s:7.2f} {xlsx_mb:8.1f}")
    print(f"\nbench process peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")


if __name__ == "__main__":
    main()
