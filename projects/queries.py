"""Reads of the core shared by the pages, the `progress` command, reports and (later) the API.

Every function here takes the user's visible projects (from `Project.objects.for_user`) or ids drawn from them,
and runs a fixed number of queries whatever the amount of data.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch, QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404

from .access import Action
from .models import Deliverable, Indicator, Milestone, Partner, Project, Task, Workstream
from .registry import IncludeSensitive, registry

# --- access ------------------------------------------------------------------------------------------------------


def user_time_zone(user) -> str:
    """The name of the time zone the user reads times in (their profile's, else the portal's default for users)."""
    from django.conf import settings

    from .models import Profile

    chosen = Profile.objects.filter(user_id=getattr(user, "pk", None)).values_list("time_zone", flat=True).first()
    return chosen or settings.PORTAL_DEFAULT_USER_TIME_ZONE


def visible_projects(user, action: Action = Action.VIEW) -> QuerySet[Project]:
    """The projects the user may act on, each annotated with the user's role."""
    return Project.objects.for_user(user, action).with_role(user)


def project_for_user(user, code: str, action: Action = Action.VIEW, *, among: Sequence[str] = ()) -> Project:
    """The project with this code, if the user may see it (else 404) and perform the action (else 403).

    `among`: the codes of the only projects that have the page (an app's pages serve some projects); others are 404.
    """
    from django.core.exceptions import PermissionDenied

    if among and code not in among:
        raise Http404
    project = get_object_or_404(visible_projects(user), code=code)
    if not project.allows(action):
        raise PermissionDenied
    return project


def user_sees_sensitive(user, project: Project) -> bool:
    """Whether the user sees the project's sensitive records (one query; a page's project answers
    `project.sees_sensitive` without one). See `projects.access.sees_sensitive`."""
    return Project.objects.seeing_sensitive(user).filter(pk=project.pk).exists()


# --- indicators --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class IndicatorProgress:
    """An indicator with its achieved value; `achieved` is None while no app has registered its metric."""

    indicator: Indicator
    achieved: int | None

    @property
    def key(self) -> str:
        return self.indicator.key

    @property
    def label(self) -> str:
        return self.indicator.label

    @property
    def target(self) -> int:
        return self.indicator.target

    @property
    def measured(self) -> bool:
        return self.achieved is not None

    @property
    def percent(self) -> int:
        """Achieved as a share of the target, in percent (may pass 100 when a target is exceeded)."""
        if self.achieved is None or not self.indicator.target:
            return 0
        return round(100 * self.achieved / self.indicator.target)

    @property
    def bar_percent(self) -> int:
        return min(self.percent, 100)

    def as_dict(self) -> dict:
        return {
            "key": self.key,
            "label": str(self.label),
            "unit": self.indicator.unit,
            "target": self.target,
            "achieved": self.achieved,
            "percent": self.percent if self.measured else None,
        }


def metric_values(
    indicators: Iterable[Indicator], until: date | None = None, *, include_sensitive: IncludeSensitive = True
) -> dict[tuple[int, str], int]:
    """{(project_id, metric_key): value}: one query for every metric the rollups keep, one call per other metric.

    Sensitive records count by default: the unfiltered cumulative totals include them for every reader. A value at
    a past date is a filtered number: pass `include_sensitive` of the reader (see `projects.access.sees_sensitive`).
    """
    return metric_values_at(indicators, (until,), include_sensitive=include_sensitive)[0]


def metric_values_at(
    indicators: Iterable[Indicator], at: Sequence[date | None], *, include_sensitive: IncludeSensitive = True
) -> list[dict[tuple[int, str], int]]:
    """`metric_values` at each date of `at`: the metrics the rollups keep in one query for every date together."""
    from . import rollups

    projects_by_metric: dict[str, set[int]] = defaultdict(set)
    for indicator in indicators:
        projects_by_metric[indicator.metric].add(indicator.project_id)
    results: list[dict[tuple[int, str], int]] = [{} for _ in at]
    kept = rollups.tracked()
    rolled = {key for key in projects_by_metric if key in kept and registry.metric(key) is not None}
    if rolled:
        ids = set().union(*(projects_by_metric[key] for key in rolled))
        numbers = rollups.read(rolled, ids, include_sensitive=include_sensitive, at=at)
        for i in range(len(at)):
            for key in rolled:
                for project_id in projects_by_metric[key]:
                    results[i][(project_id, key)] = numbers.value(key, project_id, i)
    for key, project_ids in projects_by_metric.items():
        metric = registry.metric(key)
        if metric is None or key in rolled:
            continue
        for i, until in enumerate(at):
            computed = metric.values(sorted(project_ids), until, include_sensitive=include_sensitive)
            for project_id in project_ids:
                results[i][(project_id, key)] = int(computed.get(project_id, 0))
    return results


