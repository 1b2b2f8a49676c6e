"""The database part of a backup: a consistent dump with the row count of every table, and its restore.

PostgreSQL: the counts, the migration state and the audit trail's head are read in one REPEATABLE READ transaction
whose snapshot `pg_dump --snapshot` shares, so the manifest describes exactly the rows in the dump, whatever is
written meanwhile. `pg_restore --single-transaction --exit-on-error` restores all or nothing. SQLite (development):
the file is copied with SQLite's online backup API, and the counts are read from the copy.
"""

from __future__ import annotations

import os
import re
import shutil
import sqlite3
import subprocess
from pathlib import Path

from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.db.backends.postgresql.client import DatabaseClient

from projects.models import AuditEvent


class BackupError(Exception):
    """A backup or a restore that cannot go on; the message tells the operator why and what to do."""


def dump_name(vendor: str) -> str:
    return "database.dump" if vendor == "postgresql" else "database.sqlite3"


def _connection():
    return connections[DEFAULT_DB_ALIAS]


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _state(cursor, tables: list[str]) -> dict:
    """What the manifest says of the database besides the dump: the row count of every table, the applied
    migrations, the audit trail's head."""
    counts = {}
    for table in sorted(tables):
        cursor.execute(f"SELECT count(*) FROM {_quote(table)}")
        counts[table] = cursor.fetchone()[0]
    cursor.execute("SELECT app, name FROM django_migrations ORDER BY app, name")
    migrations = [list(row) for row in cursor.fetchall()]
    cursor.execute(
        f"SELECT seq, hash FROM {_quote(AuditEvent._meta.db_table)} WHERE seq IS NOT NULL ORDER BY seq DESC LIMIT 1"
    )
    head = cursor.fetchone()
    return {
        "tables": counts,
        "migrations": migrations,
        "audit_head": {"seq": head[0], "hash": head[1]} if head else None,
    }


# --- PostgreSQL -------------------------------------------------------------------------------------------------------


def _major(text: str) -> int:
    match = re.search(r"\(PostgreSQL\) (\d+)", text)
    if not match:
        raise BackupError(f"cannot read the version of the PostgreSQL client tools from {text!r}")
    return int(match.group(1))


def client_major(program: str) -> int:
    """The major version of pg_dump or pg_restore, as found in PATH."""
    if shutil.which(program) is None:
        raise BackupError(f"{program} is not installed (Debian: apt-get install postgresql-client-<server version>)")
    return _major(subprocess.run([program, "--version"], capture_output=True, text=True, check=True).stdout)


def _pg(program: str, *params: str) -> tuple[list[str], dict[str, str]]:
    """A PostgreSQL client command for the portal's database: connection flags, the password and TLS options in
    the environment (as Django's dbshell passes them), never a prompt."""
    settings_dict = _connection().settings_dict
    flags = ["--no-password"]
    for flag, key in (("--username", "USER"), ("--host", "HOST"), ("--port", "PORT")):
        if settings_dict.get(key):
            flags += [flag, str(settings_dict[key])]
    if settings_dict.get("NAME"):
        flags += ["--dbname", settings_dict["NAME"]]
    _, extra = DatabaseClient.settings_to_cmd_args_env(settings_dict, [])
    return [program, *flags, *params], {**os.environ, **(extra or {})}


def _run(args: list[str], env: dict[str, str]) -> None:
    result = subprocess.run(args, env=env, capture_output=True, text=True)
    if result.returncode != 0:
        raise BackupError(f"{args[0]} failed (exit {result.returncode}): {result.stderr.strip()[-2000:]}")


def _pg_dump(path: Path) -> dict:
    connection = _connection()
    connection.ensure_connection()
    server = connection.pg_version // 10000
    client = client_major("pg_dump")
    if client != server:
        raise BackupError(
            f"pg_dump is version {client} and the server {server}: install the client tools of the server's version "
            f"(Debian: postgresql-client-{server}) and put them first in PATH"
        )
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        cursor.execute("SELECT pg_export_snapshot()")
        snapshot = cursor.fetchone()[0]
        state = _state(cursor, connection.introspection.table_names(cursor))
        args, env = _pg("pg_dump", "--format=custom", f"--snapshot={snapshot}", f"--file={path}")
        _run(args, env)  # while the transaction holds the snapshot open
    return {**state, "pg_dump_major": client, "server_major": server}


