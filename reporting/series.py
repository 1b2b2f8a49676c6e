"""Burn-up series: each indicator's cumulative value at the end of every month, against its target line.

One query for every metric the rollups keep (their month cells, see `projects.rollups`), one per other metric with a
monthly series; a metric without one is computed once per month, at most MAX_SERIES_MONTHS times.
"""

from __future__ import annotations

import calendar
from collections import defaultdict
from collections.abc import Sequence
from datetime import date, timedelta

from projects import rollups
from projects.models import Indicator, IndicatorTarget, Project
from projects.registry import IncludeSensitive, registry

MAX_SERIES_MONTHS = 24  # a metric without a monthly series is computed at most this many times (months sampled)


def month_end(day: date) -> date:
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def months_between(start: date, end: date) -> list[date]:
    """The first days of the months from start's month to end's month, inclusive."""
    months, current = [], start.replace(day=1)
    while current <= end:
        months.append(current)
        current = month_end(current) + timedelta(days=1)
    return months


def burnup_series(
    project: Project, indicators: Sequence[Indicator], today: date, *, include_sensitive: IncludeSensitive
) -> dict[str, dict]:
    """{indicator key: {"labels", "achieved", "target_line", "targets"}} for the project's burn-up charts.

    Achieved is the cumulative value at the end of each month up to the current one (None after it); the target
    line goes straight from 0 at the start to the target at the end date. One query for the metrics the rollups
    keep, one per other metric with a `monthly` series; a metric without one is computed once per month (at most
    MAX_SERIES_MONTHS calls). A monthly series is a filtered number: sensitive records count in it only for a
    reader who sees them (`include_sensitive`).
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
    keys = sorted(key for key in {i.metric for i in indicators} if registry.metric(key) is not None)
    kept = rollups.tracked()
    rolled = [key for key in keys if key in kept]
    monthly = rollups.read(rolled, [project.pk], include_sensitive=include_sensitive, at=(), monthly=True).monthly
    for metric_key in keys:
        metric = registry.metric(metric_key)
        if metric_key in kept:
            increments[metric_key] = dict(monthly.get(metric_key, {}).get(project.pk, {}))
        elif metric.has_monthly:
            monthly = metric.monthly_values([project.pk], include_sensitive=include_sensitive)
            increments[metric_key] = dict(monthly.get(project.pk, {}))
        else:
            increments[metric_key] = _increments_by_compute(metric, project.pk, past, include_sensitive)

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


def _increments_by_compute(metric, project_id: int, months: list[date], include_sensitive) -> dict[date, int]:
    """Monthly increases from the cumulative value at each month's end (for metrics without a monthly series)."""
    if len(months) > MAX_SERIES_MONTHS:  # bound the number of queries: sample evenly, keep the last month
        step = len(months) / MAX_SERIES_MONTHS
        months = [months[int(i * step)] for i in range(MAX_SERIES_MONTHS - 1)] + [months[-1]]
    result, previous = {}, 0
    for month in months:
        values = metric.values([project_id], month_end(month), include_sensitive=include_sensitive)
        value = int(values.get(project_id, 0))
        result[month], previous = value - previous, value
    return result


def burnup_table(series: dict) -> list[dict]:
    """A burn-up chart's numbers as table rows, one per month (the chart's text alternative for screen readers):
    the month, the cumulative achieved (None after the current month), the straight line, the intermediate target
    due that month (None if none)."""
    targets = {point["x"]: point["y"] for point in series["targets"]}
    return [
        {"month": month, "achieved": achieved, "line": line, "target": targets.get(month)}
        for month, achieved, line in zip(series["labels"], series["achieved"], series["target_line"], strict=True)
    ]
