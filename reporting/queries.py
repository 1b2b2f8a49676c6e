"""Reads of the reporting app: the portfolio panel, the project dashboard (whose reads a progress report shares:
`reporting/content.py`) and the notifications. Every function runs a fixed number of queries whatever the amount of
data: the metrics' numbers come from the rollups (`projects.rollups.read`: one query for the values at the end and the
start of a period, one for the breakdowns, one for the monthly series, however many metrics), two per timeline list (its
counts and its first items: lists are bounded, the full ones are paged), and a few of its own. The status rule is in
`status.py`, the burn-up series in `series.py`.

Sensitive records (see `projects.access.sees_sensitive`): a reader who does not see them (a viewer, staff) finds
them in the unfiltered cumulative totals of the indicators only; every filtered number (a period, a country), every
breakdown, monthly series and list leaves them out. The reader is the project's annotated role
(`project.sees_sensitive`; a project without one is read as by a viewer) or, for a job, its audience.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from projects import rollups
from projects.models import Country, Indicator, Project
from projects.queries import IndicatorProgress, metric_values_at
from projects.registry import IncludeSensitive, include_sensitive_for, registry

from . import cache
from .models import Notification, NotificationPreference, ReportingPeriod
from .series import burnup_series, burnup_table
from .status import DUE_SOON_DAYS, Status, due_query, overall_progress, project_status

DASHBOARD_ITEMS = 20  # the dashboard's lists show this many items, then "show all" (a paged list)
PORTFOLIO_ITEMS = 10


# --- the portfolio --------------------------------------------------------------------------------------------------


def portfolio_extend(request, projects: Sequence[Project], rows: list[dict], today: date) -> dict:
    """Adds to each portfolio row its progress, status and how many items are overdue or due in the next 30 days.

    The reporting app's portfolio panel (see `contributions.py`). The two lists show their first
    PORTFOLIO_ITEMS items across the projects; each project's full lists are paged (`reporting:due-list`). Two
    queries per timeline source and list (the counts, the first items), cached like the dashboard.
    """
    ids = sorted(p.pk for p in projects)
    sensitive = include_sensitive_for(projects)  # the projects the user manages: their sensitive items show
    overdue, due_soon = cache.cached(
        f"portfolio:{today}:{','.join(map(str, ids))}",
        lambda: tuple(
            registry.timeline.page(
                ids, due_query(which, today=today, include_sensitive=sensitive, limit=PORTFOLIO_ITEMS)
            )
            for which in ("overdue", "upcoming")
        ),
        projects=ids,
        sensitive=sensitive,
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


def _country_values(
    indicators, at: Sequence[date | None], country: str, include_sensitive: IncludeSensitive
) -> list[dict[tuple[int, str], int]]:
    """[{(project_id, metric): value for one country} at each date of `at`] from the country breakdowns: one query
    for all those the rollups keep, one per other breakdown and date."""
    by_metric: dict[str, set[int]] = defaultdict(set)
    for indicator in indicators:
        by_metric[indicator.metric].add(indicator.project_id)
    results: list[dict[tuple[int, str], int]] = [{} for _ in at]
    breakdowns = {metric: registry.breakdown(metric, "country") for metric in by_metric}
    breakdowns = {metric: b for metric, b in breakdowns.items() if b is not None}
    rolled = sorted(metric for metric, b in breakdowns.items() if b.rolled_up)
    if rolled:
        ids = set().union(*(by_metric[m] for m in rolled))
        numbers = rollups.read(
            rolled, ids, include_sensitive=include_sensitive, at=at, breakdowns=[(m, "country") for m in rolled]
        )
        for i in range(len(at)):
            for metric in rolled:
                split = numbers.breakdowns[i].get((metric, "country"), {})
                for project_id in by_metric[metric]:
                    results[i][(project_id, metric)] = int(split.get(project_id, {}).get(country, 0))
    for metric, breakdown in breakdowns.items():
        if breakdown.rolled_up:
            continue
        for i, until in enumerate(at):
            data = breakdown.compute(sorted(by_metric[metric]), until, include_sensitive=include_sensitive)
            for project_id in by_metric[metric]:
                results[i][(project_id, metric)] = int(data.get(project_id, {}).get(country, 0))
    return results


def indicator_rows(
    indicators: Sequence[Indicator],
    *,
    since: date | None,
    until: date | None,
    include_sensitive: IncludeSensitive,
    country: str = "",
) -> list[IndicatorRow]:
    """Each indicator's value at the start of [since, until], achieved in it, and cumulative at its end.

    Unfiltered (no period, no country), the cumulative totals count every record; filtered, only those the reader
    may see (`include_sensitive`), so that no filter singles a sensitive record out."""
    if since is None and until is None and not country:
        include_sensitive = True  # the unfiltered cumulative totals: the same for every reader

    at = (until, since - timedelta(days=1)) if since else (until,)
    if country:
        values = _country_values(indicators, at, country, include_sensitive)
    else:
        values = metric_values_at(indicators, at, include_sensitive=include_sensitive)
    at_end = values[0]
    at_start = values[1] if since else {}
    rows = []
    for indicator in indicators:
        key = (indicator.project_id, indicator.metric)
        cumulative = at_end.get(key)
        start = at_start.get(key, 0) if since else 0
        measured = registry.metric(indicator.metric) is not None
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


# --- the project dashboard ------------------------------------------------------------------------------------------


def project_dashboard(
    project: Project, *, today: date, since: date | None = None, until: date | None = None, country: str = ""
) -> dict:
    """Everything the project dashboard shows to the reader whose role `project` carries (see the module's docstring
    on sensitive records), cached until a record of the project changes (see cache.py)."""
    sensitive = project.sees_sensitive
    return cache.cached(
        f"dashboard:{project.pk}:{today}:{since}:{until}:{country}",
        lambda: _project_dashboard(
            project, today=today, since=since, until=until, country=country, include_sensitive=sensitive
        ),
        projects=[project.pk],
        sensitive=sensitive,
    )


def breakdowns(
    project: Project, indicators: Sequence[Indicator], until: date | None, *, include_sensitive, countries=None
) -> list[dict]:
    """The indicators' breakdowns (by country, by type...) at `until`: [{"metric", "metric_label", "dimension", "label",
    "values": [(name, value)] largest first}]: one query for those the rollups keep, one per other breakdown, one for
    the countries' names (unless `countries`, {code: name}, is given)."""
    split = []
    metric_labels = {i.metric: str(i.label) for i in indicators}
    bound = registry.breakdowns_for({i.metric for i in indicators})
    rolled = [(b.metric, b.dimension) for b in bound if b.rolled_up]
    numbers = rollups.read(
        {metric for metric, _ in rolled}, [project.pk], include_sensitive=include_sensitive, at=(until,),
        breakdowns=rolled,
    )  # fmt: skip
    for breakdown in bound:
        if breakdown.rolled_up:
            data = numbers.breakdowns[0].get((breakdown.metric, breakdown.dimension), {}).get(project.pk, {})
        else:
            data = breakdown.compute([project.pk], until, include_sensitive=include_sensitive).get(project.pk, {})
        split.append(
            {
                "metric": breakdown.metric,
                "metric_label": metric_labels[breakdown.metric],
                "dimension": breakdown.dimension,
                "label": str(breakdown.label),
                "values": sorted(data.items(), key=lambda kv: (-kv[1], kv[0])),
            }
        )
    if countries is None:
        countries = dict(Country.objects.values_list("code", "name"))
    for entry in split:
        if entry["dimension"] == "country":
            entry["values"] = [(countries.get(code, code), value) for code, value in entry["values"]]
    return split


