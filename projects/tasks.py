"""Celery tasks of the core. Tasks take ids, re-read the rows and call one service.

Every task of the portal declares its soft and hard time limits with one of the two sets of options below (the
figures are in settings.py, "Background work"; system check projects.E005). A task that declares none gets the short
ones, celery's defaults.
"""

from celery import shared_task
from django.conf import settings

from . import audit, queue, services

# One e-mail, a sweep, a seal: the short limits.
SHORT_TASK = {"soft_time_limit": settings.CELERY_TASK_SOFT_TIME_LIMIT, "time_limit": settings.CELERY_TASK_TIME_LIMIT}
# A background job, a dispatch through every project: the long limits, acknowledged late, so that a worker lost in
# the middle leaves the task to the broker (after its visibility timeout) and, sooner, to the sweeps.
LONG_TASK = {
    "soft_time_limit": settings.PORTAL_LONG_TASK_SOFT_TIME_LIMIT,
    "time_limit": settings.PORTAL_LONG_TASK_TIME_LIMIT,
    "acks_late": True,
    "reject_on_worker_lost": True,
}


@shared_task(ignore_result=True, **LONG_TASK)
def job_run(job_id: str) -> None:
    """Run a background job once: a second delivery finds it already claimed and does nothing."""
    services.job_execute(job_id=job_id)


@shared_task(ignore_result=True, **SHORT_TASK)
def job_sweep() -> dict[str, int]:
    """Queue again the jobs whose worker died (their claim's lease ran out), or give them up (beat, every minute)."""
    return {outcome: len(ids) for outcome, ids in services.job_sweep().items()}


@shared_task(ignore_result=True, **SHORT_TASK)
def audit_seal() -> None:
    """Seal the audit entries left unsealed (beat, every minute); sealing what is there twice seals nothing twice."""
    audit.audit_seal()


@shared_task(ignore_result=True)
def outbox_drain() -> int:
    """Send the tasks left in the outbox (beat, every minute); drains running at once never send a row twice."""
    return queue.outbox_drain()