def indicator_progress(
    projects: Iterable[Project], until: date | None = None, *, include_sensitive: IncludeSensitive = True
) -> dict[int, list[IndicatorProgress]]:
    """{project_id: [IndicatorProgress, ...]} for the given projects, in display order (see `metric_values` on
    sensitive records)."""
    project_ids = [p.pk for p in projects]
    indicators = list(Indicator.objects.filter(project_id__in=project_ids).order_by("project_id", "order", "key"))
    values = metric_values(indicators, until, include_sensitive=include_sensitive)
    result: dict[int, list[IndicatorProgress]] = {pk: [] for pk in project_ids}
    for indicator in indicators:
        achieved = values.get((indicator.project_id, indicator.metric))
        result[indicator.project_id].append(IndicatorProgress(indicator, achieved))
    return result


def progress_report(projects: Sequence[Project], until: date | None = None) -> list[dict]:
    """Every project's indicators as plain data (the `progress` command, exports, the API)."""
    progress = indicator_progress(projects, until)
    return [
        {
            "code": project.code,
            "name": project.name,
            "start_date": project.start_date.isoformat(),
            "end_date": project.end_date.isoformat(),
            "indicators": [item.as_dict() for item in progress[project.pk]],
        }
        for project in projects
    ]


# --- pages -------------------------------------------------------------------------------------------------------


def project_page_data(project: Project) -> dict:
    """What the project page shows, in a fixed number of queries."""
    partners = list(
        Partner.objects.filter(project=project)
        .select_related("organisation__country")
        .order_by("role", "organisation__name")
    )
    workstreams = list(
        Workstream.objects.filter(project=project)
        .select_related("lead")
        .prefetch_related(
            Prefetch("milestones", queryset=Milestone.objects.order_by("due_date", "pk")),
            Prefetch("deliverables", queryset=Deliverable.objects.order_by("due_date", "pk")),
        )
    )
    countries = sorted({p.organisation.country for p in partners if p.organisation.country}, key=lambda c: c.name)
    return {
        "partners": partners,
        "partner_countries": countries,
        "workstreams": workstreams,
        "indicators": indicator_progress([project])[project.pk],
    }


# --- workstreams and the timeline ------------------------------------------------------------------------------------
# "Late" is decided by the models' `overdue_on(today)` (not done and past the due date); every function here takes
# `today`, so that pages pass the local date and tests pass a fixed one.


@dataclass(frozen=True)
class WorkItem:
    """A milestone, deliverable or task as the timeline shows it, with whether it is late on the given day."""

    kind: str  # "milestone", "deliverable" or "task"
    obj: Milestone | Deliverable | Task
    late: bool

    @property
    def title(self) -> str:
        return self.obj.title

    @property
    def due_date(self) -> date:
        return self.obj.due_date

    @property
    def done(self) -> bool:
        if self.kind == "milestone":
            return self.obj.status == Milestone.Status.REACHED
        return self.obj.is_done


def _items(workstream: Workstream, today: date, *, tasks: bool = True) -> list[WorkItem]:
    """The workstream's items from its prefetched milestones, deliverables (and tasks), by due date."""
    items = [WorkItem("milestone", m, m.overdue_on(today)) for m in workstream.milestones.all()]
    items += [WorkItem("deliverable", d, d.overdue_on(today)) for d in workstream.deliverables.all()]
    if tasks:
        items += [WorkItem("task", t, t.overdue_on(today)) for t in workstream.tasks.all()]
    return sorted(items, key=lambda item: (item.due_date, item.kind, item.obj.pk))


@dataclass(frozen=True)
class WorkstreamProgress:
    """How far a workstream has come: the share of its tasks, milestones and deliverables that are done."""

    workstream: Workstream
    items: list[WorkItem]

    @property
    def total(self) -> int:
        return len(self.items)

    @property
    def done(self) -> int:
        return sum(1 for item in self.items if item.done)

    @property
    def percent(self) -> int:
        return round(100 * self.done / self.total) if self.total else 0

    @property
    def late(self) -> list[WorkItem]:
        return [item for item in self.items if item.late]


