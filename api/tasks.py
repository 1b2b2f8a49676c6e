"""Celery tasks of the API app: the webhooks' deliveries (see `api.webhooks.services`). Tasks take ids and are
safe to run twice: a delivery is claimed by a conditional UPDATE before it is sent."""

from __future__ import annotations

from celery import shared_task

from projects.mail import is_transient
from projects.tasks import SHORT_TASK

from .webhooks import services


@shared_task(ignore_result=True, **SHORT_TASK)
def webhook_deliver(delivery_id: int) -> str | None:
    """Attempt one webhook delivery if it is due; a failure is retried by beat's `webhooks_dispatch`."""
    return services.delivery_attempt(delivery_id=delivery_id)


@shared_task(ignore_result=True, **SHORT_TASK)
def webhooks_dispatch() -> int:
    """Queue the webhook deliveries that are due (retries, attempts of a lost worker): beat, every minute."""
    return len(services.deliveries_dispatch())


@shared_task(bind=True, ignore_result=True, max_retries=5, **SHORT_TASK)
def webhook_disabled_notice(self, endpoint_id: int) -> bool:
    """Tell the endpoint's creator and the admins that it was disabled (a mail error that may pass is retried)."""
    try:
        return services.endpoint_notice_send(endpoint_id=endpoint_id)
    except Exception as exc:
        if is_transient(exc):
            raise self.retry(exc=exc, countdown=60 * 2**self.request.retries) from exc
        raise
