"""The admin of joint activities. It goes through the same rules as the pages: the model's `clean` (dates,
statuses), the services' lock and stale-version checks on save, and the transition services for validation."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext_lazy as _

from projects.admin_base import (
    ServiceAdmin,
    StackedInline,
    TabularInline,
    adopt,
    choices_filter,
    ratings,
    workstream_choices,
)

from . import services
from .forms import PlaceFormSetBase
from .models import (
    ActivityAttachment,
    ActivityCountry,
    ActivityOfficer,
    ActivityPlace,
    Evaluation,
    JointActivity,
    Spoc,
)

# The related rows that `activity_save` records in the activity's entry (its `audit_fields`).
AUDITED_WITH_ACTIVITY = (ActivityPlace, ActivityCountry, ActivityOfficer)


class PlaceInlineFormSet(PlaceFormSetBase):
    """The place rules (at least one, two countries for a cross-border activity) apply in the admin too."""

    def clean(self) -> None:
        self.activity_type = getattr(self, "activity_type", None) or self.data.get("type")
        super().clean()


class PlaceInline(TabularInline):
    model = ActivityPlace
    formset = PlaceInlineFormSet
    max_rows = None  # a few by nature, and checked together (two countries for a cross-border activity)
    extra = 0
    min_num = 1
    autocomplete_fields = ["country"]


class CountryInline(TabularInline):
    model = ActivityCountry
    max_rows = None  # one per participating country
    extra = 0
    autocomplete_fields = ["country"]


class OfficerInline(TabularInline):
    model = ActivityOfficer
    extra = 0
    autocomplete_fields = ["person"]


class AttachmentInline(TabularInline):
    model = ActivityAttachment
    extra = 0
    fields = ["kind", "file", "uploaded_by", "uploaded_at"]
    readonly_fields = ["uploaded_by", "uploaded_at"]


class EvaluationInline(StackedInline):
    model = Evaluation
    extra = 0
    autocomplete_fields = ["country"]
    readonly_fields = ["author", "created_at"]


class JointActivityAdminForm(forms.ModelForm):
    """Carries the version the editor saw, and refuses the save if the record is locked or changed since."""

    seen_version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = JointActivity
        fields = [
            "project",
            "type",
            "workstream",
            "title",
            "reference",
            "lead_country",
            "lead_agency",
            "participating_agencies",
            "start_date",
            "end_date",
            "status",
            "summary",
            "related_activity",
            "meeting_purpose",
            "is_sensitive",
        ]

    user = None  # set by JointActivityAdmin.get_form

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["seen_version"].initial = self.instance.version

    def clean(self):
        data = super().clean()
        if self.instance.pk:
            stored = JointActivity.objects.get(pk=self.instance.pk)
            if data.get("seen_version") != stored.version:
                raise services.StaleActivityError()
            try:
                services.activity_check_editable(activity=stored, user=self.user)
            except PermissionDenied as denied:
                raise ValidationError(str(denied) or _("You may not change this activity.")) from None
        return data


@admin.register(JointActivity)
class JointActivityAdmin(ServiceAdmin):
    consultation_logged = True  # it shows people: opening it is recorded
    form = JointActivityAdminForm
    list_display = ["title", "reference", "type", "project", "lead_country", "start_date", "status", "validation_state"]
    list_filter = ["project", "workstream", "type", "status", "validation_state", "lead_country", "is_sensitive"]
    search_fields = ["title", "reference", "summary"]
    list_select_related = ["project", "lead_country"]
    autocomplete_fields = ["project", "lead_country", "lead_agency", "participating_agencies", "related_activity"]
    date_hierarchy = "start_date"
    readonly_fields = ["validation_state", "validation_comment", "validated_by", "validated_at", "version"]
    inlines = [PlaceInline, CountryInline, OfficerInline, AttachmentInline, EvaluationInline]
    actions = ["advance", "submit", "validate"]

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = workstream_choices(super().get_form(request, obj, change=change, **kwargs), obj)
        form.user = request.user
        return form

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        # The status is chosen when an activity is logged; afterwards only the transition actions move it.
        return [*fields, "status", "project"] if obj is not None else fields

    def save_model(self, request, obj, form, change):
        self._saving = obj

    def save_related(self, request, form, formsets, change):
        def save_children(activity):
            form.save_m2m()
            for formset in formsets:
                if formset.model in AUDITED_WITH_ACTIVITY:  # recorded in the activity's own entry, old and new
                    formset.save()
                else:
                    self.save_formset(request, form, formset, change=change)

        services.activity_save(
            activity=self._saving,
            user=request.user,
            expected_version=form.cleaned_data.get("seen_version") if change else None,
            save_related=save_children,
            changed=form.changed_data,
        )

    def delete_record(self, request, obj):
        services.activity_delete(activity=obj, user=request.user)

    def _run(self, request, queryset, service, done: str) -> None:
        ok = 0
        for activity in queryset:
            try:
                service(activity=activity, user=request.user)
                ok += 1
            except (ValidationError, PermissionDenied) as error:
                text = "; ".join(getattr(error, "messages", [str(error)]))
                self.message_user(request, f"{activity}: {text}", messages.ERROR)
        if ok:
            self.message_user(request, _("%(n)d activities %(done)s.") % {"n": ok, "done": done})

    @admin.action(description=_("Move to the next status"))
    def advance(self, request, queryset):
        self._run(request, queryset, services.activity_advance, _("moved on"))

    @admin.action(description=_("Submit for validation"))
    def submit(self, request, queryset):
        self._run(request, queryset, services.activity_submit, _("submitted"))

    @admin.action(description=_("Validate"))
    def validate(self, request, queryset):
        self._run(request, queryset, services.activity_validate, _("validated"))


@admin.register(ActivityOfficer)
class ActivityOfficerAdmin(ServiceAdmin):
    consultation_logged = True  # it shows people: opening it is recorded
    list_display = ["person", "role", "activity", "country"]
    list_filter = ["role", "person__country", "activity__project"]
    search_fields = ["person__name", "activity__title", "activity__reference"]
    list_select_related = ["person__country", "activity"]
    autocomplete_fields = ["person", "activity"]
    ordering = ["-activity_id", "pk"]  # the newest activities first, along the index (not by a joined name)

    @admin.display(description=_("country"), ordering="person__country__name")
    def country(self, obj):
        return obj.person.country


@admin.register(Evaluation)
class EvaluationAdmin(ServiceAdmin):
    list_display = ["activity", "country", "objectives_met", "rating", "author", "created_at"]
    list_filter = ["objectives_met", choices_filter("rating", _("rating"), ratings), "country", "activity__project"]
    search_fields = ["activity__title", "activity__reference", "lessons", "recommendations"]
    list_select_related = ["activity", "country", "author"]
    autocomplete_fields = ["activity", "country"]
    ordering = ["-activity_id", "pk"]  # along the index, not by a joined name
    readonly_fields = ["author", "created_at"]

    def save_record(self, request, obj, form, *, created, changed):
        services.evaluation_save(evaluation=obj, user=request.user)


@admin.register(ActivityAttachment)
class ActivityAttachmentAdmin(ServiceAdmin):
    list_display = ["__str__", "activity", "kind", "uploaded_by", "uploaded_at"]
    list_filter = ["kind", "activity__project"]
    search_fields = ["activity__title", "file"]
    list_select_related = ["activity", "uploaded_by"]
    autocomplete_fields = ["activity"]
    ordering = ["-activity_id", "pk"]  # along the index, not by the activity's own order
    readonly_fields = ["uploaded_by", "uploaded_at"]

    def save_record(self, request, obj, form, *, created, changed):
        """A new document is attached by `attachment_add` (the activity must still be editable by the user)."""
        if not created:
            return super().save_record(request, obj, form, created=created, changed=changed)
        file = form.cleaned_data["file"]
        adopt(obj, services.attachment_add(activity=obj.activity, user=request.user, kind=obj.kind, file=file))


@admin.register(Spoc)
class SpocAdmin(ServiceAdmin):
    consultation_logged = True  # it shows people: opening it is recorded
    list_display = ["person", "agency", "country", "area", "active", "project"]
    list_filter = ["active", "country", "project"]
    search_fields = ["person__name", "agency__name", "agency__acronym", "area"]
    list_select_related = ["person", "agency", "country", "project"]
    autocomplete_fields = ["project", "person", "country", "agency"]
