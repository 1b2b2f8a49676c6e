"""The joint activities' reminder kinds (registered in `apps.py`); the reporting app records and sends each once.

- `activity_starting`: a planned activity starting within STARTING_DAYS, once per start date (moving the start
  date reminds again);
- `activity_not_completed`: an activity past its end date and still not completed, once per end date;
- `activity_evaluation_missing`: a completed activity with no evaluation EVALUATION_DAYS after its end, once per
  end date.

Recipients are the project's managers and staff; a sensitive activity is reminded to its managers only (staff may
not see it). Only running projects are reminded about, and only of the last WINDOW_DAYS (after a deployment, the
whole history is not sent at once).
"""

from __future__ import annotations

from datetime import date, timedelta

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from projects.models import Project
from projects.registry import Reminder, ReminderKind

from .models import DONE_STATUSES, ActivityStatus, JointActivity
from .timeline import EVALUATION_DAYS

STARTING_DAYS = 7
WINDOW_DAYS = 30

ACTIVITY = JointActivity._meta.label


def _day(value: date) -> str:
    return value.strftime("%d %b %Y")


def _reminders(qs, occasion_field: str, subject: str, body: str) -> list[Reminder]:
    reminders = []
    rows = qs.filter(project__status=Project.Status.ACTIVE).order_by(occasion_field, "pk")
    for row in rows.values("pk", "project_id", "project__code", "title", "reference", "is_sensitive", occasion_field):
        values = {
            "activity": _("a sensitive joint activity")
            if row["is_sensitive"]
            else (f"{row['reference']} {row['title']}" if row["reference"] else row["title"]),
            "date": _day(row[occasion_field]),
            "project": row["project__code"],
        }
        reminders.append(
            Reminder(
                project_id=row["project_id"],
                object_type=ACTIVITY,
                object_id=row["pk"],
                occasion=row[occasion_field],
                subject=subject % values,
                body=body % values,
                url=reverse("operations:activity-detail", kwargs={"code": row["project__code"], "pk": row["pk"]}),
                roles=("manager",) if row["is_sensitive"] else ("manager", "staff"),
            )
        )
    return reminders


def activities_starting(today: date) -> list[Reminder]:
    """Planned activities starting in the next STARTING_DAYS (one query)."""
    qs = JointActivity.objects.filter(
        status=ActivityStatus.PLANNED, start_date__gte=today, start_date__lte=today + timedelta(days=STARTING_DAYS)
    )
    return _reminders(
        qs,
        "start_date",
        _("Activity starting on %(date)s: %(activity)s"),
        _("%(project)s: %(activity)s starts on %(date)s. Check that everything is ready."),
    )


def activities_not_completed(today: date) -> list[Reminder]:
    """Activities whose end date has passed and that are still planned or ongoing (one query)."""
    qs = JointActivity.objects.exclude(status__in=DONE_STATUSES).filter(
        end_date__lt=today, end_date__gte=today - timedelta(days=WINDOW_DAYS)
    )
    return _reminders(
        qs,
        "end_date",
        _("Activity not completed: %(activity)s (ended %(date)s)"),
        _("%(project)s: %(activity)s was due to end on %(date)s and is not marked completed. Update its status."),
    )


def evaluations_missing(today: date) -> list[Reminder]:
    """Completed activities without any evaluation EVALUATION_DAYS after their end (one query)."""
    last_end = today - timedelta(days=EVALUATION_DAYS)
    qs = JointActivity.objects.filter(
        status=ActivityStatus.COMPLETED,
        end_date__lte=last_end,
        end_date__gte=last_end - timedelta(days=WINDOW_DAYS),
    ).filter(has_evaluation=False)
    return _reminders(
        qs,
        "end_date",
        _("Evaluation missing: %(activity)s (ended %(date)s)"),
        _("%(project)s: %(activity)s ended on %(date)s and no country has evaluated it yet."),
    )


KINDS = [  # the reminder kinds this app contributes
    ReminderKind(
        "activity_starting",
        label=gettext_lazy("Joint activity starting soon"),
        collect=activities_starting,
        description=gettext_lazy("A planned joint activity that starts in the next week."),
    ),
    ReminderKind(
        "activity_not_completed",
        label=gettext_lazy("Joint activity past its end, not completed"),
        collect=activities_not_completed,
        description=gettext_lazy("A joint activity whose end date has passed and that is not marked completed."),
    ),
    ReminderKind(
        "activity_evaluation_missing",
        label=gettext_lazy("Joint activity without evaluation"),
        collect=evaluations_missing,
        description=gettext_lazy("A completed joint activity that nobody has evaluated a month after its end."),
    ),
]
