"""Reads of the calendar feeds: a user's feeds, the live feed of a token, and what a feed lists.

What a feed lists is chosen by the timeline (`projects.registry.timeline`), the read behind the pages' due and
overdue lists and a report's items, as a reader who sees no sensitive record (`include_sensitive=False`, whatever
the feed's user's role: a feed URL ends up in third-party calendar services). The records' other fields (an
activity's days, an event's place and agenda, when a record last changed) are then read by the ids the timeline
gave: no visibility rule is written here. A fixed number of queries whatever the amount of data.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db.models import Model, QuerySet
from django.utils.translation import gettext as _

from conferences.models import Event, Session
from operations.models import ActivityStatus, JointActivity
from projects.models import Deliverable, Milestone, Project
from projects.registry import TimelineItem, TimelineQuery, registry

from ..models import CalendarFeed
from ..tokens import token_digest
from .zones import event_zone

# The timeline's sources a feed lists (the other ones, tasks and evaluations, are the team's own work).
KINDS = ("activity_start", "activity_end", "event", "registration_deadline", "milestone", "deliverable", "report")
PAST_DAYS = 365  # a feed starts a year back: calendars keep what they saw before
MAX_ITEMS = 2000  # timeline items at most, by date (a calendar service refuses a huge feed)
# Statuses of the calendar (RFC 5545 STATUS): a planned record is tentative, a cancelled event cancelled.
TENTATIVE, CONFIRMED, CANCELLED = "TENTATIVE", "CONFIRMED", "CANCELLED"
EVENT_STATUSES = {Event.Status.PLANNED: TENTATIVE, Event.Status.CANCELLED: CANCELLED}
ACTIVITY_STATUSES = {ActivityStatus.PLANNED: TENTATIVE}


def feeds_of(user) -> QuerySet[CalendarFeed]:
    """The user's own feeds, newest first (revoked ones included, for the record)."""
    return CalendarFeed.objects.filter(user=user).select_related("project").order_by("-created_at", "-pk")


def live_feed(token: str) -> CalendarFeed | None:
    """The feed of this token if it answers: not revoked, its user active and still allowed to view its project
    (the core's rule, `Project.objects.for_user`). None otherwise, as for an unknown token. Two queries."""
    feed = (
        CalendarFeed.objects.select_related("user", "project")
        .filter(digest=token_digest(token), revoked_at__isnull=True, user__is_active=True)
        .first()
    )
    if feed is None or not Project.objects.for_user(feed.user).filter(pk=feed.project_id).exists():
        return None
    return feed


@dataclass(frozen=True)
class Entry:
    """One VEVENT of a feed. `start`/`end` are dates (all day, `end` exclusive) or aware datetimes."""

    uid: str  # unique in the portal ("activity-12"); the feed adds "@host"
    summary: str
    start: date | datetime
    end: date | datetime
    url: str  # the portal's page (a path)
    description: str = ""
    category: str = ""
    status: str = ""
    location: str = ""
    modified: datetime | None = None  # the record's updated_at, where it has one
    created: datetime | None = None
    sequence: int | None = None  # the record's version, where it has one


def _fields(model: type[Model], *names: str) -> list[str]:
    """`names`, and whichever of the record's change stamps the model has."""
    stamps = [f for f in ("updated_at", "created_at", "version") if any(x.name == f for x in model._meta.fields)]
    return ["pk", *names, *stamps]


def _rows(model: type[Model], pks, *names: str) -> dict[int, dict]:
    """{pk: the row's fields} in one query; none when there is nothing to read."""
    fields = _fields(model, *names)
    if not pks or (len(fields) == 1 and not names):
        return {}
    return {row["pk"]: row for row in model.objects.filter(pk__in=sorted(pks)).values(*fields)}


def _stamps(row: dict) -> dict:
    return {"modified": row.get("updated_at"), "created": row.get("created_at"), "sequence": row.get("version")}


def _day_after(day: date) -> date:
    return day + timedelta(days=1)


