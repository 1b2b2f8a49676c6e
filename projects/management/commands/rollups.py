"""`manage.py rollups --rebuild` recomputes every rollup from the raw records; `--check` compares the stored ones
with a recomputation and exits non-zero on any difference (see projects/rollups)."""

from django.core.management.base import BaseCommand, CommandError

from projects import rollups


class Command(BaseCommand):
    help = "Rebuild the rollups from the raw records (--rebuild) or compare them with a recomputation (--check)."

    def add_arguments(self, parser):
        parser.add_argument("--rebuild", action="store_true", help="Recompute every rollup from the raw records.")
        parser.add_argument("--check", action="store_true", help="Report any difference; exit 1 if there is one.")
        parser.add_argument("--metric", action="append", help="Only this metric (repeatable).")

    def handle(self, *args, rebuild: bool, check: bool, metric, **options):
        if not rebuild and not check:
            raise CommandError("Say --rebuild or --check.")
        known = rollups.tracked()
        unknown = sorted(set(metric or ()) - set(known))
        if unknown:
            raise CommandError(f"Not a metric the rollups keep: {', '.join(unknown)}")
        if rebuild:
            rollups.rebuild(metric)
            self.stdout.write(f"Rebuilt the rollups of {len(metric or known)} metrics.")
        if check:
            problems = rollups.check(metric)
            for line in problems:
                self.stdout.write(line)
            if problems:
                raise CommandError(f"{len(problems)} differences between the rollups and the raw records.")
            self.stdout.write(self.style.SUCCESS("The rollups match the raw records."))
