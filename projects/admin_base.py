"""The base of every ModelAdmin of the portal: the admin writes through the services, never around them.

Django's admin writes through a handful of hooks (`save_model`, `delete_model`, `delete_queryset`, the inlines'
`save_formset`, the list's editable columns). `ServiceAdmin` routes all of them to three methods:

- `save_record(request, obj, form, created=..., changed=[...])`, by default the core's `record_save` (validated,
  saved, written to the audit trail);
- `transition(request, obj, **values)` for the fields listed in `transition_fields` (a status and its date): a
  change of them goes through the model's transition service, the other fields through `save_record`;
- `delete_record(request, obj)`, by default the core's `record_delete`.

An admin whose model has services of its own overrides these to call them. The rows of an inline are written by
their own model's admin, so a record follows the same rule on its own page and inside its parent's. A service's
refusal (ValidationError) is shown on the form like any validation error, and nothing is saved.

The change form of a `Versioned` record carries the version its editor saw (a hidden `seen_version`); the save
locks the row and refuses a stale one with the pages' message (`projects.concurrency.lock_current`).

At any size (issue 11), every page of the admin runs the same few queries (`tests/test_admin_scale.py`):
- a relation to a table that grows with the data is an autocomplete box (`autocomplete_fields`, the target's admin
  has `search_fields`), never a select of every row; a list shows its related columns through
  `list_select_related` and annotates its counts in `get_queryset`; its filters offer bounded choices (choices,
  booleans, dates, projects, countries); its order and its date drill-down have an index;
- the list does not count the whole table a second time (`show_full_result_count = False`);
- the inlines derive from `TabularInline` / `StackedInline` below: a row costs no query (its related records are
  joined, its autocomplete boxes label them from the row), and an inline shows at most `max_rows` rows, with a
  link to the list of all of them (filtered on the record) when there are more.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.exceptions import NotRegistered
from django.contrib.admin.widgets import AutocompleteSelect
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import transaction
from django.db.models import Subquery
from django.forms.models import _get_foreign_key
from django.http import HttpResponseRedirect
from django.urls import NoReverseMatch, reverse

from .admin_dates import BoundedDatesChangeList
from .concurrency import lock_current
from .models import AuditEvent, Versioned, Workstream
from .services import audit_log, project_of, record_delete, record_save
from .viewkit import audit_consultation


class ServiceAdminMixin:
    """Mix into a ModelAdmin (before it) so that every write of the admin goes through the methods below."""

    transition_fields: tuple[str, ...] = ()
    # A second COUNT of the whole table on every list page costs at 100,000 rows; "Show all" links to it instead.
    show_full_result_count = False
    # A list of people (participants, officers, SPOCs) or of records that show them: opening the list or a record
    # is a consultation, recorded in the audit trail as the portal's pages record theirs.
    consultation_logged = False

    def get_changelist(self, request, **kwargs):
        return BoundedDatesChangeList  # the date drill-down without a scan of the table (projects/admin_dates.py)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        model = getattr(self, "model", None)  # None for the plain writer of unregistered models
        if model is not None and issubclass(model, Versioned) and "seen_version" not in self.form.base_fields:
            self.form = _with_seen_version(self.form)

    # --- the writes; override them to call the model's own services ---------------------------------------------------

    def save_record(self, request, obj, form, *, created: bool, changed: list[str]) -> None:
        """Create the record, or save the `changed` fields of it."""
        record_save(user=request.user, obj=obj, changed_fields=changed)

    def transition(self, request, obj, **values) -> None:
        """Move the record's `transition_fields` to these values through its transition service."""
        raise NotImplementedError(f"{type(self).__name__} lists transition_fields but has no transition()")

    def delete_record(self, request, obj) -> None:
        record_delete(user=request.user, obj=obj)

    def write_record(self, request, obj, form, *, created: bool) -> None:
        """Write the record the form edits: `save_record`, and `transition` for moved `transition_fields`.

        A change of a `Versioned` record first locks its row and refuses it if someone saved it since the form was
        opened (within the admin's transaction, so the lock holds until the save commits)."""
        if not created and isinstance(obj, Versioned):
            lock_current(obj, form.cleaned_data.get("seen_version") if form is not None else None)
        changed = [] if created else list(form.changed_data)
        moved = [name for name in self.transition_fields if name in changed]
        if not moved:
            self.save_record(request, obj, form, created=created, changed=changed)
            return
        wanted = {name: getattr(obj, name) for name in self.transition_fields}
        obj.refresh_from_db(fields=self.transition_fields)  # the other fields are saved with the stored status
        others = [name for name in changed if name not in self.transition_fields]
        if others:
            self.save_record(request, obj, form, created=False, changed=others)
        self.transition(request, obj, **wanted)
        for name, value in wanted.items():
            setattr(obj, name, value)

    # --- Django's hooks, all routed to the writes above ---------------------------------------------------------------

    def save_model(self, request, obj, form, change):
        self.write_record(request, obj, form, created=not change)

    def delete_model(self, request, obj):
        self.delete_record(request, obj)

    def delete_queryset(self, request, queryset):
        with transaction.atomic():
            for obj in queryset:
                self.delete_record(request, obj)

    def save_formset(self, request, form, formset, change):
        writer = _writer_for(self.admin_site, formset.model)
        forms = {id(inline_form.instance): inline_form for inline_form in formset.forms}
        formset.save(commit=False)  # sorts the rows into new, changed and deleted ones; writes nothing
        for obj in formset.deleted_objects:
            writer.delete_record(request, obj)
        for obj in formset.new_objects:
            writer.write_record(request, obj, forms[id(obj)], created=True)
        for obj, _changed in formset.changed_objects:
            writer.write_record(request, obj, forms[id(obj)], created=False)
        formset.save_m2m()

    def get_object(self, request, object_id, from_field=None):
        """The record of the change form, with the records its read-only relations show (who validated it, who
        recorded it) joined, rather than one query each when they are set."""
        queryset = self.get_queryset(request)
        shown = set(self.get_readonly_fields(request)) | set(self.readonly_fields)
        related = [f.name for f in queryset.model._meta.concrete_fields if f.many_to_one and f.name in shown]
        queryset = queryset.select_related(*related) if related else queryset
        field = queryset.model._meta.pk if from_field is None else queryset.model._meta.get_field(from_field)
        try:
            return queryset.get(**{field.name: field.to_python(object_id)})
        except (queryset.model.DoesNotExist, ValidationError, ValueError):
            return None

    def get_formset_kwargs(self, request, obj, inline, prefix):
        """A bounded inline of a stored record gets at most `max_rows` of its rows (the first in its order)."""
        kwargs = super().get_formset_kwargs(request, obj, inline, prefix)
        if isinstance(inline, BoundedInlineMixin) and obj is not None and obj.pk is not None:
            kwargs["queryset"] = inline.bounded(kwargs["queryset"], obj)
        return kwargs

    # --- a service's refusal is shown, not a server error -------------------------------------------------------------

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except ValidationError as refusal:
            # Everything was rolled back; the same POST is shown again with the reason on the form.
            request.service_refusal = refusal
            return super().changeform_view(request, object_id, form_url, extra_context)

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        refusal = getattr(request, "service_refusal", None)
        return form if refusal is None else _refused(form, refusal)

    def changelist_view(self, request, extra_context=None):
        try:
            response = super().changelist_view(request, extra_context)
        except ValidationError as refusal:  # an edit in the list's editable columns (rolled back)
            self.message_user(request, " ".join(refusal.messages), messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())
        if self.consultation_logged and request.method == "GET" and response.status_code == 200:
            audit_consultation(request, project=None, page="admin list", object_type=self.model._meta.label)
        return response

    def change_view(self, request, object_id, form_url="", extra_context=None):
        response = super().change_view(request, object_id, form_url, extra_context)
        if self.consultation_logged and request.method == "GET" and response.status_code == 200:
            obj = response.context_data.get("original") if hasattr(response, "context_data") else None
            if obj is not None:
                audit_consultation(request, project=project_of(obj), page="admin record", obj=obj)
        return response