def _workstreams_with_items(project: Project) -> QuerySet[Workstream]:
    return (
        Workstream.objects.filter(project=project)
        .select_related("lead")
        .prefetch_related(
            Prefetch("milestones", queryset=Milestone.objects.order_by("due_date", "pk")),
            Prefetch("deliverables", queryset=Deliverable.objects.order_by("due_date", "pk")),
            Prefetch("tasks", queryset=Task.objects.select_related("owner").order_by("due_date", "pk")),
        )
        .order_by("number")
    )


def workstream_page_data(project: Project, number: int, today: date) -> dict:
    """The workstream page: the workstream, its tasks, milestones, deliverables and progress (4 queries)."""
    workstream = get_object_or_404(_workstreams_with_items(project), number=number)
    progress = WorkstreamProgress(workstream, _items(workstream, today))
    by_kind: dict[str, list[WorkItem]] = defaultdict(list)
    for item in progress.items:
        by_kind[item.kind].append(item)
    return {
        "workstream": workstream,
        "progress": progress,
        "tasks": by_kind["task"],
        "milestones": by_kind["milestone"],
        "deliverables": by_kind["deliverable"],
    }


def project_members(project: Project) -> QuerySet:
    """The users who are members of the project (who may own its tasks)."""
    return get_user_model().objects.filter(memberships__project=project).order_by("first_name", "last_name", "username")


@dataclass(frozen=True)
class TimelineMonth:
    number: int  # 1 is the month the project starts in
    first_day: date
    last_day: date
    current: bool

    def contains(self, day: date) -> bool:
        return self.first_day <= day <= self.last_day


@dataclass(frozen=True)
class TimelineCell:
    month: TimelineMonth
    active: bool  # the workstream runs in this month
    items: list[WorkItem]

    @property
    def late(self) -> bool:
        return any(item.late for item in self.items)


@dataclass(frozen=True)
class TimelineRow:
    workstream: Workstream
    cells: list[TimelineCell]
    progress: WorkstreamProgress


@dataclass(frozen=True)
class Timeline:
    today: date
    months: list[TimelineMonth]
    rows: list[TimelineRow]
    late: list[WorkItem]  # everything late in the project (milestones, deliverables and tasks), by due date

    @property
    def years(self) -> list[tuple[int, int]]:
        """(year, number of months) for the header above the month columns."""
        spans: list[tuple[int, int]] = []
        for month in self.months:
            year = month.first_day.year
            if spans and spans[-1][0] == year:
                spans[-1] = (year, spans[-1][1] + 1)
            else:
                spans.append((year, 1))
        return spans


def project_months(project: Project, today: date) -> list[TimelineMonth]:
    """The project's months, from the month it starts in to the month it ends in."""
    import calendar

    months, number = [], 1
    first = project.start_date.replace(day=1)
    while first <= project.end_date:
        last = first.replace(day=calendar.monthrange(first.year, first.month)[1])
        months.append(TimelineMonth(number, first, last, first <= today <= last))
        first, number = last + timedelta(days=1), number + 1
    return months


def _month_index(months: list[TimelineMonth], day: date) -> int:
    """The column a date falls in; dates outside the project fall in its first or last month."""
    if day < months[0].first_day:
        return 0
    for index, month in enumerate(months):
        if month.contains(day):
            return index
    return len(months) - 1


def project_timeline(project: Project, today: date) -> Timeline:
    """The project's months with its workstreams, their milestones and deliverables, and what is late on `today`.

    Four queries (workstreams, milestones, deliverables, tasks), whatever the amount of data.
    """
    months = project_months(project, today)
    rows, late = [], []
    for workstream in _workstreams_with_items(project):
        items = _items(workstream, today)
        late += [item for item in items if item.late]
        by_month: dict[int, list[WorkItem]] = defaultdict(list)
        for item in items:
            if item.kind != "task":  # tasks are on the workstream page; the timeline shows the milestones
                by_month[_month_index(months, item.due_date)].append(item)
        start, end = workstream.start_date or project.start_date, workstream.end_date or project.end_date
        cells = [
            TimelineCell(month, month.first_day <= end and month.last_day >= start, by_month.get(index, []))
            for index, month in enumerate(months)
        ]
        rows.append(TimelineRow(workstream, cells, WorkstreamProgress(workstream, items)))
    late.sort(key=lambda item: (item.due_date, item.kind, item.obj.pk))
    return Timeline(today=today, months=months, rows=rows, late=late)


def require_action(*, user, project: Project, action: Action) -> None:
    """Refuse (PermissionDenied) unless the user may perform the action in the project: the one access rule."""
    if not Project.objects.for_user(user, action).filter(pk=project.pk).exists():
        raise PermissionDenied
