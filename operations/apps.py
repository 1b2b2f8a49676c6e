from django.apps import AppConfig, apps
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
            registry.register(
                key, label=labels[key], compute=compute, app_label=self.label, monthly=queries.ACTIVITY_MONTHLY[key]
            )
        registry.register(
            "joint_activities",
            label=_("Joint activities (all types)"),
            compute=queries.joint_activities,
            app_label=self.label,
            monthly=queries.joint_activities_monthly,
        )
        registry.register(
            "officers_involved",
            label=_("Officers involved (people, counted once)"),
            compute=queries.officers_involved,
            app_label=self.label,
            monthly=queries.officers_involved_monthly,
        )
        people_sources.register(
            "operations", queries.officers_in_activities, dated=queries.officers_in_activities_dated
        )

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
        if apps.is_installed("reporting"):
            self.register_reporting()

    def register_reporting(self) -> None:
        """Activities on the reporting app's timeline, breakdowns and reminders."""
        from reporting.registry import breakdowns, reminder_kinds, timeline_sources

        from . import dashboard, queries, reminders

        for key, label, items in dashboard.SOURCES:
            timeline_sources.register(key, label=label, items=items, app_label=self.label)
        for metric, compute in queries.ACTIVITY_BY_LEAD_COUNTRY.items():
            breakdowns.register(metric, dimension="country", label=_("By lead country"), compute=compute)
        breakdowns.register(
            "joint_activities", dimension="type", label=_("By type"), compute=queries.activities_by_type
        )
        breakdowns.register(
            "officers_involved", dimension="country", label=_("By country"), compute=queries.officers_by_country
        )
        breakdowns.register(
            "officers_involved",
            dimension="role",
            label=_("By role in joint activities"),
            compute=queries.officers_by_role,
        )
        for key, label, collect, description in reminders.KINDS:
            reminder_kinds.register(key, label=label, collect=collect, description=description, app_label=self.label)
