from datetime import timedelta

from django.core.management.base import BaseCommand, CommandError

from projects.audit import UNSEALED_AFTER, audit_verify


class Command(BaseCommand):
    help = (
        "Recompute the audit trail's hash chain: report the first broken link and any entry left unsealed for too "
        "long. Exits 0 when all is well, 1 otherwise. Keep the head it prints somewhere else: a rewrite of the whole "
        "chain, or the removal of its newest entries, shows only against a head recorded outside the database."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--unsealed-minutes",
            type=int,
            default=int(UNSEALED_AFTER.total_seconds() // 60),
            help="Report entries unsealed for longer than this (default: %(default)s).",
        )

    def handle(self, *args, unsealed_minutes: int, **options):
        if unsealed_minutes < 0:
            raise CommandError("--unsealed-minutes cannot be negative.")
        report = audit_verify(unsealed_after=timedelta(minutes=unsealed_minutes))
        if report.head_seq is not None:
            self.stdout.write(
                f"Checked {report.checked} sealed entries, {report.first_seq} to {report.head_seq}; "
                f"head {report.head_seq} {report.head_hash}"
            )
        elif not report.problem:
            self.stdout.write("No sealed entries.")
        if report.problem:
            self.stderr.write(
                f"BROKEN at entry {report.broken_seq} (id {report.broken_id}): {report.problem}. "
                f"The entries before it verify."
            )
        if report.stale_unsealed:
            self.stderr.write(
                f"UNSEALED: {report.stale_unsealed} entries written more than {unsealed_minutes} minutes ago are not "
                f"sealed (the oldest: id {report.oldest_unsealed_id}). Is Celery beat running?"
            )
        if not report.ok:
            raise CommandError("The audit trail does not verify.", returncode=1)
        self.stdout.write(self.style.SUCCESS("The audit trail verifies."))
