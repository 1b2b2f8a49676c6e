"""The one way to queue background work: `enqueue` writes the task into the outbox, in the caller's transaction.

A transactional outbox (`OutboxMessage`): the row commits with the change that asks for the work, or rolls back
with it, so a task is never sent for rows a rollback removed, never sent before its rows are visible to the
worker, and never lost because the broker (Redis) was down at the moment of the commit. After the commit the row
is sent at once, best effort: a short broker timeout, and a failure is logged and recorded on the row, never raised
into the request. Rows left behind are sent by `outbox_drain`, run by Celery beat every minute
(`projects.tasks.outbox_drain`) and by every worker as it starts (`projects.signals`).

Each row is sent by whoever holds its lock: the sender and the drains claim rows with
`SELECT ... FOR UPDATE SKIP LOCKED`, so two of them never send the same row, and the row is deleted in the same
transaction. The guarantee is **at least once**: a process that dies between the broker's acceptance and the
commit of the delete leaves the row, which is sent again; the tasks are idempotent (a unique row or a conditional
UPDATE claims their work), so a second delivery does nothing.

A task is named by its dotted path (`"projects.tasks.job_run"`), which is also its Celery name: a services module
then never imports its app's tasks module (which imports the services). Its arguments are ids (house rule: tasks
take ids), and `enqueue` refuses anything else, so the outbox never holds personal data.
"""

from __future__ import annotations

import functools
import logging
import re
import threading
import time
from datetime import timedelta

from django.db import transaction
from django.db.models import Count, F, Min
from django.utils import timezone
from django.utils.module_loading import import_string

from .models import OutboxMessage

logger = logging.getLogger(__name__)

# How long a send may wait for the broker (seconds): a request never hangs on a dead Redis.
SEND_TIMEOUT = 1.0
DRAIN_BATCH = 100

# What an argument may be: a number, a UUID or a date/time, written as JSON. Names, e-mail addresses or uploaded
# rows are refused: a task re-reads them from the rows its ids name.
_ID_TEXT = re.compile(
    r"\d{1,20}"  # a primary key written as text
    r"|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"  # a UUID
    r"|\d{4}-\d{2}-\d{2}([T ][0-9:.]+([+-]\d{2}:\d{2}|Z)?)?"  # an ISO date or date-time
)


def _is_id(value) -> bool:
    if value is None or isinstance(value, (bool, int)):
        return True
    return isinstance(value, str) and _ID_TEXT.fullmatch(value) is not None


def enqueue(task: str, *args, **kwargs) -> None:
    """Queue the task named `task` with these arguments (ids: numbers, UUIDs, ISO dates) as part of the current
    transaction, and try to send it once the transaction commits.

    If the transaction rolls back, nothing is sent. A misspelt name or an argument that is not an id fails here, in
    the request, not later in the worker.
    """
    import_string(task)
    refused = [value for value in (*args, *kwargs.values()) if not _is_id(value)]
    if refused:
        raise ValueError(f"{task}: a task takes ids (numbers, UUIDs, ISO dates), not {refused!r}")
    message = OutboxMessage.objects.create(task=task, args=list(args), kwargs=kwargs)
    transaction.on_commit(functools.partial(outbox_send, message_ids=[message.pk]))  # outside a transaction: now


# Each thread sends through one broker connection, opened at its first send and closed when the request or task
# ends (`outbox_connection_release`, from projects.signals): a request that queues a hundred reminders connects once.
# After a failure the thread leaves new tasks to the drain for UNREACHABLE_PAUSE seconds, so those hundred
# reminders cost one timeout, not a hundred.
UNREACHABLE_PAUSE = 5.0
_thread = threading.local()


def _sending_connection():
    url = _broker_url()
    held = getattr(_thread, "connection", None)
    if held is not None and held[0] != url:
        outbox_connection_release()
        held = None
    if held is None:
        held = _thread.connection = (url, broker_connection())
    return held[1]


def _broker_url() -> str:
    from celery import current_app

    return current_app.conf.broker_write_url or current_app.conf.broker_url


def _pausing() -> bool:
    return getattr(_thread, "unreachable", {}).get(_broker_url(), 0) > time.monotonic()


def outbox_connection_release(**kwargs) -> None:
    """Close this thread's sending connection (at the end of a request or a task)."""
    held = getattr(_thread, "connection", None)
    _thread.connection = None
    if held is not None:
        held[1].release()


def broker_connection(timeout: float = SEND_TIMEOUT):
    """A connection to the portal's broker that gives up after `timeout` seconds instead of retrying for long, also
    when the server accepts the connection but does not answer (a hung Redis)."""
    from celery import current_app

    return current_app.connection_for_write(
        connect_timeout=timeout,
        transport_options={"max_retries": 0, "socket_connect_timeout": timeout, "socket_timeout": timeout},
    )


