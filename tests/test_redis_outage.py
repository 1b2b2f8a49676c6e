"""Redis stopped and started again (a real redis-server of the test's own, tests/redis_server.py): pages render,
writes commit, the work they queue waits in the outbox and is sent, and done, once Redis is back; the login
lockout holds; /healthz says what is down. And the outbox's drains: each waiting task is sent exactly once, however
many drains run at once (`SELECT ... FOR UPDATE SKIP LOCKED`)."""

from __future__ import annotations

import base64
import json
import os
import signal
import subprocess
import sys
import threading
import time
from datetime import date
from pathlib import Path

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse

from projects.models import BackgroundJob, OutboxMessage
from projects.queue import outbox_drain
from reporting.models import ReportingPeriod
from tests.accounts.conftest import log_in, logged_in
from tests.redis_server import RedisServer, portal_on

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def own_redis(tmp_path, settings, monkeypatch):
    """A running redis-server on a free port, with the portal's cache and broker pointed at it."""
    server = RedisServer(tmp_path)
    server.start()
    portal_on(server, settings, monkeypatch)
    yield server
    server.stop()


def _queued_args(server: RedisServer, queue: str = "celery") -> list:
    """The arguments of every task message waiting in the broker's queue."""
    messages = [json.loads(raw) for raw in server.client().lrange(queue, 0, -1)]
    return [json.loads(base64.b64decode(message["body"]))[0] for message in messages]


def _healthz(client) -> tuple[int, dict]:
    response = client.get("/healthz")
    return response.status_code, json.loads(response.content)


class Worker:
    """A real Celery worker process (solo pool) on the test's database and Redis; its log is kept to count tasks."""

    def __init__(self, server: RedisServer, media_root, log_path: Path):
        db = connection.settings_dict
        env = os.environ | {
            "DJANGO_SETTINGS_MODULE": "selec_portal.settings_test",
            "DATABASE_URL": f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
            "REDIS_URL": server.url,
            "DJANGO_MEDIA_ROOT": str(media_root),
        }
        command = [sys.executable, "-m", "celery", "-A", "selec_portal", "worker", "--pool", "solo", "--loglevel"]
        command += ["INFO", "--without-mingle", "--without-gossip", "--without-heartbeat", "-n", f"outage{server.port}"]
        self.log_path = log_path
        self.process = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=open(log_path, "wb"), stderr=subprocess.STDOUT
        )

    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)  # warm shutdown
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def _wait_for(condition, seconds: float, what: str, worker: Worker | None = None) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} not met after {seconds}s" + (f"\n{worker.log()}" if worker else ""))
        time.sleep(0.1)


