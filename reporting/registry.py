"""What the dashboards, reports and reminders learn from other apps, without importing them.

Apps fill these registries in `AppConfig.ready()` (the reporting app registers the core's entries itself):

- `timeline_sources`: dated items of a project (milestones, deliverables, report due dates, activities, events)
  for "due in the next 30 days", "overdue" and the items of a reporting period;
- `breakdowns`: a metric's value split by a dimension ("country", "type", ...), shown on the project dashboard,
  and used by the country filter when the dimension is "country";
- `reminder_kinds`: the reminders the portal sends (e-mail and the notification list); users choose which kinds
  they receive.

Each breakdown and collector runs ONE query for many projects at once, and each timeline source at most two (the
counts, then the first items by date), so a page costs a fixed number of queries whatever the data, and lists
only what it shows.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

# --- the timeline ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TimelineItem:
    """Something of a project that is due (or happens) on a date."""

    project_id: int
    kind: str  # the source's key: "milestone", "deliverable", "report", "activity", ...
    kind_label: str
    title: str
    date: date
    done: bool = False
    status: str = ""  # a human label of the item's state
    url: str = ""

    def overdue_on(self, today: date) -> bool:
        return not self.done and self.date < today


@dataclass(frozen=True)
class TimelineQuery:
    """Which items a list wants of each source, and how many of them.

    - `since`/`until` bound the item's date (inclusive; None: unbounded);
    - `open_only` keeps what is not done;
    - `overdue` True keeps only the items overdue on `today` (not done and past their date, by the item's own rule:
      `TimelineItem.overdue_on`), False only those that are not, None both;
    - `limit` None returns every item (ONE query, for the items of a report's period); otherwise the items at
      [offset, offset + limit) by date and the exact counts (TWO queries: the counts, then the slice).
    """

    today: date
    since: date | None = None
    until: date | None = None
    open_only: bool = False
    overdue: bool | None = None
    limit: int | None = None
    offset: int = 0

    def dated(self, qs, field: str, shift: timedelta = timedelta(0)):
        """`qs` with `field + shift` (the item's date) in [since, until]."""
        if self.since is not None:
            qs = qs.filter(**{f"{field}__gte": self.since - shift})
        if self.until is not None:
            qs = qs.filter(**{f"{field}__lte": self.until - shift})
        return qs

    def page(
        self,
        qs: QuerySet,
        *,
        project: str,
        order_by: Sequence[str],
        to_item: Callable[[Any], TimelineItem],
        open: Q,
        late: tuple[str, date],
        fields: Sequence[str] = (),
    ) -> TimelinePage:
        """The page of a source's queryset (already filtered by project and date): the common part of every source.

        `project` is the project id's field path; `order_by` sorts by the item's date (then something unique);
        `open` says in SQL what is not done, and `late` = (field, day) that an item is late once `field` < `day`:
        an item is overdue when it is open and late, matching its `done` and `overdue_on(today)`. `fields` are the
        values `to_item` reads (model instances when empty).
        """
        late_field, late_day = late
        on_time = Q(**{f"{late_field}__gte": late_day})
        if self.overdue is True:
            qs = qs.filter(open, **{f"{late_field}__lt": late_day})
        elif self.open_only:
            qs = qs.filter(open, on_time) if self.overdue is False else qs.filter(open)
        elif self.overdue is False:
            qs = qs.filter(~open | on_time)
        rows = qs.order_by(*order_by)
        if fields:
            rows = rows.values(*fields)
        if self.limit is None:
            items = [to_item(row) for row in rows]
            return TimelinePage(counts=dict(Counter(item.project_id for item in items)), items=items)
        counts = dict(qs.order_by().values(project).annotate(n=Count("pk")).values_list(project, "n"))
        if not self.limit:
            return TimelinePage(counts=counts, items=[])
        items = [to_item(row) for row in rows[self.offset : self.offset + self.limit]]
        return TimelinePage(counts=counts, items=items)


@dataclass(frozen=True)
class TimelinePage:
    """What a source returns: how many items match, by project, and the requested slice of them by date."""

    counts: dict[int, int]
    items: list[TimelineItem]
    by_source: dict[str, int] = field(default_factory=dict)  # the registry's merged page: how many of each source

    @property
    def total(self) -> int:
        return sum(self.counts.values())


# fn(project_ids, query: TimelineQuery) -> TimelinePage: the items of these projects that the query selects, in at
# most two queries (use `query.page`).
TimelineFn = Callable[[Sequence[int], TimelineQuery], TimelinePage]


@dataclass(frozen=True)
class TimelineSource:
    key: str
    label: str
    items: TimelineFn
    app_label: str = ""


def _by_date(item: TimelineItem) -> tuple:
    return (item.date, item.kind)  # a stable sort keeps each source's own order within a day


class TimelineSourceRegistry:
    def __init__(self) -> None:
        self._sources: dict[str, TimelineSource] = {}

    def register(self, key: str, *, label: str, items: TimelineFn, app_label: str = "") -> None:
        self._sources[key] = TimelineSource(key, label, items, app_label)

    def unregister(self, key: str) -> None:
        self._sources.pop(key, None)

    def keys(self) -> list[str]:
        return sorted(self._sources)

    def labels(self) -> dict[str, str]:
        return {key: self._sources[key].label for key in self.keys()}

    def __len__(self) -> int:
        return len(self._sources)

    def page(self, project_ids: Sequence[int], query: TimelineQuery, *, kinds: Iterable[str] = ()) -> TimelinePage:
        """The sources' items (all sources, or those of `kinds`) merged by date: counts and the query's slice.

        Two queries per source (one with `limit=None`). Each source returns its first offset + limit items, so a
        page deep into a list of many sources costs more than the first; a single kind pages in the database.
        """
        keys = [key for key in self.keys() if not kinds or key in set(kinds)]
        if len(keys) == 1 or query.limit is None:
            ask = query
        else:
            ask = replace(query, offset=0, limit=query.offset + query.limit)
        counts: Counter[int] = Counter()
        items: list[TimelineItem] = []
        by_source = {}
        for key in keys:
            result = self._sources[key].items(project_ids, ask)
            counts.update(result.counts)
            by_source[key] = result.total
            items.extend(result.items)
        items.sort(key=_by_date)
        if ask is not query:
            items = items[query.offset : query.offset + query.limit]
        return TimelinePage(counts=dict(counts), items=items, by_source=by_source)

    def items(
        self,
        project_ids: Sequence[int],
        *,
        since: date | None = None,
        until: date | None = None,
        open_only: bool,
        today: date | None = None,
    ) -> list[TimelineItem]:
        """Every item of these projects dated in [since, until], by date (one query per source): a report's items."""
        query = TimelineQuery(today=today or timezone.localdate(), since=since, until=until, open_only=open_only)
        return self.page(project_ids, query).items


class TimelineList:
    """A `Paginator`'s object list over the timeline: `count()` and slices, each a bounded call of the sources."""

    def __init__(self, project_ids: Sequence[int], query: TimelineQuery, *, kinds: Iterable[str] = ()) -> None:
        self.project_ids, self.query, self.kinds = list(project_ids), query, tuple(kinds)

    def count(self) -> int:
        return self.totals().total

    def totals(self) -> TimelinePage:
        """Counts only (one query per source), remembered for the page."""
        if not hasattr(self, "_totals"):
            self._totals = timeline_sources.page(self.project_ids, replace(self.query, limit=0), kinds=self.kinds)
        return self._totals

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, index: slice) -> list[TimelineItem]:
        if not isinstance(index, slice):
            raise TypeError("A timeline list is read by slices.")
        query = replace(self.query, offset=index.start or 0, limit=(index.stop or 0) - (index.start or 0))
        return timeline_sources.page(self.project_ids, query, kinds=self.kinds).items


timeline_sources = TimelineSourceRegistry()


# --- breakdowns -----------------------------------------------------------------------------------------------------

# fn(project_ids, until) -> {project_id: {category: value}}; for the dimension "country" the categories are ISO codes.
BreakdownFn = Callable[[Sequence[int], date | None], Mapping[int, Mapping[str, int]]]


@dataclass(frozen=True)
class Breakdown:
    metric: str
    dimension: str
    label: str
    compute: BreakdownFn


class BreakdownRegistry:
    def __init__(self) -> None:
        self._breakdowns: dict[tuple[str, str], Breakdown] = {}

    def register(self, metric: str, *, dimension: str, label: str, compute: BreakdownFn) -> None:
        self._breakdowns[(metric, dimension)] = Breakdown(metric, dimension, label, compute)

    def unregister(self, metric: str, dimension: str) -> None:
        self._breakdowns.pop((metric, dimension), None)

    def for_metrics(self, metrics: Iterable[str]) -> list[Breakdown]:
        wanted = set(metrics)
        return [b for key, b in sorted(self._breakdowns.items()) if key[0] in wanted]

    def get(self, metric: str, dimension: str) -> Breakdown | None:
        return self._breakdowns.get((metric, dimension))


breakdowns = BreakdownRegistry()


# --- reminders ------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Reminder:
    """One reminder to send about one record, on one occasion (a due date, an end date, ...).

    (kind, object_type, object_id, recipient, occasion) is sent at most once. Recipients are the project's members
    whose role is in `roles`, or exactly `user_ids` when given.
    """

    project_id: int
    object_type: str  # "app_label.Model"
    object_id: int | str
    occasion: date
    subject: str
    body: str
    url: str = ""
    roles: tuple[str, ...] = ("manager", "staff")
    user_ids: tuple[int, ...] | None = None


# collect(today) -> the reminders due today (typically one query).
CollectFn = Callable[[date], Iterable[Reminder]]


@dataclass(frozen=True)
class ReminderKind:
    key: str
    label: str
    collect: CollectFn | None
    description: str = ""
    app_label: str = ""
    default: bool = True  # whether users receive it until they opt out


@dataclass
class ReminderKindRegistry:
    _kinds: dict[str, ReminderKind] = field(default_factory=dict)

    def register(
        self,
        key: str,
        *,
        label: str,
        collect: CollectFn | None,
        description: str = "",
        app_label: str = "",
        default: bool = True,
    ) -> None:
        """Register a kind; `collect` None means the kind is sent by its own task (the monthly report)."""
        self._kinds[key] = ReminderKind(key, label, collect, description, app_label, default)

    def unregister(self, key: str) -> None:
        self._kinds.pop(key, None)

    def get(self, key: str) -> ReminderKind | None:
        return self._kinds.get(key)

    def all(self) -> list[ReminderKind]:
        return [self._kinds[key] for key in sorted(self._kinds)]


reminder_kinds = ReminderKindRegistry()
