"""Reads of the reporting app: dashboards, the status rule, burn-up series and the data of a progress report.

Every function runs a fixed number of queries whatever the amount of data: one per registered metric in use (two
with a period filter), one per monthly series, one per breakdown, two per timeline source and list (its counts
and its first items: lists are bounded, the full ones are paged), and a few of its own.

The status rule (portfolio and project dashboard), computed by `project_status`:

- progress = the mean, over the measured indicators, of achieved/target in percent, each capped at 100;
- elapsed = the share of the project's time that has passed (`Project.time_elapsed_percent`);
- **late** when the project has ended short of its targets (progress < 100), or when progress trails the time
  elapsed by more than 25 points;
- **at risk** when progress trails the time elapsed by more than 10 points, or when anything (milestone,
  deliverable, report, activity...) is overdue;
- **on track** otherwise. A project with no measured indicator is judged on its overdue items alone (at risk when
  any is overdue; late when it has also ended);
- **closed** for a project whose status is Closed, whatever its numbers: nothing can change any more, so neither
  its shortfall nor its open items make it late (its progress bar still shows how far it got). A project past its
  end date that is not closed yet (its final report pending) is still judged by the rules above.
"""

from __future__ import annotations

import calendar
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from projects.metrics import count_by_project_month, registry
from projects.models import Country, Deliverable, Indicator, IndicatorTarget, Milestone, Project, Task
from projects.queries import IndicatorProgress, metric_values

from . import cache
from .models import Notification, NotificationPreference, ReportingPeriod
from .registry import TimelineItem, TimelinePage, TimelineQuery, breakdowns, reminder_kinds, timeline_sources

DUE_SOON_DAYS = 30
LATE_GAP = 25
AT_RISK_GAP = 10
DASHBOARD_ITEMS = 20  # the dashboard's lists show this many items, then "show all" (a paged list)
PORTFOLIO_ITEMS = 10
MAX_SERIES_MONTHS = 24  # a metric without `monthly` is computed at most this many times per series (months sampled)


class Status(models.TextChoices):
    ON_TRACK = "on_track", _("On track")
    AT_RISK = "at_risk", _("At risk")
    LATE = "late", _("Late")
    CLOSED = "closed", _("Closed")


def project_status(*, elapsed: int, progress: int | None, overdue: int, ended: bool, closed: bool = False) -> Status:
    """The documented rule (see the module's docstring)."""
    if closed:
        return Status.CLOSED
    if progress is None:
        if overdue:
            return Status.LATE if ended else Status.AT_RISK
        return Status.ON_TRACK
    gap = elapsed - progress
    if (ended and progress < 100) or gap > LATE_GAP:
        return Status.LATE
    if gap > AT_RISK_GAP or overdue:
        return Status.AT_RISK
    return Status.ON_TRACK


def overall_progress(indicators: Sequence[IndicatorProgress]) -> int | None:
    measured = [item for item in indicators if item.measured]
    if not measured:
        return None
    return round(sum(min(item.percent, 100) for item in measured) / len(measured))


# --- months ---------------------------------------------------------------------------------------------------------


def month_end(day: date) -> date:
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def months_between(start: date, end: date) -> list[date]:
    """The first days of the months from start's month to end's month, inclusive."""
    months, current = [], start.replace(day=1)
    while current <= end:
        months.append(current)
        current = month_end(current) + timedelta(days=1)
    return months


# --- the portfolio --------------------------------------------------------------------------------------------------


def due_query(
    which: str, *, today: date, since: date | None = None, until: date | None = None, limit: int | None = None
) -> TimelineQuery:
    """The selection of a list of the portfolio and the dashboard.

    "overdue": what is not done and overdue on `today`; "upcoming": without a period, what is open and due in the
    next DUE_SOON_DAYS days (or running); with a period (since/until), every other item dated in it.
    """
    period = since is not None or until is not None
    if which == "overdue":
        return TimelineQuery(today=today, since=since, until=until, open_only=True, overdue=True, limit=limit)
    if period:
        return TimelineQuery(today=today, since=since, until=until, overdue=False, limit=limit)
    horizon = today + timedelta(days=DUE_SOON_DAYS)
    return TimelineQuery(today=today, until=horizon, open_only=True, overdue=False, limit=limit)


