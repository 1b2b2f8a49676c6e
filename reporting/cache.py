"""The dashboards' cache: a version per project, bumped whenever a record of that project changes.

Every cached value is stored under a key that holds the versions of the projects it was computed from (one for the
dashboard, one per project shown on the portfolio), the shared version (below), the reader's visibility class
(whether, and for which of those projects, the reader sees sensitive records) and the language. A save in one
project makes that project's cached values unreachable and leaves the other projects' in place; never a stale
number after a save, and a viewer's and a manager's numbers never share an entry.

A version is bumped at the save (so the saving request sees fresh numbers) and again when the transaction commits
(so a value computed by another request between the save and the commit, from the old data, is dropped too).

Records of no single project that the numbers show or count by (people, countries and their groups,
organisations, IMOBEX's exploitation indicators) bump the **shared** version, which is part of every key: a person
counted by several projects, or a country renamed, invalidates every project's values. They change rarely (the
reference data and the people's register); what changes all day, the projects' own records, is precise.

Bulk writes (`bulk_create`, `QuerySet.update`) send no signals: code that uses them on project data calls
`bump(project_id)` itself, or `bump()` (the shared version: everything) when it wrote to several projects (the
reporting app's demo seeder runs last and bumps, for every seeder's bulk writes).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable
from typing import Any

from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_delete
from django.utils.translation import get_language

SHARED_KEY = "reporting:version"
TIMEOUT = 15 * 60  # a safety net; invalidation does not depend on it

# Models with a project whose changes move no number on a dashboard (the audit trail is written by every export).
IGNORED = {
    "projects.AuditEvent",
    "projects.BackgroundJob",
    "projects.Membership",
    "reporting.ReminderDelivery",
    "reporting.ProgressReport",
}
# Records of no single project that dashboards count or label by: a change bumps the shared version.
SHARED = {
    "projects.Person",
    "projects.Country",
    "projects.CountryGroup",
    "projects.Organisation",
    "imobex.ExploitationIndicator",
}


def _project_key(project_id: int) -> str:
    return f"reporting:version:p{project_id}"


def versions(project_ids: Iterable[int]) -> list[int]:
    """The shared version, then the version of each project, in the order given (one round trip when all exist)."""
    keys = [SHARED_KEY, *(_project_key(pk) for pk in project_ids)]
    found = cache.get_many(keys)
    # A missing key (a new or flushed cache) starts from the clock, so entries of an older run are never reused.
    return [found[key] if key in found else cache.get_or_set(key, time.time_ns(), timeout=None) for key in keys]


def version(project_id: int | None = None) -> int:
    """The shared version, or the version of one project (with the shared one, what its keys hold)."""
    return versions([] if project_id is None else [project_id])[-1]


def bump(project_id: int | None = None) -> None:
    """A new version for one project's values, or (no project) for every value: the shared version is in every key."""
    key = SHARED_KEY if project_id is None else _project_key(project_id)
    try:
        cache.incr(key)
    except ValueError:  # the key is gone (evicted, flushed)
        cache.set(key, time.time_ns(), timeout=None)


def _visibility(sensitive: bool | Iterable[int]) -> str:
    if isinstance(sensitive, bool):
        return f"s{int(sensitive)}"
    return "s" + ",".join(map(str, sorted(sensitive)))


def cached(key: str, compute: Callable[[], Any], *, projects: Iterable[int], sensitive: bool | Iterable[int]) -> Any:
    """The value under `key`, computed from the records of `projects` for a reader who sees the sensitive records of
    all of them (True), none (False) or those given; stored when missing, reused until one of them changes."""
    ids = sorted(set(projects))
    stamp = ".".join(map(str, versions(ids)))
    full_key = f"reporting:{stamp}:{get_language()}:{_visibility(sensitive)}:{key}"
    value = cache.get(full_key)
    if value is None:
        _unread_set().clear()  # a value computed now may read this transaction's writes: the next save bumps again
        value = compute()
        cache.set(full_key, value, TIMEOUT)
    return value


# --- invalidation ---------------------------------------------------------------------------------------------------


def is_project_data(model) -> bool:
    from projects.models import Project

    if model is Project:
        return True
    return hasattr(model, "project_path") and model._meta.label not in IGNORED


def _is_shared(model) -> bool:
    return model._meta.label in SHARED