def _publish(message: OutboxMessage, connection) -> None:
    import_string(message.task).apply_async(
        args=message.args, kwargs=message.kwargs, connection=connection, retry=False
    )


def _record_failure(messages: list[OutboxMessage], exc: Exception) -> None:
    error = f"{type(exc).__name__}: {exc}"[:500]
    for message in messages:
        message.attempts += 1
        message.last_error = error
        message.last_attempt_at = timezone.now()
    OutboxMessage.objects.bulk_update(messages, ["attempts", "last_error", "last_attempt_at"])


def _send_claimed(messages: list[OutboxMessage], connection) -> tuple[int, bool]:
    """Send rows this transaction has locked; delete those the broker took. Returns (sent, broker reachable).

    A broker failure stops the batch (the rest would fail the same way); a row that fails on its own (a task
    renamed since it was queued) is recorded and the batch goes on.
    """
    sent: list[int] = []
    broker_ok = True
    for index, message in enumerate(messages):
        try:
            _publish(message, connection)
        except (ImportError, TypeError, ValueError) as exc:
            logger.error("Outbox message %s (%s) cannot be sent: %s", message.pk, message.task, exc)
            _record_failure([message], exc)
        except Exception as exc:  # the broker is unreachable: every error kombu and redis raise for it
            logger.warning("Broker unreachable, %s task(s) stay in the outbox: %s", len(messages) - index, exc)
            _record_failure(messages[index : index + 1], exc)
            broker_ok = False
            break
        else:
            sent.append(message.pk)
    OutboxMessage.objects.filter(pk__in=sent).delete()
    return len(sent), broker_ok


def outbox_send(*, message_ids: list[int]) -> int:
    """Send these outbox rows now (after their commit), those nobody else holds; return how many were sent. Never
    raises: what is not sent stays for the drain."""
    from celery import current_app

    if current_app.conf.task_always_eager:  # development and tests: the tasks run here, now, and their errors show
        messages = list(OutboxMessage.objects.filter(pk__in=message_ids))
        OutboxMessage.objects.filter(pk__in=message_ids).delete()
        for message in messages:
            _publish(message, connection=None)
        return len(messages)
    if _pausing():  # the broker failed a moment ago: the drain will send these
        return 0
    try:
        with transaction.atomic():
            locked = OutboxMessage.objects.select_for_update(skip_locked=True).filter(pk__in=message_ids)
            claimed = list(locked.order_by("id"))
            if not claimed:
                return 0
            sent, broker_ok = _send_claimed(claimed, _sending_connection())
    except Exception:  # the request that queued the work has committed: its answer must not fail now
        logger.exception("Outbox messages %s not sent; the drain will send them", message_ids)
        sent, broker_ok = 0, False
    if not broker_ok:
        outbox_connection_release()
        pauses = getattr(_thread, "unreachable", {})
        _thread.unreachable = pauses | {_broker_url(): time.monotonic() + UNREACHABLE_PAUSE}
    return sent


def outbox_drain(*, batch_size: int = DRAIN_BATCH, max_batches: int | None = None) -> int:
    """Send the outbox's waiting rows in batches, those never tried first, then the ones tried longest ago (so rows
    that cannot be sent do not hold up the others); return how many were sent.

    Each batch is claimed with `SELECT ... FOR UPDATE SKIP LOCKED` and deleted in the same transaction, so
    drains running at once (beat's, a starting worker's, an after-commit send) share the rows and never send one
    twice. Stops when the outbox is empty, when the broker is unreachable, or after `max_batches`.
    """
    started = timezone.now()  # each row is tried once per drain
    total = 0
    batches = 0
    while max_batches is None or batches < max_batches:
        batches += 1
        with transaction.atomic():
            waiting = OutboxMessage.objects.select_for_update(skip_locked=True).exclude(last_attempt_at__gte=started)
            claimed = list(waiting.order_by(F("last_attempt_at").asc(nulls_first=True), "id")[:batch_size])
            if not claimed:
                break
            with broker_connection() as connection:
                sent, broker_ok = _send_claimed(claimed, connection)
        total += sent
        if not broker_ok or sent == 0:
            break
    if total:
        logger.info("Outbox: %s task(s) sent", total)
    return total


def outbox_backlog() -> dict:
    """The rows waiting to be sent: how many, and the age in seconds of the oldest (None when empty)."""
    waiting = OutboxMessage.objects.aggregate(count=Count("id"), oldest=Min("created_at"))
    oldest = waiting["oldest"]
    age = None if oldest is None else max(timedelta(0), timezone.now() - oldest).total_seconds()
    return {"pending": waiting["count"], "oldest_seconds": None if age is None else round(age)}
