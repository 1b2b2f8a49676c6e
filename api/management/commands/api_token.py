"""Create a personal API token for a user, for scripts and operators:

    manage.py api_token USERNAME --name NAME [--scope read|write] [--days N]

The token is printed once, alone on the last line of the output (`... | tail -n 1`); only its digest is kept.
"""

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from api.models import ApiToken
from api.services import DEFAULT_DAYS, MAX_DAYS, token_create


class Command(BaseCommand):
    help = "Create a personal API token for a user and print it once, alone on the last line."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--name", required=True, help="what the token is for")
        parser.add_argument("--scope", choices=ApiToken.Scope.values, default=ApiToken.Scope.READ)
        parser.add_argument("--days", type=int, default=DEFAULT_DAYS, help=f"1 to {MAX_DAYS} (default {DEFAULT_DAYS})")

    def handle(self, *args, username: str, name: str, scope: str, days: int, **options):
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"No user named {username!r}.")
        if not user.is_active:
            raise CommandError(f"The user {username!r} is inactive: a token would be refused.")
        try:
            token, plaintext = token_create(user=user, name=name, scope=scope, days=days)
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from None
        self.stdout.write(
            f"Token {token.name!r} for {username} ({token.get_scope_display().lower()}), "
            f"expires {token.expires_at:%Y-%m-%d %H:%M} UTC. It is shown once:"
        )
        self.stdout.write(plaintext)
