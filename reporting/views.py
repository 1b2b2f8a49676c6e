"""Pages of the reporting app: the project dashboard, reporting periods and their reports, notifications.

Access (see docs/DEVELOPING.md): every member of a project (Action.VIEW) sees its dashboard, its reporting periods
and downloads its generated reports: the overview page already shows them the same numbers. Writing a
narrative and generating a report need Action.MANAGE.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from projects.access import Action
from projects.exports import Column
from projects.models import BackgroundJob
from projects.queries import project_for_user
from projects.registry import registry
from projects.viewkit import add_service_errors, export_list

from . import queries, services
from .forms import DashboardFilterForm, NarrativeForm, PreferencesForm
from .models import ProgressReport, ReportingPeriod


def dashboard(request: HttpRequest, code: str) -> HttpResponse:
    project = project_for_user(request.user, code, Action.VIEW)
    form = DashboardFilterForm(request.GET or None)
    today = timezone.localdate()
    filters = form.filters()
    data = queries.project_dashboard(project, today=today, **filters)
    return render(
        request,
        "reporting/dashboard.html",
        {
            "project": project,
            "project_tab": "dashboard",
            "form": form,
            "filters": filters,
            "data": data,
            "today": today,
            "query": request.GET.urlencode(),
        },
    )


DUE_LIST_PAGE = 50


def due_list(request: HttpRequest, code: str) -> HttpResponse:
    """A dashboard list in full, paged: `which=overdue` or `upcoming`, with the dashboard's period and a kind."""
    project = project_for_user(request.user, code, Action.VIEW)
    which = "overdue" if request.GET.get("which") == "overdue" else "upcoming"
    filters = DashboardFilterForm(request.GET or None).filters()
    labels = registry.timeline.labels()
    kind = request.GET.get("kind", "")
    kinds = [kind] if kind in labels else []
    query = queries.due_query(
        which,
        today=timezone.localdate(),
        since=filters["since"],
        until=filters["until"],
        include_sensitive=project.sees_sensitive,
    )
    items = registry.timeline.paged([project.pk], query, kinds=kinds)
    page = Paginator(items, DUE_LIST_PAGE).get_page(request.GET.get("page"))
    by_source = registry.timeline.paged([project.pk], query).totals().by_source if kinds else items.totals().by_source
    params = request.GET.copy()
    params.pop("page", None)
    params.pop("kind", None)
    return render(
        request,
        "reporting/due_list.html",
        {
            "project": project,
            "project_tab": "dashboard",
            "which": which,
            "filters": filters,
            "page": page,
            "kind": kinds[0] if kinds else "",
            "kinds": [(key, labels[key], n) for key, n in by_source.items() if n],
            "total": sum(by_source.values()),
            "query": params.urlencode(),
        },
    )


def dashboard_export(request: HttpRequest, code: str, fmt: str):
    """The dashboard's indicator table, with its current filters, as CSV or XLSX (refused when a filter is invalid)."""
    project = project_for_user(request.user, code, Action.VIEW)
    form = DashboardFilterForm(request.GET or None)
    data = queries.project_dashboard(project, today=timezone.localdate(), **form.filters())
    columns = [
        Column(_("Indicator"), "label"),
        Column(_("Unit"), "unit"),
        Column(_("At start"), "at_start"),
        Column(_("In period"), "in_period"),
        Column(_("Cumulative"), "cumulative"),
        Column(_("Target"), "target"),
        Column(_("Percent"), "percent"),
    ]
    return export_list(
        request, data["rows"], columns, fmt=fmt, basename=f"indicators-{project.code}", project=project, filters=form
    )


def report_list(request: HttpRequest, code: str) -> HttpResponse:
    project = project_for_user(request.user, code, Action.VIEW)
    periods = list(ReportingPeriod.objects.filter(project=project).order_by("start", "kind"))
    jobs = list(
        BackgroundJob.objects.of_project_for(project)
        .filter(kind=services.REPORT_JOB)
        .select_related("user", "project")[:50]
    )
    return render(
        request,
        "reporting/report_list.html",
        {
            "project": project,
            "project_tab": "reports",
            "periods": periods,
            "jobs": jobs,
            "today": timezone.localdate(),
            "can_manage": project.allows(Action.MANAGE),
        },
    )


def report_detail(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    project = project_for_user(request.user, code, Action.VIEW)
    period = get_object_or_404(ReportingPeriod.objects.filter(project=project), pk=pk)
    report = ProgressReport.objects.filter(period=period).first() or ProgressReport(period=period)
    can_manage = project.allows(Action.MANAGE)
    form = NarrativeForm(request.POST or None, instance=report) if can_manage else None
    if request.method == "POST":
        if not can_manage:
            project_for_user(request.user, code, Action.MANAGE)  # 403
        if form.is_valid():
            try:
                services.report_narrative_save(
                    user=request.user,
                    period=period,
                    narrative=form.cleaned_data["narrative"],
                    expected_version=form.expected_version,
                )
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, _("The narrative was saved."))
                return redirect(period.get_absolute_url())
    data = queries.report_data(
        project, since=period.start, until=period.end, title=str(period), narrative=report.narrative
    )
    jobs = list(
        BackgroundJob.objects.of_project_for(project)
        .filter(kind=services.REPORT_JOB, params__period_id=period.pk)
        .select_related("user")[:20]
    )
    return render(
        request,
        "reporting/report_detail.html",
        {
            "project": project,
            "project_tab": "reports",
            "period": period,
            "data": data,
            "form": form,
            "jobs": jobs,
            "can_manage": can_manage,
            "formats": services.REPORT_FORMATS,
        },
    )


@require_POST
def report_generate(request: HttpRequest, code: str, pk: int, fmt: str) -> HttpResponse:
    project = project_for_user(request.user, code, Action.MANAGE)
    period = get_object_or_404(ReportingPeriod.objects.filter(project=project), pk=pk)
    if fmt not in services.REPORT_FORMATS:
        return redirect(period.get_absolute_url())
    job = services.report_generate(user=request.user, period=period, fmt=fmt)
    return redirect(job.get_absolute_url())


def notification_list(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        services.notifications_mark_read(user=request.user)
        return redirect("reporting:notifications")
    return render(
        request,
        "reporting/notifications.html",
        {"notifications": queries.notifications_for(request.user), "unread": queries.unread_count(request.user)},
    )


def notification_settings(request: HttpRequest) -> HttpResponse:
    form = PreferencesForm(request.POST or None, preferences=queries.preferences_for(request.user))
    if request.method == "POST" and form.is_valid():
        services.preferences_save(user=request.user, enabled=form.cleaned_data)
        messages.success(request, _("Your reminder settings were saved."))
        return redirect("reporting:notification-settings")
    return render(request, "reporting/notification_settings.html", {"form": form})
