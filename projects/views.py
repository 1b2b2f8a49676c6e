"""Core pages: the portfolio, a project, the user's settings."""

import copy
from functools import partial

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_GET

from . import pickers, queries, services
from .access import Action
from .audit_columns import AUDIT_COLUMNS
from .exports import Column
from .filters import AuditEventFilter
from .forms import DeliverableStatusForm, MilestoneStatusForm, ProfileForm, TaskForm
from .middleware import SESSION_TIME_ZONE_KEY
from .models import AuditEvent, BackgroundJob, Deliverable, Milestone, Profile, Task, Workstream
from .pagination import page_of
from .registry import registry
from .services import profile_update
from .viewkit import add_service_errors, audit_consultation, download, export_list


def portfolio(request: HttpRequest) -> HttpResponse:
    """Every project the user may see, with its indicators; the apps' portfolio panels add their part (the
    reporting app: each project's status and what is due or overdue)."""
    projects = list(queries.visible_projects(request.user).order_by("start_date", "code"))
    progress = queries.indicator_progress(projects)
    today = timezone.localdate()
    rows = [{"project": p, "indicators": progress[p.pk], "elapsed": p.time_elapsed_percent(today)} for p in projects]
    panels = registry.portfolio_panels()
    context = {"rows": rows, "today": today, "panels": panels}
    for panel in panels:
        context.update(panel.extend(request, projects, rows, today))
    return render(request, "projects/portfolio.html", context)


def project_detail(request: HttpRequest, code: str) -> HttpResponse:
    project = queries.project_for_user(request.user, code)
    context = queries.project_page_data(project)
    context.update(project=project, today=timezone.localdate(), elapsed=project.time_elapsed_percent())
    return render(request, "projects/project_detail.html", context)


def job_detail(request: HttpRequest, code: str, pk) -> HttpResponse:
    """A background job's progress; the page polls itself (htmx) until the job is finished."""
    project = queries.project_for_user(request.user, code)
    job = get_object_or_404(BackgroundJob.objects.of_project_for(project).select_related("user"), pk=pk)
    template = "projects/includes/job_status.html" if request.headers.get("HX-Request") else "projects/job_detail.html"
    return render(request, template, {"project": project, "job": job})


def job_download(request: HttpRequest, code: str, pk) -> HttpResponse:
    project = queries.project_for_user(request.user, code)
    job = get_object_or_404(BackgroundJob.objects.of_project_for(project), pk=pk)
    if not job.has_result:
        raise Http404(_("This job has no result to download."))
    return download(request, job.result, obj=job, project=project)


def account_settings(request: HttpRequest) -> HttpResponse:
    profile = Profile.objects.filter(user=request.user).first() or Profile(user=request.user)
    form = ProfileForm(request.POST or None, instance=profile)
    if request.method == "POST" and form.is_valid():
        profile = profile_update(user=request.user, **form.cleaned_data)
        request.session[SESSION_TIME_ZONE_KEY] = profile.time_zone
        messages.success(request, _("Your settings were saved."))
        return redirect("projects:account-settings")
    return render(request, "projects/account_settings.html", {"form": form})


# --- workstreams and the timeline ------------------------------------------------------------------------------------


def timeline(request: HttpRequest, code: str) -> HttpResponse:
    project = queries.project_for_user(request.user, code)
    data = queries.project_timeline(project, today=timezone.localdate())
    return render(request, "projects/timeline.html", {"project": project, "project_tab": "timeline", "timeline": data})


def workstream_detail(request: HttpRequest, code: str, number: int) -> HttpResponse:
    project = queries.project_for_user(request.user, code)
    context = queries.workstream_page_data(project, number, today=timezone.localdate())
    context.update(project=project, project_tab="timeline", can_edit=project.allows(Action.EDIT))
    return render(request, "projects/workstream_detail.html", context)


def _owner(item) -> str:
    owner = item.obj.owner
    return (owner.get_full_name() or owner.username) if owner else ""


TASK_COLUMNS = [
    Column(_lazy("Task"), "obj__title"),
    Column(_lazy("Description"), "obj__description"),
    Column(_lazy("Owner"), _owner),
    Column(_lazy("Due date"), "obj__due_date"),
    Column(_lazy("Status"), "obj__get_status_display"),
    Column(_lazy("Completed on"), "obj__completed_on"),
    Column(_lazy("Late"), "late"),
]


def task_export(request: HttpRequest, code: str, number: int, fmt: str) -> HttpResponse:
    """The workstream's tasks as CSV or XLSX, as the workstream page lists them (the page has no filters)."""
    project = queries.project_for_user(request.user, code)
    data = queries.workstream_page_data(project, number, today=timezone.localdate())
    return export_list(
        request,
        data["tasks"],
        TASK_COLUMNS,
        fmt=fmt,
        basename=f"{project.code.lower()}-ws{data['workstream'].number}-tasks",
        project=project,
    )


def _save(form, request: HttpRequest, success: str, write):
    """Run the service; a rule it enforces comes back as a message next to the field, never as a 500. A change of a
    stored record hands the service the version the form was opened on, so a stale save is refused."""
    stored = getattr(form, "instance", None) is not None and form.instance.pk is not None
    try:
        obj = write(**form.cleaned_data, **({"expected_version": form.expected_version} if stored else {}))
    except ValidationError as exc:
        add_service_errors(form, exc)
        return None
    messages.success(request, success)
    return obj