def test_with_redis_stopped_a_report_request_commits_and_its_work_is_sent_and_done_once_when_redis_returns(
    transactional_db, own_redis, client_for, manager, athena, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path / "media"
    period = ReportingPeriod.objects.create(
        project=athena, title="Outage report", start=date(2024, 1, 1), end=date(2024, 6, 30), due_date=date(2024, 7, 31)
    )
    own_redis.stop()
    assert own_redis.is_down()

    # The page works and the write commits (this test runs outside a wrapping transaction: the commit is real).
    client = client_for(manager)
    started = time.monotonic()
    response = client.post(
        reverse("reporting:report-generate", args=[athena.code, period.pk]),
        {"formats": ["csv"], "audience": "managers"},
    )
    request_seconds = time.monotonic() - started
    job = BackgroundJob.objects.get(kind="progress_report", params__period_id=period.pk)
    assert response.status_code == 302 and response.url == f"{period.get_absolute_url()}#generated-files"
    assert request_seconds < 3, f"the request waited {request_seconds:.1f}s for the dead broker"
    page = client.get(job.get_absolute_url())
    assert page.status_code == 200 and "Outage report" in page.content.decode()
    assert client.get(reverse("reporting:report-detail", args=[athena.code, period.pk])).status_code == 200
    assert job.status == BackgroundJob.Status.QUEUED

    # The work waits in the outbox, with the reason; /healthz names what is down and still answers 200.
    waiting = OutboxMessage.objects.get()
    assert (waiting.task, waiting.args, waiting.attempts) == ("projects.tasks.job_run", [str(job.pk)], 1)
    assert "Connection" in waiting.last_error or "refused" in waiting.last_error
    status, health = _healthz(Client())
    assert status == 200 and health["status"] == "degraded" and health["database"] == "ok"
    assert health["cache"].startswith("error") and health["broker"].startswith("error")
    assert health["outbox"] == "ok" and health["outbox_pending"] == 1
    assert outbox_drain() == 0 and OutboxMessage.objects.get().attempts == 2  # the drain, too, waits for Redis

    # Redis returns: a worker that starts drains the outbox (worker_ready) and runs the job, once.
    own_redis.start()
    worker = Worker(own_redis, settings.MEDIA_ROOT, tmp_path / "worker.log")
    try:
        _wait_for(lambda: BackgroundJob.objects.get(pk=job.pk).is_finished, 60, "the job finished", worker)
        job.refresh_from_db()
        assert job.status == BackgroundJob.Status.SUCCEEDED, job.message
        assert not OutboxMessage.objects.exists()
        assert outbox_drain() == 0  # nothing left to send again
        time.sleep(0.5)  # a duplicate, had one been sent, would be received by now
        assert "Outbox: 1 task(s) sent" in worker.log()  # by the worker as it started, not by beat nor this test
        assert worker.log().count("Task projects.tasks.job_run[") == 2, worker.log()  # "received", "succeeded"
        assert own_redis.client().llen("celery") == 0
    finally:
        worker.stop()
    assert job.result.name.endswith(".csv")
    status, health = _healthz(Client())
    assert (status, health["status"], health["broker"], health["cache"]) == (200, "ok", "ok", "ok")


def test_tasks_queued_while_redis_is_down_are_sent_by_the_drain_when_it_returns(transactional_db, own_redis, staff):
    from projects.queue import enqueue

    own_redis.stop()
    for n in range(3):
        enqueue("projects.tasks.job_run", f"00000000-0000-4000-8000-00000000000{n}")  # autocommit: sent at once
    # the first send failed; the next two, a moment later, were left to the drain without waiting for Redis again
    assert list(OutboxMessage.objects.values_list("attempts", flat=True)) == [1, 0, 0]
    own_redis.start()
    assert outbox_drain() == 3
    assert not OutboxMessage.objects.exists()
    assert sorted(args[0] for args in _queued_args(own_redis)) == [
        f"00000000-0000-4000-8000-00000000000{n}" for n in range(3)
    ]


def test_with_redis_hung_a_task_is_queued_and_healthz_answers_within_seconds(transactional_db, own_redis):
    """A server that accepts connections but never answers (SIGSTOP): the send and the checks give up on time."""
    from projects.queue import enqueue

    os.kill(own_redis.process.pid, signal.SIGSTOP)
    try:
        started = time.monotonic()
        enqueue("projects.tasks.job_run", 1)  # autocommit: written, then the send gives up after its timeout
        send_seconds = time.monotonic() - started
        started = time.monotonic()
        status, health = _healthz(Client())
        healthz_seconds = time.monotonic() - started
    finally:
        os.kill(own_redis.process.pid, signal.SIGCONT)
    assert send_seconds < 3 and healthz_seconds < 5, (send_seconds, healthz_seconds)
    assert OutboxMessage.objects.get().attempts == 1
    assert status == 200 and health["cache"].startswith("error") and health["broker"].startswith("error")
    assert outbox_drain() == 1 and _queued_args(own_redis) == [[1]]


def test_two_drains_at_once_send_each_waiting_task_exactly_once(transactional_db, own_redis):
    OutboxMessage.objects.bulk_create(
        OutboxMessage(task="projects.tasks.job_run", args=[f"00000000-0000-4000-8000-{n:012d}"]) for n in range(300)
    )
    totals = []

    def drain():
        try:
            totals.append(outbox_drain(batch_size=10))
        finally:
            connection.close()

    threads = [threading.Thread(target=drain) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    sent = [args[0] for args in _queued_args(own_redis)]
    assert len(sent) == 300 and len(set(sent)) == 300 and sum(totals) == 300
    assert not OutboxMessage.objects.exists()


def test_a_drain_skips_the_rows_another_drain_holds_and_they_are_sent_once_released(transactional_db, own_redis):
    OutboxMessage.objects.bulk_create(
        OutboxMessage(task="projects.tasks.job_run", args=[f"00000000-0000-4000-8000-{n:012d}"]) for n in range(6)
    )
    first_three = list(OutboxMessage.objects.order_by("id").values_list("id", flat=True)[:3])
    held, release = threading.Event(), threading.Event()

    def hold():  # another drain, in the middle of sending these three
        from django.db import transaction

        try:
            with transaction.atomic():
                list(OutboxMessage.objects.select_for_update().filter(pk__in=first_three))
                held.set()
                release.wait(10)
        finally:
            connection.close()

    holder = threading.Thread(target=hold)
    holder.start()
    held.wait(10)
    assert outbox_drain() == 3  # the three others, without waiting for the lock
    assert set(OutboxMessage.objects.values_list("id", flat=True)) == set(first_three)
    release.set()
    holder.join()
    assert outbox_drain() == 3
    sent = [args[0] for args in _queued_args(own_redis)]
    assert sorted(sent) == [f"00000000-0000-4000-8000-{n:012d}" for n in range(6)]


def test_with_redis_stopped_the_login_lockout_counts_in_the_database_and_holds(transactional_db, own_redis, staff):
    from axes.models import AccessAttempt

    own_redis.stop()
    client = Client()
    for _ in range(5):
        log_in(client, "staff", "not-the-password")
    assert AccessAttempt.objects.get(username="staff").failures_since_start == 5
    assert log_in(client, "staff").status_code == 429 and not logged_in(client)  # the right password, still locked
    elsewhere = Client()
    assert log_in(elsewhere, "staff", REMOTE_ADDR="10.9.8.7").status_code == 302 and logged_in(elsewhere)
