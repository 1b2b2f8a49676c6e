"""Restoring an archive into an empty database and media folder, then proving it against the manifest.

Order: refuse a non-empty target (unless forced); unpack the archive next to MEDIA_ROOT and check every checksum
(a damaged or altered archive stops here, before anything is touched); refuse an archive from a newer portal
(migrations this code does not have); empty the target if forced (the schema dropped and recreated: the audit
table refuses DELETE); restore the dump in one transaction; move the files into MEDIA_ROOT; then compare every
table's row count and every file's checksum with the manifest, seal what the backup caught unsealed and verify the
audit chain up to the head the manifest recorded.
"""

from __future__ import annotations

import hashlib
import shutil
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.db.migrations.loader import MigrationLoader

from projects.audit import audit_seal, audit_verify
from projects.models import AuditEvent

from .archive import MEDIA, archive_extract, expected_files, file_differences, media_files
from .database import BackupError, database_objects, database_restore, database_state, database_wipe


@dataclass
class RestoreReport:
    manifest: dict
    problems: list[str] = field(default_factory=list)
    pending_migrations: list[str] = field(default_factory=list)
    sealed: int = 0
    audit_head: tuple[int, str] | None = None
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return not self.problems


def _media_root() -> Path:
    return Path(settings.MEDIA_ROOT)


def restore_target_problems() -> list[str]:
    """Why the database or the media folder is not empty (nothing when both are)."""
    problems = []
    objects = database_objects()
    if objects:
        shown = ", ".join(objects[:5]) + (", ..." if len(objects) > 5 else "")
        problems.append(f"the database holds {len(objects)} tables, views or sequences ({shown})")
    media = sorted(p.name for p in _media_root().iterdir()) if _media_root().is_dir() else []
    if media:
        problems.append(f"{_media_root()} holds {len(media)} entries ({', '.join(media[:5])})")
    return problems


def archive_check(*, path: Path, key: bytes | None) -> dict:
    """Read the whole archive and check every checksum against its manifest, restoring nothing; return the
    manifest. Raises BackupError on any difference (use it on the off-host copies)."""
    _media_root().parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".check-", dir=_media_root().parent) as staging:
        manifest, found = archive_extract(path, key, Path(staging))
    _raise_on_differences(manifest, found)
    return manifest


def _raise_on_differences(manifest: dict, found: dict) -> None:
    problems = file_differences(expected_files(manifest), found)
    if problems:
        raise BackupError(
            "the archive does not match its manifest (damaged or altered); nothing was restored:\n  "
            + "\n  ".join(problems[:20])
        )


def _newer_migrations(manifest: dict) -> list[str]:
    known = set(MigrationLoader(None, ignore_no_migrations=True).disk_migrations)
    return [f"{app}.{name}" for app, name in manifest["migrations"] if (app, name) not in known]


def _clear(folder: Path) -> None:
    for child in folder.iterdir():
        if child.is_dir() and not child.is_symlink():
            shutil.rmtree(child)
        else:
            child.unlink()


def backup_restore(*, path: Path, key: bytes | None, force: bool = False) -> RestoreReport:
    """Restore the archive at `path`; the report lists every difference from its manifest (none: `ok`)."""
    started = time.monotonic()
    occupied = restore_target_problems()
    if occupied and not force:
        raise BackupError(
            "restore goes into an empty database and an empty media folder, and "
            + " and ".join(occupied)
            + ". Restore into a new database (createdb) and an empty DJANGO_MEDIA_ROOT, or pass --force to drop the "
            "database's schema and delete the media folder's contents first."
        )
    media_root = _media_root()
    media_root.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".restore-", dir=media_root.parent))
    try:
        manifest, found = archive_extract(path, key, staging)
        _raise_on_differences(manifest, found)
        newer = _newer_migrations(manifest)
        if newer:
            raise BackupError(
                "the archive comes from a newer version of the portal (migrations this code does not have: "
                + ", ".join(newer[:5])
                + "); install that version first. Nothing was restored."
            )
        if occupied:
            database_wipe()
            _clear(media_root)
        database_restore(staging / manifest["database"]["file"], manifest["database"])
        if (staging / MEDIA).is_dir():
            for child in (staging / MEDIA).iterdir():
                shutil.move(child, media_root / child.name)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    report = RestoreReport(manifest)
    _check(report)
    report.seconds = time.monotonic() - started
    return report


def _check(report: RestoreReport) -> None:
    """Compare the restored database and files with the manifest; verify the audit chain."""
    manifest = report.manifest
    state = database_state()
    for table in sorted(manifest["tables"].keys() | state["tables"].keys()):
        expected, restored = manifest["tables"].get(table), state["tables"].get(table)
        if expected != restored:
            report.problems.append(f"table {table}: {expected} rows in the manifest, {restored} restored")
    found = {}
    for name, file in media_files(_media_root()):
        with file.open("rb") as handle:
            found[f"{MEDIA}/{name}"] = {"sha256": hashlib.file_digest(handle, "sha256").hexdigest()}
    expected = {f"{MEDIA}/{name}": entry for name, entry in manifest["media"].items()}
    report.problems += [f"media {line}" for line in file_differences(expected, found)]
    if report.problems:
        return
    report.sealed = audit_seal()  # entries the backup caught between a commit and its seal
    chain = audit_verify()
    if chain.problem:
        report.problems.append(f"audit trail broken at entry {chain.broken_seq}: {chain.problem}")
    head = manifest["database"].get("audit_head")
    if head and AuditEvent.objects.filter(seq=head["seq"], hash=head["hash"]).count() != 1:
        report.problems.append(f"audit trail: the archive's head {head['seq']} {head['hash']} is not in the chain")
    if chain.head_seq is not None:
        report.audit_head = (chain.head_seq, chain.head_hash)
    loader = MigrationLoader(None, ignore_no_migrations=True)
    applied = {tuple(pair) for pair in manifest["migrations"]}
    report.pending_migrations = sorted(f"{a}.{n}" for a, n in loader.disk_migrations if (a, n) not in applied)
