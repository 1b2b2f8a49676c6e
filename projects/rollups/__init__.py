"""Rollups: every declared metric's numbers, pre-aggregated and kept in step with every write.

Two tables (projects/models/rollups.py): `RollupCell`, a count per metric, project, dimension ("" the total),
raw category, scope ("all" records, or "public": those a reader who does not see sensitive records counts), and
day or month; and `RollupFirst`, the first day each thing a metric counts once (a person, a country, a road map)
counted. A value at a date is the month cells before its month plus the day cells of its month up to it; a monthly
series is the month cells; a breakdown the same by category. So a page reads a few hundred rows whatever the
number of records.

- `read(...)`: the numbers of many metrics and projects in two queries (see `reads.read`);
- writes keep them in step (`tracking`: signals, and `RollupQuerySet` for bulk writes), in the same transaction;
- `batch()`: bulk work (imports, the demo seed) rebuilds once at the end instead of cell by cell;
- `rebuild()` / `check()`: from the raw records (`manage.py rollups --rebuild / --check`).
"""

from __future__ import annotations

from .reads import Numbers, read
from .tracking import batch, tracked, tracked_models

__all__ = ["Numbers", "batch", "check", "check_reads", "read", "rebuild", "store", "tracked", "tracked_models"]


class RollupStore:
    """The rollups as the registry's metrics see them (installed by `ProjectsConfig.ready()`; see
    `projects.registry.store`)."""

    def is_tracked(self, metric) -> bool:
        from projects.registry import registry

        return registry.metric(metric.key) == metric and metric.key in tracked()

    def read(self, keys, project_ids, **options) -> Numbers:
        return read(keys, project_ids, **options)

    def follow(self) -> None:
        tracked()  # builds the dependency index of the metrics registered so far and connects its signals


store = RollupStore()


def rebuild(keys=None, project_ids=None) -> None:
    """Recompute the rollups (of these metrics, these projects; by default all) from the raw records."""
    from .tracking import rebuild_all

    rebuild_all(keys, project_ids)


def check(keys=None) -> list[str]:
    """The differences between the stored rollups and a recomputation from the raw records (empty when in step)."""
    from projects.models import RollupCell, RollupFirst

    from . import engine

    problems: list[str] = []
    metrics = tracked()
    for key in sorted(metrics if keys is None else keys):
        days, months, firsts = engine.from_scratch(metrics[key])
        expected = {(engine.DAY, *k): n for k, n in days.items() if n}
        expected |= {(engine.MONTH, *k): n for k, n in months.items() if n}
        stored = {
            (grain, p, d, c, s, day): n
            for grain, p, d, c, s, day, n in RollupCell.objects.filter(metric=key).values_list(
                "grain", "project_id", "dimension", "category", "scope", "day", "n"
            )
        }
        expected = {(g, p, d, c[:255], s, day): n for (g, p, d, c, s, day), n in expected.items()}
        for cell in sorted(set(expected) | set(stored), key=repr):
            if expected.get(cell) != stored.get(cell):
                problems.append(f"{key} cell {cell}: stored {stored.get(cell)}, from the records {expected.get(cell)}")
        expected_firsts = {(p, d, c[:255], k): tuple(v) for (p, d, c, k), v in firsts.items()}
        stored_firsts = {
            (p, d, c, k): (a, b)
            for p, d, c, k, a, b in RollupFirst.objects.filter(metric=key).values_list(
                "project_id", "dimension", "category", "key", "first_all", "first_public"
            )
        }
        for row in sorted(set(expected_firsts) | set(stored_firsts), key=repr):
            if expected_firsts.get(row) != stored_firsts.get(row):
                problems.append(
                    f"{key} first {row}: stored {stored_firsts.get(row)}, from the records {expected_firsts.get(row)}"
                )
    return problems


def check_reads(keys=None, at=(None,)) -> list[str]:
    """The differences between what the metrics read from the rollups (values at each date of `at`, monthly
    series, breakdowns, for a reader who sees sensitive records and one who does not) and the same numbers computed
    from the raw records (`raw_values`, `raw_monthly_values`, `raw_breakdown_values`)."""
    from projects.models import Project
    from projects.registry import registry

    ids = sorted(Project.objects.values_list("pk", flat=True))
    problems: list[str] = []
    for key in sorted(tracked() if keys is None else keys):
        metric = registry.metric(key)
        for include in (True, False):
            pairs = [("monthly", metric.monthly_values(ids, include_sensitive=include),
                      metric.raw_monthly_values(ids, include_sensitive=include))]  # fmt: skip
            for until in at:
                pairs.append((f"value at {until}", {"": metric.values(ids, until, include_sensitive=include)},
                              {"": metric.raw_values(ids, until, include_sensitive=include)}))  # fmt: skip
                for bound in metric.bound_breakdowns(registry.people_sources()):
                    stored = bound.compute(ids, until, include_sensitive=include)
                    raw = _raw_breakdown(metric, bound.dimension, ids, until, include)
                    pairs.append((f"by {bound.dimension} at {until}", stored, raw))
            for what, stored, raw in pairs:
                if _plain(stored) != _plain(raw):
                    problems.append(f"{key} {what} (sensitive {include}): rollups {stored}, raw records {raw}")
    return problems


def _plain(nested) -> dict:
    return {k: dict(v) for k, v in nested.items() if v}


def _raw_breakdown(metric, dimension: str, ids, until, include):
    from projects.registry import registry
    from projects.registry.people import PeopleMetric

    own = next((b for b in metric.breakdowns if b.dimension == dimension), None)
    if own is not None:
        return (
            metric.raw_breakdown_values(own, ids, until, include_sensitive=include)
            if not isinstance(metric, PeopleMetric)
            else metric.raw_breakdown_values(own, ids, until, include)
        )
    for source in registry.people_sources():
        for breakdown in source.breakdowns:
            if breakdown.dimension == dimension:
                return source.raw_breakdown_values(breakdown, ids, until, include)
    return {}
