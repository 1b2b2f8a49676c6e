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

__all__ = ["Numbers", "batch", "check", "read", "rebuild", "tracked", "tracked_models"]


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
