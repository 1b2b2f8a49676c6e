from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ImobexConfig(AppConfig):
    name = "imobex"
    verbose_name = _("IMOBEX workstreams")

    def ready(self) -> None:
        from projects.registry import registry

        registry.register_app(self)  # everything the app adds: contributions.py
