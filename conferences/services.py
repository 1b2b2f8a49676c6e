"""Writes of the conferences app: every rule about events, registrations, attendance and feedback is here, so the
pages, the admin's actions, the import job and the seeder's checks all apply the same rule.

Each service runs in a transaction and records what it did in the audit trail. A refused write raises
`ValidationError` with the message on the form field it concerns.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from datetime import date, datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction
from django.db.models.functions import Now
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from projects.audit import audit_changes, audit_snapshot
from projects.concurrency import lock_current
from projects.events import emit
from projects.mail import TransientMailError, is_transient
from projects.models import AuditEvent, Country, Organisation
from projects.queue import enqueue
from projects.services import audit_log, person_contacts_update, person_find_or_create

from .imports import check_rows
from .models import Attendance, BestPractice, Event, FeedbackResponse, Registration, Session
from .workstreams import default_workstream

logger = logging.getLogger(__name__)

# --- events -------------------------------------------------------------------------------------------------------


@transaction.atomic
def event_save(*, user, event: Event, expected_version: int | None = None) -> Event:
    """Create or change an event (not its status: see `event_transition`).

    A change refuses a stale `expected_version` (the version the form was opened on) and keeps the stored status,
    whatever the object holds: an edit never undoes a transition made meanwhile.
    """
    creating = event.pk is None
    before = {}
    if not creating:
        stored = lock_current(event, expected_version)
        event.status = stored.status
        before = audit_snapshot(stored)
    elif event.workstream_id is None and event.project_id:
        event.workstream = default_workstream(event.project, event.kind, event.start_date)
    event.full_clean()
    event.save()
    changes = audit_changes(before, audit_snapshot(event))
    action = AuditEvent.Action.CREATE if creating else AuditEvent.Action.CHANGE
    audit_log(user=user, action=action, obj=event, details={"changes": changes})
    return event


@transaction.atomic
def event_transition(
    *, user, event: Event, status: str, today: date | None = None, expected_version: int | None = None
) -> Event:
    """Move the event to another status, if the transition is allowed (see `Event.TRANSITIONS`).

    An event can be marked held only once it has started; a held event is final, since it counts toward the
    project's indicators. A stale `expected_version` (the API's If-Match) is refused.
    """
    today = today or timezone.localdate()
    event = lock_current(event, expected_version)
    if status not in Event.TRANSITIONS.get(event.status, ()):
        raise ValidationError(
            {
                "status": _("An event that is %(current)s cannot become %(new)s.")
                % {
                    "current": event.get_status_display().lower(),
                    "new": Event.Status(status).label.lower() if status in Event.Status.values else status,
                }
            }
        )
    if status == Event.Status.HELD and event.start_date > today:
        raise ValidationError(
            {
                "status": _("The event starts on %(day)s: it cannot be marked held before then.")
                % {"day": date_format(event.start_date)}
            }
        )
    previous, event.status = event.status, status
    event.save(update_fields=["status", "updated_at"])
    audit_log(user=user, action=AuditEvent.Action.TRANSITION, obj=event, details={"from": previous, "to": status})
    if status == Event.Status.HELD:
        emit("event.held", project=event.project_id, id=event.pk)
    return event


# --- agenda and best practices -------------------------------------------------------------------------------------


@transaction.atomic
def session_save(*, user, session: Session, expected_version: int | None = None) -> Session:
    """Add a session to an event's agenda, or change one (refusing a stale `expected_version`)."""
    creating = session.pk is None
    if not creating:
        lock_current(session, expected_version)
    session.full_clean()
    session.save()
    action = AuditEvent.Action.CREATE if creating else AuditEvent.Action.CHANGE
    audit_log(user=user, action=action, obj=session, project=session.event.project)
    return session


@transaction.atomic
def session_delete(*, user, session: Session) -> None:
    audit_log(user=user, action=AuditEvent.Action.DELETE, obj=session, project=session.event.project)
    session.delete()


