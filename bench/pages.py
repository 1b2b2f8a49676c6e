#!/usr/bin/env python
"""Benchmark of the portal's pages at two sizes (run by hand, not in `make test`).

For each size (by default 1,000 and 100,000 demo activities), in a PostgreSQL database of its own: seeds it
(`seed_demo --activities N`, unless --skip-seed), runs ANALYZE, serves the portal as in production (debug off,
static files collected, gunicorn with 2 workers on 127.0.0.1 only) and measures every page below sequentially (one
client) and with 8 concurrent clients (threads), with the cache off (the shared cache version bumped before each
request, so every page is computed afresh, as after a save) and on (warmed first). Next to them, in the same run
and the same conditions, the floor: `/livez` with the same session cookie (a trivial view behind the session, user
and second-factor middleware of every page; until 30 Nov 2026 22:15 the floor was `/healthz`, which then also
pinged the cache and the broker and counted the outbox). It prints, for each size, p50 and p95 in ms and as ratios to
the floor's p50 and p95, and each page's p95 at the largest size over its p95 at the smallest: one markdown table
per number of clients. Bounded loops, loopback only; the raw figures go to --json.

    createdb selec_bench1k; createdb selec_bench100k
    REDIS_URL=redis://127.0.0.1:6379/13 .venv/bin/python bench/pages.py            # seeds both, then measures
    REDIS_URL=redis://127.0.0.1:6379/13 .venv/bin/python bench/pages.py --skip-seed

Databases: --database-url with `{label}` replaced by 1k, 100k (default postgres://root@127.0.0.1:5432/selec_bench{label}).
Redis: REDIS_URL (one database of its own: the bench clears it before each size).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from dashboards import PY, ROOT, percentile  # noqa: E402

# Production settings for a loopback bench: debug off, plain HTTP, a throwaway key (never a real deployment's).
BENCH_ENV = {
    "DJANGO_DEBUG": "false",
    "DJANGO_SECRET_KEY": "bench-only-key-" + "x1y2z3w4v5" * 5,
    "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
    "DJANGO_SECURE_SSL_REDIRECT": "false",
    "DJANGO_SECURE_COOKIES": "false",
    "DJANGO_STATIC_ROOT": str(ROOT / "var" / "bench-static"),
    "LOG_LEVEL": "WARNING",
}
FLOOR = ("floor (/livez)", "/livez", "manager")
# label, path, who (demo-manager for the portal's pages; the admin needs a superuser: demo-admin)
PAGES = [
    ("portfolio /", "/", "manager"),
    ("project page", "/projects/ATHENA2/", "manager"),
    ("ATHENA2 dashboard", "/projects/ATHENA2/dashboard/", "manager"),
    ("activity list", "/projects/ATHENA2/activities/", "manager"),
    ("activity form (GET)", "/projects/ATHENA2/activities/new/", "manager"),
    ("events list", "/projects/ATHENA2/events/", "manager"),
    ("coverage board (IMOBEX)", "/projects/IMOBEX/coverage/", "manager"),
    ("API: project with indicators", "/api/v1/projects/ATHENA2/", "manager"),
    ("API: activities (50)", "/api/v1/projects/ATHENA2/activities/", "manager"),
    ("API: activity sync, first page (100)", "/api/v1/projects/ATHENA2/activities/changes/", "manager"),
    ("admin: joint activities", "/admin/operations/jointactivity/", "admin"),
    ("admin: people", "/admin/projects/person/", "admin"),
]
SIZES = {"1k": 1_000, "100k": 100_000}


def label_of(size: int) -> str:
    return next((label for label, n in SIZES.items() if n == size), f"{size // 1000}k" if size >= 1000 else str(size))


# --- one size, in a process of its own (its DATABASE_URL) -----------------------------------------------------------


def session_cookie(username: str) -> str:
    """A logged-in session made directly (no password, no TOTP code), marked as the login marks it: the second
    factor checked just now and not due (the demo accounts have one), seen just now."""
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.contrib.sessions.backends.db import SessionStore

    from accounts import services
    from projects.middleware import IdleSessionMiddleware

    user = get_user_model().objects.get(username=username)
    session = SessionStore()
    session["_auth_user_id"] = str(user.pk)
    session["_auth_user_backend"] = "allauth.account.auth_backends.AuthenticationBackend"
    session["_auth_user_hash"] = user.get_session_auth_hash()
    session[services.SECOND_FACTOR_DUE] = False
    session[services.SECOND_FACTOR_CHECKED] = int(time.time()) + 24 * 3600  # no recheck during the run
    session[IdleSessionMiddleware.LAST_SEEN] = int(time.time()) + 24 * 3600
    session.create()
    return f"{settings.SESSION_COOKIE_NAME}={session.session_key}"


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None  # a redirect (to the login, say) is an answer of its own, never the page measured


_opener = urllib.request.build_opener(_NoRedirect)


def timed_get(url: str, cookie: str) -> float:
    request = urllib.request.Request(url, headers={"Cookie": cookie})
    start = time.perf_counter()
    try:
        with _opener.open(request, timeout=300) as response:
            response.read()
            status = response.status
    except urllib.error.HTTPError as error:
        status = error.code
    if status != 200:
        raise SystemExit(f"{url} answered {status}")
    return (time.perf_counter() - start) * 1000


def run_clients(url: str, cookie: str, clients: int, each: int, cold: bool) -> list[float]:
    from reporting import cache

    times: list[float] = []
    lock = threading.Lock()

    def client() -> None:
        for _ in range(each):
            if cold:
                cache.bump()  # the shared version is in every key: nothing cached is reachable
            elapsed = timed_get(url, cookie)
            with lock:
                times.append(elapsed)

    threads = [threading.Thread(target=client) for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return times


def measure_size(args) -> dict:
    env = {**os.environ, **BENCH_ENV}
    os.environ.update(BENCH_ENV)

    def manage(*command: str) -> None:
        subprocess.run([PY, "manage.py", *command], cwd=ROOT, check=True, stdout=subprocess.DEVNULL, env=env)

    manage("migrate", "--noinput")
    manage("collectstatic", "--noinput")
    seed_seconds = None
    if not args.skip_seed:
        manage("load_selec")
        start = time.perf_counter()
        manage("seed_demo", "--activities", str(args.size), "--force")
        seed_seconds = round(time.perf_counter() - start, 1)
        print(f"seeded {args.size} activities in {seed_seconds} s", file=sys.stderr)

    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "selec_portal.settings")
    import django

    django.setup()
    from django.core.cache import cache as django_cache
    from django.db import connection

    from operations.models import JointActivity

    activities = JointActivity.objects.count()
    with connection.cursor() as cursor:  # planner statistics, as autovacuum keeps them in production after a load
        cursor.execute("ANALYZE")
    django_cache.clear()  # this Redis database is the bench's own: nothing of another size or run is reused
    cookies = {"manager": session_cookie("demo-manager"), "admin": session_cookie("demo-admin")}

    server = subprocess.Popen(
        [str(Path(PY).parent / "gunicorn"), "selec_portal.wsgi", "-b", f"127.0.0.1:{args.port}", "-w", "2",
         "--timeout", "300", "--log-level", "warning"],
        cwd=ROOT,
        env=env,
    )  # fmt: skip
    base = f"http://127.0.0.1:{args.port}"
    results = []
    try:
        for _ in range(150):
            try:
                urllib.request.urlopen(base + "/healthz", timeout=2).read()
                break
            except OSError:
                time.sleep(0.2)
        for label, path, who in [FLOOR, *PAGES]:
            url, cookie = base + path, cookies[who]
            for _ in range(2):  # both workers have served it once (imports, templates)
                timed_get(url, cookie)
            modes = [("off", True), ("on", False)] if path != FLOOR[1] else [("-", False)]
            for mode, cold in modes:
                for clients in (1, args.clients):
                    each = args.requests if clients == 1 else max(2, args.requests * 2 // clients)
                    times = run_clients(url, cookie, clients, each, cold)
                    row = {
                        "page": label,
                        "path": path,
                        "cache": mode,
                        "clients": clients,
                        "n": len(times),
                        "p50": round(percentile(times, 50), 1),
                        "p95": round(percentile(times, 95), 1),
                    }
                    results.append(row)
                    print(json.dumps(row), file=sys.stderr)
    finally:
        server.terminate()
        server.wait(timeout=60)
    return {"size": args.size, "activities": activities, "seed_seconds": seed_seconds, "rows": results}


# --- the whole run: one child per size, then the tables --------------------------------------------------------------


def table(results: list[dict], clients: int) -> str:
    sizes = list(results)
    labels = [label_of(r["size"]) for r in sizes]
    head = ["page", "cache"]
    for label in labels:
        head += [f"{label} p50 ms", f"{label} p95 ms", f"{label} p50 ×floor", f"{label} p95 ×floor"]
    if len(sizes) > 1:
        head.append(f"p95 {labels[-1]} / p95 {labels[0]}")
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * 2 + "---:|" * (len(head) - 2)]
    keyed = []
    for result in sizes:
        rows = {(r["page"], r["cache"]): r for r in result["rows"] if r["clients"] == clients}
        floor = rows[(FLOOR[0], "-")]
        keyed.append((rows, floor))
    for key in keyed[0][0]:
        cells = [key[0], key[1]]
        for rows, floor in keyed:
            row = rows.get(key)
            if row is None:
                cells += ["–"] * 4
                continue
            cells += [f"{row['p50']:.1f}", f"{row['p95']:.1f}"]
            if key[0] == FLOOR[0]:
                cells += ["1", "1"]
            else:
                cells += [f"{row['p50'] / floor['p50']:.1f}", f"{row['p95'] / floor['p95']:.1f}"]
        if len(keyed) > 1:
            first, last = keyed[0][0].get(key), keyed[-1][0].get(key)
            cells.append(f"{last['p95'] / first['p95']:.1f}" if first and last else "–")
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def report(results: list[dict], clients: int) -> str:
    parts = []
    for r in results:
        seeded = f", seeded in {r['seed_seconds']} s" if r["seed_seconds"] is not None else ""
        parts.append(f"- {label_of(r['size'])}: {r['activities']:,} activities in the database{seeded}")
    for n in (1, clients):
        title = "sequential (1 client)" if n == 1 else f"{n} concurrent clients"
        parts.append(f"\n**{title}**\n\n" + table(results, n))
    return "\n".join(parts)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="1000,100000", help="activities, comma-separated (default 1000,100000)")
    parser.add_argument("--database-url", default="postgres://root@127.0.0.1:5432/selec_bench{label}")
    parser.add_argument("--requests", type=int, default=20, help="sequential requests per page and mode (bounded)")
    parser.add_argument("--clients", type=int, default=8, help="concurrent clients (each makes 2*requests/clients)")
    parser.add_argument("--port", type=int, default=8766)
    parser.add_argument("--skip-seed", action="store_true", help="reuse the data of an earlier run")
    parser.add_argument("--json", default=str(ROOT / "var" / "bench-pages.json"), help="where the raw figures go")
    parser.add_argument("--size", type=int, help=argparse.SUPPRESS)  # a child: measure this one size
    args = parser.parse_args()
    args.requests = max(2, min(args.requests, 200))
    args.clients = max(2, min(args.clients, 32))
    if args.size is not None:
        print(json.dumps(measure_size(args)))
        return
    if not os.environ.get("REDIS_URL"):
        sys.exit("Set REDIS_URL to a Redis database of the bench's own (it is cleared), e.g. redis://127.0.0.1:6379/13")
    results = []
    for size in (int(s) for s in args.sizes.split(",")):
        url = args.database_url.format(label=label_of(size))
        if "postgres" not in url:
            sys.exit("The bench runs on PostgreSQL: --database-url postgres://...{label}")
        command = [PY, __file__, "--size", str(size), "--requests", str(args.requests), "--clients", str(args.clients)]
        command += ["--port", str(args.port)] + (["--skip-seed"] if args.skip_seed else [])
        print(f"== {label_of(size)}: {url}", file=sys.stderr)
        out = subprocess.run(command, cwd=ROOT, env={**os.environ, "DATABASE_URL": url}, check=True,
                             stdout=subprocess.PIPE, text=True).stdout  # fmt: skip
        results.append(json.loads(out.strip().splitlines()[-1]))
    Path(args.json).parent.mkdir(parents=True, exist_ok=True)
    Path(args.json).write_text(json.dumps(results, indent=1))
    print(report(results, args.clients))


if __name__ == "__main__":
    main()
