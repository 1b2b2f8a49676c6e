"""The metric registry: how the core learns the achieved value of an indicator without importing other apps.

Each app registers its metrics in `AppConfig.ready()`. A metric computes, in one database query, its value for
many projects at once, so that a page showing every indicator runs a fixed number of queries.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date

# compute(project_ids, until) -> {project_id: value}; `until` (inclusive) limits the records to those dated on or
# before it, for "value at a date" (reports, burn-up charts); None means everything so far.
ComputeFn = Callable[[Sequence[int], date | None], Mapping[int, int]]


@dataclass(frozen=True)
class Metric:
    key: str
    label: str
    compute: ComputeFn
    app_label: str = ""


class MetricRegistry:
    def __init__(self) -> None:
        self._metrics: dict[str, Metric] = {}

    def register(self, key: str, *, label: str, compute: ComputeFn, app_label: str = "") -> Metric:
        existing = self._metrics.get(key)
        if existing is not None and existing.compute is not compute:
            raise ValueError(f"metric {key!r} is already registered by {existing.app_label or 'another app'}")
        metric = Metric(key=key, label=label, compute=compute, app_label=app_label)
        self._metrics[key] = metric
        return metric

    def unregister(self, key: str) -> None:
        self._metrics.pop(key, None)

    def get(self, key: str) -> Metric | None:
        return self._metrics.get(key)

    def keys(self) -> list[str]:
        return sorted(self._metrics)

    def choices(self) -> list[tuple[str, str]]:
        return [(key, f"{self._metrics[key].label} ({key})") for key in self.keys()]


registry = MetricRegistry()


def count_by_project(queryset, project_field: str = "project_id") -> dict[int, int]:
    """{project_id: number of rows} in one GROUP BY query; the helper most metrics are built on."""
    from django.db.models import Count

    rows = queryset.order_by().values(project_field).annotate(n=Count("pk", distinct=True))
    return {row[project_field]: row["n"] for row in rows}
