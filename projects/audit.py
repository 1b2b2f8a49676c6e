"""The audit trail's hash chain: writing an entry, sealing it into the chain, verifying and purging the chain.

An entry is written unsealed, inside the transaction of the write it records (`audit_log`). One sealing step
(`audit_seal`) then takes the unsealed entries in id order, under a lock, and gives each the next sequence number,
the hash of the entry sealed before it and its own hash (`AuditEvent.compute_hash`). Entries are therefore chained
in the order their transactions committed, whatever order their ids were taken in, and there is never a fork: only
one sealing step runs at a time (a PostgreSQL advisory lock; `seq` is unique in any case). The step runs after each
commit that wrote an entry (cheap: it seals what is there) and every minute from Celery beat
(`projects.tasks.audit_seal`), which catches what an after-commit seal missed.

`audit_verify` recomputes the chain and names the first broken link; `audit_purge` is the one way entries ever
leave the table (the PostgreSQL trigger of migration 0008 refuses every other DELETE and every UPDATE but the
seal's). See "Audit trail" in docs/DEVELOPING.md.
"""

from __future__ import annotations

import getpass
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.utils import timezone

from .models import AuditEvent, Project
from .models.audit import GENESIS, SEAL_FIELDS

SEAL_LOCK = 0x5E1EC_A0D17  # the advisory lock key of the sealing step (any constant the portal uses nowhere else)
SEAL_BATCH = 1000  # entries sealed per transaction, so that the lock is held briefly
UNSEALED_AFTER = timedelta(minutes=10)  # an entry unsealed for longer than this is reported by audit_verify


def audit_log(
    *,
    user,
    action: str,
    obj=None,
    project: Project | None = None,
    object_type: str = "",
    details: dict | None = None,
    seal: bool = True,
) -> AuditEvent:
    """Record one event of the audit trail. Call it inside the transaction of the write it records.

    The entry keeps who and what as text; it is sealed into the chain once the transaction commits. `seal=False`
    leaves the sealing to the next seal (another write's, or beat's within the minute): a consultation of a page
    then costs one INSERT.
    """
    if obj is not None:
        object_type = object_type or obj._meta.label
        if project is None:
            project = getattr(obj, "project", None) if not isinstance(obj, Project) else obj
    user = user if user is not None and user.is_authenticated else None
    event = AuditEvent.objects.create(
        user=user,
        username=user.get_username() if user is not None else "",
        action=action,
        project=project,
        project_code=project.code if project is not None else "",
        object_type=object_type,
        object_id=str(obj.pk) if obj is not None and obj.pk is not None else "",
        object_repr=str(obj)[:200] if obj is not None else "",
        details=storable(details or {}),
    )
    if seal:
        seal_after_commit()
    return event


# --- what changed: a record with its related rows, before and after ---------------------------------------------------


def audit_snapshot(obj, fields: Iterable[str] | None = None) -> dict:
    """The values of a record as the trail keeps them: `fields` (by default the model's `audit_fields`), a column as
    a plain value, a foreign key as the label of the row it points to, a relation (many-to-many, or the rows that
    point to the record: an activity's officers, places, countries) as the sorted labels of its rows.

    A model names the related rows whose labels need another table in `audit_select` ({"officers": ("person",)}).
    Relations are read from the database, never from a prefetched cache, so a snapshot taken after a save is true.
    """
    model = type(obj)
    fields = getattr(model, "audit_fields", ()) if fields is None else fields
    select = getattr(model, "audit_select", {})
    snapshot: dict = {}
    for name in fields:
        field = model._meta.get_field(name)
        if field.many_to_many or field.one_to_many:
            accessor = field.name if field.concrete else field.get_accessor_name()
            if obj.pk is None:
                snapshot[name] = []
                continue
            getattr(obj, "_prefetched_objects_cache", {}).pop(accessor, None)
            rows = getattr(obj, accessor).all().select_related(*select.get(name, ()))
            snapshot[name] = sorted(str(row) for row in rows)
        elif field.is_relation:
            related = getattr(obj, name)
            snapshot[name] = None if related is None else str(related)
        else:
            snapshot[name] = _plain(getattr(obj, field.attname))
    return snapshot


def audit_changes(before: dict, after: dict) -> dict:
    """{name: {"old": ..., "new": ...}} for every value that differs between two snapshots (a creation compares
    with {}, a deletion with {}: what was there, and nothing)."""
    empty = (None, "", [])
    changes = {}
    for name in sorted(set(before) | set(after)):
        old, new = before.get(name), after.get(name)
        if old != new and not (old in empty and new in empty):
            changes[name] = {"old": old, "new": new}
    return changes


