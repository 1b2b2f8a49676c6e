import threading
import time
from datetime import date, timedelta

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import connection
from django.utils import timezone
from django_celery_beat.models import PeriodicTask

from projects.models import Deliverable, Project, Workstream
from projects.registry import Contributions, Reminder, ReminderKind, registry
from projects.services import membership_set
from reporting import services, tasks
from reporting.models import Notification, ReminderDelivery
from tests.reporting import mail_backends
from tests.reporting.conftest import wait_for


@pytest.fixture
def running(db, manager, staff, viewer):
    """An active project (dates around today) with one overdue deliverable; manager and staff get its reminders."""
    today = timezone.localdate()
    project = Project.objects.create(
        code="RUN",
        name="Running project",
        funding_programme="Fund",
        start_date=today - timedelta(days=200),
        end_date=today + timedelta(days=300),
    )
    for user, role in ((manager, "manager"), (staff, "staff"), (viewer, "viewer")):
        membership_set(user=user, project=project, role=role)
    ws = Workstream.objects.create(project=project, number=1, title="WS")
    Deliverable.objects.create(workstream=ws, title="Late handbook", due_date=today - timedelta(days=3))
    return project


def emails_about(text: str) -> list:
    return [m for m in mail.outbox if text in m.subject]


def settle(seconds: float = 1.0) -> None:
    """Give a duplicate that might still be on its way the time to arrive."""
    time.sleep(seconds)


def test_the_beat_schedule_is_present_after_migrate(transactional_db):
    PeriodicTask.objects.filter(task__startswith="reporting.").delete()
    call_command("migrate", "reporting", "0001", verbosity=0)
    call_command("migrate", "reporting", verbosity=0)
    schedule = {t.task: t for t in PeriodicTask.objects.filter(task__startswith="reporting.")}
    assert set(schedule) == {
        "reporting.tasks.reminders_dispatch",
        "reporting.tasks.monthly_reports_dispatch",
        "reporting.tasks.reminders_sweep",
    }
    daily, monthly, sweep = (
        schedule["reporting.tasks.reminders_dispatch"],
        schedule["reporting.tasks.monthly_reports_dispatch"],
        schedule["reporting.tasks.reminders_sweep"],
    )
    assert (daily.crontab.hour, daily.crontab.minute, daily.enabled) == ("6", "30", True)
    assert (monthly.crontab.day_of_month, monthly.enabled) == ("1", True)
    assert (sweep.interval.every, sweep.interval.period, sweep.enabled) == (1, "minutes", True)
    assert daily.expire_seconds and monthly.expire_seconds and sweep.expire_seconds
    from selec_portal.celery import app

    assert set(schedule) <= set(app.tasks)


def test_the_idempotent_tasks_ack_late_and_are_rejected_when_the_worker_is_lost():
    for task in (tasks.reminders_dispatch, tasks.monthly_reports_dispatch, tasks.reminder_send):
        assert task.acks_late and task.reject_on_worker_lost


def test_a_reminder_is_sent_once_when_the_dispatch_runs_twice(celery_worker_running, running, manager, staff):
    tasks.reminders_dispatch.delay()
    tasks.reminders_dispatch.delay()
    wait_for(lambda: len(emails_about("Late handbook")) >= 2, message="two e-mails")
    settle()
    late = emails_about("Late handbook")
    assert sorted(m.to[0] for m in late) == [manager.email, staff.email]  # not the viewer
    assert len(mail.outbox) == ReminderDelivery.objects.count()  # nothing at all went out twice
    assert set(ReminderDelivery.objects.values_list("status", flat=True)) == {"sent"}
    assert Notification.objects.filter(recipient=manager, title__contains="Late handbook").count() == 1


def test_a_send_task_delivered_twice_sends_once(celery_worker_running, running, manager):
    [pk] = [d.pk for d in _record(running, manager)]
    tasks.reminder_send.delay(pk)
    tasks.reminder_send.delay(pk)
    wait_for(lambda: ReminderDelivery.objects.get(pk=pk).status == "sent", message="sent")
    settle()
    assert len(mail.outbox) == 1


def test_a_transient_mail_failure_is_retried_and_sent_once(celery_worker_running, running, manager, settings):
    settings.EMAIL_BACKEND = "tests.reporting.mail_backends.FlakyBackend"
    settings.REPORTING_RETRY_BASE_SECONDS = 0.2
    mail_backends.failures["transient"] = 2
    [pk] = [d.pk for d in _record(running, manager)]
    tasks.reminder_send.delay(pk)
    wait_for(lambda: ReminderDelivery.objects.get(pk=pk).status == "sent", message="sent after retries")
    settle()
    delivery = ReminderDelivery.objects.get(pk=pk)
    assert (len(mail.outbox), delivery.attempts, delivery.error) == (1, 3, "")


