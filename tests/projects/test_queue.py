"""Celery tasks are queued in one place, `projects.queue.enqueue`, through the outbox: written in the transaction,
sent only once it commits. The outage tests (stopping a real Redis) are in tests/test_redis_outage.py."""

import re
from pathlib import Path

import pytest
from django.db import transaction

from projects.models import OutboxMessage
from projects.queue import enqueue
from projects.registry import Contributions, JobHandler, registry
from projects.services import job_start
from projects.tasks import job_run

APPS = ("projects", "conferences", "operations", "imobex", "reporting", "selec_portal")
ROOT = Path(__file__).resolve().parents[2]
JOB = "8a6e0d52-3c5e-4b7a-9f1e-2d4c6b8a0e13"  # a job's id


@pytest.fixture
def sent(monkeypatch) -> list:
    """The job_run tasks handed to Celery during the test, as (args, kwargs)."""
    calls = []
    monkeypatch.setattr(job_run, "apply_async", lambda args=(), kwargs=None, **options: calls.append((args, kwargs)))
    return calls


def test_a_task_queued_in_a_transaction_that_rolls_back_is_never_sent(db, sent, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with pytest.raises(RuntimeError), transaction.atomic():
            enqueue("projects.tasks.job_run", JOB)
            assert OutboxMessage.objects.count() == 1
            raise RuntimeError("the write failed")
    assert callbacks == []
    assert sent == [] and not OutboxMessage.objects.exists()


def test_a_task_queued_in_a_committed_transaction_is_sent_once_after_the_commit(
    db, sent, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with transaction.atomic():
            enqueue("projects.tasks.job_run", JOB, extra=1)
            assert sent == []  # not before the commit
            row = OutboxMessage.objects.get()  # written in the transaction, with the change
            assert (row.task, row.args, row.kwargs) == ("projects.tasks.job_run", [JOB], {"extra": 1})
    assert len(callbacks) == 1
    assert sent == [([JOB], {"extra": 1})]
    assert not OutboxMessage.objects.exists()  # handed to the broker: the row is gone


def test_a_misspelt_task_is_refused_at_once(db):
    with pytest.raises(ImportError):
        enqueue("projects.tasks.no_such_task")


def test_starting_a_job_sends_its_task_after_the_commit(selec, manager, sent, django_capture_on_commit_callbacks):
    handler = Contributions(jobs=[JobHandler("test-queue", lambda job, progress: None)])
    with registry.contributed("tests", handler), django_capture_on_commit_callbacks(execute=True):
        job = job_start(user=manager, project=selec["ATHENA2"], kind="test-queue", title="Queued")
        assert sent == []
    assert sent == [([str(job.pk)], {})]


def test_no_module_of_the_portal_sends_a_task_but_the_queue():
    sending = re.compile(r"\.delay\(|\.apply_async\(|\.send_task\(|\bsend_task\(")
    offenders = [
        str(path.relative_to(ROOT))
        for app in APPS
        for path in (ROOT / app).rglob("*.py")
        if "migrations" not in path.parts and sending.search(path.read_text(encoding="utf-8"))
    ]
    assert offenders == ["projects/queue.py"]


def test_the_tasks_one_transaction_queues_are_sent_after_its_commit_without_those_a_savepoint_undid(
    db, sent, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with transaction.atomic():
            enqueue("projects.tasks.job_run", 1)
            with pytest.raises(RuntimeError), transaction.atomic():
                enqueue("projects.tasks.job_run", 2)
                raise RuntimeError("this part failed")
            with transaction.atomic():
                enqueue("projects.tasks.job_run", 3)
            for n in range(4, 51):
                enqueue("projects.tasks.job_run", n)
    assert len(callbacks) == 49  # one per task; the one of the undone part went with it
    assert [args for args, kwargs in sent] == [[1]] + [[n] for n in range(3, 51)]
    assert not OutboxMessage.objects.exists()


@pytest.mark.parametrize(
    "argument", ["Stefan Staff", "staff@example.org", {"rows": [["Ana", "ana@example.org"]]}, ["1", "2"], 1.5]
)
def test_a_task_takes_ids_so_the_outbox_never_holds_personal_data(db, argument):
    with pytest.raises(ValueError, match="takes ids"):
        enqueue("projects.tasks.job_run", argument)
    with pytest.raises(ValueError, match="takes ids"):
        enqueue("projects.tasks.job_run", JOB, name=argument)
    assert not OutboxMessage.objects.exists()


@pytest.mark.parametrize("argument", [42, "42", JOB, "2026-11-30", "2026-11-30T21:04:15.123456+00:00", None, True])
def test_numbers_uuids_and_dates_are_ids(db, sent, argument, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        enqueue("projects.tasks.job_run", argument)
    assert sent == [([argument], {})]


def test_beat_drains_the_outbox_every_minute(db):
    from django_celery_beat.models import PeriodicTask

    schedule = PeriodicTask.objects.get(task="projects.tasks.outbox_drain")
    assert schedule.enabled and (schedule.interval.every, schedule.interval.period) == (1, "minutes")


def test_a_task_that_cannot_be_sent_waits_with_its_error_behind_the_others(db, sent):
    from projects.queue import outbox_drain

    renamed = OutboxMessage.objects.create(task="projects.tasks.renamed_since", args=[1])
    OutboxMessage.objects.bulk_create(OutboxMessage(task="projects.tasks.job_run", args=[n]) for n in range(2, 5))
    assert outbox_drain(batch_size=2) == 3
    assert [args for args, kwargs in sent] == [[2], [3], [4]]
    renamed.refresh_from_db()
    assert renamed.attempts == 1 and "renamed_since" in renamed.last_error
    assert list(OutboxMessage.objects.all()) == [renamed]
