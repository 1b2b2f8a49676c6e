from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProjectsConfig(AppConfig):
    name = "projects"
    verbose_name = _("Projects")

    def ready(self) -> None:
        from . import demo, metrics, queries, signals  # noqa: F401
        from .navigation import project_sections

        metrics.registry.register(
            "deliverables_done",
            label=_("Deliverables approved"),
            compute=queries.deliverables_done,
            app_label=self.label,
        )
        metrics.registry.register(
            "milestones_reached",
            label=_("Milestones reached"),
            compute=queries.milestones_reached,
            app_label=self.label,
        )
        demo.seeders.register(self.label, demo.seed_core, order=0)
        project_sections.register("timeline", label=_("Timeline"), url_name="projects:timeline", order=90)
