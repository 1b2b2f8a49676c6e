"""Joint activities on the reporting app's timeline (registered in `apps.py`; one query per source).

- `activity_start`: an activity on its start date; done once it has started (no longer planned).
- `activity_end`: an activity on its end date; done once completed or evaluated, so an activity past its end and
  still not completed is overdue.
- `activity_evaluation`: a completed activity's evaluation, due EVALUATION_DAYS after its end date; done once a
  country has evaluated it.

The dashboard is seen by every member, so a sensitive activity shows without its title or reference (it still
counts among what is due or overdue: numbers are not sensitive).
"""

from __future__ import annotations

from datetime import date, timedelta

from django.db.models import Exists, OuterRef
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from reporting.registry import TimelineItem

from .models import DONE_STATUSES, ActivityStatus, Evaluation, JointActivity

EVALUATION_DAYS = 30  # a completed activity is evaluated within a month of its end

FIELDS = ("pk", "project_id", "project__code", "title", "reference", "type", "status", "is_sensitive")


def _title(row: dict) -> str:
    if row["is_sensitive"]:
        return _("Sensitive joint activity")
    return f"{row['reference']} {row['title']}" if row["reference"] else row["title"]


def _url(row: dict) -> str:
    return reverse("operations:activity-detail", kwargs={"code": row["project__code"], "pk": row["pk"]})


def _window(qs, field: str, since: date | None, until: date | None):
    if since is not None:
        qs = qs.filter(**{f"{field}__gte": since})
    if until is not None:
        qs = qs.filter(**{f"{field}__lte": until})
    return qs


def start_items(project_ids, *, since=None, until=None, open_only=False) -> list[TimelineItem]:
    qs = _window(JointActivity.objects.filter(project_id__in=project_ids), "start_date", since, until)
    if open_only:
        qs = qs.filter(status=ActivityStatus.PLANNED)
    statuses = dict(ActivityStatus.choices)
    return [
        TimelineItem(
            project_id=row["project_id"],
            kind="activity_start",
            kind_label=_("Activity starts"),
            title=_title(row),
            date=row["start_date"],
            done=row["status"] != ActivityStatus.PLANNED,
            status=str(statuses[row["status"]]),
            url=_url(row),
        )
        for row in qs.order_by("start_date", "pk").values(*FIELDS, "start_date")
    ]


def end_items(project_ids, *, since=None, until=None, open_only=False) -> list[TimelineItem]:
    qs = JointActivity.objects.filter(project_id__in=project_ids, end_date__isnull=False)
    qs = _window(qs, "end_date", since, until)
    if open_only:
        qs = qs.exclude(status__in=DONE_STATUSES)
    statuses = dict(ActivityStatus.choices)
    return [
        TimelineItem(
            project_id=row["project_id"],
            kind="activity_end",
            kind_label=_("Activity ends"),
            title=_title(row),
            date=row["end_date"],
            done=row["status"] in DONE_STATUSES,
            status=str(statuses[row["status"]]),
            url=_url(row),
        )
        for row in qs.order_by("end_date", "pk").values(*FIELDS, "end_date")
    ]


def evaluation_items(project_ids, *, since=None, until=None, open_only=False) -> list[TimelineItem]:
    delay = timedelta(days=EVALUATION_DAYS)
    qs = JointActivity.objects.filter(
        project_id__in=project_ids, status__in=DONE_STATUSES, end_date__isnull=False
    ).annotate(evaluated=Exists(Evaluation.objects.filter(activity=OuterRef("pk"))))
    qs = _window(qs, "end_date", since - delay if since else None, until - delay if until else None)
    if open_only:
        qs = qs.filter(evaluated=False)
    return [
        TimelineItem(
            project_id=row["project_id"],
            kind="activity_evaluation",
            kind_label=_("Evaluation due"),
            title=_title(row),
            date=row["end_date"] + delay,
            done=row["evaluated"],
            status=_("Evaluated") if row["evaluated"] else _("Not evaluated"),
            url=_url(row),
        )
        for row in qs.order_by("end_date", "pk").values(*FIELDS, "end_date", "evaluated")
    ]


SOURCES = [
    ("activity_start", gettext_lazy("Joint activities starting"), start_items),
    ("activity_end", gettext_lazy("Joint activities ending"), end_items),
    ("activity_evaluation", gettext_lazy("Evaluations of joint activities"), evaluation_items),
]
