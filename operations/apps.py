from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OperationsConfig(AppConfig):
    name = "operations"
    verbose_name = _("ATHENA 2 operations")

    def ready(self) -> None:
        from projects.access import Action
        from projects.demo import seeders
        from projects.metrics import people_sources, registry
        from projects.navigation import project_sections

        from . import demo, queries
        from .models import OPERATIONS_PROJECTS

        labels = {
            "cross_border_observations": _("Cross-border observations"),
            "joint_operations": _("Joint operations"),
            "joint_investigations": _("Joint investigations"),
            "joint_patrols": _("Joint patrols"),
            "bilateral_meetings": _("Bilateral meetings"),
        }
        for key, compute in queries.ACTIVITY_METRICS.items():
            registry.register(key, label=labels[key], compute=compute, app_label=self.label)
        registry.register(
            "officers_involved",
            label=_("Officers involved (people, counted once)"),
            compute=queries.officers_involved,
            app_label=self.label,
        )
        people_sources.register("operations", queries.officers_in_activities)

        projects = list(OPERATIONS_PROJECTS)
        project_sections.register(
            "activities", label=_("Joint activities"), url_name="operations:activity-list", order=20, projects=projects
        )
        project_sections.register(
            "spocs", label=_("SPOC directory"), url_name="operations:spoc-directory", order=21, projects=projects
        )
        project_sections.register(
            "numbers",
            label=_("ATHENA 2 numbers"),
            url_name="operations:numbers",
            order=22,
            projects=projects,
            action=Action.MANAGE,
        )
        seeders.register(self.label, demo.seed, order=20)
