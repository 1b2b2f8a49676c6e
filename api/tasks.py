"""Celery tasks of the API (see projects.tasks for the time limits)."""

from celery import shared_task

from projects.tasks import SHORT_TASK

from . import services


@shared_task(ignore_result=True, **SHORT_TASK)
def api_purge() -> dict[str, int]:
    """Forget old idempotent answers and sync tombstones (beat, daily)."""
    return services.api_purge()
