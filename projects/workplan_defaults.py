"""The workstream a new activity or event falls in when none is given, by its kind and the project's plan.

Each app states its plan (`operations.workstreams`, `conferences.workstreams`): for a project (by its code) and a
kind, the numbers of the workstreams that hold it. One number is the answer; several (DTP-TOC's yearly
conferences) are told apart by their dates; a kind the plan does not place gets no default. Numbers and codes are
stable keys: titles are translated and edited, these are not.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date

# project code -> kind -> the numbers of the workstreams that hold records of that kind
Plan = Mapping[str, Mapping[str, tuple[int, ...]]]


def pick_workstream(candidates: Iterable, day: date | None):
    """The one of `candidates` (the workstreams the plan names) that holds a record starting on `day`: the only
    candidate, or the first whose dates hold `day`; None when that is not clear."""
    candidates = sorted(candidates, key=lambda ws: ws.number)
    if len(candidates) == 1:
        return candidates[0]
    for ws in candidates:
        if day and ws.start_date and ws.end_date and ws.start_date <= day <= ws.end_date:
            return ws
    return None


def plan_default(plan: Plan, workstream_model, project, kind: str, day: date | None):
    """The default workstream of a new record of `project` of this `kind` starting on `day` (None: not clear)."""
    numbers = plan.get(project.code, {}).get(str(kind), ())
    if not numbers:
        return None
    return pick_workstream(workstream_model.objects.filter(project=project, number__in=numbers), day)


def plan_fill(plan: Plan, model, workstream_model, kind_field: str) -> int:
    """Give the records of `model` that have no workstream their default, in a few UPDATEs (the data migrations
    call it with their historical models; running it again changes nothing). Returns how many rows it set."""
    filled = 0
    for code, kinds in plan.items():
        for kind, numbers in kinds.items():
            candidates = list(
                workstream_model._base_manager.filter(project__code=code, number__in=numbers).order_by("number")
            )
            rows = model._base_manager.filter(project__code=code, workstream__isnull=True, **{kind_field: kind})
            if len(candidates) == 1:
                filled += rows.update(workstream=candidates[0])
                continue
            for ws in candidates:  # several: by dates, the first that holds the start wins (as in pick_workstream)
                if ws.start_date and ws.end_date:
                    filled += rows.filter(start_date__range=(ws.start_date, ws.end_date)).update(workstream=ws)
    return filled