def test_a_permanent_mail_failure_is_not_retried(running, manager, settings):
    settings.EMAIL_BACKEND = "tests.reporting.mail_backends.RefusingBackend"
    [delivery] = _record(running, manager)
    assert services.delivery_send(delivery_id=delivery.pk) is False
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == ("failed", 1)
    assert services.delivery_send(delivery_id=delivery.pk) is False  # and never tried again
    assert len(mail.outbox) == 0


def test_two_workers_racing_send_once(transactional_db, running, manager):
    [delivery] = _record(running, manager)
    barrier, results = threading.Barrier(4), []

    def send():
        try:
            barrier.wait()
            results.append(services.delivery_send(delivery_id=delivery.pk))
        finally:
            connection.close()

    threads = [threading.Thread(target=send) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == [False, False, False, True]
    assert len(mail.outbox) == 1


def test_two_dispatchers_racing_record_each_reminder_once(transactional_db, running):
    barrier, created = threading.Barrier(3), []

    def dispatch():
        try:
            barrier.wait()
            created.extend(services.reminders_dispatch(kinds=["deliverable_overdue"]))
        finally:
            connection.close()

    threads = [threading.Thread(target=dispatch) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # every reminder (of this project and the reference projects) recorded once, by exactly one dispatcher
    assert sorted(created) == sorted(ReminderDelivery.objects.values_list("pk", flat=True))
    assert ReminderDelivery.objects.filter(subject__contains="Late handbook").count() == 2


def _record(project, user) -> list[ReminderDelivery]:
    reminder = Reminder(
        project_id=project.pk,
        object_type="test.Thing",
        object_id=1,
        occasion=date(2024, 1, 1),
        subject="Test",
        body=".",
    )
    return [services.delivery_record(kind="test", reminder=reminder, recipient=user)]


def test_a_user_who_opted_out_gets_no_reminder_of_that_kind(running, manager, staff, client_for):
    response = client_for(staff).post("/notifications/settings/", {"deliverable_due": "on"})  # overdue unchecked
    assert response.status_code == 302
    services.reminders_dispatch(kinds=["deliverable_overdue"])
    recipients = set(ReminderDelivery.objects.filter(kind="deliverable_overdue").values_list("recipient", flat=True))
    assert recipients == {manager.pk}


def test_due_soon_and_overdue_are_separate_reminders_each_sent_once(running, manager):
    today = timezone.localdate()
    ws = running.workstreams.get()
    Deliverable.objects.create(workstream=ws, title="Soon study", due_date=today + timedelta(days=5))
    Deliverable.objects.create(workstream=ws, title="Far study", due_date=today + timedelta(days=60))
    services.reminders_dispatch()
    services.reminders_dispatch()
    mine = ReminderDelivery.objects.filter(recipient=manager, project=running)
    assert sorted(mine.values_list("kind", "subject")) == [
        ("deliverable_due", f"Due on {(today + timedelta(days=5)):%d %b %Y}: deliverable Soon study"),
        ("deliverable_overdue", f"Overdue deliverable: Late handbook (was due {(today - timedelta(days=3)):%d %b %Y})"),
    ]


def test_another_app_adds_a_reminder_kind(running, staff):
    def collect(today):
        return [
            Reminder(
                project_id=running.pk,
                object_type="operations.JointActivity",
                object_id=7,
                occasion=today,
                subject="Joint patrol starts in 3 days",
                body="Prepare.",
                roles=("staff",),
            )
        ]

    kind = ReminderKind("test_activity_starting", label="Activity starting", collect=collect)
    with registry.contributed("tests", Contributions(reminder_kinds=[kind])):
        services.reminders_dispatch(kinds=["test_activity_starting"])
        services.reminders_dispatch(kinds=["test_activity_starting"])
        assert list(ReminderDelivery.objects.values_list("recipient", "subject")) == [
            (staff.pk, "Joint patrol starts in 3 days")
        ]


def test_the_monthly_report_goes_once_to_each_manager_with_a_pdf(celery_worker_running, running, manager, staff):
    Project.objects.exclude(pk=running.pk).update(status=Project.Status.CLOSED)
    tasks.monthly_reports_dispatch.delay()
    tasks.monthly_reports_dispatch.delay()
    wait_for(lambda: len(emails_about("Monthly progress report")) >= 1, seconds=60, message="the monthly report")
    settle(1.5)
    [message] = emails_about("Monthly progress report")
    assert message.to == [manager.email]
    [(filename, content, mimetype)] = message.attachments
    assert mimetype == "application/pdf" and filename.startswith("progress-RUN-") and content.startswith(b"%PDF")
    assert "/projects/RUN/dashboard/" in message.body


def test_the_notification_list_shows_and_clears_reminders(running, manager, client_for):
    services.reminders_dispatch(kinds=["deliverable_overdue"])
    client = client_for(manager)
    page = client.get("/notifications/").content.decode()
    unread = Notification.objects.filter(recipient=manager).unread().count()
    assert "Late handbook" in page and f'data-testid="unread">{unread}<' in page
    client.post("/notifications/")
    assert Notification.objects.filter(recipient=manager).unread().count() == 0
