"""Metrics: what an indicator counts, declared once, from which its value at a date, its monthly series and its
breakdowns all follow.

A declarative metric names the records it counts and how to reach their project and their date:

    Metric(
        key="joint_patrols",
        label=_("Joint patrols"),
        records=lambda: JointActivity.objects.counted().filter(type=ActivityType.JOINT_PATROL),
        project="project",
        date="end_date",
        breakdowns=[Breakdown("country", _("By lead country"), field="lead_country__code")],
        sensitive="is_sensitive",
    )

Its value for many projects is one GROUP BY query; its monthly series (for burn-up charts) is one query too, each
counted thing in the month it first counted, so that the months up to m add up to the value at the end of m. A metric
whose shape is not a count of records hands over `compute` (and optionally `monthly`) callables instead.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

from django.utils.translation import gettext_lazy as _

from .store import current as current_store

if TYPE_CHECKING:
    from django.db.models import QuerySet

# compute(project_ids, until) -> {project_id: value}; `until` (inclusive) keeps the records dated on or before it.
ComputeFn = Callable[[Sequence[int], date | None], Mapping[int, int]]
# monthly(project_ids) -> {project_id: {first day of a month: increase of the value in that month}}.
MonthlyFn = Callable[[Sequence[int]], Mapping[int, Mapping[date, int]]]
# breakdown(project_ids, until) -> {project_id: {category: value}}; the dimension "country" has ISO codes.
BreakdownFn = Callable[[Sequence[int], date | None], Mapping[int, Mapping[str, int]]]

NOT_GIVEN = _("Not given")


@dataclass(frozen=True)
class Breakdown:
    """A metric's value split by a dimension ("country", "type", ...), shown on the project dashboard.

    Declared by `field`, the path from the metric's records to the category (its value is shown through `labels`:
    a mapping such as a TextChoices' choices, or a function), or, when that shape does not fit, by `compute`. The
    dimension "country" has ISO codes as categories; the dashboard's country filter reads it.
    """

    dimension: str
    label: str
    field: str = ""
    labels: Mapping[Any, Any] | Callable[[Any], Any] | None = None
    compute: BreakdownFn | None = None

    def category(self, value: Any) -> str:
        if callable(self.labels):
            return str(self.labels(value))
        if self.labels is not None:
            value = self.labels.get(value, value)
        return str(value if value not in (None, "") else NOT_GIVEN)


@dataclass(frozen=True)
class BoundBreakdown:
    """A breakdown as the dashboard reads it: of which metric, and its values for many projects in one query."""

    metric: str
    dimension: str
    label: str
    compute: Callable[..., Mapping[int, Mapping[str, int]]]  # (project_ids, until, include_sensitive=True)
    rolled_up: bool = False  # read from the rollups: `projects.rollups.read` answers many at once


def id_path(path: str) -> str:
    """The path to a relation's id: `project` -> `project_id`; `pk` and paths already ending in `_id` stay."""
    return path if path in ("pk", "id") or path.endswith("_id") else f"{path}_id"


# Which sensitive records a number includes: True all of them (an unfiltered cumulative total, or a reader who sees
# every project's), False none, or the ids of the projects whose sensitive records the reader sees (the portfolio
# mixes projects a user manages with projects they only view). See `projects.access.sees_sensitive`.
IncludeSensitive = bool | Collection[int]


def include_sensitive_for(projects: Iterable) -> frozenset[int]:
    """The `include_sensitive` of a reader of these projects (each annotated with the reader's role)."""
    return frozenset(p.pk for p in projects if p.sees_sensitive)


def without_sensitive(qs: QuerySet, project: str, flag: str, include: IncludeSensitive) -> QuerySet:
    """`qs` minus the sensitive records (`flag`, a path to a boolean) of the projects whose sensitive records are not
    included (`project`: the path to the record's project)."""
    if not flag or include is True:
        return qs
    from django.db.models import Q

    if include is False or not include:
        return qs.filter(**{flag: False})
    return qs.filter(Q(**{flag: False}) | Q(**{f"{id_path(project)}__in": sorted(include)}))


def rolled_up(metric) -> bool:
    """Whether this metric (or people metric) is the registered one the rollups keep."""
    kept = current_store()
    return kept is not None and kept.is_tracked(metric)


def read_rolled_up(keys, project_ids, **options):
    """The numbers of these metrics from the rollups (the installed store; see `projects.rollups.read`)."""
    return current_store().read(keys, project_ids, **options)


def read_breakdown(metric_key: str, dimension: str, project_ids, until, include_sensitive) -> dict:
    """{project_id: {category: value}} of one breakdown, from the rollups (one query)."""
    numbers = read_rolled_up(
        [metric_key],
        project_ids,
        include_sensitive=include_sensitive,
        at=(until,),
        breakdowns=[(metric_key, dimension)],
    )
    return numbers.breakdowns[0].get((metric_key, dimension), {})


