"""Reports due to the funders on the timeline (contributed in `contributions.py`): a reporting period's report is
open until it is submitted, and overdue once its due date has passed."""

from __future__ import annotations

from datetime import date

from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from projects.registry import TimelineItem, TimelineRow, TimelineSource

from .models import ReportingPeriod, period_label


def _report_item(row: TimelineRow) -> TimelineItem:
    name = row.title or ReportingPeriod.Kind(row.a).label
    return TimelineItem(
        project_id=row.project_id,
        kind="report",
        kind_label=_("Report due"),
        title=period_label(name, date.fromisoformat(row.b[:10]), date.fromisoformat(row.c[:10])),
        date=row.date,
        done=row.done,
        status=_("Submitted") if row.done else _("Not submitted"),
        url=reverse("reporting:report-detail", kwargs={"code": row.project_code, "pk": row.pk}),
    )


SOURCES = [
    TimelineSource(
        key="report",
        label=gettext_lazy("Reports due"),
        records=ReportingPeriod.objects.all,
        open=lambda today: Q(submitted_on__isnull=True),
        status="",
        extra=("kind", "start", "end"),
        item=_report_item,
    ),
]
