"""Backups: `manage.py backup` and `manage.py restore` against real PostgreSQL databases.

The round trip backs up the test database (seeded, with uploaded files; a transactional test, so that pg_dump sees
the rows), restores into a database the test creates (the drill's "drop and recreate") and an empty media folder,
and compares every table's row count and every file's checksum with the source, not only with the manifest; the
audit chain verifies after it. The refusals run the real command against an archive written once per module.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import sqlite3
import stat
import subprocess
import sys
import tarfile
import uuid
from contextlib import contextmanager
from pathlib import Path

import psycopg2
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from projects.backup import crypto, database
from projects.backup.archive import backups_prune
from tests.projects.test_stored_files import _pdf

ROOT = Path(__file__).resolve().parents[2]
KEY = crypto.generate_key()


# --- helpers: throwaway databases, the real commands in a subprocess --------------------------------------------------


def _server() -> dict:
    settings_dict = connection.settings_dict
    return {
        "host": settings_dict["HOST"] or None,
        "port": settings_dict["PORT"] or None,
        "user": settings_dict["USER"] or None,
        "password": settings_dict["PASSWORD"] or None,
    }


def _url(name: str) -> str:
    server = _server()
    auth = server["user"] or ""
    if server["password"]:
        auth += f":{server['password']}"
    return f"postgres://{auth}@{server['host'] or 'localhost'}:{server['port'] or 5432}/{name}"


@contextmanager
def _admin():
    admin = psycopg2.connect(dbname="postgres", **_server())
    admin.autocommit = True
    try:
        with admin.cursor() as cursor:
            yield cursor
    finally:
        admin.close()


@contextmanager
def throwaway_database():
    """A new, empty database, dropped afterwards whatever happened."""
    name = f"{connection.settings_dict['NAME']}_bk_{uuid.uuid4().hex[:8]}"
    with _admin() as cursor:
        cursor.execute(f'CREATE DATABASE "{name}"')
    try:
        yield name
    finally:
        with _admin() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _query(database: str, sql: str) -> list[tuple]:
    target = psycopg2.connect(dbname=database, **_server())
    try:
        with target.cursor() as cursor:
            cursor.execute(sql)
            return cursor.fetchall()
    finally:
        target.close()


def _tables(database: str) -> list[str]:
    return [row[0] for row in _query(database, "SELECT tablename FROM pg_tables WHERE schemaname = 'public'")]


def _counts(database: str) -> dict[str, int]:
    return {table: _query(database, f'SELECT count(*) FROM "{table}"')[0][0] for table in _tables(database)}


def manage(*args: str, database: str, media: Path, key: str | None = KEY) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PORTAL_BACKUP")}
    env.update(
        DJANGO_SETTINGS_MODULE="selec_portal.settings_test",
        DATABASE_URL=_url(database),
        DJANGO_MEDIA_ROOT=str(media),
        PORTAL_BACKUP_KEY=key or "",
    )
    return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True)


def _checksums(root: Path) -> dict[str, str]:
    return {
        path.relative_to(root).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in root.rglob("*")
        if path.is_file()
    }


def _write_media(root: Path) -> None:
    (root / "imobex" / "road-maps").mkdir(parents=True)
    (root / "imobex" / "road-maps" / "plan-ȘȚ v1.txt").write_text("Road map: barriers and interventions\n")
    (root / "activities" / "2026").mkdir(parents=True)
    (root / "activities" / "2026" / "minutes.pdf").write_bytes(b"%PDF-1.4 minutes " + os.urandom(3000))


@pytest.fixture(scope="module")
def archive(tmp_path_factory, django_db_setup) -> Path:
    """An encrypted archive of the test database as committed (the reference data) and two files."""
    folder = tmp_path_factory.mktemp("archive")
    _write_media(folder / "media")
    path = folder / "portal.tar.enc"
    result = manage("backup", "--output", str(path), database=connection.settings_dict["NAME"], media=folder / "media")
    assert result.returncode == 0, result.stderr
    return path


@pytest.fixture(scope="module")
def empty_database(django_db_setup):
    """One empty database for the refusals: each must leave it empty."""
    with throwaway_database() as name:
        yield name


def check(path: Path, settings, tmp_path, key: str = KEY) -> str:
    """`manage.py restore --check PATH` in this process (it reads the archive only, never the database)."""
    settings.PORTAL_BACKUP_KEY, settings.MEDIA_ROOT = key, tmp_path / "media"
    out = io.StringIO()
    call_command("restore", str(path), check=True, stdout=out)
    return out.getvalue()


# --- the round trip ---------------------------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_a_restored_backup_has_every_row_and_file_of_the_original_and_its_audit_chain_verifies(
    client_for, staff, manager, athena, settings, tmp_path
):
    settings.MEDIA_ROOT = media = tmp_path / "media"
    settings.PORTAL_BACKUP_KEY = KEY
    call_command("seed_demo", activities=5, force=True, stdout=io.StringIO())
    deliverable = athena.workstreams.get(number=1).deliverables.first()
    response = client_for(staff).post(
        f"/projects/ATHENA2/deliverables/{deliverable.pk}/status/",
        {"status": "in_progress", "evidence": _pdf("evidence ăîș.pdf")},
    )
    assert response.status_code == 302
    source_files = _checksums(media)
    assert len(source_files) >= 3  # the demo road maps and the evidence uploaded above

    archive = tmp_path / "portal.tar.enc"
    call_command("backup", output=archive, stdout=io.StringIO(), stderr=io.StringIO())
    source_counts = _counts(connection.settings_dict["NAME"])
    assert sum(source_counts.values()) > 1000 and len(source_counts) > 50

    restored_media = tmp_path / "restored-media"
    with throwaway_database() as target:
        result = manage("restore", str(archive), database=target, media=restored_media)
        assert result.returncode == 0, result.stderr
        assert "Restore complete." in result.stdout
        assert _counts(target) == source_counts
        assert _checksums(restored_media) == source_files
        verified = manage("audit_verify", database=target, media=restored_media)
        assert verified.returncode == 0, verified.stderr
        assert "The audit trail verifies." in verified.stdout

        (restored_media / "stray.txt").write_text("not from the archive")
        forced = manage("restore", "--force", str(archive), database=target, media=restored_media)
        assert forced.returncode == 0, forced.stderr
        assert _counts(target) == source_counts
        assert _checksums(restored_media) == source_files  # the stray file is gone


# --- refusals ---------------------------------------------------------------------------------------------------------


def test_restore_refuses_a_database_or_media_folder_that_is_not_empty_and_changes_nothing(
    archive, tmp_path, django_db_setup
):
    test_database, media = connection.settings_dict["NAME"], tmp_path / "media"
    media.mkdir()
    (media / "evidence.pdf").write_bytes(b"%PDF-1.4")
    before = _counts(test_database)
    result = manage("restore", str(archive), database=test_database, media=media)
    assert result.returncode == 1
    assert "restore goes into an empty database and an empty media folder" in result.stderr
    assert "the database holds" in result.stderr and f"{media} holds 1 entries (evidence.pdf)" in result.stderr
    assert "--force" in result.stderr
    assert _counts(test_database) == before
    assert _checksums(media) == {"evidence.pdf": hashlib.sha256(b"%PDF-1.4").hexdigest()}


@pytest.mark.parametrize(
    ("key", "message"),
    [
        (crypto.generate_key(), "wrong key: the archive was encrypted with key id"),
        (None, "PORTAL_BACKUP_KEY is not set"),
    ],
    ids=["wrong key", "no key"],
)
def test_restore_with_a_wrong_or_missing_key_fails_clearly_and_restores_nothing(
    archive, empty_database, tmp_path, key, message
):
    result = manage("restore", str(archive), database=empty_database, media=tmp_path / "media", key=key)
    assert result.returncode == 1
    assert message in result.stderr
    assert _tables(empty_database) == []


def _rewrite(archive: Path, out: Path, change) -> None:
    """Decrypt the archive, pass each member's bytes through `change(name, data)`, encrypt again with the key:
    what someone holding the key could do. The manifest is copied as it was unless `change` alters it."""
    key = crypto.parse_key(KEY)
    with archive.open("rb") as raw, out.open("wb") as sink:
        source, writer = crypto.DecryptingReader(raw, key), crypto.EncryptingWriter(sink, key)
        with tarfile.open(fileobj=source, mode="r|") as old, tarfile.open(fileobj=writer, mode="w|") as new:
            for member in old:
                data = change(member.name, old.extractfile(member).read())
                member.size = len(data)
                new.addfile(member, io.BytesIO(data))
        writer.finish()


def test_an_archive_altered_after_it_was_written_fails_the_manifest_check_before_anything_is_restored(
    archive, empty_database, settings, tmp_path
):
    altered = tmp_path / "altered.tar.enc"
    name = "media/activities/2026/minutes.pdf"
    _rewrite(archive, altered, lambda member, data: data[:-1] + b"!" if member == name else data)
    result = manage("restore", str(altered), database=empty_database, media=tmp_path / "media")
    assert result.returncode == 1
    assert "does not match its manifest" in result.stderr and f"checksum differs: {name}" in result.stderr
    assert _tables(empty_database) == []
    with pytest.raises(CommandError, match=f"checksum differs: {name}"):
        check(altered, settings, tmp_path)


def test_an_archive_from_a_newer_portal_is_refused_before_anything_is_restored(archive, empty_database, tmp_path):
    newer = tmp_path / "newer.tar.enc"

    def add_migration(member, data):
        if member != "manifest.json":
            return data
        manifest = json.loads(data)
        manifest["migrations"].append(["projects", "9999_from_the_future"])
        return json.dumps(manifest).encode()

    _rewrite(archive, newer, add_migration)
    result = manage("restore", str(newer), database=empty_database, media=tmp_path / "media")
    assert result.returncode == 1
    assert "comes from a newer version of the portal" in result.stderr
    assert "projects.9999_from_the_future" in result.stderr
    assert _tables(empty_database) == []


def test_a_damaged_encrypted_archive_fails_authentication(archive, settings, tmp_path):
    damaged = tmp_path / "damaged.tar.enc"
    data = bytearray(archive.read_bytes())
    data[crypto.HEADER_SIZE + 100] ^= 0x01
    damaged.write_bytes(bytes(data))
    with pytest.raises(CommandError, match="the archive is damaged or was altered: chunk 0 does not authenticate"):
        check(damaged, settings, tmp_path)
    assert "matches its manifest: the dump and 2 files" in check(archive, settings, tmp_path)


def test_the_archive_is_written_with_mode_0600_even_under_a_permissive_umask(tmp_path, django_db_setup):
    previous = os.umask(0)
    try:
        env = {k: v for k, v in os.environ.items() if not k.startswith("PORTAL_BACKUP")}
        folder = tmp_path / "backups"
        env.update(
            DJANGO_SETTINGS_MODULE="selec_portal.settings_test",
            DATABASE_URL=_url(connection.settings_dict["NAME"]),
            DJANGO_MEDIA_ROOT=str(tmp_path / "media"),
            PORTAL_BACKUP_DIR=str(folder),
        )
        result = subprocess.run(
            [sys.executable, "manage.py", "backup"], cwd=ROOT, env=env, capture_output=True, text=True
        )
    finally:
        os.umask(previous)
    assert result.returncode == 0, result.stderr
    assert "the archive is NOT encrypted" in result.stderr
    [written] = list(folder.iterdir())
    assert stat.S_IMODE(written.stat().st_mode) == 0o600
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    with tarfile.open(written) as tar:  # not encrypted: a plain tar
        assert tar.getnames()[0] == "database.dump" and tar.getnames()[-1] == "manifest.json"


# --- the pieces -------------------------------------------------------------------------------------------------------


def test_the_default_folder_keeps_the_newest_archives_and_nothing_else_is_touched(settings, tmp_path):
    settings.PORTAL_BACKUP_DIR = tmp_path
    names = [f"selec-portal-2026110{day}T020000Z.tar.enc" for day in range(1, 6)] + ["notes.txt", "x.tar.enc"]
    for name in names:
        (tmp_path / name).write_bytes(b"")
    removed = backups_prune(keep=2)
    assert [p.name for p in removed] == names[:3]
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(names[3:])
    assert backups_prune(keep=0) == []


@pytest.mark.parametrize("size", [0, 1, crypto.CHUNK - 1, crypto.CHUNK, crypto.CHUNK + 1, 2 * crypto.CHUNK])
def test_encryption_round_trips_at_every_chunk_boundary(size):
    data, sink = os.urandom(size), io.BytesIO()
    writer = crypto.EncryptingWriter(sink, crypto.parse_key(KEY))
    writer.write(data)
    writer.finish()
    assert crypto.DecryptingReader(io.BytesIO(sink.getvalue()), crypto.parse_key(KEY)).read() == data


def test_an_encrypted_archive_cut_at_a_chunk_boundary_is_refused():
    sink = io.BytesIO()
    writer = crypto.EncryptingWriter(sink, crypto.parse_key(KEY))
    writer.write(os.urandom(2 * crypto.CHUNK + 10))
    writer.finish()
    cut = sink.getvalue()[: crypto.HEADER_SIZE + 2 * (crypto.CHUNK + crypto.TAG)]
    with pytest.raises(crypto.BackupKeyError, match="cut short"):
        crypto.DecryptingReader(io.BytesIO(cut), crypto.parse_key(KEY)).read()


def test_backup_refuses_pg_dump_of_another_major_version(tmp_path, django_db_setup):
    fake = tmp_path / "bin" / "pg_dump"
    fake.parent.mkdir()
    fake.write_text("#!/bin/sh\necho 'pg_dump (PostgreSQL) 11.22'\n")
    fake.chmod(0o755)
    env = {k: v for k, v in os.environ.items() if not k.startswith("PORTAL_BACKUP")}
    env.update(
        DJANGO_SETTINGS_MODULE="selec_portal.settings_test",
        DATABASE_URL=_url(connection.settings_dict["NAME"]),
        PATH=f"{fake.parent}:{os.environ['PATH']}",
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "backup", "--output", str(tmp_path / "a.tar")],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 1
    assert "pg_dump is version 11 and the server" in result.stderr
    assert not (tmp_path / "a.tar").exists() and not list(tmp_path.glob(".*partial"))


def test_a_malformed_backup_key_stops_the_portal_at_start():
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "selec_portal.settings_test", "PORTAL_BACKUP_KEY": "not-a-key"}
    result = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"], env=env, capture_output=True, text=True
    )
    assert result.returncode != 0
    assert "PORTAL_BACKUP_KEY must be 32 random bytes" in result.stderr


def test_a_restore_command_error_names_a_missing_file(tmp_path):
    with pytest.raises(CommandError, match="no such file"):
        call_command("restore", str(tmp_path / "nothing.tar"))


def test_the_sqlite_copy_leaves_out_a_transaction_still_in_progress(tmp_path):
    """Development's SQLite path: the copy (SQLite's online backup API) is a committed state, and the manifest's
    counts, migrations and audit head are read from the copy."""
    live = sqlite3.connect(tmp_path / "db.sqlite3", isolation_level=None)
    live.executescript(
        "PRAGMA journal_mode=WAL;"
        "CREATE TABLE django_migrations (app TEXT, name TEXT);"
        "INSERT INTO django_migrations VALUES ('projects', '0001_initial');"
        "CREATE TABLE projects_auditevent (seq INTEGER, hash TEXT);"
        "INSERT INTO projects_auditevent VALUES (1, 'aaa'), (2, 'bbb'), (NULL, NULL);"
        "CREATE TABLE projects_task (title TEXT);"
        "INSERT INTO projects_task VALUES ('committed');"
    )
    live.execute("BEGIN")
    live.execute("INSERT INTO projects_task VALUES ('in progress')")
    database._sqlite_copy(tmp_path / "db.sqlite3", tmp_path / "copy.sqlite3")
    live.execute("COMMIT")
    live.close()
    copy = sqlite3.connect(tmp_path / "copy.sqlite3")
    state = database._state(copy.cursor(), ["django_migrations", "projects_auditevent", "projects_task"])
    copy.close()
    assert state["tables"] == {"django_migrations": 1, "projects_auditevent": 3, "projects_task": 1}
    assert state["migrations"] == [["projects", "0001_initial"]]
    assert state["audit_head"] == {"seq": 2, "hash": "bbb"}
