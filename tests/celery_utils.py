"""A real Celery worker (threads, the real Redis broker) for the tests that need one."""

import contextlib

from celery.contrib.testing.worker import start_worker

from selec_portal.celery import app


@contextlib.contextmanager
def running_worker():
    with start_worker(app, pool="threads", concurrency=2, perform_ping_check=False, shutdown_timeout=30):
        yield