def project_ids_of(instance, *, memo: dict | None = None) -> set[int] | None:
    """The project of a record of project data, by its model's `project_path`: followed through the related records
    already loaded, else read in one query (from the first parent on, through `memo` when given: the records of one
    cascade share their parents); empty for a record tied to no project, None when it cannot be known (a row
    already gone), which the caller takes as "any project"."""
    from projects.models import Project

    if isinstance(instance, Project):
        return {instance.pk}
    *hops, last = instance.project_path.split("__")
    value = instance
    for name in hops:
        if not value._meta.get_field(name).is_cached(value):
            break
        value = getattr(value, name)
        if value is None:
            return set()
    else:
        project_id = getattr(value, f"{last}_id")
        return set() if project_id is None else {project_id}
    first = instance._meta.get_field(hops[0])
    parent_id = getattr(instance, first.attname)
    if parent_id is None:
        return set()
    key = (first.related_model._meta.label, parent_id)
    if memo is not None and key in memo:
        return memo[key]
    rest = "__".join([*hops[1:], last])
    found = list(first.related_model._base_manager.filter(pk=parent_id).values_list(rest, flat=True))
    ids = {pk for pk in found if pk is not None} if found else None
    if memo is not None:
        memo[key] = ids
    return ids


class _CommitBump:
    """The bump of one project (None: the shared version) when the transaction commits; one per transaction."""

    def __init__(self, project_id: int | None):
        self.project_id = project_id

    def __call__(self) -> None:
        _unread_set().discard(self.project_id)
        bump(self.project_id)


_local = threading.local()


def _unread_set() -> set:
    """The projects this thread bumped with no value computed since (None for the shared version)."""
    if not hasattr(_local, "unread"):
        _local.unread = set()
    return _local.unread


def _bump_now_and_at_commit(project_ids: set[int] | None) -> None:
    """Bump now and when the transaction commits. Within one transaction, a project already bumped, with its commit
    bump pending and no value computed by this thread since, is not bumped again: a cascade of a thousand rows
    costs one bump per project, not a thousand."""
    connection = transaction.get_connection()
    pending = (
        {f.project_id for _sids, f, _robust in connection.run_on_commit if isinstance(f, _CommitBump)}
        if connection.in_atomic_block
        else set()
    )
    unread = _unread_set()
    for project_id in [None] if project_ids is None else sorted(project_ids):
        if project_id in pending and project_id in unread:
            continue
        bump(project_id)
        unread.add(project_id)
        if project_id not in pending:
            transaction.on_commit(_CommitBump(project_id))


def _saved(sender, instance, raw=False, **kwargs) -> None:
    if _is_shared(sender):
        _bump_now_and_at_commit(None)
    elif is_project_data(sender):
        _bump_now_and_at_commit(project_ids_of(instance))


def _deleting(sender, instance, origin=None, **kwargs) -> None:
    # Cascades delete the children before their parents' rows go but after they were collected: the path to the
    # project is followed here, while every row is still there, and kept for the post_delete. The rows of one
    # delete (one origin) share their parents: their projects are looked up once.
    if is_project_data(sender) and not _is_shared(sender):
        if getattr(_local, "origin", None) is not origin:
            _local.origin, _local.memo = origin, {}
        instance._reporting_projects = project_ids_of(instance, memo=_local.memo)


def _deleted(sender, instance, **kwargs) -> None:
    if _is_shared(sender):
        _bump_now_and_at_commit(None)
    elif is_project_data(sender):
        projects = getattr(instance, "_reporting_projects", None)
        _bump_now_and_at_commit(projects if projects is not None else project_ids_of(instance))


def _m2m_changed(sender, instance, action, reverse, model, pk_set, **kwargs) -> None:
    if not action.startswith("post_"):
        return
    # `instance` is the side whose relation was changed; with `reverse`, the records added or removed are `model`'s.
    if _is_shared(type(instance)) and not is_project_data(model):
        _bump_now_and_at_commit(None)
    elif is_project_data(type(instance)):
        _bump_now_and_at_commit(project_ids_of(instance))
    elif is_project_data(model):
        if pk_set is None:  # a clear() from the other side: which records it touched is not known any more
            _bump_now_and_at_commit(None)
        elif not hasattr(model, "project_path"):  # Project itself
            _bump_now_and_at_commit(set(pk_set))
        else:
            ids = model._base_manager.filter(pk__in=pk_set).values_list(model.project_path, flat=True)
            _bump_now_and_at_commit({pk for pk in ids if pk is not None})
    elif _is_shared(model):
        _bump_now_and_at_commit(None)


def connect() -> None:
    post_save.connect(_saved, dispatch_uid="reporting-cache-save")
    pre_delete.connect(_deleting, dispatch_uid="reporting-cache-deleting")
    post_delete.connect(_deleted, dispatch_uid="reporting-cache-delete")
    m2m_changed.connect(_m2m_changed, dispatch_uid="reporting-cache-m2m")
