from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OperationsConfig(AppConfig):
    name = "operations"
    verbose_name = _("ATHENA 2 operations")

    def ready(self) -> None:
        from projects.registry import registry

        from . import signals

        registry.register_app(self)  # everything the app adds: contributions.py
        signals.connect()  # derived fields follow every write of the records they derive from
