from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProjectsConfig(AppConfig):
    name = "projects"
    verbose_name = _("Projects")

    def ready(self) -> None:
        from . import checks, signals  # noqa: F401  (system checks and signal receivers register on import)
        from .files import connect_file_cleanup
        from .registry import registry

        registry.register_app(self)
        connect_file_cleanup()  # a record's replaced or deleted file is removed after the commit