def _project_dashboard(project: Project, *, today: date, since, until, country: str, include_sensitive: bool) -> dict:
    indicators = list(Indicator.objects.filter(project=project).order_by("order", "key"))
    rows = indicator_rows(indicators, since=since, until=until, country=country, include_sensitive=include_sensitive)
    progress = [IndicatorProgress(i, row.cumulative) for i, row in zip(indicators, rows, strict=True)]
    overall = overall_progress(progress)
    window = {
        "today": today,
        "since": since,
        "until": until,
        "limit": DASHBOARD_ITEMS,
        "include_sensitive": include_sensitive,
    }
    overdue = registry.timeline.page([project.pk], due_query("overdue", **window))
    upcoming = registry.timeline.page([project.pk], due_query("upcoming", **window))
    countries = dict(Country.objects.values_list("code", "name"))
    split = breakdowns(project, indicators, until, include_sensitive=include_sensitive, countries=countries)
    periods = list(ReportingPeriod.objects.filter(project=project).order_by("start", "kind"))
    elapsed = project.time_elapsed_percent(today)
    series = burnup_series(project, indicators, today, include_sensitive=include_sensitive)
    return {
        "rows": rows,
        "series": series,
        # the charts drawn (measured indicators with a series), each with its numbers as a table
        "charts": [
            {"key": row.key, "label": row.label, "table": burnup_table(series[row.key])}
            for row in rows
            if row.measured and row.key in series
        ],
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


# --- notifications --------------------------------------------------------------------------------------------------


def notifications_for(user, *, limit: int = 100) -> list[Notification]:
    return list(Notification.objects.filter(recipient=user).select_related("project")[:limit])


def unread_count(user) -> int:
    return Notification.objects.filter(recipient=user).unread().count()


def preferences_for(user) -> list[dict]:
    """Every reminder kind with whether this user receives it (the kind's default when they never chose)."""
    chosen = dict(NotificationPreference.objects.filter(user=user).values_list("kind", "enabled"))
    return [{"kind": kind, "enabled": chosen.get(kind.key, kind.default)} for kind in registry.reminder_kinds()]


def wants(user_ids: Sequence[int], kind: str) -> set[int]:
    """Those of these users who receive this kind of reminder (one query)."""
    reminder_kind = registry.reminder_kind(kind)
    default = reminder_kind.default if reminder_kind else True
    chosen = dict(
        NotificationPreference.objects.filter(user_id__in=user_ids, kind=kind).values_list("user_id", "enabled")
    )
    return {uid for uid in user_ids if chosen.get(uid, default)}
