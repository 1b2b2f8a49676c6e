from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    """Login and accounts: allauth (login, two factors, password reset, sessions) and axes (lockout), the portal's
    rules on top of them (who must use a second factor, the client's address) and their audit entries."""

    name = "accounts"
    verbose_name = _("Accounts")

    def ready(self) -> None:
        from projects.registry import registry

        from . import signals  # noqa: F401  (audit entries and session endings register on import)

        registry.register_app(self)  # everything the app adds: contributions.py
