from django.apps import AppConfig, apps
from django.utils.translation import gettext_lazy as _


class ConferencesConfig(AppConfig):
    name = "conferences"
    verbose_name = _("Conferences and events")

    def ready(self) -> None:
        from projects.demo import seeders
        from projects.jobs import handlers
        from projects.metrics import people_sources, registry
        from projects.navigation import project_sections

        from . import demo, jobs, queries

        # (key, label, compute, monthly series for the burn-up charts)
        metrics = [
            ("conferences_held", _("Conferences held"), queries.conferences_held, queries.conferences_held_monthly),
            (
                "thematic_workshops",
                _("Thematic workshops held"),
                queries.workshops_held,
                queries.workshops_held_monthly,
            ),
            ("expert_workshops", _("Expert workshops held"), queries.workshops_held, queries.workshops_held_monthly),
            ("field_labs", _("Field labs held"), queries.field_labs_held, queries.field_labs_held_monthly),
            ("trainings_held", _("Training courses held"), queries.trainings_held, queries.trainings_held_monthly),
            (
                "participants_reached",
                _("Participants reached at events (people)"),
                queries.participants_reached,
                queries.participants_reached_monthly,
            ),
            (
                "countries_reached",
                _("Countries reached at events"),
                queries.countries_reached,
                queries.countries_reached_monthly,
            ),
            (
                "officers_trained",
                _("Officers trained (trainees who attended)"),
                queries.officers_trained,
                queries.officers_trained_monthly,
            ),
        ]
        for key, label, compute, monthly in metrics:
            registry.register(key, label=label, compute=compute, app_label=self.label, monthly=monthly)
        people_sources.register("events", queries.event_people, dated=queries.event_people_dated)
        project_sections.register("events", label=_("Events"), url_name="conferences:event-list", order=30)
        handlers.register(jobs.PARTICIPANTS_IMPORT, jobs.run_participants_import)
        handlers.register(jobs.CERTIFICATES, jobs.run_certificates)
        seeders.register(self.label, demo.seed, order=20)
        if apps.is_installed("reporting"):
            self.register_reporting()

    def register_reporting(self) -> None:
        """The events' timeline, breakdowns and reminder kinds on the reporting app's dashboards and reminders."""
        from reporting.registry import breakdowns, reminder_kinds, timeline_sources

        from . import dashboard, reminders

        timeline_sources.register("event", label=_("Events"), items=dashboard.event_items, app_label=self.label)
        timeline_sources.register(
            "registration_deadline",
            label=_("Event registration deadlines"),
            items=dashboard.registration_deadline_items,
            app_label=self.label,
        )
        for metric, dimension, label, compute in dashboard.BREAKDOWNS:
            breakdowns.register(metric, dimension=dimension, label=label, compute=compute)
        for key, label, collect, description in reminders.KINDS:
            reminder_kinds.register(key, label=label, collect=collect, description=description, app_label=self.label)
