"""Reading the metrics' numbers from the rollups: values at one or more dates, breakdowns and monthly series of
many metrics and projects in two queries (see `read`)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date

from django.db.models import Q, Sum

from projects.models import RollupCell

from .engine import ALL, DAY, MONTH, PUBLIC, UNDATED, month_of


@dataclass
class Numbers:
    """What `read` answers. `values[i][metric][project_id]` is the value at `at[i]`; `breakdowns[i][(metric,
    dimension)][project_id][category label]`; `monthly[metric][project_id][first day of month]` the increase in that
    month. Zeros are left out, as the raw counts leave them out."""

    at: tuple
    values: list[dict[str, dict[int, int]]] = field(default_factory=list)
    breakdowns: list[dict[tuple[str, str], dict[int, dict[str, int]]]] = field(default_factory=list)
    monthly: dict[str, dict[int, dict[date, int]]] = field(default_factory=dict)

    def value(self, metric: str, project_id: int, i: int = 0) -> int:
        return self.values[i].get(metric, {}).get(project_id, 0)


def scopes(project_ids: Iterable[int], include_sensitive) -> Q:
    """The cells a reader counts: scope "all" in the projects whose sensitive records they see, "public" elsewhere."""
    ids = sorted(set(project_ids))
    if include_sensitive is True:
        seeing = ids
    elif include_sensitive is False or not include_sensitive:
        seeing = []
    else:
        seeing = sorted(set(ids) & set(include_sensitive))
    public = sorted(set(ids) - set(seeing))
    condition = Q(pk__in=[])
    if seeing:
        condition |= Q(scope=ALL, project_id__in=seeing)
    if public:
        condition |= Q(scope=PUBLIC, project_id__in=public)
    return condition


def _at(until: date | None) -> Q:
    if until is None:
        return Q(grain=MONTH)
    start = month_of(until)
    return Q(grain=MONTH, day__lt=start) | Q(grain=DAY, day__gte=start, day__lte=until)


def labeller(metric_key: str):
    """{dimension: Breakdown} of a registered metric, to show raw categories with their labels."""
    from projects.registry import registry
    from projects.registry.people import PeopleMetric

    metric = registry.metric(metric_key)
    if metric is None:
        return {}
    found = {b.dimension: b for b in metric.breakdowns}
    if isinstance(metric, PeopleMetric):
        for source in registry.people_sources():
            for b in source.breakdowns:
                found.setdefault(b.dimension, b)
    return found


def read(
    metric_keys: Iterable[str],
    project_ids: Iterable[int],
    *,
    include_sensitive=True,
    at: Sequence[date | None] = (None,),
    monthly: bool = False,
    breakdowns: bool | Iterable[tuple[str, str]] = False,
) -> Numbers:
    """The numbers of these metrics for these projects, as seen by a reader (`include_sensitive`, see
    `projects.registry.IncludeSensitive`): values at each date of `at` (None: everything) in one query, with the
    breakdowns when asked (all of them, or these (metric, dimension) pairs), and the monthly series in one more."""
    keys, ids = sorted(set(metric_keys)), sorted(set(project_ids))
    at = tuple(at)
    numbers = Numbers(at=at, values=[{} for _ in at], breakdowns=[{} for _ in at])
    if not keys or not ids:
        return numbers
    visible = scopes(ids, include_sensitive)
    cells = RollupCell.objects.filter(visible, metric__in=keys, project_id__in=ids)
    if at:
        dated = [u for u in at if u is not None]
        span = Q(grain=MONTH)
        if dated:
            span |= Q(grain=DAY, day__gte=month_of(min(dated)), day__lte=max(dated))
        wanted = Q(dimension="")
        if breakdowns is True:
            wanted = Q()
        elif breakdowns:
            for metric, dimension in breakdowns:
                wanted |= Q(metric=metric, dimension=dimension)
        sums = {f"v{i}": Sum("n", filter=_at(u)) for i, u in enumerate(at)}
        rows = (
            cells.filter(span, wanted)
            .order_by()
            .values("metric", "project_id", "dimension", "category")
            .annotate(**sums)
        )
        labels = {key: labeller(key) for key in keys}
        for row in rows:
            for i in range(len(at)):
                n = row[f"v{i}"] or 0
                if not n:
                    continue
                metric, project_id = row["metric"], row["project_id"]
                if row["dimension"] == "":
                    numbers.values[i].setdefault(metric, {})[project_id] = n
                    continue
                breakdown = labels[metric].get(row["dimension"])
                raw = row["category"] or None
                label = breakdown.category(raw) if breakdown is not None else str(raw)
                split = numbers.breakdowns[i].setdefault((metric, row["dimension"]), {}).setdefault(project_id, {})
                split[label] = split.get(label, 0) + n
    if monthly:
        series: dict[str, dict[int, dict[date, int]]] = defaultdict(dict)
        rows = (
            cells.filter(dimension="", grain=MONTH, day__lt=month_of(UNDATED).replace(month=1))
            .order_by()
            .values_list("metric", "project_id", "day", "n")
        )
        for metric, project_id, month, n in rows:
            series[metric].setdefault(project_id, {})[month] = n
        numbers.monthly = dict(series)
    return numbers
