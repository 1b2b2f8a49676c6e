"""The timeline: dated items of a project (milestones, deliverables, reports due, activities, events) for "due in
the next 30 days", "overdue" and the items of a reporting period.

A source declares its records, their date and what "open" (not done) means; every source's rows have the same
columns, so a list over all of them is ONE query (a UNION ordered by date and sliced in the database) and its counts
one more, whatever the number of sources and items.

At 100,000 activities both stay cheap (issue 11): the counts are a grouped `COUNT(*)` of each source's filtered
records, and the first items a top-N of each source in date order; on PostgreSQL each branch runs per project
(`unnest(ids) CROSS JOIN LATERAL`), so it reads a (project, date) index (partial indexes for the big sources, with
the sensitivity flag in them) instead of sorting or counting rows of the table.
"""

from __future__ import annotations

import functools
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from django.db.models import Case, CharField, Count, DateField, Func, Q, Value, When
from django.db.models import F as Field
from django.db.models.expressions import RawSQL
from django.db.models.functions import Cast
from django.utils import timezone

from .metrics import IncludeSensitive, id_path, without_sensitive

if TYPE_CHECKING:
    from django.db.models import QuerySet


@dataclass(frozen=True)
class TimelineItem:
    """Something of a project that is due (or happens) on a date."""

    project_id: int
    kind: str  # the source's key: "milestone", "deliverable", "report", "activity_end", ...
    kind_label: str
    title: str
    date: date
    done: bool = False
    status: str = ""  # a human label of the item's state
    url: str = ""
    last_day: date | None = None  # the day after which an open item is overdue (its date when None)
    pk: int | None = None  # the record's primary key (set by the timeline from the row)

    def overdue_on(self, today: date) -> bool:
        return not self.done and (self.last_day or self.date) < today


@dataclass(frozen=True)
class TimelineQuery:
    """Which items a list wants, and how many of them.

    - `since`/`until` bound the item's date (inclusive; None: unbounded);
    - `open_only` keeps what is not done;
    - `overdue` True keeps only the items overdue on `today` (open and past their last day), False only those that
      are not, None both;
    - `limit` None returns every item (ONE query, for a report's period); otherwise the items at
      [offset, offset + limit) by date and the exact counts (TWO queries; `limit=0`: the counts alone, one);
    - `include_sensitive`: which sensitive items are listed and counted (see `IncludeSensitive`); the lists of a
      viewer or staff leave them out entirely: neither their date, status nor count shows.
    """

    today: date
    since: date | None = None
    until: date | None = None
    open_only: bool = False
    overdue: bool | None = None
    limit: int | None = None
    offset: int = 0
    include_sensitive: IncludeSensitive = True


