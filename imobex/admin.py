from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.utils.translation import gettext_lazy as _

from projects.admin_base import ServiceAdmin, TabularInline, adopt

from . import services
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
class CountryCoverageAdmin(ServiceAdmin):
    list_display = ["country", "project", "state", "source", "state_date", "validated_on", "responsible"]
    list_filter = ["state", "source", "project"]
    search_fields = ["country__name", "country__code", "notes"]
    list_select_related = ["country", "project", "responsible"]
    autocomplete_fields = ["project", "country", "responsible"]
    date_hierarchy = "state_date"
    readonly_fields = ["requested_on", "received_on", "validated_on"]  # kept by the state's moves

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        return [*fields, "project", "country"] if obj is not None else fields

    def save_record(self, request, obj, form, *, created, changed):
        """Every change goes through `coverage_set_state`: the allowed moves, who may make them, their dates."""
        coverage = services.coverage_set_state(
            user=request.user,
            project=obj.project,
            country=obj.country,
            state=obj.state,
            state_date=obj.state_date,
            source=obj.source,
            responsible=obj.responsible,
            notes=obj.notes,
        )
        adopt(obj, coverage)


@admin.register(ExploitationIndicator)
class ExploitationIndicatorAdmin(ServiceAdmin):
    list_display = ["name", "key", "order", "finding_count"]
    search_fields = ["name", "key"]
    prepopulated_fields = {"key": ["name"]}

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(_finding_count=Count("findings"))

    @admin.display(description=_("findings"), ordering="_finding_count")
    def finding_count(self, obj):
        return obj._finding_count


@admin.register(Finding)
class FindingAdmin(ServiceAdmin):
    list_display = ["title", "project", "crime_type", "source", "reliability", "recorded_by", "created_at"]
    list_filter = ["crime_type", "source", "reliability", "indicators", "project"]
    search_fields = ["title", "description"]
    list_select_related = ["project", "recorded_by"]
    autocomplete_fields = ["project", "origin_countries", "action_countries"]
    filter_horizontal = ["indicators"]
    date_hierarchy = "created_at"
    readonly_fields = ["recorded_by"]

    def save_record(self, request, obj, form, *, created, changed):
        fields = services.FINDING_FIELDS + services.FINDING_LISTS
        values = {name: form.cleaned_data[name] for name in fields if name in form.cleaned_data}
        finding = services.finding_save(
            user=request.user, project=obj.project, finding=None if created else obj, **values
        )
        adopt(obj, finding)


class InterventionInline(TabularInline):
    model = Intervention
    extra = 0


@admin.register(Barrier)
class BarrierAdmin(ServiceAdmin):
    list_display = ["title", "project", "legal_area", "intervention_count"]
    list_filter = ["legal_area", "project"]
    search_fields = ["title", "description"]
    list_select_related = ["project"]
    autocomplete_fields = ["project", "countries"]
    inlines = [InterventionInline]

    def get_queryset(self, request):
        # The count groups the rows, which drops the model's default order: it is given again (autocomplete pages it).
        queryset = super().get_queryset(request).annotate(_intervention_count=Count("interventions"))
        return queryset.order_by(*self.model._meta.ordering)

    def save_record(self, request, obj, form, *, created, changed):
        barrier = services.barrier_save(
            user=request.user,
            project=obj.project,
            barrier=None if created else obj,
            countries=form.cleaned_data["countries"],
            title=obj.title,
            description=obj.description,
            legal_area=obj.legal_area,
        )
        adopt(obj, barrier)

    @admin.display(description=_("interventions"), ordering="_intervention_count")
    def intervention_count(self, obj):
        return obj._intervention_count


@admin.register(Intervention)
class InterventionAdmin(ServiceAdmin):
    list_display = ["__str__", "barrier", "responsible_actor", "horizon", "status"]
    list_filter = ["status", "horizon", "barrier__legal_area", "barrier__project"]
    search_fields = ["description", "responsible_actor", "barrier__title"]
    list_select_related = ["barrier"]
    autocomplete_fields = ["barrier"]

    def save_record(self, request, obj, form, *, created, changed):
        intervention = services.intervention_save(
            user=request.user,
            barrier=obj.barrier,
            intervention=None if created else obj,
            **{name: getattr(obj, name) for name in ("description", "responsible_actor", "horizon", "status")},
        )
        adopt(obj, intervention)


class RoadMapVersionInline(TabularInline):
    model = RoadMapVersion
    extra = 0
    fields = ["number", "document", "status", "submitted_by", "decided_by", "approved_on"]
    readonly_fields = ["number", "submitted_by", "decided_by", "approved_on"]  # set by the services


@admin.register(RoadMap)
class RoadMapAdmin(ServiceAdmin):
    list_display = ["title", "project", "deliverable"]
    list_filter = ["project"]
    search_fields = ["title"]
    list_select_related = ["project", "deliverable"]
    autocomplete_fields = ["project", "deliverable"]
    inlines = [RoadMapVersionInline]


@admin.register(RoadMapVersion)
class RoadMapVersionAdmin(ServiceAdmin):
    list_display = ["__str__", "project", "status", "submitted_by", "submitted_at", "decided_by", "approved_on"]
    list_filter = ["status", "road_map__project"]
    search_fields = ["road_map__title", "notes", "decision_note"]
    list_select_related = ["road_map__project", "submitted_by", "decided_by"]
    autocomplete_fields = ["road_map"]
    date_hierarchy = "submitted_at"
    readonly_fields = ["number", "submitted_by", "submitted_at", "decided_by", "approved_on"]  # set by the services
    transition_fields = ("status",)

    @admin.display(description=_("project"), ordering="road_map__project__code")
    def project(self, obj):
        return obj.road_map.project

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        return fields if obj is not None else [*fields, "status"]  # a new version is submitted

    def save_record(self, request, obj, form, *, created, changed):
        """A new version is submitted by `roadmap_version_submit` (numbered, its document checked)."""
        if not created:
            return super().save_record(request, obj, form, created=created, changed=changed)
        version = services.roadmap_version_submit(
            user=request.user, road_map=obj.road_map, document=form.cleaned_data["document"], notes=obj.notes
        )
        adopt(obj, version)

    def transition(self, request, obj, *, status):
        """A manager's decision: approved or returned, through the services (and with their effects)."""
        if status == RoadMapVersion.Status.APPROVED:
            services.roadmap_version_approve(user=request.user, version=obj, note=obj.decision_note)
        elif status == RoadMapVersion.Status.RETURNED:
            services.roadmap_version_return(user=request.user, version=obj, note=obj.decision_note)
        else:
            raise ValidationError({"status": _("A submitted version is either approved or returned.")})
