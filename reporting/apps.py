from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportingConfig(AppConfig):
    name = "reporting"
    verbose_name = _("Dashboards, reports and reminders")

    def ready(self) -> None:
        from projects.registry import registry

        from . import cache

        registry.register_app(self)  # everything the app adds: contributions.py
        cache.connect()  # any saved record empties the dashboards' cache
