"""Writes of reminders and notifications: preferences, read marks, and sending each reminder exactly once."""

from __future__ import annotations

import logging
from collections import defaultdict
from datetime import date, datetime, timedelta

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from projects.mail import TransientMailError, is_transient
from projects.models import AuditEvent, Membership, Project
from projects.queries import user_sees_sensitive, user_time_zone
from projects.queue import enqueue
from projects.registry import Reminder, registry

from ..models import (
    Notification,
    NotificationPreference,
    ReminderDelivery,
)

logger = logging.getLogger(__name__)

MONTHLY_REPORT = "monthly_report"


class TransientDeliveryError(TransientMailError):
    """Sending a reminder failed for a reason that may go away (the mail server is down); the task retries."""


def audit_log(**kwargs):
    from projects.services import audit_log as core_audit_log

    return core_audit_log(**kwargs)


# --- preferences and notifications ----------------------------------------------------------------------------------


@transaction.atomic
def preferences_save(*, user, enabled: dict[str, bool]) -> None:
    """Store which reminder kinds the user receives (unknown kinds are ignored)."""
    stored = dict(NotificationPreference.objects.filter(user=user).values_list("kind", "enabled"))
    changes = {}
    for kind in registry.reminder_kinds():
        if kind.key in enabled:
            NotificationPreference.objects.update_or_create(
                user=user, kind=kind.key, defaults={"enabled": bool(enabled[kind.key])}
            )
            if stored.get(kind.key, kind.default) != bool(enabled[kind.key]):
                changes[kind.key] = {"old": stored.get(kind.key, kind.default), "new": bool(enabled[kind.key])}
    if changes:
        audit_log(
            user=user,
            action=AuditEvent.Action.CHANGE,
            object_type=NotificationPreference._meta.label,
            details={"changes": changes},
        )


@transaction.atomic
def notifications_mark_read(*, user, ids: list[int] | None = None) -> int:
    qs = Notification.objects.filter(recipient=user).unread()
    if ids is not None:
        qs = qs.filter(pk__in=ids)
    marked = sorted(qs.values_list("pk", flat=True))
    count = Notification.objects.filter(pk__in=marked).update(read_at=timezone.now())
    if count:
        audit_log(
            user=user,
            action=AuditEvent.Action.CHANGE,
            object_type=Notification._meta.label,
            details={"read": marked},
        )
    return count


# --- reminders: dispatch (who gets what), then send (once) ----------------------------------------------------------


def _recipients(reminders: list[Reminder]) -> dict[int, dict[str, list]]:
    """{project_id: {role: [users]}} for the projects of these reminders (one query)."""
    from django.contrib.auth import get_user_model

    project_ids = {r.project_id for r in reminders}
    members: dict[int, dict[str, list]] = defaultdict(lambda: defaultdict(list))
    for membership in Membership.objects.filter(project_id__in=project_ids, user__is_active=True).select_related(
        "user"
    ):
        members[membership.project_id][membership.role].append(membership.user)
    explicit = {uid for r in reminders if r.user_ids for uid in r.user_ids}
    if explicit:
        users = get_user_model().objects.filter(pk__in=explicit, is_active=True)
        members[0]["explicit"] = list(users)
    return members


def _send_after_commit(delivery_ids: list[int]) -> list[int]:
    for pk in delivery_ids:
        enqueue("reporting.tasks.reminder_send", pk)
    return delivery_ids


def reminders_dispatch(*, today: date | None = None, kinds: list[str] | None = None) -> list[int]:
    """Record the reminders due today (once each), queue their sending, and return the ids of the deliveries.

    Safe to run twice and concurrently: a delivery's unique key (kind, record, recipient, occasion) lets only the
    first run create it. Deliveries still pending after 10 minutes (their task was lost) are queued again.
    """
    from ..queries import wants

    today = today or timezone.localdate()
    created_ids: list[int] = []
    for kind in registry.reminder_kinds():
        if kind.collect is None or (kinds is not None and kind.key not in kinds):
            continue
        reminders = list(kind.collect(today))
        if not reminders:
            continue
        members = _recipients(reminders)
        for reminder in reminders:
            if reminder.user_ids is not None:
                users = [u for u in members[0]["explicit"] if u.pk in reminder.user_ids]
            else:
                users = [u for role in reminder.roles for u in members[reminder.project_id].get(role, [])]
            allowed = wants([u.pk for u in users], kind.key)
            for user in users:
                if user.pk in allowed:
                    delivery = delivery_record(kind=kind.key, reminder=reminder, recipient=user)
                    if delivery is not None:
                        created_ids.append(delivery.pk)
    stale = ReminderDelivery.objects.filter(
        status=ReminderDelivery.Status.PENDING, created_at__lt=timezone.now() - timedelta(minutes=10)
    ).values_list("pk", flat=True)
    return _send_after_commit(created_ids + [pk for pk in stale if pk not in created_ids])


