"""Celery tasks of the conferences app. Tasks take ids, re-read the rows and call one service."""

from celery import shared_task

from projects.mail import TransientMailError
from projects.tasks import SHORT_TASK

from . import services


@shared_task(
    acks_late=True,
    reject_on_worker_lost=True,
    ignore_result=True,
    autoretry_for=(TransientMailError,),
    retry_backoff=60,
    retry_backoff_max=3600,
    retry_jitter=False,
    max_retries=6,
    **SHORT_TASK,
)
def feedback_reminder_send(registration_id: int, requested_at: str) -> bool:
    """E-mail one attendee the survey link; a second delivery of this task finds it claimed and does nothing."""
    return services.feedback_reminder_send(registration_id=registration_id, requested_at=requested_at)
