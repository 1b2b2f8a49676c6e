"""A job's claim and its lease: heartbeats, the sweep, attempts, the message the user reads, personal data cleared.

The worker itself is killed in tests/test_worker_crash.py; here the runner's steps are called in turn, with a clock
past the lease where the sweep needs one.
"""

from datetime import timedelta

import pytest
from celery.exceptions import SoftTimeLimitExceeded
from django.urls import reverse
from django.utils import timezone
from django_celery_beat.models import PeriodicTask

from projects import files, jobs
from projects.models import AuditEvent, BackgroundJob
from projects.registry import Contributions, JobHandler, registry
from projects.services import job_execute, job_start, job_sweep
from projects.tasks import job_run
from tests.utils import get_ok

ROWS = [{"name": "Ana Popescu", "email": "ana@example.org"}, {"name": "Ivan Petrov", "email": ""}]
STEPS: dict = {}  # what the handler under test does in the middle of its run


def _handler(job, progress):
    progress(50, "Halfway")
    if STEPS.get("then"):
        STEPS["then"](job)
        progress(60, "Still going")
    if STEPS.get("raise"):
        raise STEPS["raise"]
    return jobs.JobResult(filename="names.csv", content=b"name\nAna\n", data={"rows": len(job.params["rows"])})


@pytest.fixture(autouse=True)
def rows_handler():
    STEPS.clear()
    with registry.contributed(
        "tests", Contributions(jobs=[JobHandler("test-rows", _handler, personal_params=("rows",))])
    ):
        yield


@pytest.fixture
def job(selec, manager):
    return job_start(user=manager, project=selec["ATHENA2"], kind="test-rows", title="Import", params={"rows": ROWS})


def later(seconds: float = 0):
    """A clock past the lease of a claim made now."""
    from django.conf import settings

    return timezone.now() + timedelta(seconds=settings.PORTAL_JOB_LEASE_SECONDS + 1 + seconds)


def test_a_claim_counts_the_attempt_and_carries_a_lease(job, settings):
    before = timezone.now()
    assert jobs.job_claim(job_id=job.pk) == 1
    job.refresh_from_db()
    assert job.status == "running" and job.attempts == 1
    assert job.claimed_until >= before + timedelta(seconds=settings.PORTAL_JOB_LEASE_SECONDS)
    assert jobs.job_claim(job_id=job.pk) is None  # one runner wins


def test_a_progress_report_extends_the_lease(job):
    attempt = jobs.job_claim(job_id=job.pk)
    job.refresh_from_db()
    first = job.claimed_until
    jobs.job_heartbeat(job_id=job.pk, attempt=attempt, percent=40, message="Reading", now=later())
    job.refresh_from_db()
    assert job.claimed_until > first and (job.progress, job.message) == (40, "Reading")
    assert job_sweep(now=later()) == {"queued": [], "failed": []}  # the extended lease still holds


def test_the_sweep_leaves_a_live_claim_alone(job):
    jobs.job_claim(job_id=job.pk)
    assert job_sweep() == {"queued": [], "failed": []}
    assert BackgroundJob.objects.get(pk=job.pk).status == "running"


def test_a_job_whose_worker_died_is_queued_again_and_its_page_says_it_is_retrying(
    job, manager, admin_user, client_for, django_capture_on_commit_callbacks, monkeypatch
):
    jobs.job_claim(job_id=job.pk)  # ...and the worker dies
    sent = []
    monkeypatch.setattr(job_run, "apply_async", lambda args=(), kwargs=None, **options: sent.append(tuple(args)))
    with django_capture_on_commit_callbacks(execute=True):
        assert job_sweep(now=later()) == {"queued": [str(job.pk)], "failed": []}
    assert sent == [(str(job.pk),)]  # the job's task, queued again
    job.refresh_from_db()
    assert (job.status, job.attempts, job.claimed_until) == ("queued", 1, None)
    assert job.params == {"rows": ROWS}  # kept for the next attempt
    page = get_ok(client_for(manager), job.get_absolute_url()).content.decode()
    assert "Retrying, attempt 2 of 3" in page and 'hx-trigger="every 1s"' in page
    assert "stopped; it is queued to run again" in page
    entry = AuditEvent.objects.get(object_id=str(job.pk), action=AuditEvent.Action.TRANSITION)
    assert entry.details == {"status": "queued", "attempts": 1, "reason": "claim expired"}
    admin_list = get_ok(client_for(admin_user), reverse("admin:projects_backgroundjob_changelist")).content.decode()
    assert "Queued · Retrying, attempt 2 of 3" in admin_list
    assert jobs.job_claim(job_id=job.pk) == 2
    job.refresh_from_db()
    assert job.retry_note == "Retrying, attempt 2 of 3"


