from django.contrib import admin
from django.db.models import Count
from django.utils.translation import gettext_lazy as _

from .models import (
    Barrier,
    CountryCoverage,
    ExploitationIndicator,
    Finding,
    Intervention,
    RoadMap,
    RoadMapVersion,
)


@admin.register(CountryCoverage)
class CountryCoverageAdmin(admin.ModelAdmin):
    list_display = ["country", "project", "state", "source", "state_date", "validated_on", "responsible"]
    list_filter = ["state", "source", "project"]
    search_fields = ["country__name", "country__code", "notes"]
    list_select_related = ["country", "project", "responsible"]
    autocomplete_fields = ["project", "country", "responsible"]
    date_hierarchy = "state_date"


@admin.register(ExploitationIndicator)
class ExploitationIndicatorAdmin(admin.ModelAdmin):
    list_display = ["name", "key", "order", "finding_count"]
    search_fields = ["name", "key"]
    prepopulated_fields = {"key": ["name"]}

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(_finding_count=Count("findings"))

    @admin.display(description=_("findings"), ordering="_finding_count")
    def finding_count(self, obj):
        return obj._finding_count


@admin.register(Finding)
class FindingAdmin(admin.ModelAdmin):
    list_display = ["title", "project", "crime_type", "source", "reliability", "recorded_by", "created_at"]
    list_filter = ["crime_type", "source", "reliability", "indicators", "project"]
    search_fields = ["title", "description"]
    list_select_related = ["project", "recorded_by"]
    autocomplete_fields = ["project", "origin_countries", "action_countries", "recorded_by"]
    filter_horizontal = ["indicators"]
    date_hierarchy = "created_at"


class InterventionInline(admin.TabularInline):
    model = Intervention
    extra = 0


@admin.register(Barrier)
class BarrierAdmin(admin.ModelAdmin):
    list_display = ["title", "project", "legal_area", "intervention_count"]
    list_filter = ["legal_area", "project"]
    search_fields = ["title", "description"]
    list_select_related = ["project"]
    autocomplete_fields = ["project", "countries"]
    inlines = [InterventionInline]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(_intervention_count=Count("interventions"))

    @admin.display(description=_("interventions"), ordering="_intervention_count")
    def intervention_count(self, obj):
        return obj._intervention_count


@admin.register(Intervention)
class InterventionAdmin(admin.ModelAdmin):
    list_display = ["__str__", "barrier", "responsible_actor", "horizon", "status"]
    list_filter = ["status", "horizon", "barrier__legal_area", "barrier__project"]
    search_fields = ["description", "responsible_actor", "barrier__title"]
    list_select_related = ["barrier"]
    autocomplete_fields = ["barrier"]


class RoadMapVersionInline(admin.TabularInline):
    model = RoadMapVersion
    extra = 0
    fields = ["number", "document", "status", "submitted_by", "decided_by", "approved_on"]
    autocomplete_fields = ["submitted_by", "decided_by"]


@admin.register(RoadMap)
class RoadMapAdmin(admin.ModelAdmin):
    list_display = ["title", "project", "deliverable"]
    list_filter = ["project"]
    search_fields = ["title"]
    list_select_related = ["project", "deliverable"]
    autocomplete_fields = ["project", "deliverable"]
    inlines = [RoadMapVersionInline]


@admin.register(RoadMapVersion)
class RoadMapVersionAdmin(admin.ModelAdmin):
    list_display = ["__str__", "project", "status", "submitted_by", "submitted_at", "decided_by", "approved_on"]
    list_filter = ["status", "road_map__project"]
    search_fields = ["road_map__title", "notes", "decision_note"]
    list_select_related = ["road_map__project", "submitted_by", "decided_by"]
    autocomplete_fields = ["road_map", "submitted_by", "decided_by"]
    date_hierarchy = "submitted_at"

    @admin.display(description=_("project"), ordering="road_map__project__code")
    def project(self, obj):
        return obj.road_map.project
