"""One backup archive: the database dump, the uploaded files and a manifest, in a tar stream, encrypted when the
operator configured a key. Written with mode 0600 under a temporary name, renamed when complete.

Inside the tar: `database.dump` (pg_dump's custom format; `database.sqlite3` on SQLite), `media/<path>` for every
file under MEDIA_ROOT, and `manifest.json` last (the row count of every table, the sha256 of the dump and of every
file, the applied migrations, the audit trail's head, the portal's version). A restore checks every checksum
before it touches the database, and the counts, the files and the audit chain after.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import platform
import re
import shutil
import subprocess
import tarfile
import tempfile
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath

import django
from django.conf import settings

from projects.audit import audit_seal

from . import crypto
from .database import BackupError, database_dump, dump_name, vendor

FORMAT = 1
MANIFEST = "manifest.json"
MEDIA = "media"
ARCHIVE_NAME = re.compile(r"^selec-portal-\d{8}T\d{6}Z\.tar(\.enc)?$")
_READ = 1024 * 1024


def backup_dir() -> Path:
    return Path(settings.PORTAL_BACKUP_DIR)


def backup_key() -> bytes | None:
    return crypto.parse_key(settings.PORTAL_BACKUP_KEY) if settings.PORTAL_BACKUP_KEY else None


def default_archive_path(*, encrypted: bool, now: datetime | None = None) -> Path:
    stamp = (now or datetime.now(UTC)).strftime("%Y%m%dT%H%M%SZ")
    return backup_dir() / f"selec-portal-{stamp}.tar{'.enc' if encrypted else ''}"


def portal_version() -> str:
    """The code's git commit when it is a checkout, else 'unknown' (the applied migrations say the schema)."""
    base = str(settings.BASE_DIR)
    # safe.directory: the code belongs to root, the backup runs as the portal's user
    command = ["git", "-c", f"safe.directory={base}", "-C", base, "describe", "--always", "--dirty"]
    try:
        result = subprocess.run(command, capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.TimeoutExpired):
        return "unknown"
    return result.stdout.strip() if result.returncode == 0 else "unknown"


class _Hashing:
    """A file read through: its sha256 and size, as tarfile copies it into the archive."""

    def __init__(self, raw):
        self.raw, self.sha256, self.size = raw, hashlib.sha256(), 0

    def read(self, size: int = -1) -> bytes:
        data = self.raw.read(size)
        self.sha256.update(data)
        self.size += len(data)
        return data


def media_files(root: Path) -> list[tuple[str, Path]]:
    """(name in the archive, path) of every regular file under `root`, sorted; links are not followed."""
    found = []
    for folder, dirs, files in os.walk(root):
        dirs.sort()
        for name in sorted(files):
            path = Path(folder) / name
            if path.is_file() and not path.is_symlink():
                found.append((path.relative_to(root).as_posix(), path))
    return found


def _add(tar: tarfile.TarFile, name: str, path: Path) -> dict:
    info = tar.gettarinfo(str(path), arcname=name)
    info.mode, info.uid, info.gid, info.uname, info.gname = 0o600, 0, 0, "", ""
    with path.open("rb") as raw:
        reader = _Hashing(raw)
        tar.addfile(info, reader)
    if reader.size != info.size:
        raise BackupError(f"{path} changed size while it was archived")
    return {"sha256": reader.sha256.hexdigest(), "size": reader.size}


@dataclass
class BackupResult:
    path: Path
    manifest: dict
    encrypted: bool
    pruned: list[Path] = field(default_factory=list)
    seconds: float = 0.0


def backup_create(*, output: Path | None = None, key: bytes | None = None, keep: int = 0) -> BackupResult:
    """Write one archive of the database and the uploaded files; prune the default folder to the `keep` newest
    archives (0 keeps all) when the archive goes there."""
    started = time.monotonic()
    path = Path(output) if output else default_archive_path(encrypted=key is not None)
    if path.exists():
        raise BackupError(f"{path} exists already: choose another --output")
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    audit_seal()  # so that the archive's chain holds every entry committed so far
    partial = path.with_name(f".{path.name}.partial")
    work = Path(tempfile.mkdtemp(prefix=".backup-", dir=path.parent))  # 0700; next to the archive, not in /tmp
    try:
        dump = work / dump_name(vendor())
        database = database_dump(dump)
        manifest = {
            "format": FORMAT,
            "created_at": datetime.now(UTC).isoformat(),
            "portal": {
                "version": portal_version(),
                "django": django.get_version(),
                "python": platform.python_version(),
            },
            "database": {key_: value for key_, value in database.items() if key_ not in ("tables", "migrations")},
            "tables": database["tables"],
            "migrations": database["migrations"],
        }
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)  # never readable by others, not even briefly
        raw = os.fdopen(fd, "wb")
        sink = crypto.EncryptingWriter(raw, key) if key is not None else raw
        try:
            with tarfile.open(fileobj=sink, mode="w|", format=tarfile.PAX_FORMAT) as tar:
                manifest["database"].update(file=dump.name, **_add(tar, dump.name, dump))
                manifest["media"] = {}
                for name, file in media_files(Path(settings.MEDIA_ROOT)):
                    try:
                        manifest["media"][name] = _add(tar, f"{MEDIA}/{name}", file)
                    except FileNotFoundError:
                        continue  # deleted since the walk (a replaced upload): not in the archive, nor its manifest
                body = json.dumps(manifest, indent=1, sort_keys=True).encode()
                info = tarfile.TarInfo(MANIFEST)
                info.size, info.mode, info.mtime = len(body), 0o600, int(time.time())
                tar.addfile(info, io.BytesIO(body))
            if key is not None:
                sink.finish()
            raw.flush()
            os.fsync(raw.fileno())
        finally:
            raw.close()
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)
        shutil.rmtree(work, ignore_errors=True)
    pruned = backups_prune(keep=keep) if path.parent.resolve() == backup_dir().resolve() else []
    return BackupResult(path, manifest, key is not None, pruned, time.monotonic() - started)


