"""Joint activities on the timeline (contributed in `contributions.py`):

- `activity_start`: an activity on its start date; done once it has started (no longer planned).
- `activity_end`: an activity on its end date; done once completed or evaluated, so an activity past its end and
  still not completed is overdue.
- `activity_evaluation`: a completed activity's evaluation, due EVALUATION_DAYS after its end date; done once a
  country has evaluated it.

A sensitive activity is on the timeline of those who see it only (`sensitive="is_sensitive"`: the lists of a viewer
or staff leave it out, with its date, status and count); for them it is marked as such.
"""

from __future__ import annotations

from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from projects.registry import TimelineItem, TimelineRow, TimelineSource

from .models import DONE_STATUSES, NOT_DONE_STATUSES, ActivityStatus, JointActivity

EVALUATION_DAYS = 30  # a completed activity is evaluated within a month of its end

SHOWN = ("reference", "is_sensitive")  # what `_title` reads, as the rows' columns a and b


def _title(row: TimelineRow) -> str:
    title = f"{row.a} {row.title}" if row.a else row.title
    if row.b.lower() in ("true", "1", "t"):
        return _("%(title)s (sensitive)") % {"title": title}
    return title


def _item(kind: str, kind_label, status=None):
    statuses = dict(ActivityStatus.choices)

    def item(row: TimelineRow) -> TimelineItem:
        return TimelineItem(
            project_id=row.project_id,
            kind=kind,
            kind_label=kind_label,
            title=_title(row),
            date=row.date,
            done=row.done,
            status=str(statuses.get(row.status, row.status)) if status is None else str(status(row)),
            url=reverse("operations:activity-detail", kwargs={"code": row.project_code, "pk": row.pk}),
        )

    return item


def _evaluation_status(row: TimelineRow) -> str:
    return _("Evaluated") if row.done else _("Not evaluated")


def _completed():
    return JointActivity.objects.filter(status__in=DONE_STATUSES, end_date__isnull=False)


SOURCES = [
    TimelineSource(
        key="activity_start",
        label=gettext_lazy("Joint activities starting"),
        records=JointActivity.objects.all,
        date="start_date",
        open=lambda today: Q(status=ActivityStatus.PLANNED),
        extra=SHOWN,
        sensitive="is_sensitive",
        item=_item("activity_start", gettext_lazy("Activity starts")),
    ),
    TimelineSource(
        key="activity_end",
        label=gettext_lazy("Joint activities ending"),
        records=lambda: JointActivity.objects.filter(end_date__isnull=False),
        date="end_date",
        open=lambda today: Q(status__in=NOT_DONE_STATUSES),  # positively, so that an index on the status serves it
        extra=SHOWN,
        sensitive="is_sensitive",
        item=_item("activity_end", gettext_lazy("Activity ends")),
    ),
    TimelineSource(
        key="activity_evaluation",
        label=gettext_lazy("Evaluations of joint activities"),
        records=_completed,
        date="end_date",
        shift_days=EVALUATION_DAYS,
        open=lambda today: Q(has_evaluation=False),
        status="",
        extra=SHOWN,
        sensitive="is_sensitive",
        item=_item("activity_evaluation", gettext_lazy("Evaluation due"), _evaluation_status),
    ),
]
