"""People sources: records that involve a person in a project (an officer in a joint activity, an attendee of a
held event). The core counts distinct people across every source, so an officer in five activities and a workshop
counts once, in the month of the first of them.

A source is declared like a metric: its records, the path to their project, to their person and to their date.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING

from .metrics import (
    BoundBreakdown,
    Breakdown,
    IncludeSensitive,
    _records_of,
    call_compute,
    count_first_days_by_month,
    grouped_counts,
    id_path,
    read_breakdown,
    read_rolled_up,
    rolled_up,
)

if TYPE_CHECKING:
    from django.db.models import QuerySet


@dataclass(frozen=True)
class PeopleSource:
    """Records that involve people; `breakdowns` split the people of this source (e.g. by role in activities) and
    are shown with the core's people metric."""

    key: str
    records: Callable[[], QuerySet]
    date: str  # the path to the day a row counts from (`until` compares with it; the first month groups by it)
    project: str = "project"
    person: str = "person"
    breakdowns: Sequence[Breakdown] = ()
    sensitive: str = ""  # the path to the flag of rows that may be sensitive (an officer of a sensitive activity)
    depends: Sequence[str] = ()  # what `records()` reads that no path covers (see `Metric.depends`)
    app_label: str = ""

    def __post_init__(self) -> None:
        if not self.date:
            raise ValueError(f"people source {self.key!r} declares no date")

    def queryset(
        self, project_ids: Sequence[int], until: date | None = None, include_sensitive: IncludeSensitive = True
    ) -> QuerySet:
        return _records_of(self.records, self.project, self.date, project_ids, until, self.sensitive, include_sensitive)

    def rows(
        self, project_ids: Sequence[int], until: date | None = None, include_sensitive: IncludeSensitive = True
    ) -> QuerySet:
        """(project_id, person_id) rows."""
        from django.db.models import F

        return (
            self.queryset(project_ids, until, include_sensitive)
            .order_by()
            .values(project_id_=F(id_path(self.project)), person_id_=F(id_path(self.person)))
        )

    def dated_rows(self, project_ids: Sequence[int], include_sensitive: IncludeSensitive = True) -> QuerySet:
        """(project_id, person_id, day) rows: the day each row counts from."""
        from django.db.models import F

        return (
            self.queryset(project_ids, None, include_sensitive)
            .order_by()
            .values(project_id_=F(id_path(self.project)), person_id_=F(id_path(self.person)), day_=F(self.date))
        )

    def bound_breakdowns(self, metric: str, from_rollups: bool = False) -> list[BoundBreakdown]:
        def bind(breakdown: Breakdown) -> BoundBreakdown:
            def compute(project_ids, until, include_sensitive: IncludeSensitive = True):
                if breakdown.compute is not None:
                    return call_compute(breakdown.compute, project_ids, until, include_sensitive)
                if from_rollups:
                    return read_breakdown(metric, breakdown.dimension, project_ids, until, include_sensitive)
                return self.raw_breakdown_values(breakdown, project_ids, until, include_sensitive)

            rolled = breakdown.compute is None and from_rollups
            return BoundBreakdown(metric, breakdown.dimension, breakdown.label, compute, rolled)

        return [bind(b) for b in self.breakdowns]

    def raw_breakdown_values(
        self, breakdown: Breakdown, project_ids: Sequence[int], until: date | None, include_sensitive: IncludeSensitive
    ) -> dict:
        queryset = self.queryset(project_ids, until, include_sensitive)
        return grouped_counts(queryset, self.project, self.person, breakdown)


# The registered sources, in key order; the registry installs its own lookup here when it is created.
registered_sources: Callable[[], list[PeopleSource]] = list


def _sources(keys: Sequence[str] | None) -> list[PeopleSource]:
    sources = registered_sources()
    return sources if keys is None else [s for s in sources if s.key in set(keys)]


