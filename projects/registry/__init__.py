"""The one registry through which an app plugs into the core, without the core importing it.

Each app declares everything it adds to the portal in ONE module, `<app>/contributions.py`:

    CONTRIBUTIONS = Contributions(
        metrics=[Metric(...)],               # what indicators count (value, monthly series, breakdowns)
        people_sources=[PeopleSource(...)],  # records that involve people, counted once across apps
        timeline=[TimelineSource(...)],      # dated items: due, overdue, a period's items
        reminder_kinds=[ReminderKind(...)],  # reminders sent by e-mail and in the notification list
        sections=[Section(...)],             # tabs of the project page
        jobs=[JobHandler(...)],              # background work with progress
        seeders=[Seeder(...)],               # demo data
        portfolio_panels=[...], report_sections=[...], detail_panels=[...],
        workstream_summaries=[...],          # a progress report's lines per workstream (records held in a period)
        pickers=[Picker(...)],               # search-as-you-type choices of records (projects.pickers)
    )

and registers it from `AppConfig.ready()` in one line: `registry.register_app(self)`. Reading that module tells a
newcomer everything the app adds. Keys are unique across the portal: a second registration of a key (or of an
app) fails at start-up. See docs/DEVELOPING.md for a worked example.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, fields, replace

from django.core.exceptions import ImproperlyConfigured

from . import people, store
from .kinds import (
    DetailPanel,
    JobHandler,
    Picker,
    PortfolioPanel,
    Reminder,
    ReminderKind,
    ReportSection,
    Section,
    Seeder,
    WorkstreamSummary,
)
from .metrics import BoundBreakdown, Breakdown, IncludeSensitive, Metric, include_sensitive_for
from .people import PeopleMetric, PeopleSource
from .timeline import Timeline, TimelineItem, TimelineList, TimelinePage, TimelineQuery, TimelineRow, TimelineSource

__all__ = [
    "BoundBreakdown", "Breakdown", "Contributions", "DetailPanel", "IncludeSensitive", "JobHandler", "Metric",
    "PeopleMetric", "Picker", "include_sensitive_for",
    "PeopleSource", "PortfolioPanel", "Registry", "Reminder", "ReminderKind", "ReportSection", "Section", "Seeder",
    "TimelineItem", "TimelineList", "TimelinePage", "TimelineQuery", "TimelineRow", "TimelineSource", "registry",
    "WorkstreamSummary",
]  # fmt: skip


@dataclass(frozen=True)
class Contributions:
    """Everything one app adds to the portal (see the module's docstring)."""

    metrics: Sequence[Metric | PeopleMetric] = ()
    people_sources: Sequence[PeopleSource] = ()
    timeline: Sequence[TimelineSource] = ()
    reminder_kinds: Sequence[ReminderKind] = ()
    sections: Sequence[Section] = ()
    jobs: Sequence[JobHandler] = ()
    seeders: Sequence[Seeder] = ()
    portfolio_panels: Sequence[PortfolioPanel] = ()
    report_sections: Sequence[ReportSection] = ()
    detail_panels: Sequence[DetailPanel] = ()
    pickers: Sequence[Picker] = ()
    workstream_summaries: Sequence[WorkstreamSummary] = ()

    def items(self, app_label: str) -> Iterator[tuple[str, object]]:
        """(kind, item) for every contribution, each stamped with the app that contributes it."""
        for kind in fields(self):
            for item in getattr(self, kind.name):
                yield kind.name, replace(item, app_label=app_label)


class Registry:
    def __init__(self) -> None:
        self._apps: dict[str, Contributions] = {}
        self._items: dict[str, dict[str, object]] = {kind.name: {} for kind in fields(Contributions)}
        self.timeline = Timeline(lambda: self._items["timeline"])
        people.registered_sources = self.people_sources

    # --- registration ---------------------------------------------------------------------------------------------

    def register_app(self, app_config) -> Contributions:
        """Register `<app>.contributions.CONTRIBUTIONS` (the one line of an app's `ready()`)."""
        module = importlib.import_module(f"{app_config.name}.contributions")
        return self.register(app_config.label, module.CONTRIBUTIONS)

    def register(self, app_label: str, contributions: Contributions) -> Contributions:
        if app_label in self._apps:
            raise ImproperlyConfigured(f"The contributions of {app_label!r} are already registered.")
        stamped = []
        for kind, item in contributions.items(app_label):
            key = item.key
            taken = self._items[kind].get(key) or next((s for k, ky, s in stamped if (k, ky) == (kind, key)), None)
            if taken is not None:
                raise ImproperlyConfigured(
                    f"{kind} {key!r} of {app_label!r} is already registered by {taken.app_label!r}."
                )
            stamped.append((kind, key, item))
        for kind, key, item in stamped:
            self._items[kind][key] = item
        self._apps[app_label] = contributions
        self._rollups_follow()
        return contributions

    def _rollups_follow(self) -> None:
        """The rollups track the models the metrics now registered read (their signals connect here)."""
        kept = store.current()
        if kept is not None and (self._items["metrics"] or self._items["people_sources"]):
            kept.follow()

    def unregister(self, app_label: str) -> None:
        self._apps.pop(app_label, None)
        for items in self._items.values():
            for key in [key for key, item in items.items() if item.app_label == app_label]:
                del items[key]

    @contextmanager
    def contributed(self, app_label: str, contributions: Contributions) -> Iterator[Contributions]:
        """Contributions registered for the duration of a block (tests)."""
        self.register(app_label, contributions)
        try:
            yield contributions
        finally:
            self.unregister(app_label)

    def apps(self) -> dict[str, Contributions]:
        return dict(self._apps)

    def app_of(self, kind: str, key: str) -> str | None:
        item = self._items[kind].get(key)
        return item.app_label if item is not None else None

    # --- metrics ----------------------------------------------------------------------------------------------------

    def metric(self, key: str) -> Metric | PeopleMetric | None:
        return self._items["metrics"].get(key)

    def metric_keys(self) -> list[str]:
        return sorted(self._items["metrics"])

    def metric_choices(self) -> list[tuple[str, str]]:
        metrics = self._items["metrics"]
        return [(key, f"{metrics[key].label} ({key})") for key in sorted(metrics)]

    def breakdowns_for(self, metric_keys: Iterable[str]) -> list[BoundBreakdown]:
        """The breakdowns of these metrics, in a stable order (by metric, then dimension)."""
        result = []
        for key in sorted(set(metric_keys)):
            metric = self.metric(key)
            if metric is not None:
                bound = metric.bound_breakdowns(self.people_sources())
                result.extend(sorted(bound, key=lambda b: b.dimension))
        return result

    def breakdown(self, metric_key: str, dimension: str) -> BoundBreakdown | None:
        return next((b for b in self.breakdowns_for([metric_key]) if b.dimension == dimension), None)

    def people_sources(self) -> list[PeopleSource]:
        items = self._items["people_sources"]
        return [items[key] for key in sorted(items)]

    # --- the rest ---------------------------------------------------------------------------------------------------

    def reminder_kinds(self) -> list[ReminderKind]:
        items = self._items["reminder_kinds"]
        return [items[key] for key in sorted(items)]

    def reminder_kind(self, key: str) -> ReminderKind | None:
        return self._items["reminder_kinds"].get(key)

    def sections_for(self, project) -> list[dict]:
        """The tabs this user sees on this project (the project must carry `user_role`, see `with_role`)."""
        sections = sorted(self._items["sections"].values(), key=lambda s: (s.order, s.key))
        return [{"key": s.key, "label": s.label, "url": s.url(project)} for s in sections if s.shows_on(project)]

    def job_handler(self, kind: str):
        handler = self.job_kind(kind)
        return handler.handler if handler is not None else None

    def job_kind(self, kind: str) -> JobHandler | None:
        return self._items["jobs"].get(kind)

    def seeders(self) -> list[Seeder]:
        return sorted(self._items["seeders"].values(), key=lambda s: (s.order, s.app_label))

    def portfolio_panels(self) -> list[PortfolioPanel]:
        items = self._items["portfolio_panels"]
        return [items[key] for key in sorted(items)]

    def report_sections(self) -> list[ReportSection]:
        return sorted(self._items["report_sections"].values(), key=lambda s: (s.order, s.key))

    def workstream_summaries(self) -> list[WorkstreamSummary]:
        return sorted(self._items["workstream_summaries"].values(), key=lambda s: (s.order, s.key))

    def detail_panels(self, model_label: str) -> list[DetailPanel]:
        panels = [p for p in self._items["detail_panels"].values() if p.model == model_label]
        return sorted(panels, key=lambda p: (p.order, p.key))

    def panels_for(self, project, obj) -> list[dict]:
        """The blocks the apps add to `obj`'s detail page: [{"key", "template", "data"}], for the view's context
        (the page includes each `template` with `data`)."""
        panels = []
        for panel in self.detail_panels(obj._meta.label):
            data = panel.context(project, obj)
            if data is not None:
                panels.append({"key": panel.key, "template": panel.template, "data": data})
        return panels

    def picker(self, key: str) -> Picker | None:
        return self._items["pickers"].get(key)


registry = Registry()