def portfolio_extend(request, projects: Sequence[Project], rows: list[dict], today: date) -> dict:
    """Adds to each portfolio row its progress, status and how many items are overdue or due in the next 30 days.

    Called by the core's portfolio view (see `projects.views.portfolio_extensions`). The two lists show their first
    PORTFOLIO_ITEMS items across the projects; each project's full lists are paged (`reporting:due-list`). Two
    queries per timeline source and list (the counts, the first items), cached like the dashboard.
    """
    ids = sorted(p.pk for p in projects)
    overdue, due_soon = cache.cached(
        f"portfolio:{get_language()}:{today}:{','.join(map(str, ids))}",
        lambda: tuple(
            timeline_sources.page(ids, due_query(which, today=today, limit=PORTFOLIO_ITEMS))
            for which in ("overdue", "upcoming")
        ),
    )
    codes = {p.pk: p.code for p in projects}
    for row in rows:
        project = row["project"]
        row["overdue_count"] = overdue.counts.get(project.pk, 0)
        row["due_count"] = due_soon.counts.get(project.pk, 0)
        row["progress"] = overall_progress(row["indicators"])
        row["status"] = project_status(
            elapsed=row["elapsed"],
            progress=row["progress"],
            overdue=row["overdue_count"],
            ended=today > project.end_date,
            closed=project.status == Project.Status.CLOSED,
        )
    return {
        "due_soon": [(codes[item.project_id], item) for item in due_soon.items],
        "due_total": due_soon.total,
        "overdue": [(codes[item.project_id], item) for item in overdue.items],
        "overdue_total": overdue.total,
        "due_days": DUE_SOON_DAYS,
        "status_counts": {status: sum(1 for row in rows if row["status"] == status) for status in Status},
    }


# --- indicators over a period, by country ---------------------------------------------------------------------------


@dataclass(frozen=True)
class IndicatorRow:
    """An indicator's numbers for a report or a dashboard: at the start, in the period, cumulative, target."""

    key: str
    label: str
    unit: str
    target: int
    measured: bool
    at_start: int | None
    in_period: int | None
    cumulative: int | None
    filterable: bool = True  # False when a country filter is on and the metric cannot be split by country

    @property
    def percent(self) -> int | None:
        if self.cumulative is None or not self.target:
            return None
        return round(100 * self.cumulative / self.target)

    @property
    def bar_percent(self) -> int:
        return min(self.percent or 0, 100)

    def as_dict(self) -> dict:
        return {
            "key": self.key,
            "label": self.label,
            "unit": self.unit,
            "target": self.target,
            "at_start": self.at_start,
            "in_period": self.in_period,
            "cumulative": self.cumulative,
            "percent": self.percent,
        }


def _country_values(indicators, until: date | None, country: str) -> dict[tuple[int, str], int]:
    """{(project_id, metric): value for one country} from the country breakdowns (one query per breakdown)."""
    by_metric: dict[str, set[int]] = defaultdict(set)
    for indicator in indicators:
        by_metric[indicator.metric].add(indicator.project_id)
    values = {}
    for metric, project_ids in by_metric.items():
        breakdown = breakdowns.get(metric, "country")
        if breakdown is None:
            continue
        data = breakdown.compute(sorted(project_ids), until)
        for project_id in project_ids:
            values[(project_id, metric)] = int(data.get(project_id, {}).get(country, 0))
    return values


def indicator_rows(
    indicators: Sequence[Indicator], *, since: date | None, until: date | None, country: str = ""
) -> list[IndicatorRow]:
    """Each indicator's value at the start of [since, until], achieved in it, and cumulative at its end."""

    def values(at: date | None):
        return _country_values(indicators, at, country) if country else metric_values(indicators, at)

    at_end = values(until)
    at_start = values(since - timedelta(days=1)) if since else {}
    rows = []
    for indicator in indicators:
        key = (indicator.project_id, indicator.metric)
        cumulative = at_end.get(key)
        start = at_start.get(key, 0) if since else 0
        measured = registry.get(indicator.metric) is not None
        rows.append(
            IndicatorRow(
                key=indicator.key,
                label=str(indicator.label),
                unit=indicator.unit,
                target=indicator.target,
                measured=measured,
                at_start=start if cumulative is not None else None,
                in_period=cumulative - start if cumulative is not None else None,
                cumulative=cumulative,
                filterable=not country or key in at_end,
            )
        )
    return rows


