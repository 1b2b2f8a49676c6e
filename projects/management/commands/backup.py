from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from projects.backup import crypto
from projects.backup.archive import backup_create, backup_key
from projects.backup.database import BackupError


class Command(BaseCommand):
    help = (
        "Write one archive of the database and the uploaded files, with a manifest (row counts, checksums), mode "
        "0600, encrypted with PORTAL_BACKUP_KEY when it is set. By default a dated file in PORTAL_BACKUP_DIR, "
        "which is then pruned to the PORTAL_BACKUP_KEEP newest archives."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--output", type=Path, help=f"The archive to write (default: a dated file in {settings.PORTAL_BACKUP_DIR})."
        )
        parser.add_argument(
            "--generate-key", action="store_true", help="Print a new random key for PORTAL_BACKUP_KEY and exit."
        )

    def handle(self, *args, output: Path | None, generate_key: bool, **options):
        if generate_key:
            self.stdout.write(crypto.generate_key())
            return
        key = backup_key()
        if key is None:
            self.stderr.write(
                "PORTAL_BACKUP_KEY is not set: the archive is NOT encrypted. It holds personal data: keep it on "
                "encrypted storage only."
            )
        try:
            result = backup_create(output=output, key=key, keep=settings.PORTAL_BACKUP_KEEP)
        except BackupError as exc:
            raise CommandError(f"Backup failed: {exc}") from None
        manifest = result.manifest
        size = result.path.stat().st_size
        self.stdout.write(
            f"Wrote {result.path} ({size / 1e6:.1f} MB, "
            f"{'encrypted, key id ' + crypto.key_id(key) if key else 'not encrypted'}) in {result.seconds:.1f} s: "
            f"{len(manifest['tables'])} tables, {sum(manifest['tables'].values())} rows, "
            f"{len(manifest['media'])} files."
        )
        for path in result.pruned:
            self.stdout.write(f"Removed {path.name} (PORTAL_BACKUP_KEEP={settings.PORTAL_BACKUP_KEEP}).")