def call_compute(fn: Callable, project_ids, until, include_sensitive: IncludeSensitive):
    """Call a `compute` function, passing `include_sensitive` when it takes it (one that may count sensitive records
    must; one that counts none, such as road maps, need not)."""
    import inspect

    if "include_sensitive" in inspect.signature(fn).parameters:
        return fn(project_ids, until, include_sensitive=include_sensitive)
    return fn(project_ids, until)


def _records_of(
    records: Callable[[], QuerySet],
    project: str,
    date_field: str,
    project_ids,
    until,
    sensitive: str = "",
    include_sensitive: IncludeSensitive = True,
) -> QuerySet:
    qs = records().filter(**{f"{project}__in": list(project_ids)})
    if until is not None and date_field:
        qs = qs.filter(**{f"{date_field}__lte": until})
    return without_sensitive(qs, project, sensitive, include_sensitive)


def grouped_counts(qs: QuerySet, project: str, counts: str, category: Breakdown | None = None) -> dict:
    """{project_id: n} or, with a breakdown, {project_id: {category: n}} of distinct `counts`, in one query."""
    from django.db.models import Count

    project_id = id_path(project)
    if category is None:
        rows = qs.order_by().values(project_id).annotate(n=Count(counts, distinct=True)).values_list(project_id, "n")
        return dict(rows)
    rows = (
        qs.order_by()
        .values(project_id, category.field)
        .annotate(n=Count(counts, distinct=True))
        .values_list(project_id, category.field, "n")
    )
    result: dict[int, dict[str, int]] = {}
    for project_pk, value, n in rows:
        by_category = result.setdefault(project_pk, {})
        name = category.category(value)
        by_category[name] = by_category.get(name, 0) + n
    return result


