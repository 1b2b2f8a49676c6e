"""A feed as iCalendar (RFC 5545), with the `icalendar` library.

- Each record is a VEVENT whose UID is its kind and id at the portal's host (`activity-12@portal.example`): the
  same across fetches and edits, so a calendar updates the event instead of adding another.
- Whole days are dates (`DTSTART;VALUE=DATE`, `DTEND` the day after the last day, as the RFC wants); an agenda's
  sessions are times in the venue's zone (`DTSTART;TZID=Europe/Istanbul:...`), each zone with its VTIMEZONE.
- `DTSTAMP` is when the record last changed (its `updated_at`, else its `created_at`, else when the feed was
  created), never the time of the fetch: an unchanged feed is the same bytes, so its ETag holds and a calendar that
  asks again gets a 304.
- Text is in the portal's language, whatever the calendar program asks for.
"""

from __future__ import annotations

from datetime import UTC, date, timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.utils import translation
from icalendar import Calendar, Event, vDuration

from ..models import CalendarFeed
from .queries import Entry, feed_entries

PRODID = "-//SELEC//SELEC portal calendar feed//EN"
REFRESH = timedelta(hours=1)  # how often a calendar should fetch again (REFRESH-INTERVAL, X-PUBLISHED-TTL)


def uid_host() -> str:
    """The domain part of every UID: the portal's host (changing PORTAL_BASE_URL changes every UID)."""
    return urlsplit(settings.PORTAL_BASE_URL).hostname or "localhost"


def absolute(path: str) -> str:
    return settings.PORTAL_BASE_URL.rstrip("/") + path if path.startswith("/") else path


def _utc(value):
    return value.astimezone(UTC) if value is not None else None


def _vevent(entry: Entry, *, host: str, fallback_stamp) -> Event:
    stamp = _utc(entry.modified or entry.created) or fallback_stamp
    event = Event.new(
        uid=f"{entry.uid}@{host}",
        summary=entry.summary,
        start=entry.start,
        end=entry.end,
        stamp=stamp,
        url=absolute(entry.url),
        last_modified=_utc(entry.modified),
        created=_utc(entry.created),
        sequence=entry.sequence,
        description=entry.description or None,
        categories=[entry.category] if entry.category else (),
        location=entry.location or None,
        status=entry.status or None,
        # whole days do not make their subscribers busy; an agenda's sessions do
        transparency="TRANSPARENT" if type(entry.start) is date else "OPAQUE",
    )
    return event


def feed_calendar(feed: CalendarFeed, *, today: date) -> bytes:
    """The feed's VCALENDAR: what `feed_entries` lists of its project, as of `today`."""
    project = feed.project
    host = uid_host()
    with translation.override(settings.LANGUAGE_CODE):
        entries = feed_entries(project, today=today)
        calendar = Calendar.new(
            prodid=PRODID,
            uid=f"feed-{feed.pk}@{host}",
            name=f"{project.acronym or project.code} · SELEC",
            description=project.name,
            calscale="GREGORIAN",
            refresh_interval=REFRESH,
            url=absolute(project.get_absolute_url()),
        )
    calendar["REFRESH-INTERVAL"].params["VALUE"] = "DURATION"  # required by RFC 7986 (no default value type)
    calendar.add("X-PUBLISHED-TTL", vDuration(REFRESH))  # Outlook's REFRESH-INTERVAL
    fallback = _utc(feed.created_at)
    for entry in entries:
        calendar.add_component(_vevent(entry, host=host, fallback_stamp=fallback))
    calendar.add_missing_timezones()
    return calendar.to_ical()
