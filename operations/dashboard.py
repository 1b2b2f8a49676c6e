"""Joint activities on the reporting app's timeline (registered in `apps.py`; two queries per source and list).

- `activity_start`: an activity on its start date; done once it has started (no longer planned).
- `activity_end`: an activity on its end date; done once completed or evaluated, so an activity past its end and
  still not completed is overdue.
- `activity_evaluation`: a completed activity's evaluation, due EVALUATION_DAYS after its end date; done once a
  country has evaluated it.

The dashboard is seen by every member, so a sensitive activity shows without its title or reference (it still
counts among what is due or overdue: numbers are not sensitive).
"""

from __future__ import annotations

from datetime import timedelta

from django.db.models import Exists, OuterRef, Q
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from reporting.registry import TimelineItem, TimelinePage, TimelineQuery

from .models import DONE_STATUSES, ActivityStatus, Evaluation, JointActivity

EVALUATION_DAYS = 30  # a completed activity is evaluated within a month of its end

NOT_DONE = tuple(status for status in ActivityStatus.values if status not in DONE_STATUSES)

FIELDS = ("pk", "project_id", "project__code", "title", "reference", "type", "status", "is_sensitive")


def _title(row: dict) -> str:
    if row["is_sensitive"]:
        return _("Sensitive joint activity")
    return f"{row['reference']} {row['title']}" if row["reference"] else row["title"]


def _url(row: dict) -> str:
    return reverse("operations:activity-detail", kwargs={"code": row["project__code"], "pk": row["pk"]})


def _page(query: TimelineQuery, qs, *, date_field: str, open: Q, late, fields, to_item) -> TimelinePage:
    return query.page(
        qs,
        project="project_id",
        order_by=(date_field, "pk"),
        fields=(*FIELDS, *fields),
        open=open,
        late=late,
        to_item=to_item,
    )


def start_items(project_ids, query: TimelineQuery) -> TimelinePage:
    qs = query.dated(JointActivity.objects.filter(project_id__in=project_ids), "start_date")
    statuses = dict(ActivityStatus.choices)
    planned = Q(status=ActivityStatus.PLANNED)
    return _page(
        query,
        qs,
        date_field="start_date",
        fields=("start_date",),
        open=planned,
        late=("start_date", query.today),
        to_item=lambda row: TimelineItem(
            project_id=row["project_id"],
            kind="activity_start",
            kind_label=_("Activity starts"),
            title=_title(row),
            date=row["start_date"],
            done=row["status"] != ActivityStatus.PLANNED,
            status=str(statuses[row["status"]]),
            url=_url(row),
        ),
    )


def end_items(project_ids, query: TimelineQuery) -> TimelinePage:
    qs = query.dated(JointActivity.objects.filter(project_id__in=project_ids, end_date__isnull=False), "end_date")
    statuses = dict(ActivityStatus.choices)
    not_done = Q(status__in=NOT_DONE)  # positively, so that an index on the status serves it
    return _page(
        query,
        qs,
        date_field="end_date",
        fields=("end_date",),
        open=not_done,
        late=("end_date", query.today),
        to_item=lambda row: TimelineItem(
            project_id=row["project_id"],
            kind="activity_end",
            kind_label=_("Activity ends"),
            title=_title(row),
            date=row["end_date"],
            done=row["status"] in DONE_STATUSES,
            status=str(statuses[row["status"]]),
            url=_url(row),
        ),
    )


def evaluation_items(project_ids, query: TimelineQuery) -> TimelinePage:
    delay = timedelta(days=EVALUATION_DAYS)
    qs = JointActivity.objects.filter(
        project_id__in=project_ids, status__in=DONE_STATUSES, end_date__isnull=False
    ).annotate(evaluated=Exists(Evaluation.objects.filter(activity=OuterRef("pk"))))
    not_evaluated = Q(evaluated=False)
    return _page(
        query,
        query.dated(qs, "end_date", shift=delay),
        date_field="end_date",
        fields=("end_date", "evaluated"),
        open=not_evaluated,
        late=("end_date", query.today - delay),
        to_item=lambda row: TimelineItem(
            project_id=row["project_id"],
            kind="activity_evaluation",
            kind_label=_("Evaluation due"),
            title=_title(row),
            date=row["end_date"] + delay,
            done=row["evaluated"],
            status=_("Evaluated") if row["evaluated"] else _("Not evaluated"),
            url=_url(row),
        ),
    )


SOURCES = [
    ("activity_start", gettext_lazy("Joint activities starting"), start_items),
    ("activity_end", gettext_lazy("Joint activities ending"), end_items),
    ("activity_evaluation", gettext_lazy("Evaluations of joint activities"), evaluation_items),
]
