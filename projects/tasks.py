"""Celery tasks of the core. Tasks take ids, re-read the rows and call one service."""

from celery import shared_task

from . import audit, queue, services


@shared_task(acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def job_run(job_id: str) -> None:
    """Run a background job once: a second delivery finds it already claimed and does nothing."""
    services.job_execute(job_id=job_id)


@shared_task(ignore_result=True)
def audit_seal() -> None:
    """Seal the audit entries left unsealed (beat, every minute); sealing what is there twice seals nothing twice."""
    audit.audit_seal()


@shared_task(ignore_result=True)
def outbox_drain() -> int:
    """Send the tasks left in the outbox (beat, every minute); drains running at once never send a row twice."""
    return queue.outbox_drain()
