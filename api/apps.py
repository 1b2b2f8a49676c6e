from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApiConfig(AppConfig):
    """The REST API (/api/v1/) for the ATHENA 2 mobile app and national systems, and the personal API tokens users
    manage under their account, and the private calendar feeds (`api.calendars`). It reads through the core's queries
    and writes through services, so that no access rule or number is written twice; it adds demo feeds to the core's
    registry (contributions.py)."""

    name = "api"
    verbose_name = _("API")

    def ready(self) -> None:
        from projects.registry import registry

        from .synced import register_all

        register_all()
        registry.register_app(self)  # everything the app adds: contributions.py
