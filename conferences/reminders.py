"""The events' reminder kinds (registered in `apps.py`); the reporting app records and sends each one once.

- `event_registration_closing`: an event open for registration whose deadline is within REGISTRATION_CLOSING_DAYS,
  to the project's managers and staff, once per deadline (moving the deadline reminds again).
- `event_feedback_missing`: a digest to the project's managers and staff, once per held event, when attendees with
  an e-mail address have neither answered the survey nor been sent its link, FEEDBACK_AFTER_DAYS after the event.
  Reminders go to portal users only (a delivery's recipient is a user), and participants have no account; so the
  digest asks the staff to send the survey link from the event's feedback page (`services.feedback_remind`), which
  e-mails each attendee their personal link.
"""

from __future__ import annotations

from datetime import date, timedelta

from django.db.models import Count, Q
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from projects.models import Project
from projects.registry import Reminder, ReminderKind

from .models import Event, Registration

REGISTRATION_CLOSING_DAYS = 7
FEEDBACK_AFTER_DAYS = 3  # the survey is usually answered in the first days after the event
FEEDBACK_WINDOW_DAYS = 30  # older events are not reminded about (nor, after a deployment, the whole history)

EVENT = Event._meta.label


def _day(value: date) -> str:
    return value.strftime("%d %b %Y")


def registration_closing(today: date) -> list[Reminder]:
    """Open events of running projects whose registration closes within REGISTRATION_CLOSING_DAYS (one query)."""
    qs = (
        Event.objects.filter(
            status=Event.Status.OPEN,
            registration_deadline__gte=today,
            registration_deadline__lte=today + timedelta(days=REGISTRATION_CLOSING_DAYS),
            project__status=Project.Status.ACTIVE,
        )
        .select_related("project")
        .annotate(places_taken=Count("registrations", filter=Q(registrations__role__in=Registration.PARTICIPANT_ROLES)))
        .order_by("registration_deadline", "pk")
    )
    reminders = []
    for event in qs:
        values = {
            "event": event.title,
            "date": _day(event.registration_deadline),
            "start": _day(event.start_date),
            "project": event.project.code,
            "taken": event.places_taken,
            "capacity": event.capacity,
        }
        places = (
            _("%(taken)s of %(capacity)s places are taken.") if event.capacity else _("%(taken)s places are taken.")
        ) % values
        reminders.append(
            Reminder(
                project_id=event.project_id,
                object_type=EVENT,
                object_id=event.pk,
                occasion=event.registration_deadline,
                subject=_("Registration closes on %(date)s: %(event)s") % values,
                body=_("%(project)s: registration for “%(event)s” (from %(start)s) closes on %(date)s.") % values
                + " "
                + places,
                url=event.get_absolute_url(),
            )
        )
    return reminders


def feedback_missing(today: date) -> list[Reminder]:
    """Held events that ended FEEDBACK_AFTER_DAYS to FEEDBACK_WINDOW_DAYS ago with attendees to remind (one query)."""
    rows = (
        Registration.objects.filter(
            event__status=Event.Status.HELD,
            event__end_date__lte=today - timedelta(days=FEEDBACK_AFTER_DAYS),
            event__end_date__gte=today - timedelta(days=FEEDBACK_WINDOW_DAYS),
            event__project__status=Project.Status.ACTIVE,
            feedback__isnull=True,
            feedback_reminded_at__isnull=True,
        )
        .reachable()
        .attended()
        .order_by()
        .values("event_id", "event__title", "event__end_date", "event__project_id", "event__project__code")
        .annotate(n=Count("pk"))
        .order_by("event__end_date", "event_id")
    )
    reminders = []
    for row in rows:
        values = {
            "event": row["event__title"],
            "date": _day(row["event__end_date"]),
            "project": row["event__project__code"],
            "n": row["n"],
        }
        reminders.append(
            Reminder(
                project_id=row["event__project_id"],
                object_type=EVENT,
                object_id=row["event_id"],
                occasion=row["event__end_date"],
                subject=ngettext(
                    "Feedback missing: %(n)s attendee of %(event)s",
                    "Feedback missing: %(n)s attendees of %(event)s",
                    row["n"],
                )
                % values,
                body=ngettext(
                    "%(project)s: %(n)s attendee of “%(event)s” (ended %(date)s) who has an e-mail address has not "
                    "answered the survey and has not been sent its link.",
                    "%(project)s: %(n)s attendees of “%(event)s” (ended %(date)s) who have an e-mail address have "
                    "not answered the survey and have not been sent its link.",
                    row["n"],
                )
                % values
                + " "
                + _("Send them their personal link from the event's feedback page."),
                url=reverse(
                    "conferences:feedback", kwargs={"code": row["event__project__code"], "pk": row["event_id"]}
                ),
            )
        )
    return reminders


KINDS = [  # the reminder kinds this app contributes
    ReminderKind(
        "event_registration_closing",
        label=gettext_lazy("Event registration closing"),
        collect=registration_closing,
        description=gettext_lazy("An event open for registration whose deadline is in the next week."),
    ),
    ReminderKind(
        "event_feedback_missing",
        label=gettext_lazy("Event feedback not answered"),
        collect=feedback_missing,
        description=gettext_lazy(
            "After an event, the attendees who have not answered the survey nor been sent its link."
        ),
    ),
]
