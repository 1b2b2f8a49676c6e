"""Real Celery workers for the tests that need one: in threads of the test process (`running_worker`), or as a
process of its own (`WorkerProcess`), the worker production runs, which a test can kill."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

from celery.contrib.testing.worker import start_worker
from django.conf import settings
from django.db import connection

from selec_portal.celery import app


@contextlib.contextmanager
def running_worker():
    with start_worker(app, pool="threads", concurrency=2, perform_ping_check=False, shutdown_timeout=30):
        yield


def test_database_url() -> str:
    """The URL of the database the test runs on (pytest-django's test_... database), for another process."""
    db = connection.settings_dict
    host, port = db["HOST"] or "127.0.0.1", db["PORT"] or 5432
    return f"postgres://{db['USER']}:{db['PASSWORD'] or ''}@{host}:{port}/{db['NAME']}"


class WorkerProcess:
    """`celery -A selec_portal worker` in a process group of its own (prefork, one child), on the test database,
    the test's Redis and MEDIA_ROOT; `env` adds settings by environment variable. It logs to `log`."""

    def __init__(self, log: Path, **env: str) -> None:
        self.log = log
        self.env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "selec_portal.settings_test",
            "DATABASE_URL": test_database_url(),
            "DATABASE_CONN_MAX_AGE": "0",
            "REDIS_URL": settings.REDIS_URL,
            "DJANGO_MEDIA_ROOT": str(settings.MEDIA_ROOT),
            **env,
        }
        self.process: subprocess.Popen | None = None

    def start(self, timeout: float = 60) -> WorkerProcess:
        """Start the worker and return once it says it is ready to take tasks."""
        name = f"test-{uuid.uuid4().hex[:8]}@%h"
        command = [sys.executable, "-m", "celery", "-A", "selec_portal", "worker", "--pool=prefork", "--concurrency=1"]
        command += ["--without-mingle", "--without-gossip", "--without-heartbeat", "--loglevel=INFO", "-n", name]
        with open(self.log, "ab") as log:
            self.process = subprocess.Popen(
                command,
                cwd=settings.BASE_DIR,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        deadline = time.monotonic() + timeout
        while b" ready." not in self.log.read_bytes():
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise AssertionError(f"the worker did not start:\n{self.log.read_text()[-3000:]}")
            time.sleep(0.1)
        return self

    def kill(self) -> None:
        """SIGKILL the worker and its child at once, as the kernel's OOM killer or a pulled plug would."""
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
        if self.process is not None:
            self.process.wait(timeout=30)

    def stop(self) -> None:
        """A warm shutdown (SIGTERM), or SIGKILL if the worker has not left within 20 seconds."""
        if self.process is None or self.process.poll() is not None:
            return
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.kill()

    def __enter__(self) -> WorkerProcess:
        return self.start()

    def __exit__(self, *exc_info) -> None:
        self.stop()


def broker_purge() -> None:
    """Empty the test's Redis of the tasks queued or held unacknowledged by other tests' workers."""
    with app.connection_for_write() as conn:
        conn.default_channel.queue_purge("celery")
        conn.default_channel.client.delete("unacked", "unacked_index")


def broker_unacknowledged() -> int:
    """How many tasks the broker holds as taken but not acknowledged (to be handed out again only after the
    visibility timeout)."""
    with app.connection_for_write() as conn:
        return conn.default_channel.client.hlen("unacked")