@transaction.atomic
def best_practice_save(*, user, practice: BestPractice) -> BestPractice:
    creating = practice.pk is None
    practice.full_clean()
    practice.save()
    action = AuditEvent.Action.CREATE if creating else AuditEvent.Action.CHANGE
    audit_log(user=user, action=action, obj=practice, project=practice.event.project)
    return practice


# --- registrations -------------------------------------------------------------------------------------------------


def places_taken(event: Event) -> int:
    return Registration.objects.filter(event=event, role__in=Registration.PARTICIPANT_ROLES).count()


@transaction.atomic
def registration_create(
    *,
    user,
    event: Event,
    name: str,
    country: Country,
    organisation: Organisation | None = None,
    email: str = "",
    gender: str = "",
    role: str = Registration.Role.DELEGATE,
    today: date | None = None,
) -> Registration:
    """Register a person (found again if already known, see `person_find_or_create`) for the event; an e-mail
    given becomes the project's contact for the person (`person_contacts_update`: other projects' stay).

    Refused: registrations for a cancelled or held event; delegates and trainees after the deadline or beyond
    the capacity; the same person twice.
    """
    if role not in Registration.Role.values:
        raise ValidationError({"role": _("Choose one of the roles offered.")})
    today = today or timezone.localdate()
    event = Event.objects.select_for_update().select_related("project").get(pk=event.pk)  # serialises the count
    problems = event.registration_problems(role=role, places_taken=places_taken(event), today=today)
    if problems:
        raise ValidationError(problems)
    person, _created = person_find_or_create(name=name, country=country, organisation=organisation, gender=gender)
    existing = Registration.objects.filter(event=event, person=person).first()
    if existing is not None:
        raise ValidationError(
            {
                "name": _("%(name)s is already registered for this event (as %(role)s).")
                % {"name": person.name, "role": existing.get_role_display().lower()}
            }
        )
    try:
        with transaction.atomic():
            registration = Registration.objects.create(event=event, person=person, role=role, registered_by=user)
    except IntegrityError:  # registered by someone else a moment ago
        raise ValidationError(
            {"name": _("%(name)s is already registered for this event.") % {"name": person.name}}
        ) from None
    audit_log(user=user, action=AuditEvent.Action.CREATE, obj=registration, project=event.project)
    person_contacts_update(user=user, project=event.project, emails={person: email})
    return registration


@transaction.atomic
def registration_delete(*, user, registration: Registration) -> None:
    """Withdraw a registration (with its attendance and feedback)."""
    audit_log(user=user, action=AuditEvent.Action.DELETE, obj=registration, project=registration.event.project)
    registration.delete()


@transaction.atomic
def participants_import(
    *,
    user,
    event: Event,
    rows: Sequence[dict],
    today: date | None = None,
    progress: Callable[[int, str], None] | None = None,
) -> list[Registration]:
    """Register every row of a checked participant list, or none of them.

    The rows are checked again here (the event may have filled up since the preview): any problem raises
    `ValidationError` listing the rows, and the transaction is rolled back, so nothing is imported half-way.
    """
    today = today or timezone.localdate()
    event = Event.objects.select_for_update().select_related("project").get(pk=event.pk)
    report = check_rows(event=event, rows=rows, today=today)
    if report.rejected:
        raise ValidationError([f"{_('Row')} {row.number}: {row.reason}" for row in report.rejected])
    organisations: dict[str, Organisation] = {}
    registrations, emails = [], {}
    created_people, created_organisations = [], []
    total = len(report.accepted) or 1
    for done, row in enumerate(report.accepted, start=1):
        organisation = row.organisation
        if organisation is None and row.new_organisation:
            key = row.new_organisation["name"].lower()
            if key not in organisations:
                organisations[key], created = Organisation.objects.get_or_create(
                    name=row.new_organisation["name"],
                    defaults={"kind": row.new_organisation["kind"], "country": row.country},
                )
                if created:
                    created_organisations.append(str(organisations[key]))
            organisation = organisations[key]
        person, created = person_find_or_create(
            name=row.name, country=row.country, organisation=organisation, gender=row.gender
        )
        emails[person] = row.email
        if created:
            created_people.append(person.pk)
        registrations.append(Registration(event=event, person=person, role=row.role, registered_by=user))
        if progress and done % 50 == 0:
            progress(
                10 + 80 * done // total,
                _("Saving: %(done)s of %(total)s participants") % {"done": done, "total": total},
            )
    Registration.objects.bulk_create(registrations)
    person_contacts_update(user=user, project=event.project, emails=emails)
    # One entry for the whole import (a bulk write): who was registered, and the people and organisations it added.
    audit_log(
        user=user,
        action=AuditEvent.Action.IMPORT,
        obj=event,
        object_type=Registration._meta.label,
        details={
            "event": event.pk,
            "registrations": len(registrations),
            "registered": [f"{r.person} ({r.get_role_display()})" for r in registrations],
            "people_created": [str(r.person) for r in registrations if r.person.pk in created_people],
            "organisations_created": created_organisations,
        },
    )
    return registrations