def _pg_objects(cursor) -> list[str]:
    cursor.execute(
        "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f') ORDER BY c.relname"
    )
    return [row[0] for row in cursor.fetchall()]


def _pg_wipe(cursor) -> None:
    """Drop and recreate the schema: the only way to empty the database, as the audit table refuses DELETE."""
    cursor.execute("SELECT coalesce(current_schema(), 'public')")
    schema = _connection().ops.quote_name(cursor.fetchone()[0])
    cursor.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
    cursor.execute(f"CREATE SCHEMA {schema}")


def _pg_restore(path: Path, manifest_database: dict) -> None:
    client = client_major("pg_restore")
    if client < manifest_database["pg_dump_major"]:
        raise BackupError(
            f"the dump was written by pg_dump {manifest_database['pg_dump_major']}; pg_restore {client} cannot read "
            "it: install the newer client tools"
        )
    connections.close_all()
    args, env = _pg("pg_restore", "--single-transaction", "--exit-on-error", str(path))
    _run(args, env)


# --- SQLite -----------------------------------------------------------------------------------------------------------


def _sqlite_path() -> Path:
    return Path(_connection().settings_dict["NAME"])


def _sqlite_copy(source: Path, target: Path) -> None:
    """A consistent copy of a live SQLite file (its online backup API)."""
    src, dest = sqlite3.connect(source), sqlite3.connect(target)
    try:
        src.backup(dest)
    finally:
        src.close()
        dest.close()


def _sqlite_dump(path: Path) -> dict:
    connections.close_all()
    _sqlite_copy(_sqlite_path(), path)
    copy = sqlite3.connect(path)
    try:
        cursor = copy.cursor()
        # the tables Django's introspection lists (database_state counts the restored file with it)
        cursor.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND name != 'sqlite_sequence'")
        return _state(cursor, [row[0] for row in cursor.fetchall()])
    finally:
        copy.close()


# --- what the archive module calls ------------------------------------------------------------------------------------


def vendor() -> str:
    return _connection().vendor


def database_dump(path: Path) -> dict:
    """Write the dump to `path`; return the manifest's database part (counts, migrations, audit head...)."""
    if vendor() == "postgresql":
        return {"vendor": "postgresql", **_pg_dump(path)}
    if vendor() == "sqlite":
        return {"vendor": "sqlite", **_sqlite_dump(path)}
    raise BackupError(f"backups of a {vendor()} database are not supported (PostgreSQL or SQLite)")


def database_objects() -> list[str]:
    """The tables, views and sequences already in the database: a restore goes into an empty one only."""
    if vendor() == "sqlite" and not _sqlite_path().exists():
        return []
    connection = _connection()
    with connection.cursor() as cursor:
        if vendor() == "postgresql":
            return _pg_objects(cursor)
        return sorted(connection.introspection.table_names(cursor, include_views=True))


def database_wipe() -> None:
    """Empty the database entirely (restore --force)."""
    if vendor() == "postgresql":
        with _connection().cursor() as cursor:
            _pg_wipe(cursor)
        return
    connections.close_all()
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(f"{_sqlite_path()}{suffix}").unlink(missing_ok=True)


def database_restore(path: Path, manifest_database: dict) -> None:
    """Load the dump into the (empty) database."""
    if manifest_database["vendor"] != vendor():
        raise BackupError(
            f"the archive holds a {manifest_database['vendor']} database and DATABASE_URL points at {vendor()}"
        )
    if vendor() == "postgresql":
        _pg_restore(path, manifest_database)
        return
    connections.close_all()
    target = _sqlite_path()
    target.parent.mkdir(parents=True, exist_ok=True)
    _sqlite_copy(path, target)


def database_state() -> dict:
    """The counts, migrations and audit head of the database as it is now (after a restore)."""
    connections.close_all()
    connection = _connection()
    with connection.cursor() as cursor:
        return _state(cursor, connection.introspection.table_names(cursor))