def task_add(request: HttpRequest, code: str, number: int) -> HttpResponse:
    project = queries.project_for_user(request.user, code, Action.EDIT)
    workstream = get_object_or_404(Workstream.objects.filter(project=project), number=number)
    form = TaskForm(request.POST or None, project=project, instance=Task(workstream=workstream))
    if request.method == "POST" and form.is_valid():
        if _save(
            form,
            request,
            _("The task was added."),
            partial(services.task_create, user=request.user, workstream=workstream),
        ):
            return redirect("projects:workstream-detail", code=project.code, number=workstream.number)
    context = {"project": project, "project_tab": "timeline", "workstream": workstream, "form": form}
    return render(request, "projects/workstream_form.html", context | {"heading": _("New task")})


def task_edit(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    project = queries.project_for_user(request.user, code, Action.EDIT)
    tasks = Task.objects.filter(workstream__project=project).select_related("workstream__project")
    task = get_object_or_404(tasks, pk=pk)
    form = TaskForm(request.POST or None, project=project, instance=copy.copy(task))
    if request.method == "POST" and form.is_valid():
        if _save(form, request, _("The task was saved."), partial(services.task_update, user=request.user, task=task)):
            return redirect("projects:workstream-detail", code=project.code, number=task.workstream.number)
    context = {"project": project, "project_tab": "timeline", "workstream": task.workstream, "form": form}
    return render(request, "projects/workstream_form.html", context | {"heading": task.title})


def milestone_status(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    project = queries.project_for_user(request.user, code, Action.EDIT)
    milestone = get_object_or_404(
        Milestone.objects.filter(workstream__project=project).select_related("workstream__project"), pk=pk
    )
    form = MilestoneStatusForm(request.POST or None, instance=copy.copy(milestone))
    if request.method == "POST" and form.is_valid():
        if _save(
            form,
            request,
            _("The milestone was updated."),
            partial(services.milestone_set_status, user=request.user, milestone=milestone),
        ):
            return redirect("projects:workstream-detail", code=project.code, number=milestone.workstream.number)
    context = {"project": project, "project_tab": "timeline", "workstream": milestone.workstream, "form": form}
    return render(request, "projects/workstream_form.html", context | {"heading": milestone.title})


def deliverable_status(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    project = queries.project_for_user(request.user, code, Action.EDIT)
    deliverable = get_object_or_404(
        Deliverable.objects.filter(workstream__project=project).select_related("workstream__project"), pk=pk
    )
    form = DeliverableStatusForm(
        request.POST or None,
        request.FILES or None,
        instance=copy.copy(deliverable),
        approve=project.allows(Action.VALIDATE),
    )
    if request.method == "POST" and form.is_valid():
        if _save(
            form,
            request,
            _("The deliverable was updated."),
            partial(services.deliverable_set_status, user=request.user, deliverable=deliverable),
        ):
            return redirect("projects:workstream-detail", code=project.code, number=deliverable.workstream.number)
    context = {"project": project, "project_tab": "timeline", "workstream": deliverable.workstream, "form": form}
    return render(request, "projects/workstream_form.html", context | {"heading": deliverable.title})


def deliverable_evidence(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    """The evidence file of a deliverable, for members of its project only (there is no public address)."""
    project = queries.project_for_user(request.user, code)
    deliverable = get_object_or_404(Deliverable.objects.filter(workstream__project=project), pk=pk)
    return download(request, deliverable.evidence, obj=deliverable, project=project)


# --- the audit trail, for admins --------------------------------------------------------------------------------------

AUDIT_PAGE_SIZE = 50


def _audit_entries(request: HttpRequest) -> AuditEventFilter:
    """The trail's entries with the page's filters (the page and its exports show the same rows); admins only.

    The entries are read, never changed: no page, form or action of the portal writes to them.
    """
    if not request.user.is_superuser:
        raise PermissionDenied
    return AuditEventFilter(request.GET or None, queryset=AuditEvent.objects.order_by("-at", "-pk"))


@require_GET
def audit_trail(request: HttpRequest) -> HttpResponse:
    """Who did what, and when: every entry of the audit trail, newest first, filtered and paged."""
    filterset = _audit_entries(request)
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "filter": filterset,
        "page": page_of(filterset.qs, request.GET.get("page"), AUDIT_PAGE_SIZE),
        "query": query.urlencode(),
    }
    return render(request, "projects/audit_trail.html", context)


@require_GET
def audit_trail_export(request: HttpRequest, fmt: str) -> HttpResponse:
    """The filtered entries as CSV or XLSX; the export is itself an entry of the trail."""
    filterset = _audit_entries(request)
    return export_list(request, filterset.qs, AUDIT_COLUMNS, fmt=fmt, basename="audit-trail", filters=filterset.form)


# --- pickers: the JSON searches of the search-as-you-type fields (projects.pickers) -----------------------------------


def _pick_response(request: HttpRequest, picker, project) -> JsonResponse:
    found = pickers.pick_search(picker, project, request.GET.get("q", ""), exclude=request.GET.get("exclude", ""))
    if picker.consulted and found["results"]:
        audit_consultation(request, project=project, page=f"pick:{picker.key}", object_type=picker.consulted)
    response = JsonResponse(found)
    response["Cache-Control"] = "private, no-store"  # what a user may pick changes with their role
    return response


@require_GET
def pick(request: HttpRequest, key: str) -> JsonResponse:
    """A picker of reference data shared by every project (organisations), for any signed-in user."""
    picker = pickers.picker_or_none(key, scoped=False)
    if picker is None:
        raise Http404
    return _pick_response(request, picker, None)


@require_GET
def project_pick(request: HttpRequest, code: str, key: str) -> JsonResponse:
    """A picker of a project's records, searched among those the user's role lets them see there."""
    picker = pickers.picker_or_none(key, scoped=True)
    if picker is None:
        raise Http404
    project = queries.project_for_user(request.user, code, picker.action, among=picker.projects or ())
    return _pick_response(request, picker, project)
