from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from projects.admin_base import ServiceAdmin, StackedInline, TabularInline, choices_filter
from projects.registry import registry

from . import services
from .models import (
    DeviationNote,
    Notification,
    NotificationPreference,
    ProgressReport,
    ReminderDelivery,
    ReportingPeriod,
    ReportSnapshot,
    WorkstreamNarrative,
)

# The kinds of reminder the apps register, not a DISTINCT over every reminder sent.
REMINDER_KINDS = choices_filter("kind", _("kind"), lambda: [(k.key, k.label) for k in registry.reminder_kinds()])


class ProgressReportInline(StackedInline):
    model = ProgressReport
    extra = 0
    fields = ["narrative", "updated_by", "updated_at"]
    readonly_fields = ["updated_by", "updated_at"]


class ReportSnapshotInline(TabularInline):
    """The submitted versions, frozen: listed (without their content), never edited here."""

    model = ReportSnapshot
    extra = 0
    row_select_related = ("created_by",)
    fields = ["number", "submitted_on", "created_by", "created_at"]
    readonly_fields = fields
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        return super().get_queryset(request).defer("content")


@admin.register(ReportingPeriod)
class ReportingPeriodAdmin(ServiceAdmin):
    list_display = ["__str__", "project", "kind", "start", "end", "due_date", "submitted_on"]
    list_filter = ["project", "kind"]
    search_fields = ["title", "project__code"]
    date_hierarchy = "due_date"
    inlines = [ProgressReportInline, ReportSnapshotInline]
    list_select_related = ["project"]
    transition_fields = ("submitted_on",)

    def has_delete_permission(self, request, obj=None):
        """A period whose report was submitted keeps it: its frozen versions are what the funder received."""
        if obj is not None and obj.snapshots.exists():
            return False
        return super().has_delete_permission(request, obj)

    def transition(self, request, obj, submitted_on=None) -> None:
        """A submission date freezes a new version of the report, as the report's page does; clearing it only clears
        the date (the frozen versions stay)."""
        if submitted_on is not None:
            services.report_submit(user=request.user, period=obj, on=submitted_on)
        else:
            services.period_unsubmit(user=request.user, period=obj)


@admin.register(WorkstreamNarrative)
class WorkstreamNarrativeAdmin(ServiceAdmin):
    list_display = ["report", "workstream"]
    list_filter = ["report__period__project"]
    list_select_related = ["report__period__project", "workstream"]
    raw_id_fields = ["report", "workstream"]


@admin.register(DeviationNote)
class DeviationNoteAdmin(ServiceAdmin):
    list_display = ["report", "key"]
    list_filter = ["report__period__project"]
    search_fields = ["key", "explanation", "measure"]
    list_select_related = ["report__period__project"]
    raw_id_fields = ["report"]


@admin.register(ReportSnapshot)
class ReportSnapshotAdmin(ServiceAdmin):
    """A submitted version is frozen: it is what was sent to the funder, so the admin shows it and nothing more."""

    list_display = ["period", "project", "number", "submitted_on", "created_by", "created_at"]
    list_filter = ["period__project"]
    list_select_related = ["period__project", "created_by"]
    readonly_fields = ["period", "number", "submitted_on", "created_by", "created_at"]
    exclude = ["content"]

    @admin.display(description=_("project"), ordering="period__project__code")
    def project(self, obj) -> str:
        return obj.period.project.code

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ReminderDelivery)
class ReminderDeliveryAdmin(ServiceAdmin):
    """The record of what was sent; read-only, since its rows are what keeps reminders from going out twice."""

    list_display = ["created_at", "kind", "recipient", "project", "occasion", "status", "attempts", "sent_at"]
    list_filter = ["status", REMINDER_KINDS, "project"]
    search_fields = ["subject", "recipient__username", "recipient__email"]
    list_select_related = ["recipient", "project"]
    autocomplete_fields = ["recipient", "project"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Notification)
class NotificationAdmin(ServiceAdmin):
    list_display = ["created_at", "recipient", "kind", "title", "read_at"]
    list_filter = [REMINDER_KINDS]
    search_fields = ["title", "recipient__username"]
    list_select_related = ["recipient"]
    raw_id_fields = ["delivery"]
    autocomplete_fields = ["recipient", "project"]


@admin.register(NotificationPreference)
class NotificationPreferenceAdmin(ServiceAdmin):
    list_display = ["user", "kind", "enabled"]
    list_filter = [REMINDER_KINDS, "enabled"]
    search_fields = ["user__username"]
    list_select_related = ["user"]
    autocomplete_fields = ["user"]
