"""What the rollups keep, derived from the registered metrics: for each metric, the records it counts (one
source, or one per people source for the people counted once), the dimensions it is split by, and which models a
write to changes it (its dependencies, from the paths it declares)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.core.exceptions import FieldDoesNotExist, ImproperlyConfigured

if TYPE_CHECKING:
    from django.db.models import Model, QuerySet


@dataclass(frozen=True)
class Source:
    """Records a metric counts: paths from them to the project, the date, what is counted, the sensitive flag, and
    its dimensions as (dimension, path to the category) pairs, the total ("", "") first."""

    records: Callable[[], QuerySet]
    project: str
    date: str
    counts: str
    sensitive: str
    dimensions: tuple[tuple[str, str], ...]
    depends: tuple[str, ...] = ()

    def model(self) -> type[Model]:
        return self.records().model


@dataclass(frozen=True)
class Tracked:
    """A metric the rollups keep. `first`: it counts something once, in the month it first counted (a person, a
    country, a record dated through a to-many relation), through `RollupFirst`; otherwise records go straight to day
    cells."""

    key: str
    first: bool
    sources: tuple[Source, ...]

    def dimensions(self) -> list[str]:
        return sorted({dimension for source in self.sources for dimension, _ in source.dimensions})


def _walk(model, path: str) -> tuple[list[tuple[str, type]], bool]:
    """The (prefix, model) pairs whose rows a path reads beyond the records (every relation it goes through and
    reads a field of), and whether it goes through a to-many relation."""
    parts = path.split("__")
    reads, to_many, current = [], False, model
    for i, part in enumerate(parts[:-1]):
        field = current._meta.get_field(part)
        if not field.is_relation:
            raise ImproperlyConfigured(f"{model._meta.label}: {path!r} goes through {part!r}, not a relation")
        if field.many_to_many:
            raise ImproperlyConfigured(
                f"{model._meta.label}: {path!r} goes through a many-to-many relation, which the rollups do not follow"
            )
        to_many = to_many or field.one_to_many
        current = field.related_model
        reads.append(("__".join(parts[: i + 1]), current))
    if parts[-1] not in ("pk", "id"):
        field = model._meta.get_field(parts[0]) if len(parts) == 1 else current._meta.get_field(parts[-1])
        if field.is_relation and (field.one_to_many or field.many_to_many):
            raise ImproperlyConfigured(f"{model._meta.label}: {path!r} ends on a to-many relation")
    return reads, to_many


def dependencies(source: Source) -> list[tuple[type, str]]:
    """(model, lookup from the records to it, "pk" for the records themselves) for every model whose writes may
    change what the source counts, where, when or under which category."""
    model = source.model()
    deps = {(model, "pk")}
    paths = [source.project, source.counts, *(field for _, field in source.dimensions if field)]
    paths += [p for p in (source.date, source.sensitive) if p]
    for path in paths:
        if path in ("pk", "id"):
            continue
        reads, _ = _walk(model, path)
        deps.update((related, prefix) for prefix, related in reads)
    for path in source.depends:  # what a records() filter reads that no path covers (an Exists on another table)
        field = None
        current = model
        for part in path.split("__"):
            field = current._meta.get_field(part)
            current = field.related_model
        deps.add((current, path))
    return sorted(deps, key=lambda d: (d[0]._meta.label, d[1]))


def is_first(counts: str, model, date: str) -> bool:
    return counts not in ("pk", "id") or bool(date and _walk(model, date)[1])


def build(metrics, people_sources) -> dict[str, Tracked]:
    """The tracked metrics of the registry: declared metrics and the people metric (metrics given as `compute`
    functions keep computing, and so does a metric whose paths are not fields, such as annotations: the rollups
    cannot tell which writes change it)."""
    tracked = {}
    for metric in metrics:
        found = _tracked(metric, people_sources)
        if found is not None:
            try:
                for source in found.sources:
                    dependencies(source)
            except FieldDoesNotExist:
                continue
            tracked[found.key] = found
    return tracked


def _tracked(metric, people_sources) -> Tracked | None:
    from projects.registry.metrics import Metric
    from projects.registry.people import PeopleMetric

    if isinstance(metric, Metric) and metric.declared:
        dims = (("", ""), *((b.dimension, b.field) for b in metric.breakdowns if b.field))
        source = Source(
            metric.records, metric.project, metric.date, metric.counts, metric.sensitive, dims, tuple(metric.depends)
        )
        try:
            first = is_first(metric.counts, source.model(), metric.date)
        except FieldDoesNotExist:
            return None
        return Tracked(metric.key, first, (source,))
    if isinstance(metric, PeopleMetric):
        own = [(b.dimension, b.field) for b in metric.breakdowns if b.field]
        sources = []
        for people in people_sources:
            dims = (
                ("", ""),
                *((dimension, f"{people.person}__{field}") for dimension, field in own),
                *((b.dimension, b.field) for b in people.breakdowns if b.field),
            )
            sources.append(
                Source(
                    people.records,
                    people.project,
                    people.date,
                    people.person,
                    people.sensitive,
                    dims,
                    tuple(people.depends),
                )  # fmt: skip
            )
        return Tracked(metric.key, True, tuple(sources))
    return None


def dependency_index(tracked: dict[str, Tracked]) -> dict[type, list[tuple[Tracked, Source, str]]]:
    index: dict[type, list] = defaultdict(list)
    for metric in tracked.values():
        for source in metric.sources:
            for model, prefix in dependencies(source):
                index[model].append((metric, source, prefix))
    return dict(index)
