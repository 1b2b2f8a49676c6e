"""Accounts for the load test (bench/load.py): one per simulated user, each with its roles and its own second factor."""

import base64
import json
import os
import secrets
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from accounts.services import bench_account_set

# The roles of each kind of simulated user, as the demo's demo-manager and demo-staff have them.
ROLES = {
    "manager": {"ATHENA2": "manager", "DTP-TOC": "manager", "IMOBEX": "manager"},
    "staff": {"ATHENA2": "staff", "DTP-TOC": "staff"},
}
PREFIX = "load-"


class Command(BaseCommand):
    help = (
        "Create or reset the load test's accounts (load-manager-01..., load-staff-01...): a fresh password and "
        "authenticator-app secret each, written with the pages they use to --output (mode 0600). Development only."
    )

    def add_arguments(self, parser):
        parser.add_argument("--managers", type=int, default=20)
        parser.add_argument("--staff", type=int, default=30)
        parser.add_argument("--output", default=str(settings.BASE_DIR / "var" / "load-accounts.json"))

    def handle(self, *args, managers: int, staff: int, output: str, **options):
        if not settings.DEBUG:
            raise CommandError("Load-test accounts are for development databases only (DJANGO_DEBUG=true).")
        if not 0 <= managers <= 500 or not 0 <= staff <= 500:
            raise CommandError("--managers and --staff: 0 to 500 each.")
        from projects.models import Project

        projects = {p.code: p for p in Project.objects.filter(code__in=ROLES["manager"])}
        missing = set(ROLES["manager"]) - set(projects)
        if missing:
            raise CommandError(f"No project {', '.join(sorted(missing))}: run `manage.py seed_demo` first.")
        accounts = []
        for kind, count in (("manager", managers), ("staff", staff)):
            roles = {projects[code]: role for code, role in ROLES[kind].items()}
            for n in range(1, count + 1):
                username = f"{PREFIX}{kind}-{n:02d}"
                password = secrets.token_urlsafe(18)
                secret = base64.b32encode(secrets.token_bytes(20)).decode()
                bench_account_set(username=username, password=password, roles=roles, secret=secret)
                accounts.append({"username": username, "password": password, "kind": kind, "totp_secret": secret})
        data = {"accounts": accounts, "roles": ROLES, **_targets()}
        path = Path(output)
        path.parent.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)  # passwords and secrets
        with os.fdopen(descriptor, "w") as file:
            json.dump(data, file, indent=1)
        os.chmod(path, 0o600)
        self.stdout.write(f"{len(accounts)} accounts ({managers} managers, {staff} staff) written to {path}")


def _targets() -> dict:
    """The records the scenario works on: the staff's events still taking registrations (delegates while open, else
    speakers), and reporting periods whose progress report the managers have the worker render."""
    from conferences.models import Event
    from reporting.models import ReportingPeriod

    today = timezone.localdate()
    open_events = (
        Event.objects.filter(project__code__in=ROLES["staff"])
        .exclude(status__in=[Event.Status.HELD, Event.Status.CANCELLED])
        .select_related("project")
        .order_by("pk")
    )
    events = [
        {
            "code": e.project.code,
            "pk": e.pk,
            "delegates": not e.registration_problems(role="delegate", places_taken=0, today=today),
        }
        for e in open_events
    ]
    periods = ReportingPeriod.objects.filter(project__code__in=ROLES["manager"]).select_related("project")
    return {"events": events, "periods": [{"code": p.project.code, "pk": p.pk} for p in periods.order_by("pk")]}
