"""Stored files follow the database: a file belongs to the rows that name it, and lives exactly as long as they do.

- **Written by a transaction that rolls back: removed.** The portal's storage (`TransactionalFileSystemStorage`,
  the default storage in settings) notes every file it writes inside a transaction; the commit takes the note back.
  What is still noted once no transaction is open on the connection was written by one that rolled back (wholly,
  or the savepoint that held the write), and `discard_uncommitted` deletes it. It runs when a request ends and when
  a Celery task ends, so a service needs nothing of its own: a form refused after the upload was stored, an admin
  save refused by a service, a job that fails half-way all leave no file behind. (Django has no "on rollback"
  hook; the end of the request or task is the first moment the rollback is certain.)
- **Replaced or deleted: removed after the commit.** When a saved record names another file than it did when it
  was loaded, or is deleted (by a service, the admin, or a cascade), its old file is deleted once the transaction
  commits (`transaction.on_commit`), never before, and never while another record still names it (an approved
  road-map version's document is also its deliverable's evidence). A rollback keeps the old file, as the rows
  still name it. Receivers are connected for the models that have file fields only (`connect_file_cleanup`).
"""

from __future__ import annotations

import logging
from functools import partial
from pathlib import Path

from django.core.files.storage import FileSystemStorage
from django.db import models, transaction
from django.db.models import Q
from django.db.models.signals import post_delete, post_init, post_save

logger = logging.getLogger(__name__)

_UNCOMMITTED = "_portal_uncommitted_files"  # attribute of the connection: [path] awaiting their commit
_STORED = "_portal_stored_files"  # attribute of a record: {field attname: file name as loaded or last saved}


# --- files written by a transaction that rolls back ------------------------------------------------------------------


def file_written(path: str) -> None:
    """Note a file just written (by its absolute path, which no later change of MEDIA_ROOT makes name another file):
    forgotten when the transaction commits, deleted if it never does."""
    connection = transaction.get_connection()
    if not connection.in_atomic_block:
        return  # autocommit: nothing to roll back
    pending = connection.__dict__.setdefault(_UNCOMMITTED, [])
    pending.append(path)
    transaction.on_commit(partial(_forget, pending, path))


def _forget(pending: list, path: str) -> None:
    if path in pending:
        pending.remove(path)


def discard_uncommitted(**_signal_kwargs) -> list[str]:
    """Delete the files written by transactions that did not commit; their paths. Does nothing while a
    transaction is still open on this connection (its files may yet be committed)."""
    connection = transaction.get_connection()
    pending = connection.__dict__.get(_UNCOMMITTED)
    if not pending or connection.in_atomic_block:
        return []
    deleted = []
    while pending:
        path = pending.pop()
        try:
            Path(path).unlink(missing_ok=True)
            deleted.append(path)
        except OSError:
            logger.exception("could not delete %s, written by a transaction that rolled back", path)
    return deleted


class TransactionalFileSystemStorage(FileSystemStorage):
    """The file-system storage, noting what it writes inside a transaction (see the module's docstring)."""

    def _save(self, name, content):
        name = super()._save(name, content)
        file_written(self.path(name))
        return name


# --- files replaced or deleted -------------------------------------------------------------------------------------


def _file_fields(model) -> list[models.FileField]:
    return [field for field in model._meta.concrete_fields if isinstance(field, models.FileField)]


def _name(value) -> str:
    return (getattr(value, "name", value) or "") if value is not None else ""


def _remember(sender, instance, **kwargs) -> None:
    """The names of the record's files as loaded (a deferred field is not known, hence never compared)."""
    instance.__dict__[_STORED] = {
        field.attname: _name(instance.__dict__[field.attname])
        for field in _file_fields(sender)
        if field.attname in instance.__dict__
    }


def _after_save(sender, instance, created, update_fields=None, **kwargs) -> None:
    stored = instance.__dict__.setdefault(_STORED, {})
    for field in _file_fields(sender):
        if field.attname not in instance.__dict__ or (update_fields is not None and field.name not in update_fields):
            continue
        new, old = _name(instance.__dict__[field.attname]), stored.get(field.attname, "")
        if old and old != new and not created:
            delete_after_commit(field.storage, old)
        stored[field.attname] = new


def _after_delete(sender, instance, **kwargs) -> None:
    for field in _file_fields(sender):
        name = _name(instance.__dict__.get(field.attname))
        if name:
            delete_after_commit(field.storage, name)


def delete_after_commit(storage, name: str) -> None:
    """Delete a stored file once the transaction commits, unless a record still names it then."""
    transaction.on_commit(partial(_delete_unless_named, storage, name), robust=True)


def _delete_unless_named(storage, name: str) -> None:
    if not is_named_by_a_record(name):
        storage.delete(name)


def is_named_by_a_record(name: str) -> bool:
    """Whether any record of any model with a file field names this file."""
    from django.apps import apps

    for model in apps.get_models():
        fields = _file_fields(model)
        if not fields:
            continue
        named = Q()
        for field in fields:
            named |= Q(**{field.name: name})
        if model._base_manager.filter(named).exists():
            return True
    return False


def connect_file_cleanup() -> None:
    """Connect the receivers to every model that has a file field (from `ProjectsConfig.ready`)."""
    from django.apps import apps

    for model in apps.get_models():
        if _file_fields(model):
            post_init.connect(_remember, sender=model, dispatch_uid=f"files-remember-{model._meta.label}")
            post_save.connect(_after_save, sender=model, dispatch_uid=f"files-save-{model._meta.label}")
            post_delete.connect(_after_delete, sender=model, dispatch_uid=f"files-delete-{model._meta.label}")
