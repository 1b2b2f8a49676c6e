from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApiConfig(AppConfig):
    """The REST API (/api/v1/) for the ATHENA 2 mobile app and national systems, the personal API tokens users
    manage under their account, the private calendar feeds (`api.calendars`) and the webhooks (`api.webhooks`). It
    reads through the core's queries and writes through services, so that no access rule or number is written twice;
    it adds demo feeds and webhooks to the core's registry (contributions.py) and turns the services' domain events
    (`projects.events`) into webhook deliveries."""

    name = "api"
    verbose_name = _("API")

    def ready(self) -> None:
        from projects.events import domain_event
        from projects.registry import registry

        from .synced import register_all
        from .webhooks.services import on_domain_event

        register_all()
        registry.register_app(self)  # everything the app adds: contributions.py
        domain_event.connect(on_domain_event, dispatch_uid="api.webhooks")  # services' events become webhooks
