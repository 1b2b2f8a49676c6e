"""Events on the timeline (contributed in `contributions.py`):

- each event, dated by its first day (it shows among "due in the next 30 days" a month ahead), overdue once its last
  day has passed without the event being marked held or cancelled;
- each registration deadline of an event still to come, which closes (it is never overdue: once passed,
  registration is simply closed).
"""

from __future__ import annotations

from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from projects.registry import TimelineItem, TimelineRow, TimelineSource

from .models import Event

TO_COME = (Event.Status.PLANNED, Event.Status.OPEN)  # open events: neither held nor cancelled


def _url(row: TimelineRow) -> str:
    return reverse("conferences:event-detail", kwargs={"code": row.project_code, "pk": row.pk})


def _event_item(row: TimelineRow) -> TimelineItem:
    return TimelineItem(
        project_id=row.project_id,
        kind="event",
        kind_label=Event.Kind(row.a).label,
        title=row.title,
        date=row.date,
        done=row.done,
        status=Event.Status(row.status).label,
        url=_url(row),
        last_day=row.last_day,
    )


def _deadline_item(row: TimelineRow) -> TimelineItem:
    """A deadline is done once it has passed (registration closed), by the list's day."""
    return TimelineItem(
        project_id=row.project_id,
        kind="registration_deadline",
        kind_label=_("Registration closes"),
        title=row.title,
        date=row.date,
        done=row.done,
        status=_("Closed") if row.done else Event.Status(row.status).label,
        url=_url(row),
    )


SOURCES = [
    TimelineSource(
        key="event",
        label=gettext_lazy("Events"),
        records=Event.objects.all,
        date="start_date",
        late="end_date",  # overdue only after its last day, not while it runs
        open=lambda today: Q(status__in=TO_COME),
        extra=("kind",),
        item=_event_item,
    ),
    TimelineSource(
        key="registration_deadline",
        label=gettext_lazy("Event registration deadlines"),
        records=lambda: Event.objects.filter(registration_deadline__isnull=False, status__in=TO_COME),
        date="registration_deadline",
        # Whether it has passed depends on the list's day, so an open deadline is never overdue.
        open=lambda today: Q(registration_deadline__gte=today),
        item=_deadline_item,
    ),
]
