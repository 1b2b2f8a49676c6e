"""Every e-mail the portal sends is a disclosure recorded in the audit trail: to whom, its subject, what it is
about, what it attached; written once the e-mail has gone, in the task that sent it."""

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from projects.audit import audit_seal, audit_verify
from projects.models import AuditEvent, Project
from reporting import services
from reporting.models import Notification, ReminderDelivery
from tests.reporting.test_reminders import running  # noqa: F401  (the fixture)

pytestmark = pytest.mark.django_db


def _disclosures():
    return AuditEvent.objects.filter(action=AuditEvent.Action.DISCLOSE).order_by("pk")


def test_a_reminder_sent_is_recorded_as_a_disclosure_with_its_recipient_and_subject(running, manager):  # noqa: F811
    services.reminders_dispatch(kinds=["deliverable_overdue"])
    delivery = ReminderDelivery.objects.get(recipient=manager, project=running)
    assert not _disclosures().exists()  # recorded, not sent yet: nothing disclosed
    created = AuditEvent.objects.get(action="create", object_type="reporting.ReminderDelivery", object_id=delivery.pk)
    assert created.details["recipient"] == "manager" and created.project_code == "RUN"
    assert services.delivery_send(delivery_id=delivery.pk) is True
    [message] = mail.outbox
    [entry] = _disclosures()
    assert (entry.object_type, entry.object_id, entry.project_code, entry.username) == (
        "reporting.ReminderDelivery",
        str(delivery.pk),
        "RUN",
        "",  # sent by the portal, not by a user
    )
    assert entry.details["to"] == [manager.email] == message.to
    assert entry.details["subject"] == message.subject and "Late handbook" in message.subject
    assert entry.details["about"] == {"type": delivery.object_type, "id": delivery.object_id}
    assert services.delivery_send(delivery_id=delivery.pk) is False  # sent once, recorded once
    assert _disclosures().count() == 1
    audit_seal()
    assert audit_verify().ok


def test_a_failed_e_mail_discloses_nothing(running, manager, settings):  # noqa: F811
    settings.EMAIL_BACKEND = "tests.reporting.mail_backends.RefusingBackend"
    services.reminders_dispatch(kinds=["deliverable_overdue"])
    delivery = ReminderDelivery.objects.get(recipient=manager, project=running)
    assert services.delivery_send(delivery_id=delivery.pk) is False
    assert not _disclosures().exists()


def test_the_monthly_report_sent_is_recorded_with_its_attachment(running, manager):  # noqa: F811
    Project.objects.exclude(pk=running.pk).update(status=Project.Status.CLOSED)
    [delivery_id] = services.monthly_reports_dispatch()
    assert services.delivery_send(delivery_id=delivery_id) is True
    [message] = mail.outbox
    [entry] = _disclosures()
    [(filename, _content, _type)] = message.attachments
    assert entry.details["attachments"] == [filename] and filename.startswith("progress-RUN-")
    assert entry.details["about"] == {"type": "projects.Project", "id": str(running.pk)}
    assert entry.details["to"] == [manager.email]


def test_choosing_reminders_is_recorded_with_old_and_new_values(running, manager, client_for):  # noqa: F811
    client = client_for(manager)
    client.post("/notifications/settings/", {"deliverable_overdue": "on"})  # every box unticked but this one
    entry = AuditEvent.objects.get(object_type="reporting.NotificationPreference")
    assert (entry.action, entry.username) == ("change", "manager")
    assert entry.details["changes"]["deliverable_due"] == {"old": True, "new": False}
    assert "deliverable_overdue" not in entry.details["changes"]  # unchanged: not recorded


def test_marking_notifications_read_is_recorded(running, manager, client_for):  # noqa: F811
    services.reminders_dispatch(kinds=["deliverable_overdue"])
    unread = sorted(Notification.objects.filter(recipient=manager).values_list("pk", flat=True))
    client_for(manager).post("/notifications/")
    entry = AuditEvent.objects.get(object_type="reporting.Notification")
    assert (entry.action, entry.username, entry.details) == ("change", "manager", {"read": unread})
    assert services.notifications_mark_read(user=manager) == 0  # nothing left: nothing recorded
    assert AuditEvent.objects.filter(object_type="reporting.Notification").count() == 1


def test_the_survey_link_sent_is_recorded_as_a_disclosure(staff, athena):
    from conferences.models import Event
    from conferences.services import feedback_remind, feedback_reminder_send
    from tests.conferences.conftest import TODAY, make_event, make_person, register

    start = TODAY - timedelta(days=3)
    event = make_event(athena, title="Held workshop", start_date=start, status=Event.Status.HELD)
    ana = register(event, make_person("Ana Popescu", email="ana@example.org"), attended_days=[start])
    feedback_remind(user=staff, event=event)
    ana.refresh_from_db()
    assert feedback_reminder_send(registration_id=ana.pk, requested_at=ana.feedback_reminded_at.isoformat())
    [message] = mail.outbox
    [entry] = _disclosures()
    assert (entry.object_type, entry.object_id, entry.project_code) == (
        "conferences.Registration",
        str(ana.pk),
        "ATHENA2",
    )
    assert entry.details == {
        "to": ["ana@example.org"],
        "subject": message.subject,
        "about": {"type": "conferences.Event", "id": str(event.pk)},
    }
    assert timezone.now() - entry.at < timedelta(minutes=1)
