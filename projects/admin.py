import json

from django import forms
from django.apps import apps
from django.contrib import admin
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.utils import unquote
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.core.exceptions import PermissionDenied
from django.db import models, transaction
from django.db.models import Count, Max
from django.http import HttpResponseBadRequest
from django.urls import path
from django.utils.translation import gettext_lazy as _

from . import services
from .admin_base import ReadOnlyAdmin, ServiceAdmin, ServiceAdminMixin, StackedInline, TabularInline, adopt
from .audit_columns import AUDIT_COLUMNS
from .exports import export_response
from .models import (
    AuditEvent,
    BackgroundJob,
    Country,
    CountryGroup,
    Deliverable,
    Indicator,
    IndicatorTarget,
    Membership,
    Milestone,
    Organisation,
    OutboxMessage,
    Partner,
    Person,
    PersonContact,
    Profile,
    Project,
    RollupCell,
    RollupFirst,
    Task,
    Workstream,
)
from .registry import registry


@admin.register(CountryGroup)
class CountryGroupAdmin(ServiceAdmin):
    list_display = ["name", "key", "country_count"]
    search_fields = ["name", "key"]
    prepopulated_fields = {"key": ["name"]}

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(_country_count=Count("countries"))

    @admin.display(description=_("countries"), ordering="_country_count")
    def country_count(self, obj):
        return obj._country_count


@admin.register(Country)
class CountryAdmin(ServiceAdmin):
    list_display = ["name", "code", "group_names"]
    list_filter = ["groups"]
    search_fields = ["name", "code"]
    filter_horizontal = ["groups"]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("groups")

    @admin.display(description=_("groups"))
    def group_names(self, obj):
        return ", ".join(group.name for group in obj.groups.all())


@admin.register(Organisation)
class OrganisationAdmin(ServiceAdmin):
    list_display = ["name", "acronym", "kind", "country"]
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    list_filter = ["kind", "country"]
    search_fields = ["name", "acronym"]
    list_select_related = ["country"]
    autocomplete_fields = ["country"]


class PartnerInline(TabularInline):
    model = Partner
    extra = 0
    autocomplete_fields = ["organisation"]


class WorkstreamInline(TabularInline):
    model = Workstream
    extra = 0
    fields = ["number", "title", "lead", "start_date", "end_date"]
    autocomplete_fields = ["lead"]
    show_change_link = True


