#!/usr/bin/env python
"""The load test (issue 12), one command, run by hand (not in `make test`).

In a PostgreSQL database of its own: migrates, seeds the demo data at --activities (unless --skip-seed), creates one
account per simulated user (`manage.py bench_accounts`: their roles, passwords and second factors), serves the
portal as in production (debug off, static files collected, gunicorn with --workers on 127.0.0.1 only) with a real
Celery worker on the same Redis, and runs bench/locustfile.py with locust (installed in a virtual environment of
its own from bench/requirements.txt): --users simulated users (--managers of them managers, the rest staff) for
--duration seconds. Then prints p50/p95 per page and each as a ratio to the trivial view of the same run
(`/healthz`), the failures, and what the worker did; exits non-zero on any failure.

    python3 -m venv /tmp/venv-locust && /tmp/venv-locust/bin/pip install -r bench/requirements.txt
    createdb selec_benchload
    REDIS_URL=redis://127.0.0.1:6379/13 .venv/bin/python bench/load.py            # seeds 1,000 activities
    REDIS_URL=redis://127.0.0.1:6379/13 .venv/bin/python bench/load.py --skip-seed

Redis: REDIS_URL, a database of the bench's own (cache and broker; it is cleared first). Every answer goes to
var/load-samples.json (name, phase, ms, error), the summary to var/load.json, locust's own tables to var/load_*.csv.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import subprocess
import sys
import time
import urllib.request
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from dashboards import PY, ROOT, percentile  # noqa: E402
from pages import BENCH_ENV  # noqa: E402

FLOOR = "floor: /healthz"
ACCOUNTS = ROOT / "var" / "load-accounts.json"
OUT = ROOT / "var" / "load"  # var/load-samples.json, var/load.json, var/load_*.csv (locust's)
ACCESS_LOG = ROOT / "var" / "load-access.log"  # when, method, path, status, microseconds inside the server


def manage(env: dict, *command: str) -> None:
    subprocess.run([PY, "manage.py", *command], cwd=ROOT, check=True, stdout=subprocess.DEVNULL, env=env)


def prepare(args, env: dict) -> None:
    manage(env, "migrate", "--noinput")
    manage(env, "collectstatic", "--noinput")
    if not args.skip_seed:
        manage(env, "load_selec")
        manage(env, "seed_demo", "--activities", str(args.activities), "--force")
    staff = args.users - args.managers
    # The accounts need debug on (their passwords and secrets are known): this one command, not the server.
    manage({**env, "DJANGO_DEBUG": "true"}, "bench_accounts", "--managers", str(args.managers), "--staff", str(staff),
           "--output", str(ACCOUNTS))  # fmt: skip
    import redis

    redis.Redis.from_url(env["REDIS_URL"]).flushdb()  # the bench's own database: no cached page, no stale task
    sql = "ANALYZE"  # planner statistics, as autovacuum keeps them in production after a load
    manage(env, "shell", "-c", f"from django.db import connection; connection.cursor().execute({sql!r})")


def database_state(env: dict) -> dict:
    """What the run left: activities, registrations and the background jobs by status (one child process)."""
    code = (
        "import json; from django.db.models import Count; from operations.models import JointActivity; "
        "from conferences.models import Registration; from projects.models import BackgroundJob; "
        "print(json.dumps({'activities': JointActivity.objects.count(), 'registrations': Registration.objects.count(), "
        "'jobs': dict(BackgroundJob.objects.values_list('status').annotate(n=Count('pk')))}))"
    )
    out = subprocess.run([PY, "manage.py", "shell", "-c", code], cwd=ROOT, env=env, check=True, capture_output=True,
                         text=True).stdout  # fmt: skip
    return json.loads(out.strip().splitlines()[-1])


def start(args, env: dict) -> list[subprocess.Popen]:
    bin_dir = Path(PY).parent
    server = subprocess.Popen(
        [str(bin_dir / "gunicorn"), "selec_portal.wsgi", "-b", f"127.0.0.1:{args.port}", "-w", str(args.workers),
         "--timeout", "120", "--log-level", "warning", "--access-logfile", str(ACCESS_LOG),
         "--access-logformat", "%(t)s %(m)s %(U)s %(s)s %(D)s"], cwd=ROOT, env=env,
    )  # fmt: skip
    worker = subprocess.Popen(
        [str(bin_dir / "celery"), "-A", "selec_portal", "--quiet", "worker", "--concurrency", "1",
         "--loglevel", "WARNING", "--without-gossip", "--without-mingle", "-n", f"load-bench-{os.getpid()}@%h"],
        cwd=ROOT, env=env,
    )  # fmt: skip
    for _ in range(300):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{args.port}/healthz", timeout=2).read()
            break
        except OSError:
            time.sleep(0.2)
    return [server, worker]


def summary(samples: list[list], phase: str) -> dict[str, dict]:
    """Per name: requests, failures, p50 and p95 (ms) of the samples of one phase."""
    by_name: dict[str, list] = {}
    for name, when, ms, error in samples:
        if when == phase:
            by_name.setdefault(name, []).append((ms, error))
    return {
        name: {
            "n": len(rows),
            "failures": sum(error is not None for _ms, error in rows),
            "p50": percentile([ms for ms, _e in rows], 50),
            "p95": percentile([ms for ms, _e in rows], 95),
        }
        for name, rows in by_name.items()
    }


def server_times(start: float, end: float) -> dict[str, dict]:
    """What the requests answered during the load took inside gunicorn's workers (its access log), the floor apart:
    the rest of a client's time is the wait for a free worker."""
    times: dict[str, list[float]] = {"floor: /healthz": [], "every other request": []}
    for line in ACCESS_LOG.read_text().splitlines():
        when, _zone, _method, path, _status, micro = line.split()
        if start <= datetime.strptime(when, "[%d/%b/%Y:%H:%M:%S").replace(tzinfo=UTC).timestamp() <= end:
            times["floor: /healthz" if path == "/healthz" else "every other request"].append(int(micro) / 1000)
    return {k: {"n": len(v), "p50": percentile(v, 50), "p95": percentile(v, 95)} for k, v in times.items() if v}