# --- burn-up series -------------------------------------------------------------------------------------------------


def burnup_series(project: Project, indicators: Sequence[Indicator], today: date) -> dict[str, dict]:
    """{indicator key: {"labels", "achieved", "target_line", "targets"}} for the project's burn-up charts.

    Achieved is the cumulative value at the end of each month up to the current one (None after it); the target
    line goes straight from 0 at the start to the target at the end date. One query per metric with a `monthly`
    series; a metric without one is computed once per month (at most MAX_SERIES_MONTHS calls).
    """
    months = months_between(project.start_date, project.end_date)
    if not months:
        return {}
    current = min(today, project.end_date)
    past = [m for m in months if m <= current]
    duration = max(project.duration_days, 1)
    labels = [m.strftime("%Y-%m") for m in months]
    intermediate: dict[int, list[dict]] = defaultdict(list)
    for target in IndicatorTarget.objects.filter(indicator__in=[i.pk for i in indicators]).order_by("due_date"):
        intermediate[target.indicator_id].append({"x": target.due_date.strftime("%Y-%m"), "y": target.target})

    increments: dict[str, dict[date, int]] = {}
    for metric_key in sorted({i.metric for i in indicators}):
        metric = registry.get(metric_key)
        if metric is None:
            continue
        if metric.monthly is not None:
            increments[metric_key] = dict(metric.monthly([project.pk]).get(project.pk, {}))
        else:
            increments[metric_key] = _increments_by_compute(metric, project.pk, past)

    result = {}
    for indicator in indicators:
        line = [
            round(indicator.target * min(max((month_end(m) - project.start_date).days, 0), duration) / duration, 2)
            for m in months
        ]
        achieved: list[int | None] = [None] * len(months)
        if indicator.metric in increments:
            monthly = increments[indicator.metric]
            running = sum(n for m, n in monthly.items() if m < months[0])
            for i, month in enumerate(past):
                running += monthly.get(month, 0)
                achieved[i] = running
        result[indicator.key] = {
            "label": str(indicator.label),
            "labels": labels,
            "achieved": achieved,
            "target_line": line,
            "targets": intermediate.get(indicator.pk, []),
            "target": indicator.target,
        }
    return result


def _increments_by_compute(metric, project_id: int, months: list[date]) -> dict[date, int]:
    """Monthly increases from the cumulative value at each month's end (for metrics without `monthly`)."""
    if len(months) > MAX_SERIES_MONTHS:  # bound the number of queries: sample evenly, keep the last month
        step = len(months) / MAX_SERIES_MONTHS
        months = [months[int(i * step)] for i in range(MAX_SERIES_MONTHS - 1)] + [months[-1]]
    result, previous = {}, 0
    for month in months:
        value = int(metric.compute([project_id], month_end(month)).get(project_id, 0))
        result[month], previous = value - previous, value
    return result


# --- the project dashboard ------------------------------------------------------------------------------------------


def project_dashboard(
    project: Project, *, today: date, since: date | None = None, until: date | None = None, country: str = ""
) -> dict:
    """Everything the project dashboard shows, cached until any record of any project changes (see cache.py)."""
    key = f"dashboard:{project.pk}:{get_language()}:{today}:{since}:{until}:{country}"  # labels are translated
    return cache.cached(
        key, lambda: _project_dashboard(project, today=today, since=since, until=until, country=country)
    )


