"""Background jobs of the conferences app (registered in `apps.py`, started with `projects.services.job_start`)."""

from __future__ import annotations

import csv
import io
import logging

from django.core.exceptions import ValidationError
from django.db import DatabaseError
from django.utils.translation import gettext as _

from projects.exports import csv_row
from projects.jobs import JobError, JobResult
from projects.models import AuditEvent
from projects.services import audit_log

from . import pdf, queries, services
from .models import Event

logger = logging.getLogger(__name__)

PARTICIPANTS_IMPORT = "participants_import"
CERTIFICATES = "certificates"


def _event(job) -> Event:
    event = Event.objects.select_related("project").filter(project=job.project, pk=job.params.get("event")).first()
    if event is None:
        raise JobError(_("The event no longer exists."))
    return event


def run_participants_import(job, progress) -> JobResult:
    """Import a checked participant list (job.params: event, rows); all rows or none. The rows are personal data:
    the finished job keeps only how many there were (`personal_params` in contributions.py)."""
    event = _event(job)
    rows = job.params.get("rows") or []
    progress(5, _("Checking %(n)s rows again") % {"n": len(rows)})
    try:
        registrations = services.participants_import(user=job.user, event=event, rows=rows, progress=progress)
    except ValidationError as exc:
        problems = exc.messages
        more = _(" (and %(n)s more)") % {"n": len(problems) - 3} if len(problems) > 3 else ""
        raise JobError(_("Nothing was imported. ") + "; ".join(problems[:3]) + more) from None
    except DatabaseError:  # a write failed half-way: the transaction took every row back
        logger.exception("participant import %s failed while saving", job.pk)
        message = _("Nothing was imported: saving the list failed (the error was logged). Try again, or tell an admin.")
        raise JobError(message) from None
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([_("Name"), _("Organisation"), _("Country"), _("Role")])
    for registration in registrations:
        person = registration.person
        # The names come from an uploaded file: neutralise formulas as every export does.
        writer.writerow(csv_row([person.name, person.organisation, person.country, registration.get_role_display()]))
    return JobResult(
        filename=f"imported-participants-{event.pk}.csv",
        content=("\ufeff" + buffer.getvalue()).encode(),
        data={"event": event.pk, "imported": len(registrations)},
    )


def run_certificates(job, progress) -> JobResult:
    """Every attendee's certificate of attendance, one page each, in one PDF (job.params: event)."""
    event = _event(job)
    registrations = list(queries.registrations_of_event(event).filter(attended=True))
    if not registrations:
        raise JobError(_("Nobody has been checked in at this event yet."))
    progress(20, _("Writing %(n)s certificates") % {"n": len(registrations)})
    content = pdf.certificates_pdf(event, registrations)
    audit_log(
        user=job.user,
        action=AuditEvent.Action.EXPORT,
        obj=event,
        object_type="conferences.Certificate",
        details={"certificates": len(registrations)},
    )
    return JobResult(
        filename=f"certificates-{event.pk}.pdf", content=content, data={"certificates": len(registrations)}
    )
