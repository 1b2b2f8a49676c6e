"""Reads of the IMOBEX records shared by the pages, the exports and the metrics; each in a fixed number of queries."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Prefetch, Q, QuerySet

from projects.models import Country, Project

from .models import SCOPE_GROUPS, Barrier, CountryCoverage, Finding, Intervention, RoadMap, RoadMapVersion

State = CountryCoverage.State


# --- the coverage board ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CoverageTile:
    country: Country
    coverage: CountryCoverage | None
    in_eu: bool

    @property
    def state(self) -> str:
        return self.coverage.state if self.coverage else State.NOT_STARTED

    @property
    def state_label(self) -> str:
        return State(self.state).label


@dataclass(frozen=True)
class CoverageBoard:
    tiles: list[CoverageTile]
    counts: dict[str, int]  # state -> number of countries, for every state

    @property
    def total(self) -> int:
        return len(self.tiles)

    @property
    def covered(self) -> int:
        return self.counts[State.VALIDATED]

    @property
    def groups(self) -> list[tuple[str, list[CoverageTile]]]:
        from django.utils.translation import gettext as _

        return [
            (_("EU Member States"), [t for t in self.tiles if t.in_eu]),
            (_("Southeast European third countries"), [t for t in self.tiles if not t.in_eu]),
        ]

    @property
    def states(self) -> list[tuple[str, str, int]]:
        """(state, label, count) in the order of the states."""
        return [(state, label, self.counts[state]) for state, label in State.choices]


def coverage_board(project: Project) -> CoverageBoard:
    """The 34 countries of the project's scope, each with its coverage; counts per state aggregated in the database.

    Three queries: the countries, the coverage rows, the counts.
    """
    countries = list(
        Country.objects.filter(groups__key__in=SCOPE_GROUPS)
        .annotate(eu=Count("groups", filter=Q(groups__key="eu")))
        .order_by("name")
    )
    rows = {
        c.country_id: c
        for c in CountryCoverage.objects.filter(project=project, country__in=[c.pk for c in countries]).select_related(
            "responsible"
        )
    }
    counted = (
        CountryCoverage.objects.filter(project=project, country__in=[c.pk for c in countries])
        .order_by()
        .values("state")
        .annotate(n=Count("pk"))
    )
    counts = dict.fromkeys(State.values, 0)
    counts.update({row["state"]: row["n"] for row in counted})
    counts[State.NOT_STARTED] = len(countries) - sum(n for state, n in counts.items() if state != State.NOT_STARTED)
    tiles = [CoverageTile(country, rows.get(country.pk), bool(country.eu)) for country in countries]
    return CoverageBoard(tiles=tiles, counts=counts)


# --- findings --------------------------------------------------------------------------------------------------------


def findings(project: Project) -> QuerySet[Finding]:
    """The project's findings with their countries and indicators (three prefetch queries, whatever the number)."""
    return (
        Finding.objects.filter(project=project)
        .select_related("recorded_by")
        .prefetch_related(
            Prefetch("origin_countries", queryset=Country.objects.order_by("name")),
            Prefetch("action_countries", queryset=Country.objects.order_by("name")),
            "indicators",
        )
        .order_by("-created_at", "-pk")
    )


# --- the road map ----------------------------------------------------------------------------------------------------


def road_map_page_data(project: Project) -> dict:
    """Barriers with their countries and interventions, and the road-map documents with their versions (5 queries)."""
    barriers = list(
        Barrier.objects.filter(project=project)
        .prefetch_related(
            Prefetch("countries", queryset=Country.objects.order_by("name")),
            Prefetch("interventions", queryset=Intervention.objects.order_by("pk")),
        )
        .order_by("legal_area", "title")
    )
    maps = list(
        RoadMap.objects.filter(project=project)
        .select_related("deliverable")
        .prefetch_related(
            Prefetch(
                "versions",
                queryset=RoadMapVersion.objects.select_related("submitted_by", "decided_by").order_by("-number"),
            )
        )
        .order_by("pk")
    )
    return {"barriers": barriers, "road_maps": maps}
