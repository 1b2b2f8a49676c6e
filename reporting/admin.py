from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from projects.admin_base import ServiceAdmin, StackedInline, choices_filter
from projects.registry import registry

from .models import Notification, NotificationPreference, ProgressReport, ReminderDelivery, ReportingPeriod

# The kinds of reminder the apps register, not a DISTINCT over every reminder sent.
REMINDER_KINDS = choices_filter("kind", _("kind"), lambda: [(k.key, k.label) for k in registry.reminder_kinds()])


class ProgressReportInline(StackedInline):
    model = ProgressReport
    extra = 0
    fields = ["narrative", "updated_by", "updated_at"]
    readonly_fields = ["updated_by", "updated_at"]


@admin.register(ReportingPeriod)
class ReportingPeriodAdmin(ServiceAdmin):
    list_display = ["__str__", "project", "kind", "start", "end", "due_date", "submitted_on"]
    list_filter = ["project", "kind"]
    search_fields = ["title", "project__code"]
    date_hierarchy = "due_date"
    inlines = [ProgressReportInline]
    list_select_related = ["project"]


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
