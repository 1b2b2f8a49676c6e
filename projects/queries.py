"""Reads of the core shared by the pages, the `progress` command, reports and (later) the API.

Every function here takes the user's visible projects (from `Project.objects.for_user`) or ids drawn from them,
and runs a fixed number of queries whatever the amount of data.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from django.db.models import Prefetch, QuerySet
from django.shortcuts import get_object_or_404

from .access import Action
from .metrics import count_by_project, registry
from .models import Deliverable, Indicator, Milestone, Partner, Project, Workstream

# --- access ------------------------------------------------------------------------------------------------------


def visible_projects(user, action: Action = Action.VIEW) -> QuerySet[Project]:
    """The projects the user may act on, each annotated with the user's role."""
    return Project.objects.for_user(user, action).with_role(user)


def project_for_user(user, code: str, action: Action = Action.VIEW) -> Project:
    """The project with this code, if the user may see it (else 404) and perform the action (else 403)."""
    from django.core.exceptions import PermissionDenied

    project = get_object_or_404(visible_projects(user), code=code)
    if not project.allows(action):
        raise PermissionDenied
    return project


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


def metric_values(indicators: Iterable[Indicator], until: date | None = None) -> dict[tuple[int, str], int]:
    """{(project_id, metric_key): value}: one call (one query) per distinct registered metric."""
    projects_by_metric: dict[str, set[int]] = defaultdict(set)
    for indicator in indicators:
        projects_by_metric[indicator.metric].add(indicator.project_id)
    values: dict[tuple[int, str], int] = {}
    for key, project_ids in projects_by_metric.items():
        metric = registry.get(key)
        if metric is None:
            continue
        computed = metric.compute(sorted(project_ids), until)
        for project_id in project_ids:
            values[(project_id, key)] = int(computed.get(project_id, 0))
    return values


def indicator_progress(projects: Iterable[Project], until: date | None = None) -> dict[int, list[IndicatorProgress]]:
    """{project_id: [IndicatorProgress, ...]} for the given projects, in display order."""
    project_ids = [p.pk for p in projects]
    indicators = list(Indicator.objects.filter(project_id__in=project_ids).order_by("project_id", "order", "key"))
    values = metric_values(indicators, until)
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


# --- the core's own metrics ----------------------------------------------------------------------------------------


def deliverables_done(project_ids: Sequence[int], until: date | None) -> dict[int, int]:
    qs = Deliverable.objects.filter(workstream__project_id__in=project_ids, status__in=Deliverable.DONE_STATUSES)
    if until is not None:
        qs = qs.filter(delivered_on__lte=until)
    return count_by_project(qs, "workstream__project_id")


def milestones_reached(project_ids: Sequence[int], until: date | None) -> dict[int, int]:
    qs = Milestone.objects.filter(workstream__project_id__in=project_ids, status=Milestone.Status.REACHED)
    if until is not None:
        qs = qs.filter(reached_on__lte=until)
    return count_by_project(qs, "workstream__project_id")