@dataclass(frozen=True)
class TimelinePage:
    """How many items match, by project (and by source), and the requested slice of them by date."""

    counts: dict[int, int]
    items: list[TimelineItem]
    by_source: dict[str, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(self.counts.values())


class AddDays(Func):
    """`date + days` as a date, on PostgreSQL and SQLite."""

    output_field = DateField()

    def __init__(self, expression, days: int):
        super().__init__(expression)
        self.days = int(days)

    def as_sql(self, compiler, connection, **extra):
        sql, params = compiler.compile(self.source_expressions[0])
        return f"({sql} + {self.days})", params

    def as_sqlite(self, compiler, connection, **extra):
        sql, params = compiler.compile(self.source_expressions[0])
        return f"date({sql}, '{self.days:+d} days')", params


# The columns every source's rows have, in this order (a UNION matches columns by position).
COLUMNS = ("tl_kind", "tl_pk", "tl_project", "tl_code", "tl_date", "tl_last", "tl_done", "tl_title", "tl_status",
           "tl_a", "tl_b", "tl_c")  # fmt: skip


@dataclass(frozen=True)
class TimelineRow:
    """A row as a source's `item` function reads it."""

    pk: int
    project_id: int
    project_code: str
    date: date
    last_day: date
    done: bool
    title: str
    status: str
    a: str
    b: str
    c: str


@dataclass(frozen=True)
class TimelineSource:
    """A kind of dated item.

    - `records()`: the queryset of candidate items (no project or date filter);
    - `project`: the path to the project; `date`: the field the item is dated by, shifted by `shift_days` (an
      evaluation due 30 days after an activity's end); `late`: the field past which an open item is overdue
      (default: `date`, with the same shift);
    - `open(today)`: a Q of what is not done (a function, for rules that depend on the day);
    - `title`, `status` and `extra` (up to three more fields, read as `a`, `b`, `c`): what `item` needs;
    - `item(row: TimelineRow) -> TimelineItem`: labels and URL, without a query;
    - `sensitive`: the path to the flag of items only some readers see (see `TimelineQuery.include_sensitive`).
    """

    key: str
    label: str
    records: Callable[[], QuerySet]
    item: Callable[[TimelineRow], TimelineItem]
    open: Callable[[date], Q]
    project: str = "project"
    date: str = "due_date"
    late: str = ""
    shift_days: int = 0
    title: str = "title"
    status: str = "status"
    extra: Sequence[str] = ()
    sensitive: str = ""
    app_label: str = ""

    def selected(self, project_ids: Sequence[int] | None, query: TimelineQuery) -> QuerySet:
        """The source's records the query selects (filtered, not yet shaped as the UNION's columns).

        `project_ids` None: the project is the one of the enclosing `LATERAL` (see `Timeline._lateral`)."""
        shift = timedelta(days=self.shift_days)
        late = self.late or self.date
        if project_ids is None:
            qs = self.records().filter(**{self.project: RawSQL(f'"{LATERAL_PROJECT}"."id"', ())})
        else:
            qs = self.records().filter(**{f"{self.project}__in": list(project_ids)})
        qs = without_sensitive(qs, self.project, self.sensitive, query.include_sensitive)
        if query.since is not None:
            qs = qs.filter(**{f"{self.date}__gte": query.since - shift})
        if query.until is not None:
            qs = qs.filter(**{f"{self.date}__lte": query.until - shift})
        is_open = self.open(query.today)
        deadline = query.today - shift
        on_time = Q(**{f"{late}__gte": deadline})
        if query.overdue is True:
            qs = qs.filter(is_open, **{f"{late}__lt": deadline})
        elif query.open_only:
            qs = qs.filter(is_open, on_time) if query.overdue is False else qs.filter(is_open)
        elif query.overdue is False:
            qs = qs.filter(~is_open | on_time)
        return qs.order_by()

    def rows(self, project_ids: Sequence[int] | None, query: TimelineQuery) -> QuerySet:
        """The source's rows the query selects, as the UNION's columns (not yet ordered or sliced)."""
        late = self.late or self.date
        is_open = self.open(query.today)
        extra = [*self.extra, "", "", ""][:3]
        text = CharField()
        columns = {
            "tl_kind": Value(self.key, output_field=text),
            "tl_pk": Field("pk"),
            "tl_project": Field(id_path(self.project)),
            "tl_code": Cast("code" if self.project in ("pk", "id") else f"{self.project}__code", text),
            "tl_date": AddDays(Field(self.date), self.shift_days) if self.shift_days else Cast(self.date, DateField()),
            "tl_last": AddDays(Field(late), self.shift_days) if self.shift_days else Cast(late, DateField()),
            # a list of open items knows they are not done (no second evaluation of what `open` asks)
            "tl_done": Value(False) if query.open_only or query.overdue is True
            else Case(When(is_open, then=Value(False)), default=Value(True)),
            "tl_title": Cast(self.title, text),
            "tl_status": Cast(self.status, text) if self.status else Value("", output_field=text),
            **{name: Cast(path, text) if path else Value("", output_field=text)
               for name, path in zip(("tl_a", "tl_b", "tl_c"), extra, strict=True)},
        }  # fmt: skip
        return self.selected(project_ids, query).values(**columns)

    def first_rows(self, project_ids: Sequence[int] | None, query: TimelineQuery, n: int) -> QuerySet:
        """The source's first `n` rows by date: each branch of a UNION sliced on its own, so the database reads n
        rows of each source through its date index instead of sorting every matching row (a top-N per branch)."""
        return self.rows(project_ids, query).order_by(self.date, "pk")[:n]

    def counts(self, project_ids: Sequence[int] | None, query: TimelineQuery) -> QuerySet:
        """(kind, project, how many) of the rows the query selects: a grouped count of the filtered records alone,
        which the database can answer from its indexes (no column of the listed rows is computed)."""
        kind = Value(self.key, output_field=CharField())
        return (
            self.selected(project_ids, query)
            .values(tl_project=Field(id_path(self.project)))
            .annotate(tl_kind=kind, tl_n=Count("*"))
            .values("tl_kind", "tl_project", "tl_n")
        )

    def to_item(self, row: Mapping[str, Any]) -> TimelineItem:
        last = row["tl_last"]
        item = self.item(
            TimelineRow(
                pk=row["tl_pk"],
                project_id=row["tl_project"],
                project_code=row["tl_code"],
                date=_as_date(row["tl_date"]),
                last_day=_as_date(last) if last is not None else None,
                done=bool(row["tl_done"]),
                title=row["tl_title"] or "",
                status=row["tl_status"] or "",
                a=row["tl_a"] or "",
                b=row["tl_b"] or "",
                c=row["tl_c"] or "",
            )
        )
        return item if item.pk is not None else replace(item, pk=row["tl_pk"])


def _as_date(value) -> date:
    if isinstance(value, str):
        return date.fromisoformat(value[:10])
    return value.date() if hasattr(value, "date") and callable(value.date) else value


# The alias of the project a `LATERAL` branch is evaluated for (see `Timeline._lateral`).
LATERAL_PROJECT = "tl_p"


def uses_lateral(connection) -> bool:
    """Whether lists read each source per project through `LATERAL` (PostgreSQL), or in one UNION (SQLite)."""
    return connection.vendor == "postgresql"


def _branch_sql(source: TimelineSource, kind: str, query: TimelineQuery, n: int = 0) -> tuple[str, tuple]:
    """The SQL of one source's `LATERAL` branch ("counts", or the "first" n rows), compiled once per process for
    the same source and query (a dashboard asks the same lists all day: building and compiling a dozen querysets
    cost more than running them)."""
    try:
        return _compiled(source, kind, query, n)
    except TypeError:  # a query that cannot be a cache key (an unhashable set of projects): compile it afresh
        return _compiled.__wrapped__(source, kind, query, n)


@functools.lru_cache(maxsize=512)
def _compiled(source: TimelineSource, kind: str, query: TimelineQuery, n: int) -> tuple[str, tuple]:
    queryset = source.counts(None, query) if kind == "counts" else source.first_rows(None, query, n)
    sql, params = queryset.query.sql_with_params()
    return sql, tuple(params)


class Timeline:
    """Every registered source's items, merged by date in the database."""

    def __init__(self, sources: Callable[[], Mapping[str, TimelineSource]]) -> None:
        self._sources = sources

    def keys(self) -> list[str]:
        return sorted(self._sources())

    def labels(self) -> dict[str, str]:
        sources = self._sources()
        return {key: sources[key].label for key in sorted(sources)}

    def __len__(self) -> int:
        return len(self._sources())

    def page(
        self, project_ids: Sequence[int], query: TimelineQuery, *, kinds: Iterable[str] = (), counts: bool = True
    ) -> TimelinePage:
        """The sources' items (all, or those of `kinds`) by date: counts and the query's slice (see TimelineQuery).

        `counts=False` skips the counting query (a paged list that has counted already)."""
        from django.db import connection

        wanted = set(kinds)
        sources = self._sources()
        chosen = [sources[key] for key in sorted(sources) if not wanted or key in wanted]
        if not chosen or not project_ids:
            return TimelinePage(counts={}, items=[], by_source={s.key: 0 for s in chosen})
        if query.limit is None:
            parts = [source.rows(project_ids, query) for source in chosen]
            union = parts[0].union(*parts[1:], all=True) if len(parts) > 1 else parts[0]
            items = [sources[row["tl_kind"]].to_item(row) for row in union.order_by("tl_date", "tl_kind", "tl_pk")]
            by_source = Counter(item.kind for item in items)
            return TimelinePage(
                counts=dict(Counter(item.project_id for item in items)),
                items=items,
                by_source={s.key: by_source.get(s.key, 0) for s in chosen},
            )
        per_project: Counter[int] = Counter()
        by_source: Counter[str] = Counter()
        lateral = uses_lateral(connection)
        if counts:
            if lateral:
                rows = self._lateral(project_ids, [_branch_sql(source, "counts", query) for source in chosen])
            else:
                parts = [source.counts(project_ids, query) for source in chosen]
                rows = parts[0].union(*parts[1:], all=True) if len(parts) > 1 else parts[0]
            for row in rows:
                per_project[row["tl_project"]] += row["tl_n"]
                by_source[row["tl_kind"]] += row["tl_n"]
        items = []
        if query.limit:
            end = query.offset + query.limit
            if lateral:
                branches = [_branch_sql(source, "first", query, end) for source in chosen]
                rows = self._lateral(project_ids, branches, order=("tl_date", "tl_kind", "tl_pk"), window=query)
            else:
                parts = [source.rows(project_ids, query) for source in chosen]
                union = parts[0].union(*parts[1:], all=True) if len(parts) > 1 else parts[0]
                rows = union.order_by("tl_date", "tl_kind", "tl_pk")[query.offset : end]
            items = [sources[row["tl_kind"]].to_item(row) for row in rows]
        return TimelinePage(
            counts=dict(per_project), items=items, by_source={s.key: by_source.get(s.key, 0) for s in chosen}
        )

    @staticmethod
    def _lateral(
        project_ids: Sequence[int],
        branches: Sequence[tuple[str, tuple]],
        *,
        order=(),
        window: TimelineQuery | None = None,
    ) -> list[dict]:
        """Each branch evaluated for each project (`unnest(ids) CROSS JOIN LATERAL (branch)`), all in one UNION.

        On PostgreSQL: a branch then filters on ONE project, so the planner reads its rows (a top-N in date order,
        or a count) from the (project, date) index alone, where `project_id IN (...)` would make it sort or count
        every matching row of every project; and each branch is compiled once, whatever the number of projects."""
        from django.db import connection

        pieces, params = [], []
        for sql, branch_params in branches:
            projects = f'unnest(%s::bigint[]) AS "{LATERAL_PROJECT}"("id")'
            pieces.append(f"SELECT tl_b.* FROM {projects} CROSS JOIN LATERAL ({sql}) AS tl_b")
            params += [list(project_ids), *branch_params]
        sql = " UNION ALL ".join(f"({piece})" for piece in pieces)
        if order:
            sql = f"SELECT * FROM ({sql}) AS tl ORDER BY {', '.join(order)}"
        if window is not None:
            sql += " LIMIT %s OFFSET %s"
            params += [window.limit, window.offset]
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            names = [column.name for column in cursor.description]
            return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]

    def paged(self, project_ids: Sequence[int], query: TimelineQuery, *, kinds: Iterable[str] = ()) -> TimelineList:
        """The list as a `Paginator` reads it (its counts, then the page's slice)."""
        return TimelineList(self, project_ids, query, kinds=kinds)

    def items(
        self,
        project_ids: Sequence[int],
        *,
        since: date | None = None,
        until: date | None = None,
        open_only: bool,
        today: date | None = None,
        include_sensitive: IncludeSensitive = True,
    ) -> list[TimelineItem]:
        """Every item of these projects dated in [since, until], by date, in one query: a report's items."""
        query = TimelineQuery(
            today=today or timezone.localdate(),
            since=since,
            until=until,
            open_only=open_only,
            include_sensitive=include_sensitive,
        )
        return self.page(project_ids, query).items


class TimelineList:
    """A `Paginator`'s object list over the timeline: `count()` and slices, each one bounded query."""

    def __init__(
        self, timeline: Timeline, project_ids: Sequence[int], query: TimelineQuery, *, kinds: Iterable[str] = ()
    ) -> None:
        self.timeline, self.project_ids, self.query, self.kinds = timeline, list(project_ids), query, tuple(kinds)

    def count(self) -> int:
        return self.totals().total

    def totals(self) -> TimelinePage:
        """Counts only (one query), remembered for the page."""
        if not hasattr(self, "_totals"):
            self._totals = self.timeline.page(self.project_ids, replace(self.query, limit=0), kinds=self.kinds)
        return self._totals

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, index: slice) -> list[TimelineItem]:
        if not isinstance(index, slice):
            raise TypeError("A timeline list is read by slices.")
        query = replace(self.query, offset=index.start or 0, limit=(index.stop or 0) - (index.start or 0))
        return self.timeline.page(self.project_ids, query, kinds=self.kinds, counts=False).items
