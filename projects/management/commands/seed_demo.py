import random
import time

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from projects import rollups
from projects.demo import DEMO_ACCOUNTS
from projects.registry import registry
from projects.services import reference_data_load


class Command(BaseCommand):
    help = "Create the demo accounts and plausible demo records (deterministic for a given --activities)."

    def add_arguments(self, parser):
        parser.add_argument("--activities", type=int, default=200, help="How many activities to create (default 200).")
        parser.add_argument("--force", action="store_true", help="Run even with DEBUG off (never on real data).")
        parser.add_argument("--if-new", action="store_true", help="Do nothing if the demo accounts already exist.")

    def handle(self, *args, activities: int, force: bool, if_new: bool, **options):
        if not settings.DEBUG and not force:
            raise CommandError("Refusing to create demo accounts with DEBUG off; pass --force if you really mean it.")
        if activities < 0:
            raise CommandError("--activities must be zero or more.")
        if if_new and get_user_model().objects.filter(username=DEMO_ACCOUNTS[0][0]).exists():
            self.stdout.write("Demo data already present; reusing them.")
            return
        reference_data_load()
        today = timezone.localdate()
        with rollups.batch(everything=True):  # bulk writes: the rollups are rebuilt once, at the end
            for seeder in registry.seeders():
                rng = random.Random(f"{seeder.app_label}:{activities}")
                started = time.perf_counter()
                with transaction.atomic():
                    created = seeder.seed(activities=activities, rng=rng, today=today)
                details = ", ".join(f"{n} {what}" for what, n in created.items()) or "nothing"
                self.stdout.write(f"{seeder.app_label}: {details} ({time.perf_counter() - started:.1f} s)")
            started = time.perf_counter()
        self.stdout.write(f"rollups rebuilt ({time.perf_counter() - started:.1f} s)")
        for seeder in registry.seeders():
            if seeder.after is not None:
                with transaction.atomic():
                    created = seeder.after(today=today)
                details = ", ".join(f"{n} {what}" for what, n in created.items()) or "nothing"
                self.stdout.write(f"{seeder.app_label}, on the numbers: {details}")
        accounts = ", ".join(username for username, *_ in DEMO_ACCOUNTS)
        self.stdout.write(self.style.SUCCESS(f"Demo accounts: {accounts} (password from DEMO_PASSWORD)."))
