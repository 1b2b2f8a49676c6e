"""Every write of the webhooks: deliveries made from domain events, their attempts, the endpoints' saves,
disabling and re-sending. Called by the receiver of `projects.events.domain_event`, the Celery tasks
(`api.tasks`) and the admin.

A delivery is attempted by `delivery_attempt`, which claims it with a conditional UPDATE (due now → due after a
lease), so two copies of its task never send it twice at once, and a worker that dies mid-send leaves it due again
once the lease runs out. A failed attempt is retried after a growing delay (`BACKOFF`), by beat's
`webhooks_dispatch` (every minute) which queues the due deliveries through the outbox: the schedule is in the
database, so a retry survives any worker and broker restart (a Celery countdown would not: the longest delay is
longer than the broker's visibility timeout).
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from projects.models import AuditEvent, Project
from projects.queue import enqueue
from projects.services import audit_log, record_save

from . import sending, signing
from .addresses import TargetRefused, check_target
from .links import EVENTS, PING, api_url
from .models import WebhookDelivery, WebhookEndpoint

logger = logging.getLogger(__name__)
Status = WebhookDelivery.Status

# Seconds to wait after the 1st, 2nd, ... failed attempt (the last one repeats up to PORTAL_WEBHOOK_MAX_ATTEMPTS).
BACKOFF = (60, 5 * 60, 30 * 60, 2 * 3600, 12 * 3600)
SEND_LEASE = timedelta(seconds=sending.TIMEOUT_SECONDS + 50)  # an attempt's claim: longer than its POST may take
QUEUE_LEASE = timedelta(minutes=10)  # a queued task's claim: beat's dispatch leaves the delivery alone until then
DISPATCH_BATCH = 500
DELIVER_TASK = "api.tasks.webhook_deliver"


def backoff(failed_attempts: int) -> timedelta:
    """The delay after the n-th failed attempt (1-based)."""
    return timedelta(seconds=BACKOFF[min(failed_attempts, len(BACKOFF)) - 1])


def _timestamp(now: datetime) -> str:
    return now.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


# --- deliveries from domain events ---------------------------------------------------------------------------------


def on_domain_event(sender, *, name: str, project, sensitive: bool, ids: dict, **kwargs) -> None:
    """The receiver of `projects.events.domain_event`: a delivery for every active endpoint that wants the event
    (and the project), in the transaction of the change. A sensitive record's event never leaves the portal."""
    if sensitive or name not in EVENTS:
        return
    project_id = project.pk if isinstance(project, Project) else project
    candidates = WebhookEndpoint.objects.filter(is_active=True).filter(Q(projects=None) | Q(projects=project_id))
    endpoints = [endpoint for endpoint in candidates.distinct() if endpoint.wants(name)]
    if not endpoints:
        return
    code = (
        project.code
        if isinstance(project, Project)
        else Project.objects.values_list("code", flat=True).get(pk=project_id)
    )
    now = timezone.now()
    payload = {
        "type": name,
        "timestamp": _timestamp(now),
        "data": {"project": code, **ids, "url": api_url(name, code, ids)},
    }
    for endpoint in endpoints:
        delivery_create(endpoint=endpoint, event_type=name, project_id=project_id, payload=payload, now=now)


def delivery_create(*, endpoint: WebhookEndpoint, event_type: str, payload: dict, project_id=None, now=None):
    """Record one message to one endpoint and queue its first attempt (through the outbox: after the commit)."""
    now = now or timezone.now()
    delivery = WebhookDelivery.objects.create(
        endpoint=endpoint,
        project_id=project_id,
        event_type=event_type,
        payload=payload,
        next_attempt_at=now,
        queued_until=now + QUEUE_LEASE,
        created_at=now,
    )
    enqueue(DELIVER_TASK, delivery.pk)
    return delivery


def deliveries_dispatch(*, now: datetime | None = None) -> list[int]:
    """Queue the deliveries that are due and have no task in the queue (beat, every minute): retries, and attempts
    whose worker died. Safe to run twice: the rows are claimed (`queued_until`) under a lock."""
    now = now or timezone.now()
    with transaction.atomic():
        due = (
            WebhookDelivery.objects.select_for_update(skip_locked=True)
            .filter(status__in=WebhookDelivery.OPEN, next_attempt_at__lte=now)
            .filter(Q(queued_until__isnull=True) | Q(queued_until__lt=now))
            .order_by("next_attempt_at", "id")
        )
        ids = list(due.values_list("pk", flat=True)[:DISPATCH_BATCH])
        WebhookDelivery.objects.filter(pk__in=ids).update(queued_until=now + QUEUE_LEASE)
        for delivery_id in ids:
            enqueue(DELIVER_TASK, delivery_id)
    return ids


