"""A worker killed in the middle of its work: the next worker finishes it, after the sweep takes the claim back.

Real worker processes (`celery -A selec_portal worker`, prefork) on the real Redis and PostgreSQL, SIGKILLed at a
known point: a progress report waits on a table lock the test holds; a reminder's e-mail has been accepted by an
SMTP server (aiosmtpd, in the test) that does not answer the sender's QUIT. The workers run with a visibility timeout
of a day, so the broker does not hand the killed worker's task out again: the sweep, run with a clock past the
claim's lease, is what brings the work back.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import threading
import time
from datetime import date, timedelta
from email import message_from_bytes
from email.message import Message

import psycopg2
import pytest
from aiosmtpd.controller import Controller
from django.db import connection
from django.utils import timezone

from projects.models import AuditEvent, BackgroundJob, Deliverable, Project, Workstream
from projects.services import job_sweep, membership_set
from reporting.models import ReminderDelivery, ReportingPeriod
from reporting.services import reminders_dispatch, reminders_sweep, report_generate
from tests.celery_utils import WorkerProcess, broker_purge, broker_unacknowledged

pytestmark = pytest.mark.django_db(transaction=True)

A_DAY = str(24 * 3600)  # the workers' visibility timeout: no redelivery by the broker within the test


def wait_for(condition, seconds: float = 60, what: str = "the condition"):
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} not met after {seconds} s")
        time.sleep(0.05)


@pytest.fixture
def broker():
    broker_purge()
    yield
    broker_purge()  # the killed worker's task, still held unacknowledged


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@contextlib.contextmanager
def table_locked(table: str):
    """Hold an ACCESS EXCLUSIVE lock on `table` from another connection (every read of it waits); yields a function
    that tells how many queries wait for it."""
    db = connection.settings_dict
    conn = psycopg2.connect(
        dbname=db["NAME"], user=db["USER"], password=db["PASSWORD"], host=db["HOST"], port=db["PORT"] or 5432
    )
    try:
        with conn.cursor() as cursor:
            cursor.execute(f"LOCK TABLE {table} IN ACCESS EXCLUSIVE MODE")

            def waiting() -> int:
                cursor.execute("SELECT count(*) FROM pg_locks WHERE relation = %s::regclass AND NOT granted", [table])
                return cursor.fetchone()[0]

            yield waiting
    finally:
        conn.rollback()
        conn.close()


def test_a_report_whose_worker_was_killed_is_written_once_by_the_next_worker_after_the_sweep(
    selec, manager, media, broker, tmp_path, settings
):
    period = ReportingPeriod.objects.create(
        project=selec["ATHENA2"], start=date(2025, 1, 1), end=date(2025, 6, 30), due_date=date(2025, 7, 31)
    )
    with WorkerProcess(tmp_path / "first.log", CELERY_VISIBILITY_TIMEOUT=A_DAY) as first:
        # The report reads the period's narrative right after reporting 10 %: it waits there, claimed and running.
        with table_locked("reporting_progressreport") as waiting:
            job = report_generate(user=manager, period=period, fmt="csv")
            wait_for(lambda: waiting() == 1, what="the report waiting on the narrative's table")
            job.refresh_from_db()
            assert (job.status, job.progress, job.attempts) == ("running", 10, 1)
            first.kill()

    with WorkerProcess(tmp_path / "second.log", CELERY_VISIBILITY_TIMEOUT=A_DAY):
        time.sleep(2)  # the new worker has had the time to take anything the broker would give it
        job.refresh_from_db()
        assert (job.status, job.attempts) == ("running", 1)  # nobody runs it: the broker keeps the task to itself
        assert broker_unacknowledged() == 1

        past_the_lease = timezone.now() + timedelta(seconds=settings.PORTAL_JOB_LEASE_SECONDS + 1)
        assert job_sweep(now=past_the_lease) == {"queued": [str(job.pk)], "failed": []}
        wait_for(lambda: BackgroundJob.objects.get(pk=job.pk).is_finished, what="the report finished")

    job.refresh_from_db()
    assert (job.status, job.attempts, job.progress) == ("succeeded", 2, 100)
    written = sorted(p.name for p in (media / "jobs" / str(job.pk)).iterdir())
    assert written == [job.result.name.rsplit("/", 1)[-1]]  # the report exists once
    assert job.result.size > 0
    assert job.result_data == {"period_id": period.pk, "format": "csv", "audience": "managers", "version": None}
    swept = AuditEvent.objects.filter(object_id=str(job.pk), action=AuditEvent.Action.TRANSITION)
    assert [e.details["status"] for e in swept] == ["queued"]


class HoldingSMTPSink:
    """An SMTP server that keeps every message it accepts; the `hold`-th one it accepts (250), then leaves the
    sender's QUIT unanswered until released: the e-mail went out, and the sender has not learnt that it is done, as
    when a worker dies right after sending."""

    def __init__(self, hold: int) -> None:
        self.hold = hold
        self.messages: list[Message] = []
        self.held_sessions: set[int] = set()
        self.holding = threading.Event()
        self.release = threading.Event()

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(message_from_bytes(envelope.original_content or envelope.content))
        if len(self.messages) == self.hold:
            self.held_sessions.add(id(session))
        return "250 Message accepted for delivery"

    async def handle_QUIT(self, server, session, envelope):
        if id(session) in self.held_sessions:
            self.holding.set()
            await asyncio.get_running_loop().run_in_executor(None, self.release.wait, 60)
        return "221 Bye"


@pytest.fixture
def smtp_sink():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    sink = HoldingSMTPSink(hold=2)
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    sink.port = port
    yield sink
    sink.release.set()
    controller.stop()


@pytest.fixture
def overdue(manager, staff):
    """An active project with two overdue deliverables: its manager and its staff get two reminders each."""
    today = timezone.localdate()
    project = Project.objects.create(
        code="CRASH",
        name="Crash project",
        funding_programme="Fund",
        start_date=today - timedelta(days=200),
        end_date=today + timedelta(days=300),
    )
    for user, role in ((manager, "manager"), (staff, "staff")):
        membership_set(user=user, project=project, role=role)
    ws = Workstream.objects.create(project=project, number=1, title="WS")
    for title in ("Late handbook", "Late guide"):
        Deliverable.objects.create(workstream=ws, title=title, due_date=today - timedelta(days=3))
    return project


def test_reminders_whose_worker_was_killed_are_all_delivered_after_the_sweep_duplicates_recognisable(
    overdue, manager, staff, smtp_sink, broker, tmp_path, settings
):
    mail = {
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": str(smtp_sink.port),
        "CELERY_VISIBILITY_TIMEOUT": A_DAY,
    }
    with WorkerProcess(tmp_path / "first.log", **mail) as first:
        ids = reminders_dispatch(kinds=["deliverable_overdue"])  # CRASH's four, and the reference projects' own
        assert ReminderDelivery.objects.filter(project=overdue).count() == 4
        assert smtp_sink.holding.wait(60), "the second reminder never reached the mail server"
        first.kill()
    smtp_sink.release.set()

    statuses = dict(ReminderDelivery.objects.values_list("pk", "status"))
    (held,) = [pk for pk, status in statuses.items() if status == "sending"]  # sent, not known to be
    assert sorted(statuses.values()) == ["pending"] * (len(ids) - 2) + ["sending", "sent"]

    with WorkerProcess(tmp_path / "second.log", **mail):
        sent = ReminderDelivery.objects.filter(status="sent")
        wait_for(lambda: sent.count() == len(ids) - 1, what="the reminders still queued sent")
        time.sleep(1)
        assert ReminderDelivery.objects.get(pk=held).status == "sending"  # no redelivery by the broker
        assert broker_unacknowledged() == 1

        past_the_lease = timezone.now() + timedelta(seconds=settings.REPORTING_REMINDER_LEASE_SECONDS + 1)
        assert reminders_sweep(now=past_the_lease) == {"queued": [held], "failed": []}
        wait_for(lambda: sent.count() == len(ids), what="every reminder sent")

    deliveries = {d.pk: d for d in ReminderDelivery.objects.select_related("recipient")}
    received: dict[str, list[Message]] = {}
    for message in smtp_sink.messages:
        received.setdefault(message["Message-ID"], []).append(message)
    assert set(received) == {d.message_id for d in deliveries.values()}  # every reminder delivered
    assert {mid: len(copies) for mid, copies in received.items()} == {
        d.message_id: 2 if pk == held else 1 for pk, d in deliveries.items()
    }  # sent at least once after the crash: the one copy too many carries the same Message-ID
    for delivery in deliveries.values():
        assert {m["To"] for m in received[delivery.message_id]} == {delivery.recipient.email}
    assert deliveries[held].attempts == 2
    crash_reminders = [received[d.message_id][0] for d in deliveries.values() if d.project_id == overdue.pk]
    assert sorted((m["To"], m["Subject"].split(":")[-1].split("(")[0].strip()) for m in crash_reminders) == [
        (manager.email, "Late guide"),
        (manager.email, "Late handbook"),
        (staff.email, "Late guide"),
        (staff.email, "Late handbook"),
    ]