def table(load: dict[str, dict], logins: dict[str, dict]) -> str:
    """The pages under load, each next to the floor of the same phase; then the logins, before the load."""
    floor = load.get(FLOOR, {"p50": float("nan"), "p95": float("nan")})  # a run too short to have asked for it
    lines = ["| page | requests | failures | p50 ms | p95 ms | p50 ×floor | p95 ×floor |", "|---|" + "---:|" * 6]
    for name in sorted(load, key=lambda n: (n != FLOOR, n)):
        row = load[name]
        ratios = "1 | 1" if name == FLOOR else f"{row['p50'] / floor['p50']:.1f} | {row['p95'] / floor['p95']:.1f}"
        lines.append(f"| {name} | {row['n']} | {row['failures']} | {row['p50']:.0f} | {row['p95']:.0f} | {ratios} |")
    for name in sorted(logins):
        row = logins[name]
        lines.append(f"| {name} (before the load) | {row['n']} | {row['failures']} | {row['p50']:.0f} | "
                     f"{row['p95']:.0f} | – | – |")  # fmt: skip
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", default="postgres://root@127.0.0.1:5432/selec_benchload")
    parser.add_argument("--activities", type=int, default=1000, help="demo activities seeded (default 1,000)")
    parser.add_argument("--skip-seed", action="store_true", help="reuse the data of an earlier run")
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--managers", type=int, default=20, help="of the users; the others are staff")
    parser.add_argument("--duration", type=int, default=60, help="seconds of load, after every user has started")
    parser.add_argument("--spawn-rate", type=float, default=2, help="users started per second")
    parser.add_argument("--workers", type=int, default=3, help="gunicorn workers")
    parser.add_argument("--port", type=int, default=8767)
    parser.add_argument("--locust", default=os.environ.get("LOCUST", "/tmp/venv-locust/bin/locust"))
    args = parser.parse_args()
    if not os.environ.get("REDIS_URL"):
        sys.exit("Set REDIS_URL to a Redis database of the bench's own (it is cleared), e.g. redis://127.0.0.1:6379/13")
    if not Path(args.locust).exists():
        sys.exit(f"No locust at {args.locust}: python3 -m venv /tmp/venv-locust && "
                 "/tmp/venv-locust/bin/pip install -r bench/requirements.txt (or --locust PATH)")  # fmt: skip
    if not 0 < args.managers < args.users <= 200 or not 10 <= args.duration <= 600:
        sys.exit("--users up to 200, --managers between 1 and users - 1, --duration 10 to 600 s")
    env = {**os.environ, **BENCH_ENV, "DATABASE_URL": args.database_url}
    prepare(args, env)
    before = database_state(env)
    run = run_locust(args, env)
    after = database_state(env)
    return report(args, run, before, after)


