"""Computing rollups from the raw records and writing them: whole (metric, projects) rebuilds, and the recompute
of the few cells a write touches (days of a day metric, keys of a counted-once metric), under advisory locks taken
in a fixed order."""

from __future__ import annotations

import calendar
import hashlib
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime

from django.db import connection
from django.db.models import Count, F, Min, Q, Sum
from django.db.models.functions import TruncMonth

from projects.models import RollupCell, RollupFirst
from projects.registry.metrics import id_path

from .specs import Source, Tracked

UNDATED = date(9999, 12, 31)  # records without a date: in the totals (no `until`), never in a month's series
NO_DATE = date(1, 1, 1)  # records of a metric that declares no date: in every value, whatever `until`
ALL, PUBLIC, DAY, MONTH = "all", "public", "d", "m"

# cells: {(project_id, dimension, category, scope, day): n}
Cells = dict[tuple[int, str, str, str, date], int]
# firsts: {(project_id, dimension, category, key): [first_all, first_public]}
Firsts = dict[tuple[int, str, str, int], list]


def month_of(day: date) -> date:
    return day.replace(day=1)


def month_end(day: date) -> date:
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def category_text(value) -> str:
    return "" if value is None else str(value)


def _day(value, source: Source) -> date:
    if not source.date:
        return NO_DATE
    if value is None:
        return UNDATED
    return value.date() if isinstance(value, datetime) else value


@dataclass
class Dirty:
    """What a write touched in one (metric, project): days (day metrics), keys (counted-once metrics), or all."""

    days: set = field(default_factory=set)
    keys: set = field(default_factory=set)
    whole: bool = False


# --- from the raw records -------------------------------------------------------------------------------------------


def _base(source: Source, project_ids) -> object:
    qs = source.records().order_by()
    if project_ids is not None:
        qs = qs.filter(**{f"{source.project}__in": list(project_ids)})
    return qs


def _exprs(source: Source, category_path: str, *, key: bool = False, day: bool = False) -> dict:
    exprs = {"r_p": F(id_path(source.project))}
    if key:
        exprs["r_k"] = F(source.counts)
    if day and source.date:
        exprs["r_d"] = F(source.date)
    if category_path:
        exprs["r_c"] = F(category_path)
    if source.sensitive:
        exprs["r_s"] = F(source.sensitive)
    return exprs


def day_cells(metric: Tracked, project_ids=None, days: Iterable[date] | None = None) -> Cells:
    """The day cells of a day metric from its records (of these projects, on these days), in one query per
    dimension."""
    cells: Cells = defaultdict(int)
    for source in metric.sources:
        qs = _base(source, project_ids)
        if days is not None and source.date:
            days = set(days)
            dated = sorted(d for d in days if d != UNDATED)
            condition = Q(**{f"{source.date}__in": dated})
            if UNDATED in days:
                condition |= Q(**{f"{source.date}__isnull": True})
            qs = qs.filter(condition)
        for dimension, path in source.dimensions:
            rows = qs.values(**_exprs(source, path, day=True)).annotate(r_n=Count("pk", distinct=True))
            for row in rows:
                day = _day(row.get("r_d"), source)
                category = category_text(row.get("r_c")) if path else ""
                key = (row["r_p"], dimension, category)
                cells[(*key, ALL, day)] += row["r_n"]
                if not row.get("r_s", False):
                    cells[(*key, PUBLIC, day)] += row["r_n"]
    return dict(cells)


def firsts(metric: Tracked, project_ids=None, keys: Iterable[int] | None = None) -> Firsts:
    """The first days of each counted key of a counted-once metric (of these projects, these keys), over all its
    sources, in one query per source and dimension."""
    result: Firsts = {}
    for source in metric.sources:
        qs = _base(source, project_ids).filter(**{f"{source.counts}__isnull": False})
        if keys is not None:
            qs = qs.filter(**{f"{source.counts}__in": sorted(keys)})
        for dimension, path in source.dimensions:
            annotation = {"r_f": Min(source.date)} if source.date else {"r_n": Count("pk")}
            for row in qs.values(**_exprs(source, path, key=True)).annotate(**annotation):
                day = _day(row.get("r_f"), source)
                category = category_text(row.get("r_c")) if path else ""
                entry = result.setdefault((row["r_p"], dimension, category, row["r_k"]), [None, None])
                entry[0] = day if entry[0] is None else min(entry[0], day)
                if not row.get("r_s", False):
                    entry[1] = day if entry[1] is None else min(entry[1], day)
    return result


def cells_of_firsts(rows: Firsts) -> Cells:
    cells: Cells = defaultdict(int)
    for (project_id, dimension, category, _key), (first_all, first_public) in rows.items():
        cells[(project_id, dimension, category, ALL, first_all)] += 1
        if first_public is not None:
            cells[(project_id, dimension, category, PUBLIC, first_public)] += 1
    return dict(cells)


def month_cells(cells: Cells) -> Cells:
    months: Cells = defaultdict(int)
    for (project_id, dimension, category, scope, day), n in cells.items():
        months[(project_id, dimension, category, scope, month_of(day))] += n
    return dict(months)


def from_scratch(metric: Tracked, project_ids=None) -> tuple[Cells, Cells, Firsts]:
    """(day cells, month cells, first rows) of a metric computed from its raw records (the reference)."""
    first_rows = firsts(metric, project_ids) if metric.first else {}
    days = cells_of_firsts(first_rows) if metric.first else day_cells(metric, project_ids)
    return days, month_cells(days), first_rows


# --- writing --------------------------------------------------------------------------------------------------------


