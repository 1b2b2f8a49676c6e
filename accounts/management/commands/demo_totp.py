from allauth.mfa.models import Authenticator
from allauth.mfa.utils import decrypt
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from accounts.forms import totp_current_code


class Command(BaseCommand):
    help = "Print the current authenticator-app code of a demo account (demo-manager, demo-admin), to log in."

    def add_arguments(self, parser):
        parser.add_argument("username")

    def handle(self, *args, username: str, **options):
        if not settings.DEBUG:
            raise CommandError("Demo codes are for development only (DJANGO_DEBUG=true).")
        authenticator = Authenticator.objects.filter(user__username=username, type=Authenticator.Type.TOTP).first()
        if authenticator is None:
            raise CommandError(f"{username} has no authenticator app; run `manage.py seed_demo` first.")
        secret = decrypt(authenticator.data["secret"])
        if secret != settings.DEMO_TOTP_SECRET:
            raise CommandError(f"{username} has an authenticator app of their own, not the demo one.")
        self.stdout.write(totp_current_code(secret))
