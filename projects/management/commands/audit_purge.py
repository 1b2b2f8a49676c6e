from datetime import date

from django.core.management.base import BaseCommand, CommandError

from projects.audit import audit_purge


class Command(BaseCommand):
    help = (
        "Retention purge: remove the audit entries written before DATE (the oldest part of the hash chain, up to the "
        "first entry written on or after DATE) and record the purge in the trail. The only way entries leave it."
    )

    def add_arguments(self, parser):
        parser.add_argument("--before", required=True, metavar="YYYY-MM-DD", help="Remove entries written before it.")

    def handle(self, *args, before: str, **options):
        try:
            cutoff = date.fromisoformat(before)
        except ValueError:
            raise CommandError(f"--before must be a date (YYYY-MM-DD), not {before!r}.") from None
        try:
            purge = audit_purge(before=cutoff)
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(
            f"Removed {purge.details['deleted']} audit entries written before {cutoff.isoformat()}; "
            f"the purge is entry {purge.seq}."
        )
