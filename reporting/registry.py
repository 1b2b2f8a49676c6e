"""What the dashboards, reports and reminders learn from other apps, without importing them.

Apps fill these registries in `AppConfig.ready()` (the reporting app registers the core's entries itself):

- `timeline_sources`: dated items of a project (milestones, deliverables, report due dates, activities, events)
  for "due in the next 30 days", "overdue" and the items of a reporting period;
- `breakdowns`: a metric's value split by a dimension ("country", "type", ...), shown on the project dashboard,
  and used by the country filter when the dimension is "country";
- `reminder_kinds`: the reminders the portal sends (e-mail and the notification list); users choose which kinds
  they receive.

Each source, breakdown and collector runs ONE query for many projects at once, so a page costs a fixed number of
queries whatever the data.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date

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


# fn(project_ids, *, since, until, open_only) -> items dated in [since, until] (None: unbounded); with open_only,
# only the items that are not done. One query.
TimelineFn = Callable[..., Iterable[TimelineItem]]


@dataclass(frozen=True)
class TimelineSource:
    key: str
    label: str
    items: TimelineFn
    app_label: str = ""


class TimelineSourceRegistry:
    def __init__(self) -> None:
        self._sources: dict[str, TimelineSource] = {}

    def register(self, key: str, *, label: str, items: TimelineFn, app_label: str = "") -> None:
        self._sources[key] = TimelineSource(key, label, items, app_label)

    def unregister(self, key: str) -> None:
        self._sources.pop(key, None)

    def keys(self) -> list[str]:
        return sorted(self._sources)

    def __len__(self) -> int:
        return len(self._sources)

    def items(
        self, project_ids: Sequence[int], *, since: date | None = None, until: date | None = None, open_only: bool
    ) -> list[TimelineItem]:
        """Every source's items for these projects, by date (one query per source)."""
        result: list[TimelineItem] = []
        for key in self.keys():
            result.extend(self._sources[key].items(project_ids, since=since, until=until, open_only=open_only))
        return sorted(result, key=lambda item: (item.date, item.kind, item.title))


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
