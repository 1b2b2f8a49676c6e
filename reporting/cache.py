"""The dashboards' cache: one version number, bumped whenever a record that belongs to a project changes.

Every cached dashboard value is stored under a key that holds the current version, so a save anywhere makes every
cached number unreachable at once: never a stale number after a save. The version is bumped at the save (so the
saving request sees fresh numbers) and again when the transaction commits (so a value computed by another request
between the save and the commit, from the old data, is dropped too).

Bulk writes (`bulk_create`, `QuerySet.update`) send no signals: code that uses them on project data calls
`bump()` itself (the reporting app's demo seeder runs last and bumps, for every seeder's bulk writes).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save

VERSION_KEY = "reporting:version"
TIMEOUT = 15 * 60  # a safety net; invalidation does not depend on it

# Models with a project whose changes move no number on a dashboard (the audit trail is written by every export).
IGNORED = {
    "projects.AuditEvent",
    "projects.BackgroundJob",
    "projects.Membership",
    "reporting.ReminderDelivery",
    "reporting.ProgressReport",
}


def version() -> int:
    # A missing key (a new or flushed cache) starts from the clock, so entries of an older run are never reused.
    return cache.get_or_set(VERSION_KEY, time.time_ns(), timeout=None)


def bump() -> None:
    try:
        cache.incr(VERSION_KEY)
    except ValueError:  # the key is gone (evicted, flushed)
        cache.set(VERSION_KEY, time.time_ns(), timeout=None)


def cached(key: str, compute: Callable[[], Any]) -> Any:
    """The value under `key` at the current version, computed and stored when missing."""
    full_key = f"reporting:{version()}:{key}"
    value = cache.get(full_key)
    if value is None:
        value = compute()
        cache.set(full_key, value, TIMEOUT)
    return value


def is_project_data(model) -> bool:
    from projects.models import Project

    if model is Project:
        return True
    return hasattr(model, "project_path") and model._meta.label not in IGNORED


def _changed(sender, **kwargs) -> None:
    if is_project_data(sender):
        bump()
        transaction.on_commit(bump)


def connect() -> None:
    post_save.connect(_changed, dispatch_uid="reporting-cache-save")
    post_delete.connect(_changed, dispatch_uid="reporting-cache-delete")
    m2m_changed.connect(_changed, dispatch_uid="reporting-cache-m2m")
