from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportingConfig(AppConfig):
    name = "reporting"
    verbose_name = _("Dashboards, reports and reminders")

    def ready(self) -> None:
        from projects.access import Action
        from projects.demo import seeders
        from projects.jobs import handlers
        from projects.metrics import registry
        from projects.navigation import project_sections
        from projects.views import portfolio_extensions

        from . import cache, demo, queries, reminders, reports, services
        from .registry import breakdowns, timeline_sources

        project_sections.register(
            "dashboard", label=_("Dashboard"), url_name="reporting:dashboard", order=5, action=Action.VIEW
        )
        project_sections.register(
            "reports", label=_("Reports"), url_name="reporting:report-list", order=90, action=Action.VIEW
        )
        portfolio_extensions.append(queries.portfolio_extend)

        # The core's timeline, monthly series and breakdowns; other apps register theirs in their own ready().
        timeline_sources.register(
            "milestone", label=_("Milestones"), items=queries.milestone_items, app_label="projects"
        )
        timeline_sources.register(
            "deliverable", label=_("Deliverables"), items=queries.deliverable_items, app_label="projects"
        )
        timeline_sources.register("task", label=_("Tasks"), items=queries.task_items, app_label="projects")
        timeline_sources.register("report", label=_("Reports due"), items=queries.report_items, app_label=self.label)
        for key, monthly in (
            ("deliverables_done", queries.deliverables_done_monthly),
            ("milestones_reached", queries.milestones_reached_monthly),
        ):
            if registry.get(key) is not None and registry.get(key).monthly is None:
                registry.set_monthly(key, monthly)
        breakdowns.register(
            "deliverables_done",
            dimension="workstream",
            label=_("By workstream"),
            compute=queries.deliverables_by_workstream,
        )
        breakdowns.register(
            "milestones_reached",
            dimension="workstream",
            label=_("By workstream"),
            compute=queries.milestones_by_workstream,
        )

        reminders.register_core_kinds()
        handlers.register(services.REPORT_JOB, reports.progress_report_job)
        cache.connect()
        seeders.register(self.label, demo.seed, order=90)  # last: its cache bump covers the others' bulk writes