def delivery_record(*, kind: str, reminder: Reminder, recipient) -> ReminderDelivery | None:
    """Create the delivery and its notification, or None when this reminder was already recorded."""
    try:
        with transaction.atomic():
            delivery = ReminderDelivery.objects.create(
                kind=kind,
                object_type=reminder.object_type,
                object_id=str(reminder.object_id),
                recipient=recipient,
                occasion=reminder.occasion,
                project_id=reminder.project_id,
                subject=reminder.subject[:200],
                body=reminder.body,
                url=reminder.url[:300],
            )
            Notification.objects.create(
                delivery=delivery,
                recipient=recipient,
                project_id=reminder.project_id,
                kind=kind,
                title=reminder.subject[:200],
                body=reminder.body,
                url=reminder.url[:300],
            )
            audit_log(
                user=None,
                action=AuditEvent.Action.CREATE,
                obj=delivery,
                details={
                    "kind": kind,
                    "recipient": recipient.get_username(),
                    "about": {"type": reminder.object_type, "id": str(reminder.object_id)},
                },
            )
    except IntegrityError:
        return None
    return delivery


def delivery_send(*, delivery_id: int) -> bool:
    """Send one recorded reminder by e-mail: a conditional UPDATE lets one sender claim it, for a lease longer than
    its task may run (REPORTING_REMINDER_LEASE_SECONDS).

    Returns whether this call sent it. A transient failure puts the delivery back to pending and raises
    TransientDeliveryError (the task retries with backoff); any other failure marks it failed. A sender that dies
    leaves it SENDING until `reminders_sweep` puts it back: sent at most once while workers live, at least once
    after a crash, always with the Message-ID of the delivery row.
    """
    now = timezone.now()
    claimed = ReminderDelivery.objects.filter(pk=delivery_id, status=ReminderDelivery.Status.PENDING).update(
        status=ReminderDelivery.Status.SENDING,
        attempts=F("attempts") + 1,
        claimed_until=now + timedelta(seconds=settings.REPORTING_REMINDER_LEASE_SECONDS),
    )
    if not claimed:
        return False
    delivery = ReminderDelivery.objects.select_related("recipient", "project").get(pk=delivery_id)
    try:
        message = _email_for(delivery)
        message.send()
    except Exception as exc:
        transient = is_transient(exc)
        status = ReminderDelivery.Status.PENDING if transient else ReminderDelivery.Status.FAILED
        ReminderDelivery.objects.filter(pk=delivery_id).update(status=status, error=repr(exc)[:300], claimed_until=None)
        if transient:
            raise TransientDeliveryError(str(exc)) from exc
        logger.exception("reminder %s could not be sent", delivery_id)
        return False
    with transaction.atomic():
        ReminderDelivery.objects.filter(pk=delivery_id).update(
            status=ReminderDelivery.Status.SENT, sent_at=timezone.now(), error="", claimed_until=None
        )
        audit_email_sent(
            message, obj=delivery, project=delivery.project, about=(delivery.object_type, delivery.object_id)
        )
    return True