def _people_union(
    project_ids: Sequence[int], until: date | None, keys: Sequence[str] | None, include_sensitive: IncludeSensitive
) -> tuple[str, list]:
    """The SQL (and its parameters) of the (project_id, person_id) rows of every people source, UNIONed."""
    parts, params = [], []
    for source in _sources(keys):
        sql, part_params = source.rows(project_ids, until, include_sensitive).query.sql_with_params()
        parts.append(f"SELECT project_id_ AS project_id, person_id_ AS person_id FROM ({sql}) AS src_{len(parts)}")
        params.extend(part_params)
    return " UNION ".join(parts), params


def distinct_people_by_project(
    project_ids: Sequence[int],
    until: date | None = None,
    sources: Sequence[str] | None = None,
    include_sensitive: IncludeSensitive = True,
) -> dict[int, int]:
    """{project_id: number of distinct people} over the people sources, in one query."""
    from django.db import connection

    union, params = _people_union(project_ids, until, sources, include_sensitive)
    if not union:
        return {}
    query = f"SELECT project_id, COUNT(DISTINCT person_id) FROM ({union}) AS people GROUP BY project_id"
    with connection.cursor() as cursor:
        cursor.execute(query, params)
        return dict(cursor.fetchall())


def first_people_by_project_month(
    project_ids: Sequence[int], sources: Sequence[str] | None = None, include_sensitive: IncludeSensitive = True
) -> dict[int, dict[date, int]]:
    """{project_id: {first day of month: people first involved in that month}} over the people sources, one query.

    Each person counts once, in the month of their earliest row across every source, so the sum over the months up
    to m equals `distinct_people_by_project(ids, until=end of m)`.
    """
    parts, params = [], []
    for source in _sources(sources):
        sql, part_params = source.dated_rows(project_ids, include_sensitive).query.sql_with_params()
        columns = "project_id_ AS project_id, person_id_ AS person_id, day_ AS day"
        parts.append(f"SELECT {columns} FROM ({sql}) AS src_{len(parts)}")
        params.extend(part_params)
    if not parts:
        return {}
    union = " UNION ALL ".join(parts)
    firsts = (
        f"SELECT project_id, MIN(day) FROM ({union}) AS people WHERE day IS NOT NULL GROUP BY project_id, person_id"
    )
    return count_first_days_by_month(firsts, params)


def distinct_people_by_project_and_country(
    project_ids: Sequence[int],
    until: date | None = None,
    sources: Sequence[str] | None = None,
    include_sensitive: IncludeSensitive = True,
) -> dict[int, dict[str, int]]:
    """{project_id: {country ISO code: distinct people}} over the people sources (a person's country), one query."""
    from django.apps import apps
    from django.db import connection

    Country, Person = apps.get_model("projects", "Country"), apps.get_model("projects", "Person")
    union, params = _people_union(project_ids, until, sources, include_sensitive)
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


def distinct_people_by_project_and_field(
    path: str,
    project_ids: Sequence[int],
    until: date | None = None,
    include_sensitive: IncludeSensitive = True,
) -> dict[int, dict[object, int]]:
    """{project_id: {a person's `path` (e.g. `country__code`): distinct people}} over the people sources, one query;
    people whose `path` is empty are left out."""
    from django.db import connection
    from django.db.models import F

    parts, params = [], []
    for source in _sources(None):
        rows = (
            source.queryset(project_ids, until, include_sensitive)
            .order_by()
            .filter(**{f"{source.person}__{path}__isnull": False})
            .values(
                project_id_=F(id_path(source.project)),
                person_id_=F(id_path(source.person)),
                category_=F(f"{source.person}__{path}"),
            )
        )
        sql, part_params = rows.query.sql_with_params()
        columns = "project_id_ AS project_id, person_id_ AS person_id, category_ AS category"
        parts.append(f"SELECT {columns} FROM ({sql}) AS src_{len(parts)}")
        params.extend(part_params)
    if not parts:
        return {}
    query = (
        f"SELECT project_id, category, COUNT(DISTINCT person_id) FROM ({' UNION '.join(parts)}) AS people GROUP BY 1, 2"
    )
    result: dict[int, dict[object, int]] = {}
    with connection.cursor() as cursor:
        cursor.execute(query, params)
        for project_id, category, n in cursor.fetchall():
            result.setdefault(project_id, {})[category] = n
    return result


