"""The metric registry: how the core learns the achieved value of an indicator without importing other apps.

Each app registers its metrics in `AppConfig.ready()`. A metric computes, in one database query, its value for
many projects at once, so that a page showing every indicator runs a fixed number of queries.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from django.db.models import QuerySet

# compute(project_ids, until) -> {project_id: value}; `until` (inclusive) limits the records to those dated on or
# before it, for "value at a date" (reports, burn-up charts); None means everything so far.
ComputeFn = Callable[[Sequence[int], date | None], Mapping[int, int]]
# monthly(project_ids) -> {project_id: {first day of a month: increase of the value in that month}}, in one query,
# so that the sum over the months up to m equals compute(ids, until=end of m) (burn-up charts). Optional: without
# it, a series is computed by calling compute once per month.
MonthlyFn = Callable[[Sequence[int]], Mapping[int, Mapping[date, int]]]


@dataclass(frozen=True)
class Metric:
    key: str
    label: str
    compute: ComputeFn
    app_label: str = ""
    monthly: MonthlyFn | None = None


class MetricRegistry:
    def __init__(self) -> None:
        self._metrics: dict[str, Metric] = {}

    def register(
        self, key: str, *, label: str, compute: ComputeFn, app_label: str = "", monthly: MonthlyFn | None = None
    ) -> Metric:
        existing = self._metrics.get(key)
        if existing is not None and existing.compute is not compute:
            raise ValueError(f"metric {key!r} is already registered by {existing.app_label or 'another app'}")
        if existing is not None and monthly is None:
            monthly = existing.monthly
        metric = Metric(key=key, label=label, compute=compute, app_label=app_label, monthly=monthly)
        self._metrics[key] = metric
        return metric

    def set_monthly(self, key: str, monthly: MonthlyFn) -> Metric:
        """Give a registered metric its monthly series (for metrics registered without one)."""
        metric = replace(self._metrics[key], monthly=monthly)
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


def count_by_project_month(queryset, date_field: str, project_field: str = "project_id") -> dict[int, dict[date, int]]:
    """{project_id: {first day of month: number of rows dated in it}} in one GROUP BY query (for `monthly`)."""
    from django.db.models import Count
    from django.db.models.functions import TruncMonth

    rows = (
        queryset.order_by()
        .exclude(**{f"{date_field}__isnull": True})
        .annotate(month=TruncMonth(date_field))
        .values(project_field, "month")
        .annotate(n=Count("pk", distinct=True))
    )
    result: dict[int, dict[date, int]] = {}
    for row in rows:
        month = row["month"]
        month = month.date() if hasattr(month, "date") else month
        result.setdefault(row[project_field], {})[month] = row["n"]
    return result


# --- people ---------------------------------------------------------------------------------------------------------
# Apps whose records involve people (joint activities, events) register a source: a function
# (project_ids, until) -> queryset of rows with "project_id" and "person_id". The core counts distinct people
# across every source, so an officer in five activities and a workshop counts once.
PeopleSourceFn = Callable[[Sequence[int], date | None], "QuerySet"]
# Optional, for monthly series of people counted once: dated(project_ids) -> queryset of rows with "project_id",
# "person_id" and "day", the date the row counts from (the date the source's `until` compares with).
DatedPeopleSourceFn = Callable[[Sequence[int]], "QuerySet"]


class PeopleSourceRegistry:
    def __init__(self) -> None:
        self._sources: dict[str, PeopleSourceFn] = {}
        self._dated: dict[str, DatedPeopleSourceFn] = {}

    def register(self, key: str, source: PeopleSourceFn, dated: DatedPeopleSourceFn | None = None) -> None:
        self._sources[key] = source
        if dated is None:
            self._dated.pop(key, None)
        else:
            self._dated[key] = dated

    def unregister(self, key: str) -> None:
        self._sources.pop(key, None)
        self._dated.pop(key, None)

    def dated(self, key: str) -> DatedPeopleSourceFn | None:
        """The source's dated variant, or None when it registered none."""
        return self._dated.get(key)

    def keys(self) -> list[str]:
        return sorted(self._sources)

    def get(self, key: str) -> PeopleSourceFn:
        return self._sources[key]


people_sources = PeopleSourceRegistry()


