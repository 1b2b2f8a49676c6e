from django.core.management.base import BaseCommand

from projects.services import reference_data_load


class Command(BaseCommand):
    help = "Load the SELEC reference data (countries, organisations, the three projects and their targets)."

    def handle(self, *args, **options):
        report = reference_data_load()
        if report.total:
            details = ", ".join(f"{n} {what}" for what, n in report.created.items())
            self.stdout.write(self.style.SUCCESS(f"Created {details}."))
        else:
            self.stdout.write("The SELEC reference data are already loaded; nothing changed.")