def workstream_choices(form: type[forms.ModelForm], obj) -> type[forms.ModelForm]:
    """The `workstream` select of an activity's or event's admin form: the workstreams of the record's project once
    it has one (every project's, labelled with its code, when adding: `clean` refuses another project's). One
    query, with their projects."""
    field = form.base_fields.get("workstream")
    if field is not None:
        workstreams = Workstream.objects.select_related("project").order_by("project__code", "number")
        if obj is not None and obj.project_id:
            workstreams = workstreams.filter(project_id=obj.project_id)
        field.queryset = workstreams
        field.label_from_instance = lambda ws: f"{ws.project.code} {ws}"
        inner = getattr(field.widget, "widget", None)  # the admin wraps the select (its add and change links)
        if inner is not None:
            inner.choices = field.choices
    return form


class ServiceAdmin(ServiceAdminMixin, admin.ModelAdmin):
    """The ModelAdmin every admin of the portal derives from."""


class ReadOnlyAdmin(admin.ModelAdmin):
    """Records no one writes in the admin (derived data, plumbing): superusers look at them, nobody adds, changes
    or deletes them."""

    show_full_result_count = False

    def has_view_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_superuser

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


def choices_filter(field: str, title, choices) -> type[admin.SimpleListFilter]:
    """A list filter on `field` offering `choices()` (pairs of value and label known to the code: a range of ratings,
    the registered kinds), rather than Django's DISTINCT over the whole table for a field without choices."""

    class ChoicesFilter(admin.SimpleListFilter):
        parameter_name = field

        def lookups(self, request, model_admin):
            return [(str(value), label) for value, label in choices()]

        def queryset(self, request, queryset):
            return queryset.filter(**{field: self.value()}) if self.value() else queryset

    ChoicesFilter.title = title
    ChoicesFilter.__name__ = f"{field.title().replace('_', '')}Filter"
    return ChoicesFilter


