from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ConferencesConfig(AppConfig):
    name = "conferences"
    verbose_name = _("Conferences and events")

    def ready(self) -> None:
        from projects.registry import registry

        registry.register_app(self)  # everything the app adds: contributions.py
