from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ImobexConfig(AppConfig):
    name = "imobex"
    verbose_name = _("IMOBEX workstreams")

    def ready(self) -> None:
        from projects.demo import seeders
        from projects.metrics import registry
        from projects.navigation import project_sections
        from reporting.registry import breakdowns

        from . import demo, queries
        from .models import IMOBEX_PROJECTS

        registry.register(
            "countries_covered",
            label=_("Countries whose information was gathered (validated)"),
            compute=queries.countries_covered,
            app_label=self.label,
            monthly=queries.countries_covered_monthly,
        )
        registry.register(
            "road_maps",
            label=_("Road maps approved"),
            compute=queries.road_maps,
            app_label=self.label,
            monthly=queries.road_maps_monthly,
        )
        breakdowns.register(
            "countries_covered",
            dimension="country",
            label=_("By country"),
            compute=queries.countries_covered_by_country,
        )
        projects = list(IMOBEX_PROJECTS)
        project_sections.register(
            "coverage", label=_("Country coverage"), url_name="imobex:coverage-board", order=40, projects=projects
        )
        project_sections.register(
            "findings", label=_("Modus operandi"), url_name="imobex:finding-list", order=41, projects=projects
        )
        project_sections.register(
            "road-map", label=_("Road map"), url_name="imobex:road-map", order=42, projects=projects
        )
        seeders.register(self.label, demo.seed, order=40)
