"""Keeping the rollups in step with every write, in the same transaction.

A write to a tracked model (one a metric's paths read, see `specs.dependencies`) collects, before it (pre_save,
pre_delete, before a bulk update) and after it (post_save, after a bulk write), which cells of which metrics the
written rows take part in: for each metric depending on the model, `records().filter(<path>=pk)` gives (project,
day) pairs for a day metric and (project, key) pairs for a counted-once one. After the write those cells are
recomputed from the raw records (`recompute_days` / `recompute_keys`), never incremented, under advisory
locks taken in a fixed order. `batch()` defers the work of bulk writes to one rebuild per (metric, project).
"""

from __future__ import annotations

import threading
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager

from django.db import transaction
from django.db.models import signals

from .engine import Dirty, _day, lock, lock_id, month_of, rebuild, recompute_days, recompute_keys
from .specs import Tracked, build, dependency_index

# Above this many touched cells (days or keys) of one (metric, project), a write rebuilds the pair whole.
WHOLE_ABOVE = 500

_state = threading.local()
_cache: dict = {}


def _pending() -> dict[str, dict[int, Dirty]]:
    if not hasattr(_state, "pending"):
        _state.pending = defaultdict(lambda: defaultdict(Dirty))
    return _state.pending


def in_batch() -> bool:
    return getattr(_state, "batch", 0) > 0


def _everything() -> bool:
    return getattr(_state, "everything", 0) > 0


# --- what is tracked ------------------------------------------------------------------------------------------------


def tracked() -> dict[str, Tracked]:
    """The metrics the rollups keep and answer for: those of the registry as it was at start-up, plus any rebuilt
    since under the current registrations. A metric registered or changed after start-up (tests'
    `registry.contributed`, a monkeypatched people source) computes from its records until `rebuild` covers it."""
    built = _built()
    baseline = _cache.get("baseline")
    if baseline is None:
        return built
    return {key: m for key, m in built.items() if baseline.get(key) == m or key in _cache["rebuilt"]}


def _built() -> dict[str, Tracked]:
    from django.apps import apps

    from projects.registry import registry

    metrics = [registry.metric(k) for k in registry.metric_keys()]
    sources = registry.people_sources()
    signature = (tuple(map(id, metrics)), tuple(map(id, sources)))
    if _cache.get("signature") != signature:
        built = build(metrics, sources)
        _cache["tracked"] = built
        _cache["index"] = dependency_index(built)
        _cache["signature"] = signature
        _cache["rebuilt"] = set()  # rebuilt under other registrations: no longer in step
        _connect(_cache["index"])
    if apps.ready and "baseline" not in _cache:
        _cache["baseline"] = _cache["tracked"]
    return _cache["tracked"]


def _index() -> dict:
    _built()
    return _cache["index"]


def tracks(model) -> bool:
    return model in _index()


def tracked_models() -> list:
    return sorted(_index(), key=lambda m: m._meta.label)


# --- collecting what a write touches --------------------------------------------------------------------------------


def collect(model, pks) -> None:
    """Note the cells the rows `pks` of `model` take part in now (call before and after writing them)."""
    pks = [pk for pk in pks if pk is not None]
    if not pks or _everything():
        return
    from projects.registry.metrics import id_path

    pending = _pending()
    entries = _index().get(model, ())
    direct = [(metric, source) for metric, source, prefix in entries if prefix == "pk" and not metric.first]
    if len(direct) > 1 and not in_batch():
        _collect_direct(model, pks, direct, pending)
        entries = [entry for entry in entries if not (entry[2] == "pk" and not entry[0].first)]
    for metric, source, prefix in entries:
        lookup = "pk__in" if prefix == "pk" else f"{prefix}__in"
        qs = source.records().order_by().filter(**{lookup: pks})
        project_id = id_path(source.project)
        if in_batch():
            for pid in qs.values_list(project_id, flat=True).distinct():
                pending[metric.key][pid].whole = True
            continue
        if metric.first:
            rows = qs.filter(**{f"{source.counts}__isnull": False}).values_list(project_id, source.counts).distinct()
            for pid, key in rows:
                pending[metric.key][pid].keys.add(key)
        else:
            columns = (project_id, source.date) if source.date else (project_id,)
            for row in qs.values_list(*columns).distinct():
                day = _day(row[1] if source.date else None, source)
                pending[metric.key][row[0]].days.add(day)


