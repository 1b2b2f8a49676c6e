"""Demo data for `manage.py seed_demo`: the core's part (each app contributes its own `Seeder`).

A seeder is a function `seed(*, activities: int, rng: random.Random, today: date) -> dict[str, int]` returning
what it created. Seeders must be deterministic for a given `activities` and safe to run again (they replace
their own demo records rather than add to them), and should use bulk inserts so N = 100,000 stays fast.
"""

from __future__ import annotations

import random
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import date, timedelta

from django.conf import settings
from django.db import connection

INSERT_CHUNK = 20_000


def insert_rows(model, columns: dict[str, Sequence], *, fixed: dict | None = None, ids: bool = False) -> list[int]:
    """Insert len(any column) rows of `model` without building a model instance per row: `columns` maps a field's
    attname ("project_id") to its value in each row, `fixed` a field to the value of every row; every other field
    takes its default, worked out once (`auto_now_add` included). Returns the new rows' ids in order if `ids`.

    On PostgreSQL, one set-based statement per INSERT_CHUNK rows (`INSERT ... SELECT ... FROM unnest(<arrays>)`,
    the ids drawn from the table's sequence first); elsewhere, `bulk_create`. No signals, like `bulk_create`.
    """
    fixed = dict(fixed or {})
    count = len(next(iter(columns.values()))) if columns else 0
    if count == 0:
        return []
    fields = {f.attname: f for f in model._meta.concrete_fields}
    prototype = model(**fixed)
    for field in fields.values():
        if field.attname not in columns and field.attname not in fixed and not field.primary_key:
            if field.unique:  # one default for every row would break it (a uuid4 default, say)
                raise ValueError(f"{model.__name__}.{field.name} is unique: give its values")
            fixed[field.attname] = field.pre_save(prototype, add=True)
    if connection.vendor != "postgresql":
        rows = [
            model(**fixed, **dict(zip(columns, values, strict=True))) for values in zip(*columns.values(), strict=True)
        ]
        model.objects.bulk_create(rows, batch_size=2000)
        return [row.pk for row in rows] if ids else []

    table, pk = model._meta.db_table, model._meta.pk
    columns = dict(columns)
    new_ids: list[int] = []
    with connection.cursor() as cursor:
        if ids:
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                [table, pk.column, count],
            )
            new_ids = [row[0] for row in cursor.fetchall()]
            columns = {pk.attname: new_ids, **columns}
        names = ", ".join(connection.ops.quote_name(fields[name].column) for name in [*columns, *fixed])
        arrays = ", ".join(f"%s::{fields[name].db_type(connection)}[]" for name in columns)
        scalars = "".join(f", %s::{fields[name].db_type(connection)}" for name in fixed)
        aliases = ", ".join(f"c{i}" for i in range(len(columns)))
        sql = (
            f"INSERT INTO {connection.ops.quote_name(table)} ({names}) "
            f"SELECT {aliases}{scalars} FROM unnest({arrays}) AS u({aliases})"
        )
        constants = [fields[name].get_db_prep_save(value, connection) for name, value in fixed.items()]
        for start in range(0, count, INSERT_CHUNK):
            chunk = [list(values[start : start + INSERT_CHUNK]) for values in columns.values()]
            cursor.execute(sql, [*constants, *chunk])  # the fixed values come first in the statement
    return new_ids


@contextmanager
def bulk_load(*models) -> Iterator[None]:
    """Bulk inserts into these models' tables with their secondary indexes and foreign keys set aside: the indexes
    are built again at the end (one sorted build each instead of a million insertions), the foreign keys added
    again (one set-based validation of every row each, instead of a check per row and key). PostgreSQL only
    (elsewhere, nothing changes), and only inside a transaction, so that a failure rolls all of it back. Primary
    keys and unique constraints stay: they check every row as it comes.
    """
    if connection.vendor != "postgresql":
        yield
        return
    if not connection.in_atomic_block:
        raise RuntimeError("bulk_load() needs a transaction")
    tables = [model._meta.db_table for model in models]
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        # Foreign keys are checked at the commit: the checks pending (of rows deleted so far, which look for
        # referencing rows through these indexes) run now, while the indexes are there.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")
        cursor.execute(
            "SELECT c.conrelid::regclass::text, c.conname, pg_get_constraintdef(c.oid) FROM pg_constraint c "
            "WHERE c.contype = 'f' AND c.conrelid::regclass::text = ANY(%s)",
            [tables],
        )
        foreign_keys = cursor.fetchall()
        cursor.execute(
            "SELECT i.indexname, i.indexdef FROM pg_indexes i WHERE i.schemaname = current_schema() "
            "AND i.tablename = ANY(%s) AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)",
            [tables],
        )
        indexes = cursor.fetchall()
        for table, name, _definition in foreign_keys:
            cursor.execute(f"ALTER TABLE {quote(table)} DROP CONSTRAINT {quote(name)}")
        for name, _definition in indexes:
            cursor.execute(f"DROP INDEX {quote(name)}")
    yield
    with connection.cursor() as cursor:
        for _name, definition in indexes:
            cursor.execute(definition)
        for table, name, definition in foreign_keys:
            cursor.execute(f"ALTER TABLE {quote(table)} ADD CONSTRAINT {quote(name)} {definition}")