def _project_dashboard(project: Project, *, today: date, since, until, country: str) -> dict:
    indicators = list(Indicator.objects.filter(project=project).order_by("order", "key"))
    rows = indicator_rows(indicators, since=since, until=until, country=country)
    progress = [IndicatorProgress(i, row.cumulative) for i, row in zip(indicators, rows, strict=True)]
    overall = overall_progress(progress)
    window = {"today": today, "since": since, "until": until, "limit": DASHBOARD_ITEMS}
    overdue = timeline_sources.page([project.pk], due_query("overdue", **window))
    upcoming = timeline_sources.page([project.pk], due_query("upcoming", **window))
    split = []
    metric_labels = {i.metric: str(i.label) for i in indicators}
    for breakdown in breakdowns.for_metrics({i.metric for i in indicators}):
        data = breakdown.compute([project.pk], until).get(project.pk, {})
        split.append(
            {
                "metric": breakdown.metric,
                "metric_label": metric_labels[breakdown.metric],
                "dimension": breakdown.dimension,
                "label": str(breakdown.label),
                "values": sorted(data.items(), key=lambda kv: (-kv[1], kv[0])),
            }
        )
    countries = dict(Country.objects.values_list("code", "name"))
    for entry in split:
        if entry["dimension"] == "country":
            entry["values"] = [(countries.get(code, code), value) for code, value in entry["values"]]
    periods = list(ReportingPeriod.objects.filter(project=project).order_by("start", "kind"))
    elapsed = project.time_elapsed_percent(today)
    return {
        "rows": rows,
        "series": burnup_series(project, indicators, today),
        "breakdowns": split,
        "overdue": overdue.items,
        "overdue_count": overdue.total,
        "upcoming": upcoming.items,
        "upcoming_count": upcoming.total,
        "progress": overall,
        "elapsed": elapsed,
        "status": project_status(
            elapsed=elapsed,
            progress=overall,
            overdue=overdue.total,
            ended=today > project.end_date,
            closed=project.status == Project.Status.CLOSED,
        ),
        "countries": sorted(countries.items(), key=lambda kv: kv[1]),
        "period_choices": [(f"{p.start:%Y-%m-%d}:{p.end:%Y-%m-%d}", str(p)) for p in periods],
    }


# --- the progress report --------------------------------------------------------------------------------------------


def report_data(project: Project, *, since: date, until: date, title: str = "", narrative: str = "") -> dict:
    """The numbers and items of a progress report over [since, until], as plain data for the renderers."""
    indicators = list(Indicator.objects.filter(project=project).order_by("order", "key"))
    rows = indicator_rows(indicators, since=since, until=until)
    items = timeline_sources.items([project.pk], since=since, until=until, open_only=False)
    return {
        "project": {"code": project.code, "name": project.name, "funding": project.funding_programme},
        "title": title,
        "since": since,
        "until": until,
        "indicators": [row.as_dict() for row in rows],
        "items": [
            {
                "kind": str(item.kind_label),
                "title": item.title,
                "date": item.date,
                "status": str(item.status),
                "done": item.done,
            }
            for item in items
        ],
        "narrative": narrative,
    }


# --- the core's timeline sources ------------------------------------------------------------------------------------

WORK_FIELDS = ("pk", "title", "due_date", "status", "workstream__project_id", "workstream__project__code",
               "workstream__number")  # fmt: skip


def _project_url(row: dict) -> str:
    return reverse("projects:project-detail", kwargs={"code": row["workstream__project__code"]}) + (
        f"#ws-{row['workstream__number']}"
    )


def milestone_items(project_ids, query: TimelineQuery) -> TimelinePage:
    qs = query.dated(Milestone.objects.filter(workstream__project_id__in=project_ids), "due_date")
    labels = dict(Milestone.Status.choices)
    pending = Q(status=Milestone.Status.PENDING)
    return query.page(
        qs,
        project="workstream__project_id",
        order_by=("due_date", "pk"),
        fields=WORK_FIELDS,
        open=pending,
        late=("due_date", query.today),
        to_item=lambda row: TimelineItem(
            project_id=row["workstream__project_id"],
            kind="milestone",
            kind_label=_("Milestone"),
            title=row["title"],
            date=row["due_date"],
            done=row["status"] != Milestone.Status.PENDING,
            status=labels[row["status"]],
            url=_project_url(row),
        ),
    )


def task_items(project_ids, query: TimelineQuery) -> TimelinePage:
    qs = query.dated(Task.objects.filter(workstream__project_id__in=project_ids), "due_date")
    labels = dict(Task.Status.choices)
    not_done = ~Q(status=Task.Status.DONE)
    return query.page(
        qs,
        project="workstream__project_id",
        order_by=("due_date", "pk"),
        fields=WORK_FIELDS,
        open=not_done,
        late=("due_date", query.today),
        to_item=lambda row: TimelineItem(
            project_id=row["workstream__project_id"],
            kind="task",
            kind_label=_("Task"),
            title=row["title"],
            date=row["due_date"],
            done=row["status"] == Task.Status.DONE,
            status=labels[row["status"]],
            url=reverse(
                "projects:workstream-detail",
                kwargs={"code": row["workstream__project__code"], "number": row["workstream__number"]},
            ),
        ),
    )


