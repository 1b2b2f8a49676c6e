"""A Redis server of the test's own (redis-server from PATH, on a free port, nothing saved), to stop and start again.

The machine's Redis (REDIS_URL) is shared by everyone's tests and is never stopped; an outage is played on this one.
`portal_on(server)` points the portal's cache and Celery broker at it for the rest of the test.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import time

import redis

from selec_portal.celery import app as celery_app


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class RedisServer:
    def __init__(self, directory):
        self.port = free_port()
        self.directory = str(directory)
        self.process: subprocess.Popen | None = None
        self.url = f"redis://127.0.0.1:{self.port}/0"

    def client(self) -> redis.Redis:
        return redis.Redis.from_url(self.url, socket_connect_timeout=0.5, socket_timeout=2)

    def start(self) -> None:
        command = [shutil.which("redis-server") or "redis-server", "--port", str(self.port), "--bind", "127.0.0.1"]
        command += ["--save", "", "--appendonly", "no", "--dir", self.directory, "--loglevel", "warning"]
        self.process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 10
        while True:
            try:
                self.client().ping()
                return
            except redis.ConnectionError:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"redis-server did not start on port {self.port}") from None
                time.sleep(0.02)

    def stop(self) -> None:
        """SHUTDOWN NOSAVE, as an operator would (SIGTERM if it does not answer); returns once the port is closed."""
        if self.process is None or self.process.poll() is not None:
            return
        try:
            self.client().shutdown(nosave=True)
        except redis.ConnectionError:
            pass  # the server closes the connection as it goes: the expected answer
        except redis.RedisError:
            self.process.terminate()
        self.process.wait(timeout=10)

    def is_down(self) -> bool:
        try:
            self.client().ping()
        except redis.ConnectionError:
            return True
        return False


def portal_on(server: RedisServer, settings, monkeypatch) -> None:
    """The portal's cache (the resilient one of production) and Celery's broker on `server`."""
    settings.CACHES = {
        "default": {
            "BACKEND": "selec_portal.cache.ResilientRedisCache",
            "LOCATION": server.url,
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 1},
        }
    }
    monkeypatch.setattr(celery_app.conf, "broker_url", server.url)