def feed_entries(project: Project, *, today: date) -> list[Entry]:
    """What the project's feed lists, from a year before `today` on: joint activities (their days), events (their
    days and their agenda's sessions, timed), registration deadlines, milestones, deliverables and reports due.
    At most seven queries."""
    query = TimelineQuery(
        today=today, since=today - timedelta(days=PAST_DAYS), limit=MAX_ITEMS, include_sensitive=False
    )
    by_kind: dict[str, dict[int, TimelineItem]] = defaultdict(dict)
    for item in registry.timeline.page([project.pk], query, kinds=KINDS, counts=False).items:
        by_kind[item.kind][item.pk] = item
    activities = by_kind["activity_start"] | by_kind["activity_end"]
    return [
        *_activities(activities),
        *_events(by_kind["event"], by_kind["registration_deadline"]),
        *_deadlines("milestone", _("Milestone: %(title)s"), by_kind["milestone"], Milestone),
        *_deadlines("deliverable", _("Deliverable: %(title)s"), by_kind["deliverable"], Deliverable),
        *_deadlines("report", _("Report due: %(title)s"), by_kind["report"], None),
    ]


def _activities(items: dict[int, TimelineItem]) -> list[Entry]:
    rows = _rows(JointActivity, items, "start_date", "end_date", "status")
    entries = []
    for pk, row in rows.items():
        item = items[pk]
        entries.append(
            Entry(
                uid=f"activity-{pk}",
                summary=item.title,
                start=row["start_date"],
                end=_day_after(row["end_date"] or row["start_date"]),
                url=item.url,
                description=_("Joint activity · %(status)s") % {"status": item.status},
                category=_("Joint activity"),
                status=ACTIVITY_STATUSES.get(row["status"], CONFIRMED),
                **_stamps(row),
            )
        )
    return entries


def _place(row: dict) -> str:
    if row["online"]:
        return _("Online")
    return ", ".join(part for part in (row["venue"], row["city"], row["country__name"]) if part)


def _events(events: dict[int, TimelineItem], deadlines: dict[int, TimelineItem]) -> list[Entry]:
    rows = _rows(Event, events.keys() | deadlines.keys(), "status", "online", "venue", "city", "country__name",
                 "country__code")  # fmt: skip
    entries = []
    events = {pk: item for pk, item in events.items() if pk in rows}  # one deleted meanwhile is left out
    deadlines = {pk: item for pk, item in deadlines.items() if pk in rows}
    for pk, item in events.items():
        row = rows[pk]
        status = EVENT_STATUSES.get(row["status"], CONFIRMED)
        entries.append(
            Entry(
                uid=f"event-{pk}",
                summary=item.title,
                start=item.date,
                end=_day_after(item.last_day or item.date),
                url=item.url,
                description=f"{item.kind_label} · {item.status}",
                category=item.kind_label,
                status=status,
                location=_place(row),
                **_stamps(row),
            )
        )
    entries += _sessions(events, rows)
    for pk, item in deadlines.items():
        entries.append(
            Entry(
                uid=f"registration-deadline-{pk}",
                summary=_("Registration closes: %(title)s") % {"title": item.title},
                start=item.date,
                end=_day_after(item.date),
                url=item.url,
                category=_("Deadline"),
                **_stamps(rows[pk]),
            )
        )
    return entries


def _sessions(events: dict[int, TimelineItem], event_rows: dict[int, dict]) -> list[Entry]:
    """The agenda of the listed events, in the venue's time zone (one query)."""
    if not events:
        return []
    fields = _fields(Session, "event_id", "day", "starts_at", "ends_at", "title", "room")
    entries = []
    for row in Session.objects.filter(event_id__in=sorted(events)).order_by("pk").values(*fields):
        event, item = event_rows[row["event_id"]], events[row["event_id"]]
        zone = event_zone(event["country__code"], event["online"])
        place = _place(event)
        entries.append(
            Entry(
                uid=f"session-{row['pk']}",
                summary=f"{row['title']} ({item.title})",
                start=datetime.combine(row["day"], row["starts_at"], tzinfo=zone),
                end=datetime.combine(row["day"], row["ends_at"], tzinfo=zone),
                url=item.url,
                description=_("Session of %(event)s") % {"event": item.title},
                category=_("Session"),
                status=EVENT_STATUSES.get(event["status"], CONFIRMED),
                location=", ".join(part for part in (row["room"], place) if part),
                **_stamps(row),
            )
        )
    return entries


def _deadlines(kind: str, summary: str, items: dict[int, TimelineItem], model: type[Model] | None) -> list[Entry]:
    rows = _rows(model, items) if model is not None else {}
    return [
        Entry(
            uid=f"{kind}-{pk}",
            summary=summary % {"title": item.title},
            start=item.date,
            end=_day_after(item.date),
            url=item.url,
            description=item.status,
            category=_("Deadline"),
            **_stamps(rows.get(pk, {})),
        )
        for pk, item in items.items()
    ]
