"""Pages of the joint activities. Each view checks access, calls a query or a service, and renders."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_GET, require_POST

from projects.access import Action
from projects.exports import Column
from projects.models import Project
from projects.pagination import page_of
from projects.queries import project_for_user
from projects.viewkit import add_service_errors, audit_consultation, download, export_list

from . import queries, services
from .editing import ActivityEditor
from .filters import ActivityFilter
from .forms import (
    AttachmentForm,
    EvaluationForm,
    SpocForm,
    TransitionForm,
)
from .models import COMMENT_MAX_LENGTH, OPERATIONS_PROJECTS, ActivityAttachment, JointActivity, Spoc

PAGE_SIZE = 25
SPOC_PAGE_SIZE = 100  # the directory, by country
EXPORT_COLUMNS = [
    Column(_lazy("Reference"), "reference"),
    Column(_lazy("Title"), "title"),
    Column(_lazy("Type"), "get_type_display"),
    Column(_lazy("Lead country"), "lead_country__name"),
    Column(_lazy("Lead agency"), "lead_agency__name"),
    Column(_lazy("Places"), "places_label"),  # queries.activity_export
    Column(_lazy("Start date"), "start_date"),
    Column(_lazy("End date"), "end_date"),
    Column(_lazy("Status"), "get_status_display"),
    Column(_lazy("Validation"), "get_validation_state_display"),
    Column(_lazy("Officers recorded"), "officer_count"),
]


SPOC_COLUMNS = [
    Column(_lazy("Country"), "country__name"),
    Column(_lazy("Agency"), "agency__name"),
    Column(_lazy("SPOC"), "person__name"),
    Column(_lazy("Area of competence"), "area"),
    Column(_lazy("E-mail"), "email"),
    Column(_lazy("Active"), "active"),
]


def _activity(project: Project, pk: int) -> JointActivity:
    """An activity of the project page the user may see (a sensitive one only for managers and admins)."""
    return get_object_or_404(
        JointActivity.objects.in_project(project).select_related("project", "related_activity"), pk=pk
    )


def _activities(request: HttpRequest, project: Project) -> ActivityFilter:
    """The list's filtered activities (the page and its export show the same rows)."""
    return ActivityFilter(request.GET or None, queryset=queries.activity_list(project))


@require_GET
def activity_list(request: HttpRequest, code: str) -> HttpResponse:
    project = project_for_user(request.user, code, among=OPERATIONS_PROJECTS)
    filterset = _activities(request, project)
    page = page_of(filterset.qs, request.GET.get("page"), PAGE_SIZE)
    sensitive = [activity.pk for activity in page if activity.is_sensitive]  # shown to managers only
    if sensitive:
        audit_consultation(
            request,
            project=project,
            page="list",
            obj=None,
            object_type=JointActivity._meta.label,
            details={"sensitive": sensitive},
        )
    may_log = project.allows(Action.EDIT)
    context = {"project": project, "project_tab": "activities", "filter": filterset, "page": page, "may_log": may_log}
    return render(request, "operations/activity_list.html", context)


@require_GET
def activity_export(request: HttpRequest, code: str, fmt: str) -> HttpResponse:
    """The activities as CSV or XLSX with the list's filters (refused when a filter is invalid)."""
    project = project_for_user(request.user, code, among=OPERATIONS_PROJECTS)
    filterset = _activities(request, project)
    return export_list(
        request,
        queries.activity_export(project, filterset.qs),
        EXPORT_COLUMNS,
        fmt=fmt,
        basename=f"{project.code}-activities",
        project=project,
        filters=filterset.form,
    )


def _detail_context(project: Project, activity: JointActivity, **extra) -> dict:
    return {
        "project": project,
        "project_tab": "activities",
        "activity": activity,
        "history": queries.activity_history(activity),
        "comment_max_length": COMMENT_MAX_LENGTH,
        "actions": queries.activity_actions(activity, project),
        "may_edit": activity.is_editable_by_role(project.user_role),
        "may_evaluate": project.allows(Action.EDIT) and activity.is_done,
        "attachment_form": AttachmentForm(),
        **extra,
    }