def _collect_direct(model, pks, direct, pending) -> None:
    """The day cells of the metrics that count the rows of `model` themselves, for all of them in ONE query: each
    row with, per metric, whether the metric's records include it (an EXISTS), its project and its date (where one
    query per metric would read the same rows again: six ATHENA 2 metrics count joint activities)."""
    from django.db.models import Exists, OuterRef
    from django.db.models import F as Field

    from projects.registry.metrics import id_path

    columns = {}
    for i, (_metric, source) in enumerate(direct):
        columns[f"rc_in{i}"] = Exists(source.records().filter(pk=OuterRef("pk")))
        columns[f"rc_p{i}"] = Field(id_path(source.project))
        if source.date:
            columns[f"rc_d{i}"] = Field(source.date)
    for row in model._base_manager.filter(pk__in=pks).order_by().values(**columns):
        for i, (metric, source) in enumerate(direct):
            if row[f"rc_in{i}"]:
                day = _day(row[f"rc_d{i}"] if source.date else None, source)
                pending[metric.key][row[f"rc_p{i}"]].days.add(day)


def collect_created(model, objs) -> None:
    """Note the cells new rows take part in when the database did not return their ids (`bulk_create` with
    `ignore_conflicts`): rows reached through a reverse relation (attendance of a registration) by the ids they
    point to, new rows that nothing references yet not at all, the rest by rebuilding their metrics' projects."""
    objs = list(objs)
    with_pk = [obj.pk for obj in objs if obj.pk is not None]
    collect(model, with_pk)
    if len(with_pk) == len(objs) or _everything():
        return
    from projects.registry.metrics import id_path

    pending = _pending()
    for metric, source, prefix in _index().get(model, ()):
        fields = _fields_of(source.model(), prefix)
        if fields and not any(f.one_to_many for f in fields):
            continue  # only forward relations: no record references a row just created
        if len(fields) == 1:  # the records' own reverse relation: the new rows name their records
            parents = {getattr(obj, fields[0].field.attname) for obj in objs} - {None}
            qs = source.records().order_by().filter(pk__in=sorted(parents))
            for pid in qs.values_list(id_path(source.project), flat=True).distinct():
                pending[metric.key][pid].whole = True
            continue
        for pid in source.records().order_by().values_list(id_path(source.project), flat=True).distinct():
            pending[metric.key][pid].whole = True


def _fields_of(model, prefix: str) -> list:
    """The relations a lookup goes through ([] for "pk")."""
    if prefix == "pk":
        return []
    fields, current = [], model
    for part in prefix.split("__"):
        field = current._meta.get_field(part)
        fields.append(field)
        current = field.related_model
    return fields


def flush() -> None:
    """Recompute the cells collected so far (nothing inside a batch: its end rebuilds)."""
    if in_batch():
        return
    pending = _pending()
    if not pending:
        return
    work = {key: dict(by_project) for key, by_project in pending.items()}
    pending.clear()
    metrics = tracked()
    with transaction.atomic():
        shared, exclusive = set(), set()
        for key, by_project in work.items():
            metric = metrics.get(key)
            for pid, dirty in by_project.items():
                if metric is None:
                    continue
                if len(dirty.days) > WHOLE_ABOVE or len(dirty.keys) > WHOLE_ABOVE:
                    dirty.whole = True
                if dirty.whole or metric.first:
                    exclusive.add(lock_id(key, pid))
                else:
                    shared.add(lock_id(key, pid))
                    exclusive.update(lock_id(key, pid, month_of(d)) for d in dirty.days)
        lock(shared, exclusive)
        for key in sorted(work):
            metric = metrics.get(key)
            if metric is None:
                continue
            for pid in sorted(work[key]):
                dirty = work[key][pid]
                if dirty.whole:
                    rebuild(metric, [pid])
                elif metric.first:
                    recompute_keys(metric, pid, dirty.keys)
                elif dirty.days:
                    recompute_days(metric, pid, dirty.days)