def count_by_project_month(qs: QuerySet, date_field: str, project_field: str = "project_id") -> dict:
    """{project_id: {first day of month: rows dated in it}} in one GROUP BY query."""
    from django.db.models import Count
    from django.db.models.functions import TruncMonth

    rows = (
        qs.order_by()
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


def count_first_days_by_month(firsts_sql: str, params: Sequence) -> dict[int, dict[date, int]]:
    """{project_id: {first day of month: rows}} for an SQL query whose rows are (project_id, first_day).

    "The month something first counted" groups an aggregate again, which the ORM cannot do; this does it in one
    query on PostgreSQL and on SQLite (the development default) alike.
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


def first_counted_by_month(qs: QuerySet, project: str, date_field: str, counts: str) -> dict[int, dict[date, int]]:
    """Each distinct `counts` of each project in the month of its earliest `date_field`, in one query."""
    from django.db.models import Min

    project_id = id_path(project)
    if counts == "pk" and "__" not in date_field:  # a record has one date: a plain GROUP BY month
        return count_by_project_month(qs, date_field, project_id)
    firsts = (
        qs.order_by()
        .filter(**{f"{date_field}__isnull": False, f"{counts}__isnull": False})
        .values(project_id, counts)
        .annotate(first_day=Min(date_field))
        .values_list(project_id, "first_day")
    )
    sql, params = firsts.query.sql_with_params()
    return count_first_days_by_month(sql, params)


@dataclass(frozen=True)
class Metric:
    """What an indicator counts; see the module's docstring.

    - `records`: a function returning the queryset of what counts (no project or date filter);
    - `project`: the path from a record to its project (`project`, `workstream__project`, `event__project`);
    - `date`: the path to the date a record counts from (`until` compares with it; the monthly series groups by it);
    - `counts`: what is counted, distinct: `pk` (records), `person` (people counted once), `person__country`...;
    - `breakdowns`: its dimensions; `sensitive`: the path to the flag of records that may be sensitive ("" if none).
    """

    key: str
    label: str
    records: Callable[[], QuerySet] | None = None
    project: str = "project"
    date: str = ""
    counts: str = "pk"
    breakdowns: Sequence[Breakdown] = ()
    sensitive: str = ""
    offered: bool = False  # offered to admins for indicators they add, though no reference indicator uses it
    compute: ComputeFn | None = None
    monthly: MonthlyFn | None = None
    # What `records()` reads that no path above covers, as lookups from the records (`attendance` when it filters
    # on an Exists of attendance rows): writes to those rows update the rollups too.
    depends: Sequence[str] = ()
    app_label: str = ""

    def __post_init__(self) -> None:
        if (self.records is None) == (self.compute is None):
            raise ValueError(f"metric {self.key!r}: declare `records` or give `compute`, not both or neither")
        if self.sensitive and self.records is None:
            raise ValueError(f"metric {self.key!r}: a metric whose records may be sensitive declares its `records`")
        for breakdown in self.breakdowns:
            if not breakdown.field and breakdown.compute is None:
                raise ValueError(f"metric {self.key!r}: breakdown {breakdown.dimension!r} has no field nor compute")
            if breakdown.field and self.records is None:
                raise ValueError(f"metric {self.key!r}: a breakdown by field needs a declared metric")

    @property
    def declared(self) -> bool:
        return self.records is not None

    # Every read takes `include_sensitive` (see `IncludeSensitive`): True, the default, counts every record, as an
    # unfiltered cumulative total does for every reader; the dashboards, reports and exports pass False (or the
    # projects the reader manages) for every filtered number, breakdown and monthly series of a viewer or staff.

    def queryset(
        self, project_ids: Iterable[int], until: date | None = None, *, include_sensitive: IncludeSensitive = True
    ) -> QuerySet:
        """The records that count for these projects, dated on or before `until`."""
        assert self.records is not None, f"metric {self.key!r} is not declarative"
        return _records_of(self.records, self.project, self.date, project_ids, until, self.sensitive, include_sensitive)

    @property
    def rolled_up(self) -> bool:
        """Whether its numbers are read from the rollups: a declared metric as the registry holds it (a metric built
        in a test and never registered computes from its records)."""
        return self.declared and rolled_up(self)

    def values(
        self, project_ids: Sequence[int], until: date | None = None, *, include_sensitive: IncludeSensitive = True
    ) -> Mapping[int, int]:
        """{project_id: value} (from the rollups, one query)."""
        if self.compute is not None:
            return call_compute(self.compute, project_ids, until, include_sensitive)
        if not self.rolled_up:
            return self.raw_values(project_ids, until, include_sensitive=include_sensitive)
        numbers = read_rolled_up([self.key], project_ids, include_sensitive=include_sensitive, at=(until,))
        return numbers.values[0].get(self.key, {})

    def raw_values(
        self, project_ids: Sequence[int], until: date | None = None, *, include_sensitive: IncludeSensitive = True
    ) -> Mapping[int, int]:
        """{project_id: value} from the raw records, in one query (the reference the rollups are checked against)."""
        queryset = self.queryset(project_ids, until, include_sensitive=include_sensitive)
        return grouped_counts(queryset, self.project, self.counts)

    @property
    def has_monthly(self) -> bool:
        return self.monthly is not None or (self.declared and bool(self.date))

    def monthly_values(
        self, project_ids: Sequence[int], *, include_sensitive: IncludeSensitive = True
    ) -> Mapping[int, Mapping[date, int]]:
        """{project_id: {month: increase}} (from the rollups, one query); only when `has_monthly`."""
        if self.monthly is not None:
            return self.monthly(project_ids)
        if not self.rolled_up:
            return self.raw_monthly_values(project_ids, include_sensitive=include_sensitive)
        numbers = read_rolled_up([self.key], project_ids, include_sensitive=include_sensitive, at=(), monthly=True)
        return numbers.monthly.get(self.key, {})

    def raw_monthly_values(
        self, project_ids: Sequence[int], *, include_sensitive: IncludeSensitive = True
    ) -> Mapping[int, Mapping[date, int]]:
        queryset = self.queryset(project_ids, include_sensitive=include_sensitive)
        return first_counted_by_month(queryset, self.project, self.date, self.counts)

    def breakdown_values(
        self,
        breakdown: Breakdown,
        project_ids: Sequence[int],
        until: date | None = None,
        *,
        include_sensitive: IncludeSensitive = True,
    ):
        if breakdown.compute is not None:
            return call_compute(breakdown.compute, project_ids, until, include_sensitive)
        if not self.rolled_up:
            return self.raw_breakdown_values(breakdown, project_ids, until, include_sensitive=include_sensitive)
        return read_breakdown(self.key, breakdown.dimension, project_ids, until, include_sensitive)

    def raw_breakdown_values(
        self,
        breakdown: Breakdown,
        project_ids: Sequence[int],
        until: date | None = None,
        *,
        include_sensitive: IncludeSensitive = True,
    ):
        queryset = self.queryset(project_ids, until, include_sensitive=include_sensitive)
        return grouped_counts(queryset, self.project, self.counts, breakdown)

    def bound_breakdowns(self, people_sources: Sequence = ()) -> list[BoundBreakdown]:
        return [self._bind(b) for b in self.breakdowns]

    def _bind(self, breakdown: Breakdown) -> BoundBreakdown:
        def compute(project_ids, until, include_sensitive: IncludeSensitive = True, breakdown=breakdown):
            return self.breakdown_values(breakdown, project_ids, until, include_sensitive=include_sensitive)

        rolled = breakdown.compute is None and self.rolled_up
        return BoundBreakdown(self.key, breakdown.dimension, breakdown.label, compute, rolled)