@require_GET
def activity_detail(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    project = project_for_user(request.user, code, among=OPERATIONS_PROJECTS)
    try:
        activity = queries.activity_detail(project, pk)
    except JointActivity.DoesNotExist:
        raise Http404 from None
    context = _detail_context(project, activity)
    audit_consultation(request, project=project, page="detail", obj=activity)  # its officers, maybe sensitive
    return render(request, "operations/activity_detail.html", context)


def _activity_form(request: HttpRequest, project: Project, activity: JointActivity | None) -> HttpResponse:
    """The create and edit page: the activity, its places, countries and officers, saved together or not at all."""
    data = request.POST if request.method == "POST" else None
    editor = ActivityEditor.build(data, project, activity)
    if data is not None:
        valid = editor.is_valid()
        if valid and activity is not None and not editor.changed():
            # saved as shown: no new version, no empty entry in the history
            messages.info(request, _("Nothing was changed."))
            return redirect("operations:activity-detail", code=project.code, pk=activity.pk)
        if valid:
            try:
                saved = editor.save(request.user)
            except ValidationError as error:
                if getattr(error, "code", None) != "duplicate_officer":
                    add_service_errors(editor.form, error)
            else:
                messages.success(request, _("The activity was saved."))
                return redirect("operations:activity-detail", code=project.code, pk=saved.pk)
        messages.error(request, _("Nothing was saved: please correct the errors shown below."))
    if activity is not None:  # the form shows the officers (and a sensitive activity) as the detail page does
        audit_consultation(request, project=project, page="edit", obj=activity)
    context = {
        "project": project,
        "project_tab": "activities",
        "activity": activity,
        "form": editor.form,
        "places": editor.places,
        "countries": editor.countries,
        "officers": editor.officers,
    }
    return render(request, "operations/activity_form.html", context)


def activity_create(request: HttpRequest, code: str) -> HttpResponse:
    project = project_for_user(request.user, code, Action.EDIT, among=OPERATIONS_PROJECTS)
    return _activity_form(request, project, None)


def activity_edit(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    project = project_for_user(request.user, code, Action.EDIT, among=OPERATIONS_PROJECTS)
    activity = _activity(project, pk)
    if not activity.is_editable_by_role(project.user_role):
        messages.error(request, _("This activity is validated: only a manager can change it or reopen it."))
        return redirect("operations:activity-detail", code=project.code, pk=activity.pk)
    return _activity_form(request, project, activity)


@require_POST
def activity_transition(request: HttpRequest, code: str, pk: str, action: str) -> HttpResponse:
    project = project_for_user(request.user, code, among=OPERATIONS_PROJECTS)
    activity = _activity(project, pk)
    service = services.TRANSITIONS.get(action)
    if service is None:
        raise Http404
    form = TransitionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("The request was incomplete; reload the page and try again."))
        return redirect("operations:activity-detail", code=project.code, pk=activity.pk)
    kwargs = {"activity": activity, "user": request.user, "expected_version": form.cleaned_data["version"]}
    if action in ("return", "reopen"):
        kwargs["comment"] = form.cleaned_data["comment"]
    try:
        activity = service(**kwargs)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("Done: the activity is now %(state)s.") % {"state": _describe(activity)})
    return redirect("operations:activity-detail", code=project.code, pk=activity.pk)


def _describe(activity: JointActivity) -> str:
    return f"{activity.get_status_display().lower()}, {activity.get_validation_state_display().lower()}"


def evaluation_create(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    project = project_for_user(request.user, code, Action.EDIT, among=OPERATIONS_PROJECTS)
    activity = _activity(project, pk)
    form = EvaluationForm(request.POST or None, activity=activity)
    if request.method == "POST" and form.is_valid():
        try:
            services.evaluation_save(evaluation=form.save(commit=False), user=request.user)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The evaluation was saved."))
            return redirect("operations:activity-detail", code=project.code, pk=activity.pk)
    context = {"project": project, "project_tab": "activities", "activity": activity, "form": form}
    return render(request, "operations/evaluation_form.html", context)


@require_POST
def attachment_add(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    project = project_for_user(request.user, code, Action.EDIT, among=OPERATIONS_PROJECTS)
    activity = _activity(project, pk)
    form = AttachmentForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.attachment_add(
                activity=activity, user=request.user, kind=form.cleaned_data["kind"], file=form.cleaned_data["file"]
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The file was attached."))
            return redirect("operations:activity-detail", code=project.code, pk=activity.pk)
    activity = queries.activity_detail(project, pk)
    context = _detail_context(project, activity, attachment_form=form)
    return render(request, "operations/activity_detail.html", context, status=400)


@require_GET
def attachment_download(request: HttpRequest, code: str, pk: int, attachment_pk: int) -> HttpResponse:
    """Files are served only here, after the access check, never from a public media URL."""
    project = project_for_user(request.user, code, among=OPERATIONS_PROJECTS)
    attachment = get_object_or_404(
        ActivityAttachment.objects.filter(
            activity__in=JointActivity.objects.in_project(project), activity_id=pk
        ).select_related("activity"),
        pk=attachment_pk,
    )
    return download(
        request, attachment.file, obj=attachment.activity, project=project, details={"attachment": "downloaded"}
    )


def _spocs(project: Project):
    """The project's SPOC directory (the page and its export show the same rows)."""
    return Spoc.objects.filter(project=project).select_related("person", "country", "agency").with_email()


@require_GET
def spoc_export(request: HttpRequest, code: str, fmt: str) -> HttpResponse:
    """The SPOC directory as CSV or XLSX (the directory has no filters: every entry, as on the page)."""
    project = project_for_user(request.user, code, among=OPERATIONS_PROJECTS)
    return export_list(
        request, _spocs(project), SPOC_COLUMNS, fmt=fmt, basename=f"{project.code}-spocs", project=project
    )


def spoc_directory(request: HttpRequest, code: str) -> HttpResponse:
    project = project_for_user(request.user, code, among=OPERATIONS_PROJECTS)
    form = None
    if project.allows(Action.EDIT):
        form = SpocForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                services.spoc_add(project=project, user=request.user, **form.cleaned_data)
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _("The SPOC was added to the directory."))
                return redirect("operations:spoc-directory", code=project.code)
    elif request.method == "POST":
        raise PermissionDenied
    audit_consultation(request, project=project, page="spoc-directory", object_type=Spoc._meta.label)
    page = page_of(_spocs(project), request.GET.get("page"), SPOC_PAGE_SIZE)
    context = {"project": project, "project_tab": "spocs", "spocs": page, "page": page, "form": form}
    return render(request, "operations/spoc_directory.html", context)


@require_GET
def numbers(request: HttpRequest, code: str) -> HttpResponse:
    project = project_for_user(request.user, code, Action.MANAGE, among=OPERATIONS_PROJECTS)
    context = {"project": project, "project_tab": "numbers", **queries.numbers(project)}
    return render(request, "operations/numbers.html", context)
