"""Celery tasks of the reporting app: reminders and the monthly progress report.

The two dispatchers are run by celery beat (the schedule is in the database, see migration 0002, editable in the
admin under "Periodic tasks"); their services record what is to be sent (a unique row per reminder and recipient)
and queue one `reminder_send` per new row. Every task is safe to run twice; only transient mail errors are retried.
A reminder whose sender died is put back by `reminders_sweep` (beat, every minute, migration 0006). Every task
declares its soft and hard time limits (settings.py, "Background work").
"""

from __future__ import annotations

from celery import shared_task
from django.conf import settings

from projects.tasks import LONG_TASK, SHORT_TASK

from . import services


def retry_countdown(retries: int) -> float:
    """Exponential backoff: base, 2×base, 4×base, ... capped at an hour."""
    base = float(getattr(settings, "REPORTING_RETRY_BASE_SECONDS", 60))
    return min(base * 2**retries, 3600)


@shared_task(ignore_result=True, **LONG_TASK)
def reminders_dispatch() -> int:
    """Record today's reminders (each once) and queue their sending."""
    return len(services.reminders_dispatch())


@shared_task(ignore_result=True, **LONG_TASK)
def monthly_reports_dispatch() -> int:
    """Record the monthly progress report for each project's managers (each once) and queue their sending."""
    return len(services.monthly_reports_dispatch())


@shared_task(
    bind=True,
    acks_late=True,
    reject_on_worker_lost=True,
    ignore_result=True,
    max_retries=settings.REPORTING_REMINDER_MAX_ATTEMPTS - 1,
    **SHORT_TASK,
)
def reminder_send(self, delivery_id: int) -> bool:
    """Send one recorded reminder; a second delivery of this task finds it claimed and does nothing."""
    try:
        return services.delivery_send(delivery_id=delivery_id)
    except services.TransientDeliveryError as exc:
        raise self.retry(exc=exc, countdown=retry_countdown(self.request.retries)) from exc


@shared_task(ignore_result=True, **SHORT_TASK)
def reminders_sweep() -> dict[str, int]:
    """Put back to pending, and queue again, the reminders whose sender died (beat, every minute)."""
    return {outcome: len(ids) for outcome, ids in services.reminders_sweep().items()}