def run_locust(args, env: dict) -> dict:
    """Serve the portal, start the worker, run the scenario; what the scenario recorded (see the locustfile)."""
    ACCESS_LOG.unlink(missing_ok=True)
    Path(f"{OUT}-samples.json").unlink(missing_ok=True)  # never an earlier run's
    processes = start(args, env)
    load_before = os.getloadavg()[0]  # the machine's load average: others' work inflates every figure alike
    limit = int(args.users / args.spawn_rate) + args.duration + 180  # the scenario ends the run itself before
    started = time.time()
    run_env = {**os.environ, "LOAD_ACCOUNTS": str(ACCOUNTS), "LOAD_SAMPLES": f"{OUT}-samples.json",
               "LOAD_SECONDS": str(args.duration)}  # fmt: skip
    try:
        subprocess.run(
            [args.locust, "-f", str(ROOT / "bench" / "locustfile.py"), "--headless", "-u", str(args.users),
             "-r", str(args.spawn_rate), "-t", f"{limit}s", "--host", f"http://127.0.0.1:{args.port}",
             "--csv", str(OUT), "--only-summary", "--stop-timeout", "60", "--loglevel", "WARNING"],
            cwd=ROOT, env=run_env, check=False,
        )  # fmt: skip
        time.sleep(2)  # the last reports queued reach the worker
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            process.wait(timeout=60)
    if not Path(f"{OUT}-samples.json").exists():
        sys.exit("locust wrote no samples: it did not start (see its messages above)")
    run = json.loads(Path(f"{OUT}-samples.json").read_text())
    run["load average"] = [load_before, os.getloadavg()[0]]
    run["ramp seconds"] = run["load started"] - started if run["load started"] else None
    run["exceptions"] = list(csv.DictReader(open(f"{OUT}_exceptions.csv")))  # a task that broke (no form, say)
    return run


def report(args, run: dict, before: dict, after: dict) -> int:
    """Print the table and every failure; 0 when there was none and every user logged in."""
    samples, exceptions = run.pop("samples"), run["exceptions"]
    load = summary([s for s in samples if not s[0].startswith("login")], "load")
    logins = summary([[s[0], "all", *s[2:]] for s in samples if s[0].startswith("login")], "all")
    errors = [s for s in samples if s[3] is not None]
    inside = server_times(run["load started"], run["load ended"]) if run["load ended"] else {}
    result = {"args": vars(args), "before": before, "after": after, "load": load, "logins": logins, "errors": errors,
              "inside the server": inside, **run}  # fmt: skip
    Path(f"{OUT}.json").write_text(json.dumps(result, indent=1))
    jobs = {status: n - before["jobs"].get(status, 0) for status, n in after["jobs"].items()}  # made by this run
    if load:
        print(
              f"\n{args.users} users ({args.managers} managers), all logged in after {run['ramp seconds']:.0f} s, "
              f"then {args.duration} s of load; {before['activities']:,} activities before, {after['activities']:,} "
              f"after; registrations {before['registrations']:,} -> {after['registrations']:,}; jobs run {jobs}; "
              f"load average {run['load average'][0]:.1f} at the start, {run['load average'][1]:.1f} at the end\n"
        )  # fmt: skip
        print(table(load, logins))
    for name, row in inside.items():
        print(f"inside the server, during the load, {name}: {row['n']} requests, p50 {row['p50']:.0f} ms, "
              f"p95 {row['p95']:.0f} ms")  # fmt: skip
    for name, phase, ms, error in errors:
        print(f"FAILED ({phase}) {name} after {ms:.0f} ms: {error}")
    for exception in exceptions:
        print(f"BROKEN TASK {exception['Count']}x {exception['Message']} at {exception['Traceback'][-300:]}")
    second = logins.get("login (second factor)", {"n": 0, "failures": 0})
    logged_in = second["n"] - second["failures"]
    if logged_in != args.users or not load:
        print(f"FAILED: {logged_in} of {args.users} users logged in; the load {'ran' if load else 'never started'}")
    return 1 if errors or exceptions or logged_in != args.users or not load else 0


if __name__ == "__main__":
    sys.exit(main())