@dataclass(frozen=True)
class PeopleMetric:
    """Distinct people across every registered people source (the core's: a person counts once, wherever they
    took part). Its breakdowns are its own (by country) and those the people sources declare."""

    key: str
    label: str
    breakdowns: Sequence[Breakdown] = field(default_factory=tuple)
    offered: bool = False
    app_label: str = ""
    declared = False
    has_monthly = True

    def values(
        self, project_ids: Sequence[int], until: date | None = None, *, include_sensitive: IncludeSensitive = True
    ) -> Mapping[int, int]:
        if not rolled_up(self):
            return self.raw_values(project_ids, until, include_sensitive=include_sensitive)
        numbers = read_rolled_up([self.key], project_ids, include_sensitive=include_sensitive, at=(until,))
        return numbers.values[0].get(self.key, {})

    def raw_values(
        self, project_ids: Sequence[int], until: date | None = None, *, include_sensitive: IncludeSensitive = True
    ) -> Mapping[int, int]:
        """From the raw records (the reference the rollups are checked against)."""
        return distinct_people_by_project(project_ids, until, include_sensitive=include_sensitive)

    def monthly_values(
        self, project_ids: Sequence[int], *, include_sensitive: IncludeSensitive = True
    ) -> Mapping[int, Mapping[date, int]]:
        if not rolled_up(self):
            return self.raw_monthly_values(project_ids, include_sensitive=include_sensitive)
        numbers = read_rolled_up([self.key], project_ids, include_sensitive=include_sensitive, at=(), monthly=True)
        return numbers.monthly.get(self.key, {})

    def raw_monthly_values(
        self, project_ids: Sequence[int], *, include_sensitive: IncludeSensitive = True
    ) -> Mapping[int, Mapping[date, int]]:
        return first_people_by_project_month(project_ids, include_sensitive=include_sensitive)

    def raw_breakdown_values(
        self, breakdown: Breakdown, project_ids: Sequence[int], until: date | None, include_sensitive: IncludeSensitive
    ) -> dict:
        """One of its own breakdowns (by a field of the person) from the raw records."""
        if breakdown.compute is not None:
            return call_compute(breakdown.compute, project_ids, until, include_sensitive)
        data = distinct_people_by_project_and_field(breakdown.field, project_ids, until, include_sensitive)
        result: dict[int, dict[str, int]] = {}
        for project_id, by_value in data.items():
            for value, n in by_value.items():
                name = breakdown.category(value)
                result.setdefault(project_id, {})[name] = result.get(project_id, {}).get(name, 0) + n
        return result

    def bound_breakdowns(self, people_sources: Sequence = ()) -> list[BoundBreakdown]:
        """Its own breakdowns (a `field` is a path from the person: `country__code`), then those of the people
        sources (the registry passes them)."""
        from_rollups = rolled_up(self)

        def bind(breakdown: Breakdown) -> BoundBreakdown:
            def compute(project_ids, until, include_sensitive: IncludeSensitive = True):
                if breakdown.compute is None and from_rollups:
                    return read_breakdown(self.key, breakdown.dimension, project_ids, until, include_sensitive)
                return self.raw_breakdown_values(breakdown, project_ids, until, include_sensitive)

            rolled = breakdown.compute is None and from_rollups
            return BoundBreakdown(self.key, breakdown.dimension, breakdown.label, compute, rolled)

        bound = [bind(b) for b in self.breakdowns]
        for source in people_sources:
            bound.extend(source.bound_breakdowns(self.key, from_rollups))
        return bound