def reminders_sweep(*, now: datetime | None = None) -> dict[str, list[int]]:
    """Take back the reminders whose sender died: a delivery still SENDING when its claim's lease ran out goes back
    to PENDING and is queued again (it may have gone out just before the crash: it is then sent twice, with the
    same Message-ID), or, after REPORTING_REMINDER_MAX_ATTEMPTS attempts, is marked failed. Safe to run twice: each
    delivery moves by a conditional UPDATE on its expired claim.

    Returns the ids of the deliveries queued again and of those given up: {"queued": [...], "failed": [...]}.
    """
    now = now or timezone.now()
    swept: dict[str, list[int]] = {"queued": [], "failed": []}
    expired = ReminderDelivery.objects.filter(status=ReminderDelivery.Status.SENDING, claimed_until__lt=now)
    for delivery in expired.select_related("project", "recipient"):
        given_up = delivery.attempts >= settings.REPORTING_REMINDER_MAX_ATTEMPTS
        outcome = ReminderDelivery.Status.FAILED if given_up else ReminderDelivery.Status.PENDING
        with transaction.atomic():
            moved = ReminderDelivery.objects.filter(
                pk=delivery.pk, status=ReminderDelivery.Status.SENDING, claimed_until__lt=now
            ).update(status=outcome, claimed_until=None, error="The worker sending it was lost.")
            if not moved:
                continue
            audit_log(
                user=None,
                action=AuditEvent.Action.TRANSITION,
                obj=delivery,
                project=delivery.project,
                details={"status": outcome, "attempts": delivery.attempts, "reason": "claim expired"},
            )
            if not given_up:
                enqueue("reporting.tasks.reminder_send", delivery.pk)
        swept["failed" if given_up else "queued"].append(delivery.pk)
    return swept


def audit_email_sent(message: EmailMessage, *, obj, project, about: tuple[str, object]) -> None:
    """Record an e-mail sent as a disclosure: to whom, its subject, the record it is about and what it attached."""
    details = {
        "to": list(message.to),
        "subject": message.subject,
        "about": {"type": about[0], "id": str(about[1])},
        **({"attachments": [attachment[0] for attachment in message.attachments]} if message.attachments else {}),
    }
    audit_log(user=None, action=AuditEvent.Action.DISCLOSE, obj=obj, project=project, details=details)


def _email_for(delivery: ReminderDelivery) -> EmailMessage:
    link = settings.PORTAL_BASE_URL.rstrip("/") + delivery.url if delivery.url.startswith("/") else delivery.url
    body = delivery.body + (f"\n\n{link}" if link else "")
    body += "\n\n" + _("You receive this because of your role in %(project)s. Choose your reminders at %(url)s.") % {
        "project": delivery.project.code,
        "url": settings.PORTAL_BASE_URL.rstrip("/") + "/notifications/settings/",
    }
    message = EmailMessage(
        subject=f"[SELEC {delivery.project.code}] {delivery.subject}",
        body=body,
        to=[delivery.recipient.email],
        headers={"Message-ID": delivery.message_id},  # the same at every attempt: a duplicate is recognisable
    )
    if delivery.kind == MONTHLY_REPORT:
        from ..reports import monthly_report_pdf

        filename, pdf = monthly_report_pdf(
            project=delivery.project,
            month=delivery.occasion,
            include_sensitive=user_sees_sensitive(delivery.recipient, delivery.project),  # a manager, at sending
            time_zone=user_time_zone(delivery.recipient),
        )
        message.attach(filename, pdf, "application/pdf")
    return message


# --- the monthly progress report ------------------------------------------------------------------------------------


def monthly_reports_dispatch(*, today: date | None = None) -> list[int]:
    """Record this month's progress report for each running project's managers (once per project, month, manager)
    and queue their sending.

    The report covers the previous calendar month; `occasion` is its first day.
    """
    from ..queries import wants

    today = today or timezone.localdate()
    month = (today.replace(day=1) - timedelta(days=1)).replace(day=1)
    projects = list(Project.objects.filter(status=Project.Status.ACTIVE, start_date__lte=today, end_date__gte=month))
    managers: dict[int, list] = defaultdict(list)
    for membership in Membership.objects.filter(
        project__in=projects, role=Membership.Role.MANAGER, user__is_active=True
    ).select_related("user"):
        managers[membership.project_id].append(membership.user)
    created = []
    for project in projects:
        users = managers[project.pk]
        allowed = wants([u.pk for u in users], MONTHLY_REPORT)
        reminder = Reminder(
            project_id=project.pk,
            object_type="projects.Project",
            object_id=project.pk,
            occasion=month,
            subject=_("Monthly progress report %(month)s") % {"month": month.strftime("%B %Y")},
            body=_("The progress report of %(project)s for %(month)s is attached. The dashboard is always current:")
            % {"project": project.name, "month": month.strftime("%B %Y")},
            url=f"/projects/{project.code}/dashboard/",
        )
        for user in users:
            if user.pk in allowed:
                delivery = delivery_record(kind=MONTHLY_REPORT, reminder=reminder, recipient=user)
                if delivery is not None:
                    created.append(delivery.pk)
    return _send_after_commit(created)