def _cell_rows(metric_key: str, grain: str, cells: Cells) -> list[RollupCell]:
    return [
        RollupCell(metric=metric_key, project_id=p, dimension=d, category=c[:255], scope=s, grain=grain, day=day, n=n)
        for (p, d, c, s, day), n in cells.items()
        if n
    ]


def rebuild(metric: Tracked, project_ids=None) -> None:
    """Replace every rollup of a metric (for these projects, or all) by its recomputation from the raw records."""
    days, months, first_rows = from_scratch(metric, project_ids)
    for model in (RollupCell, RollupFirst):
        qs = model.objects.filter(metric=metric.key)
        if project_ids is not None:
            qs = qs.filter(project_id__in=list(project_ids))
        qs._raw_delete(qs.db)
    RollupFirst.objects.bulk_create(
        [
            RollupFirst(
                metric=metric.key, project_id=p, dimension=d, category=c[:255], key=k, first_all=a, first_public=b
            )  # fmt: skip
            for (p, d, c, k), (a, b) in first_rows.items()
        ],
        batch_size=5000,
    )
    RollupCell.objects.bulk_create(_cell_rows(metric.key, DAY, days) + _cell_rows(metric.key, MONTH, months),
                                   batch_size=5000)  # fmt: skip


def _replace_days(metric: Tracked, project_id: int, days: set[date], cells: Cells) -> None:
    stale = RollupCell.objects.filter(metric=metric.key, project_id=project_id, grain=DAY, day__in=sorted(days))
    stale._raw_delete(stale.db)
    RollupCell.objects.bulk_create(_cell_rows(metric.key, DAY, cells))
    _refresh_months(metric, project_id, {month_of(d) for d in days})


def _refresh_months(metric: Tracked, project_id: int, months: set[date]) -> None:
    """The month cells of these months, summed from their day cells."""
    if not months:
        return
    span = Q()
    for month in months:
        span |= Q(day__gte=month, day__lte=month_end(month))
    rows = (
        RollupCell.objects.filter(metric=metric.key, project_id=project_id, grain=DAY)
        .filter(span)
        .annotate(month=TruncMonth("day"))
        .values("dimension", "category", "scope", "month")
        .annotate(total=Sum("n"))
    )
    cells = {(project_id, r["dimension"], r["category"], r["scope"], _as_date(r["month"])): r["total"] for r in rows}
    stale = RollupCell.objects.filter(metric=metric.key, project_id=project_id, grain=MONTH, day__in=sorted(months))
    stale._raw_delete(stale.db)
    RollupCell.objects.bulk_create(_cell_rows(metric.key, MONTH, cells))


def _as_date(value) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, str):
        return date.fromisoformat(value[:10])
    return value


def recompute_days(metric: Tracked, project_id: int, days: set[date]) -> None:
    """A day metric's cells of these days (and their months) from the raw records."""
    _replace_days(metric, project_id, days, day_cells(metric, [project_id], days))


def recompute_keys(metric: Tracked, project_id: int, keys: set[int]) -> None:
    """A counted-once metric's first rows of these keys, then the day and month cells of their old and new first
    days."""
    keys = sorted(keys)
    old = RollupFirst.objects.filter(metric=metric.key, project_id=project_id, key__in=keys)
    touched = {d for pair in old.values_list("first_all", "first_public") for d in pair if d is not None}
    old._raw_delete(old.db)
    rows = firsts(metric, [project_id], keys)
    RollupFirst.objects.bulk_create(
        [
            RollupFirst(
                metric=metric.key, project_id=p, dimension=d, category=c[:255], key=k, first_all=a, first_public=b
            )  # fmt: skip
            for (p, d, c, k), (a, b) in rows.items()
        ]
    )
    touched |= {d for pair in rows.values() for d in pair if d is not None}
    if not touched:
        return
    counted: Cells = defaultdict(int)
    mine = RollupFirst.objects.filter(metric=metric.key, project_id=project_id)
    for scope, column in ((ALL, "first_all"), (PUBLIC, "first_public")):
        grouped = (
            mine.filter(**{f"{column}__in": sorted(touched)})
            .values("dimension", "category", column)
            .annotate(total=Count("pk"))
            .values_list("dimension", "category", column, "total")
        )
        for dimension, category, day, total in grouped:
            counted[(project_id, dimension, category, scope, day)] += total
    _replace_days(metric, project_id, touched, dict(counted))


# --- locks ----------------------------------------------------------------------------------------------------------


def lock_id(*parts) -> int:
    """A stable signed 64-bit id of a lock (PostgreSQL's advisory locks take a bigint)."""
    digest = hashlib.blake2b(repr(parts).encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


def lock(shared: Iterable[int], exclusive: Iterable[int]) -> None:
    """Take these transaction-scoped advisory locks in one statement, sorted (a fixed order: no deadlock between
    two writers taking theirs in one round). SQLite serialises writers anyway: nothing to do there."""
    if connection.vendor != "postgresql":
        return
    exclusive = set(exclusive)
    modes = dict.fromkeys(exclusive, False) | dict.fromkeys(set(shared) - exclusive, True)
    if not modes:
        return
    ids = sorted(modes)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT CASE WHEN s THEN pg_advisory_xact_lock_shared(k) END, "
            "CASE WHEN NOT s THEN pg_advisory_xact_lock(k) END "
            "FROM (SELECT k, s FROM unnest(%s::bigint[], %s::boolean[]) AS t(k, s) ORDER BY k) AS ordered",
            [ids, [modes[k] for k in ids]],
        )