class IndicatorForm(forms.ModelForm):
    """The metric is chosen from the metrics the apps have registered, not typed."""

    metric = forms.ChoiceField(label=_("metric"), choices=())

    class Meta:
        model = Indicator
        fields = ["project", "order", "key", "label", "unit", "target", "metric", "description"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        choices = registry.metric_choices()
        current = self.instance.metric if self.instance and self.instance.pk else None
        if current and registry.metric(current) is None:
            choices = [(current, _("%(key)s (not registered yet)") % {"key": current}), *choices]
        self.fields["metric"].choices = [("", "---------"), *choices]


class IndicatorInline(TabularInline):
    model = Indicator
    form = IndicatorForm
    extra = 0
    fields = ["order", "key", "label", "unit", "target", "metric"]
    show_change_link = True


class MembershipInline(TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["user", "project"]


@admin.register(Project)
class ProjectAdmin(ServiceAdmin):
    list_display = ["code", "name", "funding_programme", "start_date", "end_date", "status"]
    list_filter = ["status", "funding_programme"]
    search_fields = ["code", "name", "acronym", "full_title"]
    date_hierarchy = "start_date"
    inlines = [PartnerInline, WorkstreamInline, IndicatorInline, MembershipInline]


@admin.register(Partner)
class PartnerAdmin(ServiceAdmin):
    list_display = ["organisation", "project", "role"]
    list_filter = ["role", "project"]
    search_fields = ["organisation__name", "organisation__acronym", "project__code"]
    list_select_related = ["organisation", "project"]
    autocomplete_fields = ["project", "organisation"]


class MilestoneInline(TabularInline):
    model = Milestone
    extra = 0


class DeliverableInline(TabularInline):
    model = Deliverable
    extra = 0


class TaskInline(TabularInline):
    model = Task
    extra = 0
    fields = ["title", "owner", "due_date", "status", "completed_on"]
    readonly_fields = ["completed_on"]  # follows the status
    autocomplete_fields = ["owner"]


@admin.register(Workstream)
class WorkstreamAdmin(ServiceAdmin):
    list_display = ["__str__", "project", "lead", "start_date", "end_date"]
    list_filter = ["project"]
    search_fields = ["title", "project__code"]
    list_select_related = ["project", "lead"]
    autocomplete_fields = ["project", "lead"]
    inlines = [TaskInline, MilestoneInline, DeliverableInline]


@admin.register(Milestone)
class MilestoneAdmin(ServiceAdmin):
    """A change of status goes through `milestone_set_status` (the project's access rule, a transition in the
    audit trail); the title and dates are plain fields."""

    list_display = ["title", "workstream", "project", "due_date", "status", "reached_on"]
    list_filter = ["status", "workstream__project"]
    search_fields = ["title", "workstream__title"]
    list_select_related = ["workstream__project"]
    autocomplete_fields = ["workstream"]
    date_hierarchy = "due_date"
    transition_fields = ("status", "reached_on")

    @admin.display(description=_("project"), ordering="workstream__project__code")
    def project(self, obj):
        return obj.workstream.project

    def transition(self, request, obj, *, status, reached_on):
        services.milestone_set_status(user=request.user, milestone=obj, status=status, reached_on=reached_on)


@admin.register(Deliverable)
class DeliverableAdmin(MilestoneAdmin):
    """A change of status goes through `deliverable_set_status` (only a manager approves)."""

    list_display = ["title", "workstream", "project", "due_date", "status", "delivered_on"]
    transition_fields = ("status", "delivered_on")

    def transition(self, request, obj, *, status, delivered_on):
        services.deliverable_set_status(user=request.user, deliverable=obj, status=status, delivered_on=delivered_on)


@admin.register(Task)
class TaskAdmin(ServiceAdmin):
    """Tasks are written by `task_create` and `task_update`, as on the workstream page."""

    list_display = ["title", "workstream", "project", "owner", "due_date", "status", "completed_on"]
    list_filter = ["status", "workstream__project"]
    search_fields = ["title", "description", "workstream__title", "owner__username", "owner__last_name"]
    list_select_related = ["workstream__project", "owner"]
    autocomplete_fields = ["workstream", "owner"]
    date_hierarchy = "due_date"
    readonly_fields = ["completed_on", "created_at", "updated_at"]

    @admin.display(description=_("project"), ordering="workstream__project__code")
    def project(self, obj):
        return obj.workstream.project

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        return [*fields, "workstream"] if obj is not None else fields  # a task stays in its workstream

    def save_record(self, request, obj, form, *, created, changed):
        values = {name: getattr(obj, name) for name in services.TASK_FIELDS}
        if created:
            adopt(obj, services.task_create(user=request.user, workstream=obj.workstream, **values))
        else:
            obj.refresh_from_db(fields=services.TASK_FIELDS)  # the service records what changed
            services.task_update(user=request.user, task=obj, **values)


class IndicatorTargetInline(TabularInline):
    model = IndicatorTarget
    extra = 0


@admin.register(Indicator)
class IndicatorAdmin(ServiceAdmin):
    form = IndicatorForm
    list_display = ["label", "key", "project", "target", "unit", "metric"]
    list_filter = ["project"]
    search_fields = ["label", "key", "project__code"]
    list_select_related = ["project"]
    autocomplete_fields = ["project"]
    inlines = [IndicatorTargetInline]


@admin.register(IndicatorTarget)
class IndicatorTargetAdmin(ServiceAdmin):
    list_display = ["indicator", "project", "due_date", "target"]
    list_filter = ["indicator__project"]
    search_fields = ["indicator__label", "indicator__key"]
    list_select_related = ["indicator__project"]
    autocomplete_fields = ["indicator"]

    @admin.display(description=_("project"), ordering="indicator__project__code")
    def project(self, obj):
        return obj.indicator.project


@admin.register(Membership)
class MembershipAdmin(ServiceAdmin):
    list_display = ["user", "project", "role"]
    list_filter = ["role", "project"]
    search_fields = ["user__username", "user__first_name", "user__last_name", "user__email", "project__code"]
    list_select_related = ["user", "project"]
    autocomplete_fields = ["user", "project"]


class PersonContactInline(TabularInline):
    """The e-mail each project keeps for the person (one row per project)."""

    model = PersonContact
    extra = 0
    fields = ["project", "email", "updated_at"]
    readonly_fields = ["updated_at"]
    autocomplete_fields = ["project"]


@admin.register(Person)
class PersonAdmin(ServiceAdmin):
    consultation_logged = True  # it shows people: opening it is recorded
    list_display = ["name", "organisation", "country", "gender", "created_at"]
    list_filter = ["country", "gender", "organisation__kind"]
    search_fields = ["name", "contacts__email", "organisation__name", "organisation__acronym"]
    inlines = [PersonContactInline]
    list_select_related = ["organisation", "country"]
    autocomplete_fields = ["organisation", "country"]
    date_hierarchy = "created_at"


@admin.register(Profile)
class ProfileAdmin(ServiceAdmin):
    list_display = ["user", "organisation", "time_zone"]
    search_fields = ["user__username", "organisation__name"]
    list_select_related = ["user", "organisation"]
    autocomplete_fields = ["user", "organisation"]


class ProfileInline(StackedInline):
    model = Profile
    can_delete = False
    autocomplete_fields = ["organisation"]


class UserMembershipInline(TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["project"]


User = get_user_model()
admin.site.unregister(User)


@admin.register(User)
class UserAdmin(ServiceAdminMixin, BaseUserAdmin):
    inlines = [ProfileInline, UserMembershipInline]

    def user_change_password(self, request, id, form_url=""):
        """Django's page saves the password itself: the change is recorded here (never the password)."""
        with transaction.atomic():
            response = super().user_change_password(request, id, form_url)
            if request.method == "POST" and response.status_code == 302:
                user = self.get_object(request, unquote(id))
                services.audit_log(
                    user=request.user, action=AuditEvent.Action.CHANGE, obj=user, details={"fields": ["password"]}
                )
        return response


class RecordTypeFilter(admin.SimpleListFilter):
    """The record types of the portal's models (from the code, not a DISTINCT over the whole trail); another type
    (an export's name) is still filtered on when given in the address."""

    title = _("record type")
    parameter_name = "object_type"

    def lookups(self, request, model_admin):
        return [(model._meta.label, model._meta.label) for model in sorted(apps.get_models(), key=_label)]

    def queryset(self, request, queryset):
        return queryset.filter(object_type=self.value()) if self.value() else queryset


class ProjectCodeFilter(admin.SimpleListFilter):
    """The projects' codes (a small table), rather than a DISTINCT over the whole trail."""

    title = _("project code")
    parameter_name = "project_code"

    def lookups(self, request, model_admin):
        return [(code, code) for code in Project.objects.order_by("code").values_list("code", flat=True)]

    def queryset(self, request, queryset):
        return queryset.filter(project_code=self.value()) if self.value() else queryset


def _label(model) -> str:
    return model._meta.label


class SealFilter(admin.SimpleListFilter):
    title = _("seal")
    parameter_name = "sealed"

    def lookups(self, request, model_admin):
        return [("yes", _("Sealed")), ("no", _("Not sealed yet"))]

    def queryset(self, request, queryset):
        if self.value() in ("yes", "no"):
            return queryset.filter(seq__isnull=self.value() == "no")
        return queryset


@admin.register(AuditEvent)
class AuditEventAdmin(ServiceAdmin):
    """Read-only for everyone (the services write the trail, nobody edits it); admins read and export it.

    Who and what are shown from the entry's text, which outlives the user and the project it names.
    """

    list_display = ["at", "username", "action", "object_type", "object_repr", "project_code", "seq"]
    list_filter = ["action", SealFilter, RecordTypeFilter, ProjectCodeFilter]
    search_fields = ["username", "object_repr", "object_id", "project_code"]
    date_hierarchy = "at"
    fields = [
        "at",
        "action",
        "username",
        "user_id",
        "project_code",
        "project_id",
        "object_type",
        "object_id",
        "object_repr",
        "details_json",
        "seq",
        "prev_hash",
        "hash",
        "sealed_at",
    ]
    readonly_fields = fields
    change_list_template = "admin/projects/auditevent/change_list.html"

    def has_view_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_superuser

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=_("details"))
    def details_json(self, obj):
        return json.dumps(obj.details, indent=2, ensure_ascii=False, sort_keys=True)

    def get_urls(self):
        export = self.admin_site.admin_view(self.export_view)
        return [path("export.csv", export, name="projects_auditevent_export"), *super().get_urls()]

    def export_view(self, request):
        """The entries the list shows (its filters, search and date), as CSV; the export is itself recorded."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        try:
            entries = self.get_changelist_instance(request).get_queryset(request)
        except IncorrectLookupParameters:
            return HttpResponseBadRequest(_("Invalid filters."))
        # The entries as they stood when the export was asked for, without the export's own entry.
        entries = entries.filter(pk__lte=AuditEvent.objects.aggregate(last=Max("pk"))["last"] or 0)
        return export_response(request, entries, AUDIT_COLUMNS, fmt="csv", basename="audit-trail")


@admin.register(BackgroundJob)
class BackgroundJobAdmin(ServiceAdmin):
    list_display = ["title", "kind", "project", "user", "state", "progress", "created_at", "finished_at"]
    list_filter = ["status", "project"]  # the kind is searched (a filter would list the distinct kinds of every job)
    search_fields = ["title", "kind", "user__username"]
    list_select_related = ["project", "user"]
    # a result is generated; the claim (attempts, lease) is the runners' and the sweep's
    readonly_fields = ["id", "created_at", "started_at", "finished_at", "result", "state", "claimed_until"]
    autocomplete_fields = ["project", "user"]
    date_hierarchy = "created_at"

    @admin.display(description=_("status"), ordering="status")
    def state(self, job: BackgroundJob) -> str:
        """The status as the job's page tells it: "Queued · Retrying, attempt 2 of 3" after a lost worker."""
        return " · ".join(part for part in (job.get_status_display(), job.retry_note) if part)


class RollupAdmin(ReadOnlyAdmin):
    """The rollups, to look at (derived data: `manage.py rollups --rebuild` recomputes them, no one edits them)."""

    list_filter = ["metric", "grain", "scope"]
    search_fields = ["metric", "category"]
    list_select_related = ["project"]


@admin.register(RollupCell)
class RollupCellAdmin(RollupAdmin):
    list_display = ["metric", "project", "dimension", "category", "scope", "grain", "day", "n"]


@admin.register(RollupFirst)
class RollupFirstAdmin(RollupAdmin):
    list_display = ["metric", "project", "dimension", "category", "key", "first_all", "first_public"]
    list_filter = ["metric"]


@admin.register(OutboxMessage)
class OutboxMessageAdmin(ReadOnlyAdmin):
    """The tasks waiting for the broker (`projects.queue`), to look at: the drain sends and deletes them."""

    list_display = ["id", "task", "args", "created_at", "attempts", "last_attempt_at", "last_error"]
    search_fields = ["task"]
