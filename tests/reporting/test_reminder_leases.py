"""A reminder's claim and its lease: a sender that died leaves it SENDING; the sweep puts it back to PENDING, and it
is sent again with the same Message-ID. The worker itself is killed in tests/test_worker_crash.py."""

import socket
import threading
import time
from datetime import date, timedelta

import pytest
from django.conf import settings as django_settings
from django.core import mail
from django.utils import timezone
from django_celery_beat.models import PeriodicTask

from projects.models import AuditEvent
from projects.registry import Reminder
from reporting import services, tasks
from reporting.models import ReminderDelivery


@pytest.fixture
def deliveries(athena, manager, staff) -> list[ReminderDelivery]:
    """Two reminders about one record: to the manager and to the staff member."""
    reminder = Reminder(
        project_id=athena.pk, object_type="test.Thing", object_id=1, occasion=date(2025, 1, 1), subject="Due", body="."
    )
    return [services.delivery_record(kind="test", reminder=reminder, recipient=user) for user in (manager, staff)]


def claimed_by_a_worker_that_dies(delivery: ReminderDelivery) -> None:
    """What `delivery_send` does before it sends; its worker then dies."""
    lease = timedelta(seconds=django_settings.REPORTING_REMINDER_LEASE_SECONDS)
    claim = {"status": "sending", "attempts": 1, "claimed_until": timezone.now() + lease}
    ReminderDelivery.objects.filter(pk=delivery.pk).update(**claim)


def later(settings) -> timezone.datetime:
    return timezone.now() + timedelta(seconds=settings.REPORTING_REMINDER_LEASE_SECONDS + 1)


def test_a_claim_lasts_longer_than_its_sending_task_may_run(deliveries, settings, monkeypatch):
    assert settings.REPORTING_REMINDER_LEASE_SECONDS > tasks.reminder_send.time_limit  # its sender is dead by then
    assert settings.EMAIL_TIMEOUT < tasks.reminder_send.soft_time_limit
    seen, send = [], mail.EmailMessage.send

    def send_looking_at_the_claim(message, *args, **kwargs):
        seen.append(ReminderDelivery.objects.values_list("status", "claimed_until").get(pk=deliveries[0].pk))
        return send(message, *args, **kwargs)

    monkeypatch.setattr(mail.EmailMessage, "send", send_looking_at_the_claim)
    before = timezone.now()
    assert services.delivery_send(delivery_id=deliveries[0].pk)
    [(status, claimed_until)] = seen
    assert status == "sending"
    assert claimed_until >= before + timedelta(seconds=settings.REPORTING_REMINDER_LEASE_SECONDS)
    sent = ReminderDelivery.objects.get(pk=deliveries[0].pk)
    assert (sent.status, sent.claimed_until) == ("sent", None)


def test_a_reminder_whose_sender_died_is_sent_again_after_the_sweep_with_the_same_message_id(
    deliveries, settings, monkeypatch, django_capture_on_commit_callbacks
):
    lost, other = deliveries
    claimed_by_a_worker_that_dies(lost)
    assert services.delivery_send(delivery_id=lost.pk) is False  # the broker's redelivery: still claimed
    sent = []
    monkeypatch.setattr(
        tasks.reminder_send, "apply_async", lambda args=(), kwargs=None, **options: sent.append(tuple(args))
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert services.reminders_sweep(now=later(settings)) == {"queued": [lost.pk], "failed": []}
    assert sent == [(lost.pk,)]
    lost.refresh_from_db()
    assert (lost.status, lost.claimed_until, lost.error) == ("pending", None, "The worker sending it was lost.")
    entry = AuditEvent.objects.get(object_id=str(lost.pk), action=AuditEvent.Action.TRANSITION)
    assert entry.details == {"status": "pending", "attempts": 1, "reason": "claim expired"}

    assert services.delivery_send(delivery_id=lost.pk)
    assert services.delivery_send(delivery_id=other.pk)
    lost.refresh_from_db()
    assert (lost.status, lost.attempts) == ("sent", 2)
    ids = [message.message()["Message-ID"] for message in mail.outbox]
    assert ids == [lost.message_id, other.message_id] and lost.message_id != other.message_id
    assert lost.message_id == ReminderDelivery.objects.get(pk=lost.pk).message_id  # the same at every attempt


def test_the_sweep_leaves_a_reminder_being_sent_alone(deliveries, settings):
    claimed_by_a_worker_that_dies(deliveries[0])
    assert services.reminders_sweep() == {"queued": [], "failed": []}
    assert ReminderDelivery.objects.get(pk=deliveries[0].pk).status == "sending"


def test_a_reminder_lost_at_its_last_attempt_is_failed(deliveries, settings):
    lost = deliveries[0]
    claimed_by_a_worker_that_dies(lost)
    ReminderDelivery.objects.filter(pk=lost.pk).update(attempts=settings.REPORTING_REMINDER_MAX_ATTEMPTS)
    assert services.reminders_sweep(now=later(settings)) == {"queued": [], "failed": [lost.pk]}
    lost.refresh_from_db()
    assert lost.status == "failed"
    assert services.delivery_send(delivery_id=lost.pk) is False


def test_a_hung_mail_server_fails_the_send_within_the_email_timeout(deliveries, settings):
    """A server that accepts the connection and never answers: the send gives up after EMAIL_TIMEOUT, the reminder
    goes back to pending and its task retries later, the worker free again."""
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        accepted = []
        threading.Thread(target=lambda: accepted.append(server.accept()), daemon=True).start()
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", server.getsockname()[1], 1
        started = time.monotonic()
        with pytest.raises(services.TransientDeliveryError):
            services.delivery_send(delivery_id=deliveries[0].pk)
        assert time.monotonic() - started < 5
        assert accepted  # it did reach the server
        for conn, _ in accepted:
            conn.close()
    delivery = ReminderDelivery.objects.get(pk=deliveries[0].pk)
    assert (delivery.status, delivery.claimed_until) == ("pending", None)


def test_the_reminder_sweep_runs_every_minute_from_beat(db):
    task = PeriodicTask.objects.get(task="reporting.tasks.reminders_sweep")
    assert (task.interval.every, task.interval.period, task.enabled) == (1, "minutes", True)