@contextmanager
def batch(*, everything: bool = False) -> Iterator[None]:
    """Defer the rollups of the writes in the block to its end: each (metric, project) a write touched is rebuilt
    whole, once (imports, bulk work). `everything=True` collects nothing and rebuilds every rollup at the end (the
    demo seed: cheaper than asking which projects 100,000 new rows touch)."""
    _state.batch = getattr(_state, "batch", 0) + 1
    _state.everything = getattr(_state, "everything", 0) + int(everything)
    ok = False
    try:
        yield
        ok = True
    finally:
        _state.batch -= 1
        _state.everything -= int(everything)
        if not ok:
            _pending().clear()
    if in_batch():
        return
    if everything:
        _pending().clear()
        rebuild_all()
        return
    flush()


def rebuild_all(keys=None, project_ids=None) -> None:
    """Every rollup (of these metrics, these projects) from the raw records, each (metric, project) locked as a
    write's recompute locks it."""
    from projects.models import Project

    with transaction.atomic():
        metrics = _built()
        keys = sorted(metrics if keys is None else keys)
        ids = list(Project.objects.values_list("pk", flat=True)) if project_ids is None else list(project_ids)
        lock([], [lock_id(key, pid) for key in keys for pid in ids])
        for key in keys:
            rebuild(metrics[key], project_ids)
    if project_ids is None:
        _cache["rebuilt"].update(keys)


# --- signals --------------------------------------------------------------------------------------------------------


def _before_save(sender, instance, **kwargs) -> None:
    _state.deleting = 0
    if not instance._state.adding and instance.pk is not None:
        collect(sender, [instance.pk])


def _after_save(sender, instance, **kwargs) -> None:
    collect(sender, [instance.pk])
    flush()


# A delete cascades: Django sends every pre_delete, then deletes model by model, sending each model's post_delete
# right after its rows go. The recompute waits for the last tracked row of the cascade to be gone.


def _before_delete(sender, instance, **kwargs) -> None:
    if getattr(_state, "after_delete", False):  # a new delete (the previous one may have failed half-way)
        _state.deleting, _state.after_delete = 0, False
    _state.deleting = getattr(_state, "deleting", 0) + 1
    collect(sender, [instance.pk])


def _after_delete(sender, instance, **kwargs) -> None:
    _state.after_delete = True
    _state.deleting = max(getattr(_state, "deleting", 0) - 1, 0)
    if not _state.deleting:
        flush()


def _connect(index: dict) -> None:
    for model in index:
        uid = f"rollups:{model._meta.label}"
        signals.pre_save.connect(_before_save, sender=model, dispatch_uid=uid)
        signals.post_save.connect(_after_save, sender=model, dispatch_uid=uid)
        signals.pre_delete.connect(_before_delete, sender=model, dispatch_uid=uid)
        signals.post_delete.connect(_after_delete, sender=model, dispatch_uid=uid)


def rebuild_after_migrate(sender, using="default", **kwargs) -> None:
    """Fill the rollups after `migrate` when they are empty but records that count exist (a database migrated to
    the release that adds them); otherwise they are kept in step by the writes."""
    from projects.models import RollupCell

    if sender.label != "projects" or RollupCell.objects.using(using).exists():
        return
    metrics = tracked()
    if any(source.records().using(using).exists() for m in metrics.values() for source in m.sources):
        rebuild_all()