def ratings() -> list[tuple[int, str]]:
    return [(n, str(n)) for n in range(1, 6)]


class RowAutocompleteSelect(AutocompleteSelect):
    """The autocomplete box of an inline row: it labels the record the row points at from the row itself (joined
    by the inline's query) rather than with a query of its own per row."""

    known = None  # the record the row points at, set by `BoundedInlineMixin`'s formset

    def optgroups(self, name, value, attr=None):
        known = self.known
        remote = self.field.remote_field
        chosen = {str(v) for v in value if str(v) not in self.choices.field.empty_values}
        if known is None or remote.field_name != remote.model._meta.pk.name or chosen != {str(known.pk)}:
            return super().optgroups(name, value, attr)
        options = [] if self.is_required else [self.create_option(name, "", "", False, 0)]
        label = self.choices.field.label_from_instance(known)
        options.append(self.create_option(name, known.pk, label, chosen, len(options)))
        return [(None, options, 0)]


class BoundedInlineMixin:
    """An inline whose rows cost no query each and whose number is bounded.

    Its rows come with their related records joined (`row_select_related`: every foreign key of the row by
    default), so neither the row's label nor a read-only column asks for them, and an autocomplete box labels its
    record from the row (`RowAutocompleteSelect`). A stored record shows at most `max_rows` of its rows, the first
    in the inline's order; when there may be more, a line under the inline links to the list of all of them,
    filtered on the record (`ServiceAdminMixin.get_formset_kwargs` bounds the rows). `max_rows = None` shows
    every row: for an inline whose rows are few by nature and checked together (the places of an activity).
    """

    max_rows: int | None = 25
    row_select_related: tuple[str, ...] | None = None  # None: every foreign key of the row

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        related = self.row_select_related
        if related is None:
            related = [f.name for f in self.model._meta.concrete_fields if f.many_to_one or f.one_to_one]
        return queryset.select_related(*related) if related else queryset

    def bounded(self, queryset, parent):
        """At most `max_rows` rows of `parent` (a subquery, so the formset still filters and orders them)."""
        if self.max_rows is None:
            return queryset
        fk = _get_foreign_key(type(parent), self.model, fk_name=self.fk_name)
        ordered = queryset if queryset.ordered else queryset.order_by("pk")
        first = ordered.filter(**{fk.name: parent}).values("pk")[: self.max_rows]
        self.full_list_url = _changelist_url(self.admin_site, self.model, f"{fk.name}={parent.pk}")
        return queryset.filter(pk__in=Subquery(first))

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if "widget" not in kwargs and db_field.name in self.get_autocomplete_fields(request):
            kwargs["widget"] = RowAutocompleteSelect(db_field, self.admin_site, using=kwargs.get("using"))
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)

        class RowsFormSet(formset):
            def _construct_form(self, i, **form_kwargs):
                form = super()._construct_form(i, **form_kwargs)
                _label_from_row(form)
                return form

        RowsFormSet.__name__ = formset.__name__
        return RowsFormSet


def _label_from_row(form) -> None:
    """Give each autocomplete box of a stored row the record the row already holds."""
    if form.instance.pk is None:
        return
    for name, field in form.fields.items():
        widget = getattr(field.widget, "widget", field.widget)  # inside the admin's RelatedFieldWidgetWrapper
        if isinstance(widget, RowAutocompleteSelect):
            model_field = form.instance._meta.get_field(name)
            if model_field.is_cached(form.instance):
                widget.known = model_field.get_cached_value(form.instance)


