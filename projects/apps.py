from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProjectsConfig(AppConfig):
    name = "projects"
    verbose_name = _("Projects")

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from . import checks, signals  # noqa: F401  (system checks and signal receivers register on import)
        from .files import connect_file_cleanup
        from .models.rollups import install_tracking
        from .registry import registry, store
        from .rollups import store as rollups_store
        from .rollups import tracking
        from .rollups.tracking import rebuild_after_migrate

        install_tracking(tracking)  # bulk writes of tracked models keep the rollups in step
        store.install(rollups_store)  # the metrics read their numbers from the rollups
        registry.register_app(self)
        connect_file_cleanup()  # a record's replaced or deleted file is removed after the commit
        post_migrate.connect(rebuild_after_migrate, sender=self, dispatch_uid="rollups-after-migrate")
