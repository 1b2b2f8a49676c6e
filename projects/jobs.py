"""Background jobs: long work that runs in Celery and shows its progress to the user.

An app contributes a handler (`projects.registry.JobHandler("progress_report", run_progress_report)`).

`handler(job, progress)` does the work; it calls `progress(percent, message)` as it goes, and returns either
None, or a `JobResult` with a file to offer for download and/or data to show. It raises `JobError(message)`
for a failure the user should read (bad input found late, for example); other exceptions are logged and the
job is marked failed with a generic message. Start a job with `job_start(...)` (re-exported by
`projects.services`, with the other writes of this module).

A job survives a worker that dies under it:
- `job_claim` takes a queued job with a conditional UPDATE (only one runner wins), counts the attempt and gives
  the claim a lease of PORTAL_JOB_LEASE_SECONDS; every `progress(...)` call is a `job_heartbeat` that extends it.
  A handler reports progress at least once per lease, or the sweep takes it for dead.
- `job_sweep` (beat, every minute) queues again the jobs whose lease ran out, and marks failed, with a message the
  user reads, those that have had PORTAL_JOB_MAX_ATTEMPTS attempts.
- The attempt number is the runner's token: a heartbeat or a finish of a runner whose claim was swept changes
  nothing (the runner stops at its next progress report, its file is not kept), so a job is finished once.
- A finished job, done or failed (by its handler or by the sweep), keeps no personal data: the parameters its
  handler declares personal (`JobHandler.personal_params`: an uploaded list's rows) are replaced by their count.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from .audit import audit_log
from .models import AuditEvent, BackgroundJob, Project
from .queue import enqueue
from .registry import registry

logger = logging.getLogger(__name__)

Status = BackgroundJob.Status


class JobError(Exception):
    """A failure to show to the user as it is."""


class JobClaimLost(Exception):
    """The runner's claim on its job ran out and was swept: another runner has the job, or it failed for good."""


@dataclass
class JobResult:
    filename: str = ""
    content: bytes | None = None
    data: dict = field(default_factory=dict)


def job_start(
    *, user, project: Project, kind: str, title: str, params: dict | None = None, audience: str | None = None
) -> BackgroundJob:
    """Queue a background job; its Celery task is sent once the surrounding transaction commits. A job started by
    one who sees the project's sensitive records (a manager, an admin) is for the managers only: its file may name
    them. `audience=MANAGERS` narrows any job to the managers (it never widens one)."""
    if registry.job_handler(kind) is None:
        raise ValueError(f"no job handler registered for {kind!r}")
    sees_sensitive = Project.objects.seeing_sensitive(user).filter(pk=project.pk).exists()
    managers_only = sees_sensitive or audience == BackgroundJob.Audience.MANAGERS
    audience = BackgroundJob.Audience.MANAGERS if managers_only else BackgroundJob.Audience.EVERYONE
    job = BackgroundJob.objects.create(
        kind=kind, title=title, project=project, user=user, params=params or {}, audience=audience
    )
    enqueue("projects.tasks.job_run", str(job.pk))
    return job


def _lease_end(now: datetime) -> datetime:
    return now + timedelta(seconds=settings.PORTAL_JOB_LEASE_SECONDS)


def job_claim(*, job_id, now: datetime | None = None) -> int | None:
    """Claim a queued job for this runner (a conditional UPDATE: only one runner wins), with a lease; the attempt
    number the claim holds (the token of its heartbeats and its finish), or None when there is nothing to claim."""
    now = now or timezone.now()
    claimed = BackgroundJob.objects.filter(pk=job_id, status=Status.QUEUED).update(
        status=Status.RUNNING, attempts=F("attempts") + 1, claimed_until=_lease_end(now), started_at=now, progress=0
    )
    if not claimed:
        return None
    return BackgroundJob.objects.values_list("attempts", flat=True).get(pk=job_id)


def job_heartbeat(*, job_id, attempt: int, percent: int, message: str = "", now: datetime | None = None) -> None:
    """Record the job's progress and extend its claim's lease; JobClaimLost when the claim is no longer this
    runner's (its lease ran out and the sweep took it back)."""
    now = now or timezone.now()
    held = BackgroundJob.objects.filter(pk=job_id, status=Status.RUNNING, attempts=attempt).update(
        progress=max(0, min(100, percent)), message=message[:300], claimed_until=_lease_end(now)
    )
    if not held:
        raise JobClaimLost(job_id)