def _changelist_url(site, model, query: str) -> str | None:
    meta = model._meta
    try:
        return reverse(f"admin:{meta.app_label}_{meta.model_name}_changelist", current_app=site.name) + "?" + query
    except NoReverseMatch:  # the rows' model has no list of its own
        return None


class TabularInline(BoundedInlineMixin, admin.TabularInline):
    """The portal's tabular inline (see `BoundedInlineMixin`)."""

    template = "admin/edit_inline/bounded_tabular.html"


class StackedInline(BoundedInlineMixin, admin.StackedInline):
    """The portal's stacked inline (see `BoundedInlineMixin`)."""

    template = "admin/edit_inline/bounded_stacked.html"


class AuditedActionsMixin:
    """For an admin written outside the portal (Django's groups, Celery beat's schedules), adopted by the portal's
    admin site: its list actions write with `QuerySet.update`, so each run is recorded, with the records it was run
    on. (Deleting goes through `delete_queryset`, already recorded one by one.)"""

    def get_actions(self, request):
        actions = super().get_actions(request)
        return {
            name: (func if name == "delete_selected" else self._audited(func, name), name, description)
            for name, (func, _name, description) in actions.items()
        }

    def _audited(self, func, name: str):
        def run(modeladmin, request, queryset):
            with transaction.atomic():
                records = [f"{record.pk}: {record}" for record in queryset]
                response = func(modeladmin, request, queryset)
                audit_log(
                    user=request.user,
                    action=AuditEvent.Action.CHANGE,
                    object_type=modeladmin.model._meta.label,
                    details={"admin_action": name, "records": records},
                )
            return response

        return run


def adopted(admin_class: type) -> type:
    """`admin_class` writing through the services and recording its actions (see `ServiceAdminMixin`,
    `AuditedActionsMixin`), its inlines bounded (`BoundedInlineMixin`); the portal's admin site adopts every admin
    registered on it this way."""
    if issubclass(admin_class, ServiceAdminMixin):
        return admin_class
    return type(
        admin_class.__name__,
        (AuditedActionsMixin, ServiceAdminMixin, admin_class),
        {
            "__module__": admin_class.__module__,
            "__doc__": admin_class.__doc__,
            "inlines": [_bounded(inline) for inline in admin_class.inlines],
        },
    )


def _bounded(inline: type) -> type:
    """An inline of another package (Celery beat's tasks of a schedule) as a `BoundedInlineMixin` one."""
    if issubclass(inline, BoundedInlineMixin):
        return inline
    portal = TabularInline if issubclass(inline, admin.TabularInline) else StackedInline
    return type(
        inline.__name__, (BoundedInlineMixin, inline), {"__module__": inline.__module__, "template": portal.template}
    )


def adopt(obj, saved) -> None:
    """Make the admin's instance the row a service created, so the admin goes on with it (inlines, log, redirect)."""
    obj.pk = saved.pk
    obj._state.adding = False
    obj._state.db = saved._state.db
    obj.refresh_from_db()


_PLAIN = ServiceAdminMixin()


def _writer_for(site, model) -> ServiceAdminMixin:
    """The admin that writes `model`'s rows: its own when registered, otherwise the plain record services."""
    try:
        model_admin = site.get_model_admin(model)
    except NotRegistered:
        return _PLAIN
    return model_admin if isinstance(model_admin, ServiceAdminMixin) else _PLAIN


def _with_seen_version(form_class):
    """The admin's form of a `Versioned` model, with the version its editor saw in a hidden field."""

    class VersionedAdminForm(form_class):
        seen_version = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=0)

        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self.fields["seen_version"].initial = self.instance.version if self.instance.pk else 0

    VersionedAdminForm.__name__ = form_class.__name__
    return VersionedAdminForm


def _refused(form_class, refusal: ValidationError):
    class RefusedForm(form_class):
        def clean(self):
            data = super().clean()
            errors = refusal.error_dict if hasattr(refusal, "error_dict") else {NON_FIELD_ERRORS: refusal.error_list}
            for field, field_errors in errors.items():
                self.add_error(field if field in self.fields else None, ValidationError(field_errors))
            return data

    RefusedForm.__name__ = form_class.__name__
    return RefusedForm
