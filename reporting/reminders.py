"""The core's reminder kinds: milestones and deliverables due soon or overdue, and reports due.

Each collector returns the reminders due on a day in one query. "Due soon" is sent once per due date, when the
due date is within REMINDER_DAYS; "overdue" once per due date, the first day after it (while still open). Moving
a due date makes a new occasion, so the new date is reminded again.
"""

from __future__ import annotations

from datetime import date, timedelta

from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from projects.models import Deliverable, Milestone
from projects.registry import Reminder, ReminderKind

from .models import ReportingPeriod


def reminder_days() -> int:
    return getattr(settings, "REPORTING_REMINDER_DAYS", 14)


def deliverables_due(today: date) -> list[Reminder]:
    return _collect(Deliverable, today, overdue=False)


def deliverables_overdue(today: date) -> list[Reminder]:
    return _collect(Deliverable, today, overdue=True)


def milestones_due(today: date) -> list[Reminder]:
    return _collect(Milestone, today, overdue=False)


def milestones_overdue(today: date) -> list[Reminder]:
    return _collect(Milestone, today, overdue=True)


def _collect(model, today: date, *, overdue: bool) -> list[Reminder]:
    if model is Deliverable:
        qs = Deliverable.objects.exclude(status__in=Deliverable.DONE_STATUSES)
    else:
        qs = Milestone.objects.filter(status=Milestone.Status.PENDING)
    if overdue:
        qs = qs.filter(due_date__lt=today)
    else:
        qs = qs.filter(due_date__gte=today, due_date__lte=today + timedelta(days=reminder_days()))
    qs = qs.filter(workstream__project__status="active").select_related("workstream__project")
    what = str(model._meta.verbose_name)
    reminders = []
    for obj in qs:
        project, ws = obj.workstream.project, obj.workstream
        values = {"what": what, "title": obj.title, "date": obj.due_date.strftime("%d %b %Y")}
        if overdue:
            subject = _("Overdue %(what)s: %(title)s (was due %(date)s)") % values
        else:
            subject = _("Due on %(date)s: %(what)s %(title)s") % values
        reminders.append(
            Reminder(
                project_id=project.pk,
                object_type=model._meta.label,
                object_id=obj.pk,
                occasion=obj.due_date,
                subject=subject,
                body=_("%(project)s, WS%(ws)s %(workstream)s: the %(what)s “%(title)s” is due on %(date)s.")
                % {**values, "project": project.code, "ws": ws.number, "workstream": ws.title},
                url=reverse("projects:project-detail", kwargs={"code": project.code}) + f"#ws-{ws.number}",
            )
        )
    return reminders


def reports_due(today: date) -> list[Reminder]:
    """Reports to the funder not yet submitted, due within REMINDER_DAYS or overdue (once per due date)."""
    qs = ReportingPeriod.objects.filter(
        submitted_on__isnull=True, due_date__lte=today + timedelta(days=reminder_days()), project__status="active"
    ).select_related("project")
    reminders = []
    for period in qs:
        late = period.due_date < today
        values = {"period": str(period), "date": period.due_date.strftime("%d %b %Y"), "project": period.project.code}
        reminders.append(
            Reminder(
                project_id=period.project_id,
                object_type="reporting.ReportingPeriod",
                object_id=period.pk,
                occasion=period.due_date,
                subject=(
                    _("Report overdue: %(period)s (was due %(date)s)")
                    if late
                    else _("Report due on %(date)s: %(period)s")
                )
                % values,
                body=_("%(project)s: the report for %(period)s is due on %(date)s.") % values,
                url=period.get_absolute_url(),
                roles=("manager",),
            )
        )
    return reminders


KINDS = [  # the reminder kinds this app contributes (about the core's plan and the reports to the funders)
    ReminderKind("deliverable_due", label=gettext_lazy("Deliverable due soon"), collect=deliverables_due),
    ReminderKind("deliverable_overdue", label=gettext_lazy("Deliverable overdue"), collect=deliverables_overdue),
    ReminderKind("milestone_due", label=gettext_lazy("Milestone due soon"), collect=milestones_due),
    ReminderKind("milestone_overdue", label=gettext_lazy("Milestone overdue"), collect=milestones_overdue),
    ReminderKind("report_due", label=gettext_lazy("Report to the funder due or overdue"), collect=reports_due),
    ReminderKind(
        "monthly_report",
        label=gettext_lazy("Monthly progress report (managers)"),
        collect=None,  # sent by its own task
        description=gettext_lazy("On the first of each month, the previous month's report as a PDF."),
    ),
]
