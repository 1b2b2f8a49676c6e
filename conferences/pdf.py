"""Certificates of attendance and name badges as PDF, written by WeasyPrint from HTML templates."""

from __future__ import annotations

import logging
from collections.abc import Sequence

from django.template.loader import render_to_string
from django.utils import timezone

from .models import Attendance, Event, Registration

# WeasyPrint logs every layout step at INFO; the portal's log needs only its warnings.
logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)


def _render(template: str, context: dict) -> bytes:
    from weasyprint import HTML

    return HTML(string=render_to_string(template, context)).write_pdf()


def certificates_pdf(event: Event, registrations: Sequence[Registration]) -> bytes:
    """One page per attendee, naming the person, the event, its dates and the days attended."""
    days: dict[int, list] = {r.pk: [] for r in registrations}
    for registration_id, day in Attendance.objects.filter(
        registration__in=[r.pk for r in registrations], present=True
    ).values_list("registration_id", "day"):
        days[registration_id].append(day)
    items = [{"registration": r, "days": sorted(days[r.pk])} for r in registrations]
    return _render(
        "conferences/pdf/certificates.html", {"event": event, "items": items, "issued": timezone.localdate()}
    )


def badges_pdf(event: Event, registrations: Sequence[Registration]) -> bytes:
    """Name badges, eight to an A4 page, to print and cut."""
    return _render("conferences/pdf/badges.html", {"event": event, "registrations": registrations})