# --- one attempt -----------------------------------------------------------------------------------------------------


def _claim(delivery_id: int, now: datetime) -> WebhookDelivery | None:
    claimed = WebhookDelivery.objects.filter(
        pk=delivery_id, status__in=WebhookDelivery.OPEN, next_attempt_at__lte=now
    ).update(next_attempt_at=now + SEND_LEASE, attempts=F("attempts") + 1)
    if not claimed:
        return None
    return WebhookDelivery.objects.select_related("endpoint").get(pk=delivery_id)


def delivery_attempt(*, delivery_id: int, now: datetime | None = None) -> str | None:
    """Attempt one due delivery: POST it signed, record the answer; the delivery's new status, or None when it was
    not this call's to send (finished, not due, or claimed by another worker)."""
    delivery = _claim(delivery_id, now or timezone.now())
    if delivery is None:
        return None
    endpoint = delivery.endpoint
    if not endpoint.is_active:
        return _record(delivery, sending.Answer(None, 0, _("The endpoint is disabled.")), give_up=True)
    try:
        target = check_target(endpoint.url)
    except TargetRefused as exc:
        return _record(delivery, sending.Answer(None, 0, str(exc)[:300]))
    body = json.dumps(delivery.payload, separators=(",", ":")).encode()
    headers = signing.signed_headers(endpoint.secret, str(delivery.message_id), body)
    return _record(delivery, sending.post(target, body, headers))


@transaction.atomic
def _record(delivery: WebhookDelivery, answer: sending.Answer, *, give_up: bool = False) -> str | None:
    """Write an attempt's outcome, if the claim still holds (no later attempt took the delivery over)."""
    now = timezone.now()
    endpoint = delivery.endpoint
    log = {"last_status_code": answer.status, "last_response_ms": answer.milliseconds, "last_error": answer.error}
    if answer.ok:
        outcome, fields = Status.SUCCEEDED, {"delivered_at": now, "next_attempt_at": None, "last_error": ""}
    elif give_up or delivery.attempts >= settings.PORTAL_WEBHOOK_MAX_ATTEMPTS:
        outcome, fields = Status.GAVE_UP, {"next_attempt_at": None}
    else:
        outcome, fields = Status.FAILED, {"next_attempt_at": now + backoff(delivery.attempts)}
    held = WebhookDelivery.objects.filter(
        pk=delivery.pk, status__in=WebhookDelivery.OPEN, attempts=delivery.attempts
    ).update(status=outcome, queued_until=None, **{**log, **fields})
    if not held:
        return None
    if answer.ok:
        WebhookEndpoint.objects.filter(pk=endpoint.pk, consecutive_failures__gt=0).update(consecutive_failures=0)
        audit_log(
            user=None,
            action=AuditEvent.Action.DISCLOSE,
            obj=delivery,
            project=delivery.project,
            details={
                "to": endpoint.url,
                "webhook": endpoint.name,
                "event": delivery.event_type,
                "payload": delivery.payload,
            },
        )
    elif not give_up:
        WebhookEndpoint.objects.filter(pk=endpoint.pk).update(consecutive_failures=F("consecutive_failures") + 1)
        endpoint.refresh_from_db(fields=["consecutive_failures", "is_active"])
        if endpoint.is_active and endpoint.consecutive_failures >= settings.PORTAL_WEBHOOK_DISABLE_AFTER:
            endpoint_disable(
                endpoint=endpoint,
                reason=_("%(count)s failed attempts in a row; the last: %(error)s")
                % {"count": endpoint.consecutive_failures, "error": answer.error or "?"},
            )
    if outcome == Status.GAVE_UP:
        audit_log(
            user=None,
            action=AuditEvent.Action.TRANSITION,
            obj=delivery,
            project=delivery.project,
            details={"to": Status.GAVE_UP, "attempts": delivery.attempts, "error": answer.error},
        )
    return outcome


# --- endpoints -------------------------------------------------------------------------------------------------------


def endpoint_check_url(url: str) -> None:
    """A ValidationError on `url` unless webhooks may be sent there (the allow-list, `addresses`)."""
    try:
        check_target(url)
    except TargetRefused as exc:
        raise ValidationError({"url": str(exc)}) from None


@transaction.atomic
def endpoint_save(*, user, endpoint: WebhookEndpoint, changed: list[str] = ()) -> WebhookEndpoint:
    """Create or change an endpoint (validated, its address checked, audited without its secret). Enabling a
    disabled endpoint starts its count of failures afresh."""
    if endpoint.is_active:
        endpoint_check_url(endpoint.url)
    if endpoint._state.adding and endpoint.created_by_id is None and user is not None and user.is_authenticated:
        endpoint.created_by = user
    if endpoint.is_active and endpoint.disabled_at is not None:
        endpoint.disabled_at, endpoint.disabled_reason, endpoint.consecutive_failures = None, "", 0
    return record_save(user=user, obj=endpoint, changed_fields=changed)