def job_execute(*, job_id) -> BackgroundJob | None:
    """Claim a queued job, run its handler, store the result; None when the job was not this runner's to finish."""
    attempt = job_claim(job_id=job_id)
    if attempt is None:
        return None
    job = BackgroundJob.objects.select_related("project", "user").get(pk=job_id)
    handler = registry.job_handler(job.kind)

    def progress(percent: int, message: str = "") -> None:
        job_heartbeat(job_id=job.pk, attempt=attempt, percent=percent, message=message)

    try:
        if handler is None:
            raise JobError(f"No handler for jobs of kind {job.kind}.")
        result = handler(job, progress)
    except JobClaimLost:
        logger.warning("background job %s lost its claim (attempt %s) and stopped", job.pk, attempt)
        return None
    except JobError as exc:
        return _job_finish(job, attempt, Status.FAILED, str(exc))
    except SoftTimeLimitExceeded:
        minutes = settings.PORTAL_LONG_TASK_SOFT_TIME_LIMIT // 60
        message = _("The job took longer than the %(minutes)s minutes allowed and was stopped.") % {"minutes": minutes}
        return _job_finish(job, attempt, Status.FAILED, message)
    except Exception:
        logger.exception("background job %s (%s) failed", job.pk, job.kind)
        return _job_finish(job, attempt, Status.FAILED, "The job failed unexpectedly; the error was logged.")
    return _job_finish(job, attempt, Status.SUCCEEDED, "", result)


def _without_personal_data(job: BackgroundJob) -> dict:
    """The job's parameters with those its handler declares personal replaced by their count (a list) or None."""
    spec = registry.job_kind(job.kind)
    personal = set(spec.personal_params) if spec is not None else set()
    return {
        key: (len(value) if isinstance(value, list) else None) if key in personal else value
        for key, value in job.params.items()
    }


@transaction.atomic  # the result file and the row together: a file not kept is removed with the rollback
def _job_finish(
    job: BackgroundJob, attempt: int, status: str, message: str, result: JobResult | None = None
) -> BackgroundJob | None:
    """Finish the job if this runner's claim still holds (its attempt is the job's last); None if it was swept."""
    if result is not None:
        if result.content is not None:
            job.result.save(result.filename, ContentFile(result.content), save=False)
        job.result_data = result.data
    job.status, job.message, job.finished_at = status, message[:300], timezone.now()
    if status == Status.SUCCEEDED:
        job.progress = 100
    job.params, job.claimed_until = _without_personal_data(job), None
    finished = BackgroundJob.objects.filter(pk=job.pk, status=Status.RUNNING, attempts=attempt).update(
        status=job.status,
        message=job.message,
        finished_at=job.finished_at,
        progress=job.progress,
        result=job.result.name or "",
        result_data=job.result_data,
        params=job.params,
        claimed_until=None,
    )
    if not finished:
        logger.warning(
            "background job %s was swept from attempt %s before it finished: result dropped", job.pk, attempt
        )
        transaction.set_rollback(True)
        return None
    spec = registry.job_kind(job.kind)
    if status == Status.SUCCEEDED and spec is not None and spec.on_success is not None:
        spec.on_success(job)
    return job


def job_sweep(*, now: datetime | None = None) -> dict[str, list]:
    """Take back the claims whose lease ran out (their worker died, or hung past its time limit): queue the job
    again, or after PORTAL_JOB_MAX_ATTEMPTS attempts mark it failed with a message the user reads, its personal
    data cleared. Safe to run twice and while runners work: each job moves by a conditional UPDATE on its claim.

    Returns the ids of the jobs queued again and of those given up: {"queued": [...], "failed": [...]}.
    """
    now = now or timezone.now()
    swept: dict[str, list] = {"queued": [], "failed": []}
    expired = BackgroundJob.objects.filter(status=Status.RUNNING, claimed_until__lt=now).select_related("project")
    for job in expired:
        claim = BackgroundJob.objects.filter(
            pk=job.pk, status=Status.RUNNING, attempts=job.attempts, claimed_until__lt=now
        )
        with transaction.atomic():
            if job.attempts >= settings.PORTAL_JOB_MAX_ATTEMPTS:
                message = _(
                    "The work stopped %(n)s times before it could finish (the worker running it was lost), and was "
                    "given up. Start it again; if it fails again, tell an administrator."
                ) % {"n": job.attempts}
                moved = claim.update(
                    status=Status.FAILED,
                    message=message[:300],
                    finished_at=now,
                    claimed_until=None,
                    params=_without_personal_data(job),
                )
                outcome = Status.FAILED
            else:
                message = _("The worker running this job stopped; it is queued to run again.")
                moved = claim.update(status=Status.QUEUED, message=message, claimed_until=None)
                outcome = Status.QUEUED
            if not moved:
                continue  # a heartbeat came in, or another sweep took it
            audit_log(
                user=None,
                action=AuditEvent.Action.TRANSITION,
                obj=job,
                project=job.project,
                details={"status": outcome, "attempts": job.attempts, "reason": "claim expired"},
            )
            if outcome == Status.QUEUED:
                enqueue("projects.tasks.job_run", str(job.pk))
        swept["queued" if outcome == Status.QUEUED else "failed"].append(str(job.pk))
    return swept