def deliverable_items(project_ids, query: TimelineQuery) -> TimelinePage:
    qs = query.dated(Deliverable.objects.filter(workstream__project_id__in=project_ids), "due_date")
    labels = dict(Deliverable.Status.choices)
    not_done = ~Q(status__in=Deliverable.DONE_STATUSES)
    return query.page(
        qs,
        project="workstream__project_id",
        order_by=("due_date", "pk"),
        fields=WORK_FIELDS,
        open=not_done,
        late=("due_date", query.today),
        to_item=lambda row: TimelineItem(
            project_id=row["workstream__project_id"],
            kind="deliverable",
            kind_label=_("Deliverable"),
            title=row["title"],
            date=row["due_date"],
            done=row["status"] in Deliverable.DONE_STATUSES,
            status=labels[row["status"]],
            url=_project_url(row),
        ),
    )


def report_items(project_ids, query: TimelineQuery) -> TimelinePage:
    qs = query.dated(ReportingPeriod.objects.filter(project_id__in=project_ids), "due_date")
    not_submitted = Q(submitted_on__isnull=True)
    return query.page(
        qs.select_related("project"),
        project="project_id",
        order_by=("due_date", "pk"),
        open=not_submitted,
        late=("due_date", query.today),
        to_item=lambda period: TimelineItem(
            project_id=period.project_id,
            kind="report",
            kind_label=_("Report due"),
            title=str(period),
            date=period.due_date,
            done=period.is_submitted,
            status=_("Submitted") if period.is_submitted else _("Not submitted"),
            url=period.get_absolute_url(),
        ),
    )


# --- the core's monthly series and breakdowns -----------------------------------------------------------------------


def deliverables_done_monthly(project_ids):
    qs = Deliverable.objects.filter(workstream__project_id__in=project_ids, status__in=Deliverable.DONE_STATUSES)
    return count_by_project_month(qs, "delivered_on", "workstream__project_id")


def milestones_reached_monthly(project_ids):
    qs = Milestone.objects.filter(workstream__project_id__in=project_ids, status=Milestone.Status.REACHED)
    return count_by_project_month(qs, "reached_on", "workstream__project_id")


def _by_workstream(qs, date_field: str, until: date | None) -> dict[int, dict[str, int]]:
    if until is not None:
        qs = qs.filter(**{f"{date_field}__lte": until})
    rows = (
        qs.order_by()
        .values("workstream__project_id", "workstream__number")
        .annotate(n=models.Count("pk"))
        .values_list("workstream__project_id", "workstream__number", "n")
    )
    result: dict[int, dict[str, int]] = defaultdict(dict)
    for project_id, number, n in rows:
        result[project_id][f"WS{number}"] = n
    return result


def deliverables_by_workstream(project_ids, until):
    qs = Deliverable.objects.filter(workstream__project_id__in=project_ids, status__in=Deliverable.DONE_STATUSES)
    return _by_workstream(qs, "delivered_on", until)


def milestones_by_workstream(project_ids, until):
    qs = Milestone.objects.filter(workstream__project_id__in=project_ids, status=Milestone.Status.REACHED)
    return _by_workstream(qs, "reached_on", until)


# --- notifications --------------------------------------------------------------------------------------------------


def notifications_for(user, *, limit: int = 100) -> list[Notification]:
    return list(Notification.objects.filter(recipient=user).select_related("project")[:limit])


def unread_count(user) -> int:
    return Notification.objects.filter(recipient=user).unread().count()


def preferences_for(user) -> list[dict]:
    """Every reminder kind with whether this user receives it (the kind's default when they never chose)."""
    chosen = dict(NotificationPreference.objects.filter(user=user).values_list("kind", "enabled"))
    return [{"kind": kind, "enabled": chosen.get(kind.key, kind.default)} for kind in reminder_kinds.all()]


def wants(user_ids: Sequence[int], kind: str) -> set[int]:
    """Those of these users who receive this kind of reminder (one query)."""
    reminder_kind = reminder_kinds.get(kind)
    default = reminder_kind.default if reminder_kind else True
    chosen = dict(
        NotificationPreference.objects.filter(user_id__in=user_ids, kind=kind).values_list("user_id", "enabled")
    )
    return {uid for uid in user_ids if chosen.get(uid, default)}