# --- attendance ----------------------------------------------------------------------------------------------------


def _registrations_changed(registrations) -> None:
    """What was recorded of these registrations changed: their `updated_at` moves (the API's incremental sync)."""
    Registration.objects.filter(pk__in=registrations).update(updated_at=Now())


def _check_attendance_day(event: Event, day: date, today: date) -> None:
    refusal = event.check_in_refusal(day, today)
    if refusal:
        raise ValidationError({"day": refusal})


@transaction.atomic
def attendance_record(
    *, user, registration: Registration, day: date, present: bool = True, today: date | None = None
) -> Attendance:
    """Check a person in on a day of the event (present), or mark them a no-show (not present)."""
    event = registration.event
    _check_attendance_day(event, day, today or timezone.localdate())
    attendance, _created = Attendance.objects.update_or_create(
        registration=registration, day=day, defaults={"present": present, "recorded_by": user}
    )
    _registrations_changed([registration.pk])
    audit_log(
        user=user,
        action=AuditEvent.Action.CHANGE,
        obj=attendance,
        project=event.project,
        details={"day": day.isoformat(), "present": present},
    )
    return attendance


@transaction.atomic
def attendance_undo(*, user, registration: Registration, day: date) -> None:
    """Forget what was recorded for this person on this day (a check-in made by mistake)."""
    deleted, _detail = Attendance.objects.filter(registration=registration, day=day).delete()
    if deleted:
        _registrations_changed([registration.pk])
        audit_log(
            user=user,
            action=AuditEvent.Action.DELETE,
            obj=registration,
            object_type=Attendance._meta.label,
            project=registration.event.project,
            details={"day": day.isoformat()},
        )


@transaction.atomic
def attendance_mark_no_shows(*, user, event: Event, day: date, today: date | None = None) -> int:
    """Mark everyone not checked in on this day as a no-show; returns how many were marked."""
    _check_attendance_day(event, day, today or timezone.localdate())
    missing = list(Registration.objects.filter(event=event).exclude(attendance__day=day).values_list("pk", flat=True))
    created = Attendance.objects.bulk_create(
        [Attendance(registration_id=pk, day=day, present=False, recorded_by=user) for pk in missing],
        ignore_conflicts=True,
    )
    _registrations_changed(missing)
    audit_log(
        user=user,
        action=AuditEvent.Action.CHANGE,
        obj=event,
        object_type=Attendance._meta.label,
        details={"day": day.isoformat(), "no_shows": len(created)},
    )
    return len(created)


# --- feedback -----------------------------------------------------------------------------------------------------


def feedback_refusal(registration: Registration) -> str:
    """Why this person may not answer the survey ("" when they may): only attendees of a held event answer.

    A person marked a no-show on every day they were recorded, or never checked in, did not attend.
    """
    if not registration.event.is_held:
        return _("The survey opens once the event has been held.")
    if not Attendance.objects.filter(registration=registration, present=True).exists():
        return _(
            "Only people who attended the event can answer the survey: our records do not show you as present. "
            "If this is a mistake, please write to the organisers."
        )
    return ""