DEMO_ACCOUNTS = [
    # username, superuser, {project code: role}, first name, last name
    ("demo-admin", True, {}, "Ada", "Admin"),
    ("demo-manager", False, {"DTP-TOC": "manager", "ATHENA2": "manager", "IMOBEX": "manager"}, "Mara", "Manager"),
    ("demo-staff", False, {"DTP-TOC": "staff", "ATHENA2": "staff"}, "Stefan", "Staff"),
    ("demo-viewer", False, {"ATHENA2": "viewer"}, "Vera", "Viewer"),
]


def seed_core(*, activities: int, rng: random.Random, today: date) -> dict[str, int]:
    """Demo accounts with their memberships, and progress on the milestones and deliverables already due."""
    from .models import Deliverable, Indicator, IndicatorTarget, Milestone, Project
    from .services import membership_set, profile_update, user_ensure

    projects = {p.code: p for p in Project.objects.all()}
    for username, superuser, roles, first_name, last_name in DEMO_ACCOUNTS:
        user = user_ensure(
            username=username,
            password=settings.DEMO_PASSWORD,
            email=f"{username}@selec.example",
            superuser=superuser,
            first_name=first_name,
            last_name=last_name,
        )
        profile_update(user=user, time_zone=settings.PORTAL_DEFAULT_USER_TIME_ZONE)
        for code, role in roles.items():
            if code in projects:
                membership_set(user=user, project=projects[code], role=role)

    reached = 0
    milestones = list(Milestone.objects.order_by("pk"))
    for milestone in milestones:
        if milestone.due_date < today and rng.random() < 0.8:
            milestone.status, milestone.reached_on = Milestone.Status.REACHED, milestone.due_date
            reached += 1
        else:
            milestone.status, milestone.reached_on = Milestone.Status.PENDING, None
    Milestone.objects.bulk_update(milestones, ["status", "reached_on"])

    approved = 0
    deliverables = list(Deliverable.objects.order_by("pk"))
    for deliverable in deliverables:
        if deliverable.due_date < today and rng.random() < 0.7:
            deliverable.status, deliverable.delivered_on = Deliverable.Status.APPROVED, deliverable.due_date
            approved += 1
        elif deliverable.due_date < today:
            deliverable.status, deliverable.delivered_on = Deliverable.Status.SUBMITTED, deliverable.due_date
        else:
            deliverable.status, deliverable.delivered_on = Deliverable.Status.PLANNED, None
    Deliverable.objects.bulk_update(deliverables, ["status", "delivered_on"])

    tasks = _seed_tasks(rng=rng, today=today)

    # Mid-term targets: half of each target by the middle of the project.
    mid_targets = 0
    for indicator in Indicator.objects.select_related("project"):
        project = indicator.project
        midpoint = project.start_date + (project.end_date - project.start_date) / 2
        _, created = IndicatorTarget.objects.update_or_create(
            indicator=indicator, due_date=midpoint, defaults={"target": indicator.target // 2}
        )
        mid_targets += created
    return {
        "demo accounts": len(DEMO_ACCOUNTS),
        "milestones reached": reached,
        "deliverables approved": approved,
        "mid-term targets": mid_targets,
        "tasks": tasks,
    }


DEMO_TASKS = [
    # title, month of the workstream it is due in (from its start), owner (demo account)
    ("Agree the work plan with the partners", 1, "demo-manager"),
    ("Collect the partners' contributions", 3, "demo-staff"),
    ("Review the draft with the lead partner", 5, "demo-manager"),
]


def _seed_tasks(*, rng: random.Random, today: date) -> int:
    """A few tasks in every workstream, owned by demo accounts that are members of the project."""
    from django.contrib.auth import get_user_model

    from .models import Membership, Task, Workstream
    from .services import add_months

    Task.objects.all().delete()
    users = {u.username: u for u in get_user_model().objects.filter(username__in=["demo-manager", "demo-staff"])}
    members = set(Membership.objects.filter(user__in=users.values()).values_list("user__username", "project_id"))
    tasks = []
    for ws in Workstream.objects.select_related("project").order_by("project__code", "number"):
        start = ws.start_date or ws.project.start_date
        for title, month, owner in DEMO_TASKS:
            due = add_months(start, month) - timedelta(days=1)
            owner = owner if (owner, ws.project_id) in members else "demo-manager"
            done = due < today and rng.random() < 0.75
            status = Task.Status.DONE if done else rng.choice([Task.Status.TODO, Task.Status.IN_PROGRESS])
            tasks.append(
                Task(
                    workstream=ws,
                    title=title,
                    owner=users.get(owner),
                    due_date=due,
                    status=status,
                    completed_on=due if done else None,
                )
            )
    Task.objects.bulk_create(tasks)
    return len(tasks)