def backups_prune(*, keep: int) -> list[Path]:
    """Remove all but the `keep` newest archives of the default folder (names it gave; nothing else is touched)."""
    if keep <= 0:
        return []
    archives = sorted((p for p in backup_dir().iterdir() if ARCHIVE_NAME.match(p.name)), key=lambda p: p.name)
    old = archives[:-keep]
    for path in old:
        path.unlink()
    return old


# --- reading an archive -----------------------------------------------------------------------------------------------


def _safe_member(name: str) -> bool:
    parts = PurePosixPath(name).parts
    if name in (MANIFEST, "database.dump", "database.sqlite3"):
        return True
    return len(parts) > 1 and parts[0] == MEDIA and not name.startswith("/") and ".." not in parts


def archive_open(path: Path, key: bytes | None):
    """The archive's tar stream, decrypted when it is encrypted. Raises BackupError with a clear message."""
    raw = open(path, "rb")  # noqa: SIM115 (closed with the stream)
    head = raw.read(len(crypto.MAGIC))
    raw.seek(0)
    try:
        source = crypto.DecryptingReader(raw, key) if crypto.is_encrypted(head) else raw
    except crypto.BackupKeyError as exc:
        raw.close()
        raise BackupError(f"{path}: {exc}") from None
    return source


def archive_extract(path: Path, key: bytes | None, into: Path) -> tuple[dict, dict[str, dict]]:
    """Unpack the archive into `into` (the dump, and the files under `into/media`), hashing as it goes; return the
    manifest and what was found ({name: {sha256, size}}). Only plain files with the expected names are taken."""
    source = archive_open(path, key)
    found: dict[str, dict] = {}
    manifest = None
    try:
        with tarfile.open(fileobj=source, mode="r|") as tar:
            for member in tar:
                if not member.isfile() or not _safe_member(member.name):
                    raise BackupError(f"{path}: unexpected entry {member.name!r}: not a portal archive")
                reader = tar.extractfile(member)
                if member.name == MANIFEST:
                    manifest = json.loads(reader.read())
                    continue
                target = into / member.name
                target.parent.mkdir(parents=True, exist_ok=True)
                sha256, size = hashlib.sha256(), 0
                with open(os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "wb") as out:
                    while chunk := reader.read(_READ):
                        sha256.update(chunk)
                        size += len(chunk)
                        out.write(chunk)
                found[member.name] = {"sha256": sha256.hexdigest(), "size": size}
    except crypto.BackupKeyError as exc:
        raise BackupError(f"{path}: {exc}") from None
    except (tarfile.TarError, EOFError, json.JSONDecodeError) as exc:
        raise BackupError(f"{path}: not a readable portal archive ({exc})") from None
    finally:
        source.close()
    if manifest is None:
        raise BackupError(f"{path}: the archive has no manifest (cut short, or not a portal archive)")
    if manifest.get("format") != FORMAT:
        raise BackupError(f"{path}: archive format {manifest.get('format')!r}; this portal reads format {FORMAT}")
    return manifest, found


def expected_files(manifest: dict) -> dict[str, dict]:
    """{name in the archive: {sha256, size}} as the manifest lists them: the dump and every uploaded file."""
    database = manifest["database"]
    expected = {database["file"]: {"sha256": database["sha256"], "size": database["size"]}}
    expected.update({f"{MEDIA}/{name}": entry for name, entry in manifest["media"].items()})
    return expected


def file_differences(expected: dict[str, dict], found: dict[str, dict]) -> list[str]:
    """What differs between two {name: {sha256, size}} listings, one line each."""
    problems = [f"missing: {name}" for name in sorted(expected.keys() - found.keys())]
    problems += [f"not in the manifest: {name}" for name in sorted(found.keys() - expected.keys())]
    problems += [
        f"checksum differs: {name}"
        for name in sorted(expected.keys() & found.keys())
        if expected[name]["sha256"] != found[name]["sha256"]
    ]
    return problems