def test_after_the_last_attempt_the_job_fails_with_a_message_and_forgets_its_rows(job, manager, client_for, settings):
    for attempt in range(1, settings.PORTAL_JOB_MAX_ATTEMPTS + 1):
        assert jobs.job_claim(job_id=job.pk) == attempt
        outcome = "failed" if attempt == settings.PORTAL_JOB_MAX_ATTEMPTS else "queued"
        assert job_sweep(now=later())[outcome] == [str(job.pk)]
    job.refresh_from_db()
    assert (job.status, job.attempts, job.finished_at is not None) == ("failed", 3, True)
    assert job.params == {"rows": 2}  # only how many rows there were
    page = get_ok(client_for(manager), job.get_absolute_url()).content.decode()
    assert "The work stopped 3 times before it could finish" in page
    assert "every 1s" not in page and "Retrying" not in page  # the page stops polling
    assert jobs.job_claim(job_id=job.pk) is None


@pytest.mark.parametrize(
    ("error", "status", "message"),
    [
        (None, "succeeded", ""),
        (jobs.JobError("Row 2: unknown country."), "failed", "Row 2: unknown country."),
        (RuntimeError("boom"), "failed", "The job failed unexpectedly; the error was logged."),
        (SoftTimeLimitExceeded(), "failed", "The job took longer than the 15 minutes allowed and was stopped."),
    ],
)
def test_a_finished_job_keeps_only_the_count_of_its_personal_rows(job, error, status, message):
    STEPS["raise"] = error
    job_execute(job_id=job.pk)
    job.refresh_from_db()
    assert (job.status, job.message, job.claimed_until) == (status, message, None)
    assert job.params == {"rows": 2}


def test_a_runner_whose_claim_was_swept_stops_at_its_next_progress_report(job):
    def swept_and_taken_by_another(job):
        job_sweep(now=later())
        assert jobs.job_claim(job_id=job.pk) == 2

    STEPS["then"] = swept_and_taken_by_another
    assert job_execute(job_id=job.pk) is None  # attempt 1 lost its claim: it neither finished nor failed the job
    job.refresh_from_db()
    assert (job.status, job.attempts, job.progress) == ("running", 2, 0)


@pytest.mark.django_db(transaction=True)
def test_a_runner_whose_claim_was_swept_keeps_no_result(job, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    attempt = jobs.job_claim(job_id=job.pk)
    job_sweep(now=later())
    assert jobs.job_claim(job_id=job.pk) == 2  # another runner has it now
    result = jobs.JobResult(filename="late.csv", content=b"late", data={"rows": 2})
    assert jobs._job_finish(job, attempt, BackgroundJob.Status.SUCCEEDED, "", result) is None
    files.discard_uncommitted()  # as at the end of every task
    job.refresh_from_db()
    assert (job.status, job.attempts, job.result.name, job.params) == ("running", 2, "", {"rows": ROWS})
    assert not list(tmp_path.rglob("late*.csv"))


def test_the_job_sweep_runs_every_minute_from_beat(db):
    task = PeriodicTask.objects.get(task="projects.tasks.job_sweep")
    assert (task.interval.every, task.interval.period, task.enabled) == (1, "minutes", True)
    from selec_portal.celery import app

    assert "projects.tasks.job_sweep" in app.tasks
