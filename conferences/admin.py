from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import Count, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from projects.admin_base import ServiceAdmin, TabularInline, adopt, choices_filter, ratings, workstream_choices

from . import services
from .models import Attendance, BestPractice, Event, FeedbackResponse, Registration, Session


class SessionInline(TabularInline):
    model = Session
    extra = 0
    fields = ["day", "starts_at", "ends_at", "title", "speakers", "moderators", "room"]


class RegistrationInline(TabularInline):
    model = Registration
    extra = 0
    fields = ["person", "role", "registered_at"]
    readonly_fields = ["registered_at"]
    autocomplete_fields = ["person"]
    show_change_link = True


@admin.register(Event)
class EventAdmin(ServiceAdmin):
    """Events are saved by `event_save`; a change of status goes through `event_transition` and its rules."""

    consultation_logged = True  # it shows people: opening it is recorded

    transition_fields = ("status",)
    list_display = ["title", "project", "kind", "edition", "start_date", "end_date", "city", "status", "registered"]
    list_filter = ["project", "workstream", "kind", "status", "country"]
    search_fields = ["title", "theme", "city", "project__code"]
    list_select_related = ["project", "country"]
    autocomplete_fields = ["project", "country", "training_provider"]
    date_hierarchy = "start_date"
    inlines = [SessionInline, RegistrationInline]
    actions = ["mark_held"]

    def get_queryset(self, request):
        # A count per event shown (a subquery on the event's index), not a GROUP BY over every registration.
        registered = Registration.objects.filter(event=OuterRef("pk")).order_by().values("event")
        return (
            super()
            .get_queryset(request)
            .annotate(_registered=Coalesce(Subquery(registered.annotate(n=Count("pk")).values("n")), 0))
        )

    def get_form(self, request, obj=None, change=False, **kwargs):
        return workstream_choices(super().get_form(request, obj, change=change, **kwargs), obj)

    @admin.display(description=_("registered"), ordering="_registered")
    def registered(self, obj):
        return obj._registered

    def save_record(self, request, obj, form, *, created, changed):
        services.event_save(user=request.user, event=obj)

    def transition(self, request, obj, *, status):
        services.event_transition(user=request.user, event=obj, status=status)

    @admin.action(description=_("Mark the selected events as held"))
    def mark_held(self, request, queryset):
        for event in queryset:
            try:
                services.event_transition(user=request.user, event=event, status=Event.Status.HELD)
            except ValidationError as exc:
                self.message_user(request, f"{event}: {' '.join(exc.messages)}", messages.ERROR)


@admin.register(Session)
class SessionAdmin(ServiceAdmin):
    list_display = ["title", "event", "day", "starts_at", "ends_at", "speakers"]
    list_filter = ["event__project", "event__kind"]
    search_fields = ["title", "speakers", "moderators", "event__title"]
    list_select_related = ["event"]
    autocomplete_fields = ["event"]

    def save_record(self, request, obj, form, *, created, changed):
        services.session_save(user=request.user, session=obj)

    def delete_record(self, request, obj):
        services.session_delete(user=request.user, session=obj)


class AttendanceInline(TabularInline):
    model = Attendance
    row_select_related = ("registration__person", "recorded_by")  # a row's label names the person
    extra = 0
    fields = ["day", "present", "recorded_by", "recorded_at"]
    readonly_fields = ["recorded_by", "recorded_at"]


@admin.register(Registration)
class RegistrationAdmin(ServiceAdmin):
    consultation_logged = True  # it shows people: opening it is recorded
    list_display = ["person", "event", "role", "country", "registered_at"]
    list_filter = ["role", "event__project", "event__kind", "person__organisation__kind"]
    search_fields = ["person__name", "person__organisation__name", "event__title"]
    list_select_related = ["person__country", "event"]
    autocomplete_fields = ["event", "person"]
    ordering = ["-event_id", "pk"]  # the newest events first, along the index (not by a joined name)
    readonly_fields = ["registered_at", "registered_by", "feedback_token", "feedback_reminded_at"]
    inlines = [AttendanceInline]

    def get_queryset(self, request):
        # A registration is labelled with its person and event, in the autocomplete boxes' answers too (Django then
        # skips `list_select_related`: this names what the list shows as well).
        return super().get_queryset(request).select_related("person__country", "event")  # the list's columns too

    @admin.display(description=_("country"), ordering="person__country__name")
    def country(self, obj):
        return obj.person.country

    def save_record(self, request, obj, form, *, created, changed):
        """A new registration follows the registration rules (deadline, capacity, once per person)."""
        if not created:
            return super().save_record(request, obj, form, created=created, changed=changed)
        person = obj.person
        registration = services.registration_create(
            user=request.user,
            event=obj.event,
            name=person.name,
            country=person.country,
            organisation=person.organisation,
            role=obj.role,
        )
        adopt(obj, registration)

    def delete_record(self, request, obj):
        services.registration_delete(user=request.user, registration=obj)


@admin.register(Attendance)
class AttendanceAdmin(ServiceAdmin):
    """Check-ins are recorded by `attendance_record` (a day of the event, not in the future) and undone by
    `attendance_undo`, as at the registration desk."""

    consultation_logged = True  # it shows people: opening it is recorded

    list_display = ["registration", "day", "present", "recorded_by"]
    list_filter = ["present", "registration__event__project"]
    search_fields = ["registration__person__name", "registration__event__title"]
    list_select_related = ["registration__person", "registration__event", "recorded_by"]
    autocomplete_fields = ["registration"]
    readonly_fields = ["recorded_by", "recorded_at"]  # who checked the person in: set by `attendance_record`
    date_hierarchy = "day"
    ordering = ["-day", "pk"]  # along the index of the day (not by the registration's joined order)

    def save_record(self, request, obj, form, *, created, changed):
        if not created:
            stored = Attendance.objects.select_related("registration").get(pk=obj.pk)
            if (stored.registration_id, stored.day) != (obj.registration_id, obj.day):
                services.attendance_undo(user=request.user, registration=stored.registration, day=stored.day)
        attendance = services.attendance_record(
            user=request.user, registration=obj.registration, day=obj.day, present=obj.present
        )
        adopt(obj, attendance)

    def delete_record(self, request, obj):
        services.attendance_undo(user=request.user, registration=obj.registration, day=obj.day)


@admin.register(BestPractice)
class BestPracticeAdmin(ServiceAdmin):
    list_display = ["title", "event", "crime_area", "country"]
    list_filter = ["crime_area", "event__project", "country"]
    search_fields = ["title", "summary", "event__title"]
    list_select_related = ["event", "country"]
    autocomplete_fields = ["event", "session", "country"]

    def save_record(self, request, obj, form, *, created, changed):
        services.best_practice_save(user=request.user, practice=obj)


@admin.register(FeedbackResponse)
class FeedbackResponseAdmin(ServiceAdmin):
    consultation_logged = True  # it shows people: opening it is recorded
    list_display = ["registration", "overall", "content", "organisation", "usefulness", "submitted_at"]
    list_filter = [choices_filter("overall", _("overall"), ratings), "registration__event__project"]
    search_fields = ["registration__person__name", "registration__event__title", "comments"]
    list_select_related = ["registration__person", "registration__event"]
    autocomplete_fields = ["registration"]
    readonly_fields = ["submitted_at"]