@transaction.atomic
def endpoint_disable(*, endpoint: WebhookEndpoint, reason: str, user=None) -> None:
    """Stop sending to the endpoint: its waiting deliveries are given up, its creator and the admins are told."""
    now = timezone.now()
    moved = WebhookEndpoint.objects.filter(pk=endpoint.pk, is_active=True).update(
        is_active=False, disabled_at=now, disabled_reason=reason[:300]
    )
    if not moved:
        return
    endpoint.is_active, endpoint.disabled_at, endpoint.disabled_reason = False, now, reason[:300]
    given_up = WebhookDelivery.objects.filter(endpoint=endpoint, status__in=WebhookDelivery.OPEN).update(
        status=Status.GAVE_UP, next_attempt_at=None, queued_until=None, last_error=_("The endpoint was disabled.")
    )
    audit_log(
        user=user,
        action=AuditEvent.Action.TRANSITION,
        obj=endpoint,
        details={"to": "disabled", "reason": reason[:300], "deliveries_given_up": given_up},
    )
    enqueue("api.tasks.webhook_disabled_notice", endpoint.pk)


def notice_recipients(endpoint: WebhookEndpoint) -> list[str]:
    users = get_user_model().objects.filter(is_active=True).filter(Q(is_superuser=True) | Q(pk=endpoint.created_by_id))
    return sorted({email for email in users.values_list("email", flat=True) if email})


def endpoint_notice_send(*, endpoint_id: int) -> bool:
    """E-mail the endpoint's creator and the admins that it was disabled (recorded as a disclosure). Raises the mail
    backend's error (the task retries a transient one)."""
    endpoint = WebhookEndpoint.objects.filter(pk=endpoint_id, is_active=False).first()
    recipients = notice_recipients(endpoint) if endpoint is not None else []
    if not recipients:
        return False
    base = settings.PORTAL_BASE_URL.rstrip("/")
    message = EmailMessage(
        subject=_("[SELEC] Webhook “%(name)s” disabled") % {"name": endpoint.name},
        body=_(
            "The portal stopped sending webhooks to “%(name)s” (%(url)s): %(reason)s\n\n"
            "Fix the receiver, then tick “active” again in the admin: %(link)s"
        )
        % {
            "name": endpoint.name,
            "url": endpoint.url,
            "reason": endpoint.disabled_reason,
            "link": f"{base}/admin/api/webhookendpoint/{endpoint.pk}/change/",
        },
        to=recipients,
    )
    message.send()
    audit_log(
        user=None,
        action=AuditEvent.Action.DISCLOSE,
        obj=endpoint,
        details={
            "to": recipients,
            "subject": message.subject,
            "about": {"type": "api.WebhookEndpoint", "id": str(endpoint.pk)},
        },
    )
    return True


@transaction.atomic
def delivery_resend(*, user, delivery: WebhookDelivery) -> WebhookDelivery:
    """Send a delivery again (the admin's "Re-send"), with the same message id: a new round of attempts, queued
    through the outbox."""
    delivery = WebhookDelivery.objects.select_for_update().select_related("endpoint").get(pk=delivery.pk)
    if not delivery.endpoint.is_active:
        raise ValidationError(_("The endpoint “%(name)s” is disabled: enable it first.") % {"name": delivery.endpoint})
    now = timezone.now()
    previous = delivery.status
    delivery.status, delivery.attempts = Status.PENDING, 0
    delivery.next_attempt_at, delivery.queued_until = now, now + QUEUE_LEASE
    delivery.save(update_fields=["status", "attempts", "next_attempt_at", "queued_until"])
    audit_log(
        user=user,
        action=AuditEvent.Action.TRANSITION,
        obj=delivery,
        project=delivery.project,
        details={"action": "resend", "from": previous, "to": Status.PENDING},
    )
    enqueue(DELIVER_TASK, delivery.pk)
    return delivery


@transaction.atomic
def endpoint_ping(*, user, endpoint: WebhookEndpoint) -> WebhookDelivery:
    """Send the endpoint a test message (`webhook.ping`), signed and logged like the others."""
    if not endpoint.is_active:
        raise ValidationError(_("The endpoint “%(name)s” is disabled: enable it first.") % {"name": endpoint})
    now = timezone.now()
    payload = {"type": PING, "timestamp": _timestamp(now), "data": {"endpoint": endpoint.pk}}
    delivery = delivery_create(endpoint=endpoint, event_type=PING, payload=payload, now=now)
    audit_log(
        user=user, action=AuditEvent.Action.CREATE, obj=delivery, details={"action": "ping", "webhook": endpoint.name}
    )
    return delivery
