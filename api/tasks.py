"""Celery tasks of the API (see projects.tasks for the time limits): the purge of idempotent answers and sync
tombstones, and the webhooks' deliveries (`api.webhooks.services`; a delivery is claimed by a conditional UPDATE
before it is sent, so a task delivered twice sends once)."""

from __future__ import annotations

from celery import shared_task

from projects.mail import is_transient
from projects.tasks import SHORT_TASK

from . import services
from .webhooks import services as webhooks


@shared_task(ignore_result=True, **SHORT_TASK)
def api_purge() -> dict[str, int]:
    """Forget old idempotent answers and sync tombstones (beat, daily)."""
    return services.api_purge()


@shared_task(ignore_result=True, **SHORT_TASK)
def webhook_deliver(delivery_id: int) -> str | None:
    """Attempt one webhook delivery if it is due; a failure is retried by beat's `webhooks_dispatch`."""
    return webhooks.delivery_attempt(delivery_id=delivery_id)


@shared_task(ignore_result=True, **SHORT_TASK)
def webhooks_dispatch() -> int:
    """Queue the webhook deliveries that are due (retries, attempts of a lost worker): beat, every minute."""
    return len(webhooks.deliveries_dispatch())


@shared_task(bind=True, ignore_result=True, max_retries=5, **SHORT_TASK)
def webhook_disabled_notice(self, endpoint_id: int) -> bool:
    """Tell the endpoint's creator and the admins that it was disabled (a mail error that may pass is retried)."""
    try:
        return webhooks.endpoint_notice_send(endpoint_id=endpoint_id)
    except Exception as exc:
        if is_transient(exc):
            raise self.retry(exc=exc, countdown=60 * 2**self.request.retries) from exc
        raise
