from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApiConfig(AppConfig):
    """The REST API (/api/v1/) for the ATHENA 2 mobile app and national systems, and the personal API tokens users
    manage under their account. It reads through the core's queries and writes through services, so that no access
    rule or number is written twice; it adds nothing to the core's registry."""

    name = "api"
    verbose_name = _("API")

    def ready(self) -> None:
        from .synced import register_all

        register_all()