def _people_union(project_ids: Sequence[int], until: date | None, sources: Sequence[str] | None) -> tuple[str, list]:
    """The SQL (and its parameters) of the (project_id, person_id) rows of every people source, UNIONed."""
    keys = people_sources.keys() if sources is None else list(sources)
    parts, params = [], []
    for key in keys:
        qs = people_sources.get(key)(project_ids, until).order_by().values("project_id", "person_id")
        sql, part_params = qs.query.sql_with_params()
        parts.append(f"SELECT project_id, person_id FROM ({sql}) AS src_{len(parts)}")
        params.extend(part_params)
    return " UNION ".join(parts), params


def distinct_people_by_project(
    project_ids: Sequence[int], until: date | None = None, sources: Sequence[str] | None = None
) -> dict[int, int]:
    """{project_id: number of distinct people} over the registered people sources, in one query."""
    from django.db import connection

    union, params = _people_union(project_ids, until, sources)
    if not union:
        return {}
    query = f"SELECT project_id, COUNT(DISTINCT person_id) FROM ({union}) AS people GROUP BY project_id"
    with connection.cursor() as cursor:
        cursor.execute(query, params)
        return dict(cursor.fetchall())


def first_people_by_project_month(
    project_ids: Sequence[int], sources: Sequence[str] | None = None
) -> dict[int, dict[date, int]] | None:
    """{project_id: {first day of month: people first involved in that month}} over the people sources, one query.

    Each person counts once, in the month of their earliest row across every source, so the sum over the months up
    to m equals `distinct_people_by_project(ids, until=end of m)`. None when a source has no dated variant (see
    `PeopleSourceRegistry.register`): the first month cannot then be known.
    """

    keys = people_sources.keys() if sources is None else list(sources)
    parts, params = [], []
    for key in keys:
        dated = people_sources.dated(key)
        if dated is None:
            return None
        qs = dated(project_ids).order_by().values("project_id", "person_id", "day")
        sql, part_params = qs.query.sql_with_params()
        parts.append(f"SELECT project_id, person_id, day FROM ({sql}) AS src_{len(parts)}")
        params.extend(part_params)
    if not parts:
        return {}
    union = " UNION ALL ".join(parts)
    firsts = (
        f"SELECT project_id, MIN(day) FROM ({union}) AS people WHERE day IS NOT NULL GROUP BY project_id, person_id"
    )
    return count_first_days_by_month(firsts, params)


def count_first_days_by_month(firsts_sql: str, params: Sequence) -> dict[int, dict[date, int]]:
    """{project_id: {first day of month: rows}} for an SQL query whose rows are (project_id, first_day).

    The "first month something was reached" series need to group an aggregate again, which the ORM cannot do;
    this does it in one query on PostgreSQL and on SQLite (the development default) alike.
    """
    from django.db import connection

    if connection.vendor == "postgresql":
        month = "CAST(DATE_TRUNC('month', first_day) AS date)"
    elif connection.vendor == "sqlite":
        month = "date(first_day, 'start of month')"
    else:  # pragma: no cover - the portal runs on PostgreSQL, or SQLite in development
        raise NotImplementedError(connection.vendor)
    query = (
        f"WITH firsts (project_id, first_day) AS ({firsts_sql}) "
        f"SELECT project_id, {month}, COUNT(*) FROM firsts GROUP BY 1, 2"
    )
    result: dict[int, dict[date, int]] = {}
    with connection.cursor() as cursor:
        cursor.execute(query, list(params))
        for project_id, month_start, n in cursor.fetchall():
            if isinstance(month_start, str):
                month_start = date.fromisoformat(month_start)
            result.setdefault(project_id, {})[month_start] = n
    return result


def distinct_people_by_project_and_country(
    project_ids: Sequence[int], until: date | None = None, sources: Sequence[str] | None = None
) -> dict[int, dict[str, int]]:
    """{project_id: {country ISO code: distinct people}} over the people sources (a person's country), one query."""
    from django.db import connection

    from .models import Country, Person

    union, params = _people_union(project_ids, until, sources)
    if not union:
        return {}
    query = (
        f"SELECT people.project_id, country.code, COUNT(DISTINCT people.person_id) FROM ({union}) AS people "
        f"JOIN {Person._meta.db_table} AS person ON person.id = people.person_id "
        f"JOIN {Country._meta.db_table} AS country ON country.id = person.country_id "
        "GROUP BY 1, 2"
    )
    result: dict[int, dict[str, int]] = {}
    with connection.cursor() as cursor:
        cursor.execute(query, params)
        for project_id, code, n in cursor.fetchall():
            result.setdefault(project_id, {})[code] = n
    return result
