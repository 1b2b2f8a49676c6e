from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import OperationalError

from projects.backup.archive import backup_key
from projects.backup.database import BackupError
from projects.backup.restore import archive_check, backup_restore


class Command(BaseCommand):
    help = (
        "Restore an archive written by `manage.py backup` into an empty database and an empty media folder, then "
        "compare every table's row count and every file's checksum with its manifest and verify the audit chain. "
        "Exits 1 on any difference. Stop the web, worker and beat processes first."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", type=Path, help="The archive.")
        parser.add_argument(
            "--force",
            action="store_true",
            help="Restore even into a database or media folder that is not empty: DROP the database's schema and "
            "DELETE the media folder's contents first. Everything there now is lost.",
        )
        parser.add_argument(
            "--check",
            action="store_true",
            help="Only read the archive and check it against its manifest (decryption, every checksum); restore "
            "nothing. For the off-host copies.",
        )

    def handle(self, *args, path: Path, force: bool, check: bool, **options):
        if not path.is_file():
            raise CommandError(f"{path}: no such file.")
        try:
            if check:
                manifest = archive_check(path=path, key=backup_key())
                self.stdout.write(
                    self.style.SUCCESS(
                        f"{path} matches its manifest: the dump and {len(manifest['media'])} files "
                        f"(written {manifest['created_at']})."
                    )
                )
                return
            report = backup_restore(path=path, key=backup_key(), force=force)
        except BackupError as exc:
            raise CommandError(f"Restore failed: {exc}") from None
        except OperationalError as exc:
            raise CommandError(
                f"Restore failed: cannot reach the database of DATABASE_URL ({str(exc).strip()}). "
                "Create it first (createdb)."
            ) from None
        manifest = report.manifest
        if not report.ok:
            raise CommandError(
                "The restored data does not match the archive's manifest:\n  " + "\n  ".join(report.problems)
            )
        self.stdout.write(
            f"Restored {path} (written {manifest['created_at']} by portal {manifest['portal']['version']}) in "
            f"{report.seconds:.1f} s: {len(manifest['tables'])} tables and {sum(manifest['tables'].values())} rows, "
            f"{len(manifest['media'])} files, all as the manifest says."
        )
        if report.sealed:
            self.stdout.write(f"Sealed {report.sealed} audit entries the backup caught before their seal.")
        if report.audit_head:
            self.stdout.write(f"The audit trail verifies: head {report.audit_head[0]} {report.audit_head[1]}")
        if report.pending_migrations:
            self.stdout.write(
                f"The archive predates {len(report.pending_migrations)} migrations of this code: run "
                "`manage.py migrate` before starting the portal."
            )
        self.stdout.write(self.style.SUCCESS("Restore complete."))
