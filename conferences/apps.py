from django.apps import AppConfig
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

        metrics = [
            ("conferences_held", _("Conferences held"), queries.conferences_held),
            ("thematic_workshops", _("Thematic workshops held"), queries.workshops_held),
            ("expert_workshops", _("Expert workshops held"), queries.workshops_held),
            ("field_labs", _("Field labs held"), queries.field_labs_held),
            ("trainings_held", _("Training courses held"), queries.trainings_held),
            ("participants_reached", _("Participants reached at events (people)"), queries.participants_reached),
            ("countries_reached", _("Countries reached at events"), queries.countries_reached),
            ("officers_trained", _("Officers trained (trainees who attended)"), queries.officers_trained),
        ]
        for key, label, compute in metrics:
            registry.register(key, label=label, compute=compute, app_label=self.label)
        people_sources.register("events", queries.event_people)
        project_sections.register("events", label=_("Events"), url_name="conferences:event-list", order=30)
        handlers.register(jobs.PARTICIPANTS_IMPORT, jobs.run_participants_import)
        handlers.register(jobs.CERTIFICATES, jobs.run_certificates)
        seeders.register(self.label, demo.seed, order=20)