@transaction.atomic
def feedback_submit(*, registration: Registration, answers: dict) -> FeedbackResponse:
    """Store an attendee's answers to the survey (once; participants answer through their personal link)."""
    registration = Registration.objects.select_for_update().select_related("event__project").get(pk=registration.pk)
    refusal = feedback_refusal(registration)
    if refusal:
        raise ValidationError(refusal)
    if FeedbackResponse.objects.filter(registration=registration).exists():
        raise ValidationError(_("You have already answered this survey. Thank you!"))
    response = FeedbackResponse(registration=registration, **answers)
    response.full_clean()
    response.save()
    audit_log(user=None, action=AuditEvent.Action.CREATE, obj=response, project=registration.event.project)
    return response


def feedback_url(registration: Registration) -> str:
    path = reverse("conferences:feedback-survey", kwargs={"token": registration.feedback_token})
    return settings.PORTAL_BASE_URL.rstrip("/") + path


@transaction.atomic
def feedback_remind(*, user, event: Event) -> int:
    """Queue an e-mail with the survey link to every attendee who has not answered yet and has an e-mail address.

    Returns the number of reminders queued. Each is sent after the commit by a Celery task
    (`feedback_reminder_send`), once; `feedback_reminded_at` records the request at once, so the staff's digest
    about missing feedback stops asking for it.
    """
    from .queries import feedback_missing

    if not event.is_held:
        raise ValidationError(_("Reminders can be sent once the event has been held."))
    requested_at = timezone.now()
    pending = list(feedback_missing(event).reachable().values_list("pk", flat=True))
    Registration.objects.filter(pk__in=pending).update(feedback_reminded_at=requested_at)
    for registration_id in pending:
        enqueue("conferences.tasks.feedback_reminder_send", registration_id, requested_at.isoformat())
    audit_log(
        user=user,
        action=AuditEvent.Action.CHANGE,
        obj=event,
        object_type=FeedbackResponse._meta.label,
        details={"reminders": len(pending)},
    )
    return len(pending)


def feedback_reminder_send(*, registration_id: int, requested_at: str) -> bool:
    """E-mail one attendee the survey link that was asked for at `requested_at`, at most once.

    Returns whether this call sent it. A conditional UPDATE claims the reminder by moving `feedback_reminded_at`
    from the time of the request to the time of sending: a second delivery of the task, or the task of an older
    request, finds nothing to claim. Nothing is sent to someone who has answered meanwhile. A transient failure
    gives the claim back and raises TransientMailError (the task retries); any other failure is logged.
    """
    requested = datetime.fromisoformat(requested_at)
    claimed_at = max(timezone.now(), requested + timedelta(microseconds=1))
    claimed = (
        Registration.objects.filter(pk=registration_id, feedback_reminded_at=requested, feedback__isnull=True)
        .reachable()
        .update(feedback_reminded_at=claimed_at)
    )
    if not claimed:
        return False
    registration = Registration.objects.with_email().select_related("person", "event__project").get(pk=registration_id)
    event = registration.event
    message = EmailMessage(
        subject=_("Your feedback on %(event)s") % {"event": event.title},
        body=render_to_string(
            "conferences/email/feedback_reminder.txt",
            {"registration": registration, "event": event, "url": feedback_url(registration)},
        ),
        to=[registration.email],
    )
    try:
        message.send()
    except Exception as exc:
        if is_transient(exc):
            Registration.objects.filter(pk=registration_id, feedback_reminded_at=claimed_at).update(
                feedback_reminded_at=requested
            )
            raise TransientMailError(str(exc)) from exc
        logger.exception("the feedback reminder of registration %s could not be sent", registration_id)
        return False
    # A disclosure: the survey link (and the event it is about) went to this address.
    audit_log(
        user=None,
        action=AuditEvent.Action.DISCLOSE,
        obj=registration,
        project=event.project,
        details={
            "to": list(message.to),
            "subject": message.subject,
            "about": {"type": "conferences.Event", "id": str(event.pk)},
        },
    )
    return True