def _plain(value):
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if value is None or isinstance(value, bool | int | float | str | list | dict):
        return value
    return str(value)


def storable(value):
    """`value` with the NUL characters taken out of its strings (at any depth): what a user typed in a query string
    may hold one, and PostgreSQL's text and JSON refuse it."""
    if isinstance(value, str):
        return value.replace("\x00", "")
    if isinstance(value, dict):
        return {storable(key): storable(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [storable(item) for item in value]
    return value


# --- sealing ----------------------------------------------------------------------------------------------------------


def seal_after_commit(using: str = DEFAULT_DB_ALIAS) -> None:
    """Seal once the current transaction commits (at once outside a transaction); once per transaction, however
    many entries it writes. A failed seal is logged, never raised: the write has committed, beat seals later."""
    connection = connections[using]
    pending = (func for _, func, _ in connection.run_on_commit if getattr(func, "seals_audit_trail", False))
    if connection.in_atomic_block and any(not func.done for func in pending):
        return

    def seal_audit_trail() -> None:
        seal_audit_trail.done = True
        audit_seal(using=using)

    # `done`: a test that runs the callbacks of a transaction that never commits leaves them in the list.
    seal_audit_trail.seals_audit_trail, seal_audit_trail.done = True, False
    transaction.on_commit(seal_audit_trail, using=using, robust=True)


def audit_seal(*, using: str = DEFAULT_DB_ALIAS) -> int:
    """Seal every unsealed entry into the chain, in id order; return how many. Safe to run at any time, as often
    as wanted and concurrently (each batch is a short transaction under the sealing lock)."""
    total = 0
    while True:
        with transaction.atomic(using=using):
            _lock(using)
            sealed = _seal_locked(using)
        total += sealed
        if sealed < SEAL_BATCH:
            return total


def _lock(using: str) -> None:
    """Take the sealing lock until the transaction ends.

    On PostgreSQL an advisory lock; the statements after it see every transaction committed before it was
    granted (READ COMMITTED, the portal's isolation level). SQLite lets one writer at a time anyway: a concurrent
    seal fails (and a later one seals), it never forks the chain, as `seq` is unique.
    """
    connection = connections[using]
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [SEAL_LOCK])


def _seal_locked(using: str) -> int:
    """Seal one batch; the caller holds the lock."""
    events = AuditEvent.objects.using(using)
    pending = list(events.filter(seq__isnull=True).order_by("pk")[:SEAL_BATCH])
    if not pending:
        return 0
    seq, prev_hash = events.filter(seq__isnull=False).order_by("-seq").values_list("seq", "hash").first() or (
        0,
        GENESIS,
    )
    now = timezone.now()
    for event in pending:
        seq += 1
        event.seq, event.prev_hash, event.sealed_at = seq, prev_hash, now
        event.hash = prev_hash = event.compute_hash(seq=seq, prev_hash=prev_hash)
    events.bulk_update(pending, SEAL_FIELDS)
    return len(pending)


# --- verifying --------------------------------------------------------------------------------------------------------


@dataclass
class ChainReport:
    """What `audit_verify` found: the sealed entries checked, the head of the chain, the first broken link
    (`broken_seq`, `problem`) and the entries left unsealed for too long."""

    checked: int = 0
    first_seq: int | None = None
    head_seq: int | None = None
    head_hash: str = ""
    broken_seq: int | None = None
    broken_id: int | None = None
    problem: str = ""
    stale_unsealed: int = 0
    oldest_unsealed_id: int | None = None

    @property
    def ok(self) -> bool:
        return not self.problem and not self.stale_unsealed


def audit_verify(*, unsealed_after: timedelta = UNSEALED_AFTER, using: str = DEFAULT_DB_ALIAS) -> ChainReport:
    """Recompute the chain from its first remaining entry and report the first broken link.

    The first entry starts from the genesis hash, or, after a retention purge, from the anchor that a sealed
    purge entry recorded (the hash of the last entry it removed). Every next entry must have the next number,
    hold the previous entry's hash, and hash to its own `hash`.
    """
    report = ChainReport()
    events = AuditEvent.objects.using(using)
    previous = None
    for event in events.filter(seq__isnull=False).order_by("seq").iterator(chunk_size=2000):
        problem = _link_problem(events, previous, event)
        if not problem and event.hash != event.compute_hash(seq=event.seq, prev_hash=event.prev_hash):
            problem = "its content does not match its hash (the entry was altered)"
        if problem:
            report.broken_seq, report.broken_id, report.problem = event.seq, event.pk, problem
            break
        if previous is None:
            report.first_seq = event.seq
        report.checked += 1
        report.head_seq, report.head_hash = event.seq, event.hash
        previous = event
    stale = events.filter(seq__isnull=True, at__lt=timezone.now() - unsealed_after).order_by("pk")
    report.stale_unsealed = stale.count()
    report.oldest_unsealed_id = stale.values_list("pk", flat=True).first()
    return report


def _link_problem(events, previous: AuditEvent | None, event: AuditEvent) -> str:
    if previous is not None:
        if event.seq != previous.seq + 1:
            return f"entries {previous.seq + 1} to {event.seq - 1} are missing"
        if event.prev_hash != previous.hash:
            return f"its previous hash is not the hash of entry {previous.seq} (one of the two was altered)"
        return ""
    if event.seq == 1:
        return "" if event.prev_hash == GENESIS else "the first entry does not start from the genesis hash"
    anchored = events.filter(
        action=AuditEvent.Action.PURGE,
        seq__isnull=False,
        details__through_seq=event.seq - 1,
        details__anchor=event.prev_hash,
    )
    if not anchored.exists():
        return f"entries 1 to {event.seq - 1} are missing and no retention purge recorded their removal"
    return ""


# --- reading: the columns of an export of the trail (the admin's and the page's) -------------------------------------


# --- the retention purge ----------------------------------------------------------------------------------------------


def audit_purge(*, before: date, user=None, using: str = DEFAULT_DB_ALIAS) -> AuditEvent:
    """Remove the oldest part of the chain, every entry up to the first one written on or after `before`
    (midnight, the portal's time zone), and record the purge as a new entry.

    The chain stays whole: the purge entry records how far it removed (`through_seq`) and the hash of the last
    entry removed (`anchor`), which is the previous hash of the first entry kept, so `audit_verify` starts there.
    Unsealed entries and entries sealed after the first kept one are never removed.
    """
    if before > timezone.localdate():
        raise ValueError("A retention purge cannot remove entries written after today.")
    cutoff = timezone.make_aware(datetime.combine(before, time.min))
    events = AuditEvent.objects.using(using)
    user = user if user is not None and user.is_authenticated else None
    with transaction.atomic(using=using):
        _lock(using)
        while _seal_locked(using) == SEAL_BATCH:
            pass
        sealed = events.filter(seq__isnull=False)
        first_kept = sealed.filter(at__gte=cutoff).order_by("seq").values_list("seq", flat=True).first()
        head = sealed.order_by("-seq").values_list("seq", flat=True).first() or 0
        through = (first_kept or head + 1) - 1
        count = sealed.filter(seq__lte=through).count()
        details = {"before": before.isoformat(), "deleted": count, "by": _operator(user)}
        if count:
            details |= {"through_seq": through, "anchor": sealed.get(seq=through).hash}
        purge = events.create(
            user=user,
            username=user.get_username() if user is not None else "",
            action=AuditEvent.Action.PURGE,
            object_type=AuditEvent._meta.label,
            object_repr=f"entries before {before.isoformat()}",
            details=details,
        )
        _seal_locked(using)  # the purge entry joins the chain before anything leaves it
        if count:
            deleted = _delete_through(through, using)
            if deleted != count:
                raise RuntimeError(f"the purge removed {deleted} entries, {count} expected")
    purge.refresh_from_db()
    return purge


def _operator(user) -> str:
    """Who ran the purge: the user, or the account of the shell that ran the command."""
    if user is not None:
        return user.get_username()
    try:
        return f"{getpass.getuser()} (shell)"
    except (KeyError, OSError):
        return "shell"


def _delete_through(through: int, using: str) -> int:
    """DELETE the sealed entries up to `through`, with the trigger told that this is the retention purge (the
    setting lasts until the end of the transaction, and is switched off again at once)."""
    connection = connections[using]
    table = connection.ops.quote_name(AuditEvent._meta.db_table)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT set_config('selec.audit_purge', 'on', true)")
        cursor.execute(f"DELETE FROM {table} WHERE seq IS NOT NULL AND seq <= %s", [through])
        deleted = cursor.rowcount
        if connection.vendor == "postgresql":
            cursor.execute("SELECT set_config('selec.audit_purge', 'off', true)")
    return deleted
