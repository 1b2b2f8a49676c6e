"""Celery tasks are queued in one place, `projects.queue.enqueue`, and sent only once the transaction commits."""

import re
from pathlib import Path

import pytest
from django.db import transaction

from projects.queue import enqueue
from projects.registry import Contributions, JobHandler, registry
from projects.services import job_start
from projects.tasks import job_run

APPS = ("projects", "conferences", "operations", "imobex", "reporting", "selec_portal")
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def sent(monkeypatch) -> list:
    """The job_run tasks handed to Celery during the test, as (args, kwargs)."""
    calls = []
    monkeypatch.setattr(job_run, "apply_async", lambda args=(), kwargs=None: calls.append((args, kwargs)))
    return calls


def test_a_task_queued_in_a_transaction_that_rolls_back_is_never_sent(db, sent, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with pytest.raises(RuntimeError), transaction.atomic():
            enqueue("projects.tasks.job_run", "a-job")
            raise RuntimeError("the write failed")
    assert callbacks == []
    assert sent == []


def test_a_task_queued_in_a_committed_transaction_is_sent_once_after_the_commit(
    db, sent, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with transaction.atomic():
            enqueue("projects.tasks.job_run", "a-job", extra=1)
            assert sent == []  # not before the commit
    assert len(callbacks) == 1
    assert sent == [(("a-job",), {"extra": 1})]


def test_a_misspelt_task_is_refused_at_once(db):
    with pytest.raises(ImportError):
        enqueue("projects.tasks.no_such_task")


def test_starting_a_job_sends_its_task_after_the_commit(selec, manager, sent, django_capture_on_commit_callbacks):
    handler = Contributions(jobs=[JobHandler("test-queue", lambda job, progress: None)])
    with registry.contributed("tests", handler), django_capture_on_commit_callbacks(execute=True):
        job = job_start(user=manager, project=selec["ATHENA2"], kind="test-queue", title="Queued")
        assert sent == []
    assert sent == [((str(job.pk),), {})]


def test_no_module_of_the_portal_sends_a_task_but_the_queue():
    sending = re.compile(r"\.delay\(|\.apply_async\(|\.send_task\(|\bsend_task\(")
    offenders = [
        str(path.relative_to(ROOT))
        for app in APPS
        for path in (ROOT / app).rglob("*.py")
        if "migrations" not in path.parts and sending.search(path.read_text(encoding="utf-8"))
    ]
    assert offenders == ["projects/queue.py"]
