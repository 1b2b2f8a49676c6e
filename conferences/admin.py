from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.utils.translation import gettext_lazy as _

from . import services
from .models import Attendance, BestPractice, Event, FeedbackResponse, Registration, Session


class SessionInline(admin.TabularInline):
    model = Session
    extra = 0
    fields = ["day", "starts_at", "ends_at", "title", "speakers", "moderators", "room"]


class RegistrationInline(admin.TabularInline):
    model = Registration
    extra = 0
    fields = ["person", "role", "registered_at"]
    readonly_fields = ["registered_at"]
    autocomplete_fields = ["person"]
    show_change_link = True

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("person")


@admin.register(Event)
class EventAdmin(admin.ModelAdmin):
    list_display = ["title", "project", "kind", "edition", "start_date", "end_date", "city", "status", "registered"]
    list_filter = ["project", "kind", "status", "country"]
    search_fields = ["title", "theme", "city", "project__code"]
    list_select_related = ["project", "country"]
    autocomplete_fields = ["project", "country", "training_provider"]
    date_hierarchy = "start_date"
    inlines = [SessionInline, RegistrationInline]
    actions = ["mark_held"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(_registered=Count("registrations"))

    @admin.display(description=_("registered"), ordering="_registered")
    def registered(self, obj):
        return obj._registered

    @admin.action(description=_("Mark the selected events as held"))
    def mark_held(self, request, queryset):
        for event in queryset:
            try:
                services.event_transition(user=request.user, event=event, status=Event.Status.HELD)
            except ValidationError as exc:
                self.message_user(request, f"{event}: {' '.join(exc.messages)}", messages.ERROR)


@admin.register(Session)
class SessionAdmin(admin.ModelAdmin):
    list_display = ["title", "event", "day", "starts_at", "ends_at", "speakers"]
    list_filter = ["event__project", "event__kind"]
    search_fields = ["title", "speakers", "moderators", "event__title"]
    list_select_related = ["event"]
    autocomplete_fields = ["event"]


class AttendanceInline(admin.TabularInline):
    model = Attendance
    extra = 0
    fields = ["day", "present", "recorded_by", "recorded_at"]
    readonly_fields = ["recorded_by", "recorded_at"]


@admin.register(Registration)
class RegistrationAdmin(admin.ModelAdmin):
    list_display = ["person", "event", "role", "country", "registered_at"]
    list_filter = ["role", "event__project", "event__kind", "person__organisation__kind"]
    search_fields = ["person__name", "person__organisation__name", "event__title"]
    list_select_related = ["person__country", "event"]
    autocomplete_fields = ["event", "person"]
    readonly_fields = ["registered_at", "registered_by", "feedback_token", "feedback_reminded_at"]
    inlines = [AttendanceInline]

    @admin.display(description=_("country"), ordering="person__country__name")
    def country(self, obj):
        return obj.person.country


@admin.register(Attendance)
class AttendanceAdmin(admin.ModelAdmin):
    list_display = ["registration", "day", "present", "recorded_by"]
    list_filter = ["present", "registration__event__project"]
    search_fields = ["registration__person__name", "registration__event__title"]
    list_select_related = ["registration__person", "registration__event", "recorded_by"]
    autocomplete_fields = ["registration"]
    date_hierarchy = "day"


@admin.register(BestPractice)
class BestPracticeAdmin(admin.ModelAdmin):
    list_display = ["title", "event", "crime_area", "country"]
    list_filter = ["crime_area", "event__project", "country"]
    search_fields = ["title", "summary", "event__title"]
    list_select_related = ["event", "country"]
    autocomplete_fields = ["event", "session", "country"]


@admin.register(FeedbackResponse)
class FeedbackResponseAdmin(admin.ModelAdmin):
    list_display = ["registration", "overall", "content", "organisation", "usefulness", "submitted_at"]
    list_filter = ["overall", "registration__event__project"]
    search_fields = ["registration__person__name", "registration__event__title", "comments"]
    list_select_related = ["registration__person", "registration__event"]
    autocomplete_fields = ["registration"]
    readonly_fields = ["submitted_at"]
