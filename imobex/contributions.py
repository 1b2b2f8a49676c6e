"""Everything the IMOBEX app adds to the portal: the countries covered and road maps approved, its tabs and its
demo data."""

from django.utils.translation import gettext_lazy as _

from projects.registry import Breakdown, Contributions, Metric, Picker, Section, Seeder

from . import demo
from .models import IMOBEX_PROJECTS, CountryCoverage, RoadMap, scope_countries

PROJECTS = list(IMOBEX_PROJECTS)

CONTRIBUTIONS = Contributions(
    metrics=[
        # A country counts once its information was gathered and validated, from the validation date.
        Metric(
            key="countries_covered",
            label=_("Countries whose information was gathered (validated)"),
            records=lambda: CountryCoverage.objects.filter(state=CountryCoverage.State.VALIDATED),
            date="validated_on",
            breakdowns=[Breakdown("country", _("By country"), field="country__code")],
        ),
        # A road map counts once, from its first approved version, however many versions were approved.
        Metric(
            key="road_maps",
            label=_("Road maps approved"),
            records=lambda: RoadMap.objects.filter(versions__approved_on__isnull=False),
            date="versions__approved_on",
        ),
    ],
    sections=[
        Section("coverage", _("Country coverage"), "imobex:coverage-board", order=40, projects=PROJECTS),
        Section("findings", _("Modus operandi"), "imobex:finding-list", order=41, projects=PROJECTS),
        Section("road-map", _("Road map"), "imobex:road-map", order=42, projects=PROJECTS),
    ],
    seeders=[Seeder(demo.seed, order=40)],
    pickers=[
        # The countries of IMOBEX's scope (reference data: the core's country groups), for findings and barriers.
        Picker(
            key="scope-countries",
            records=lambda project: scope_countries(),
            search=("name", "code"),
            text=str,
            order=("name", "pk"),
            scoped=False,
            min_chars=1,
        ),
    ],
)
