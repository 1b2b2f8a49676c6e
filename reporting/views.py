"""Pages of the reporting app: the project dashboard, reporting periods and their reports, notifications.

Access (see docs/DEVELOPING.md): every member of a project (Action.VIEW) sees its dashboard, its reporting periods
and each period's report as their role sees it. Writing the report's texts, previewing it for an audience,
generating its files (for the managers to download: `BackgroundJob.Audience.MANAGERS`) and submitting it need
Action.MANAGE.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST, require_safe

from projects.access import Action
from projects.exports import Column
from projects.jobs import JobError
from projects.models import BackgroundJob
from projects.queries import project_for_user, user_time_zone
from projects.registry import registry
from projects.viewkit import add_service_errors, export_list

from . import content, queries, services
from .forms import DashboardFilterForm, GenerateForm, PreferencesForm, ReportTextsForm, SubmitForm
from .models import ReportingPeriod, ReportSnapshot
from .render.pdf import html_context
from .reports import generated_by, report_content


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


def _period(request: HttpRequest, code: str, pk: int, action: Action):
    project = project_for_user(request.user, code, action)
    return project, get_object_or_404(ReportingPeriod.objects.filter(project=project), pk=pk)


def report_detail(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    """A period's report: every member reads it as their role sees it (its sections load one by one, each a bounded
    read); the managers also write its texts here (one form, saved at once), generate its files, submit it and see
    what changed since a submitted version."""
    project, period = _period(request, code, pk, Action.VIEW)
    can_manage = project.allows(Action.MANAGE)
    context = {
        "project": project,
        "project_tab": "reports",
        "period": period,
        "can_manage": can_manage,
        "today": timezone.localdate(),
        "audience": content.READER,
        "sections": content.SECTIONS,
    }
    if can_manage:
        report = content.Report(period, audience=content.MANAGERS)
        outline = report.outline()
        form = ReportTextsForm(request.POST or None, content=outline, report=report.report)
        if request.method == "POST" and form.is_valid():
            try:
                services.report_texts_save(
                    user=request.user, period=period, expected_version=form.expected_version, **form.texts()
                )
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, _("The report's texts were saved."))
                return redirect(period.get_absolute_url())
        context.update(_manager_context(project, period, form, outline))
    elif request.method == "POST":
        project_for_user(request.user, code, Action.MANAGE)  # 403
    return render(request, "reporting/report_detail.html", context)


def _manager_context(project, period: ReportingPeriod, form, outline: dict) -> dict:
    snapshots = list(ReportSnapshot.objects.filter(period=period).select_related("created_by"))  # newest first
    latest = snapshots[0] if snapshots else None
    return {
        "form": form,
        "generate_form": GenerateForm(versions=[s.number for s in snapshots], auto_id="generate_%s"),
        "submit_form": SubmitForm(auto_id="submit_%s"),
        "snapshots": snapshots,
        "latest": latest,
        # the funder's numbers are the managers' (sensitive records counted in both)
        "differences": content.differences(latest.content[content.FUNDER], outline) if latest else [],
        "audiences": list(content.AUDIENCES.items()),
        **_files(project, period),
    }


def _files(project, period: ReportingPeriod) -> dict:
    jobs = list(
        BackgroundJob.objects.of_project_for(project)
        .filter(kind=services.REPORT_JOB, params__period_id=period.pk)
        .select_related("user", "project")[:20]
    )
    return {"jobs": jobs, "running": any(not job.is_finished for job in jobs)}


@require_safe
def report_files(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    """The list of the report's files, alone: the page asks for it again while a file is being made."""
    project, period = _period(request, code, pk, Action.MANAGE)
    context = {"project": project, "period": period, "can_manage": True, **_files(project, period)}
    return render(request, "reporting/includes/report_files.html", context)


def _version(request: HttpRequest) -> int | None:
    try:
        return int(request.GET["version"]) if request.GET.get("version") else None
    except ValueError:
        return None


@require_safe
def report_preview(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    """The report as a file for an audience will show it (`?audience=`, `&version=` a submitted one): the managers'
    check before they generate; its sections load one by one, the same HTML as the PDF's."""
    project, period = _period(request, code, pk, Action.MANAGE)
    audience = request.GET.get("audience", content.MANAGERS)
    if audience not in content.AUDIENCES:
        audience = content.MANAGERS
    version = _version(request)
    return render(
        request,
        "reporting/report_preview.html",
        {
            "project": project,
            "project_tab": "reports",
            "period": period,
            "audience": audience,
            "audience_label": content.AUDIENCES[audience],
            "version": version,
            "audiences": list(content.AUDIENCES.items()),
            "sections": content.SECTIONS,
        },
    )


# What a section shows beyond its own part of the content: the summary's short lists and small charts.
SECTION_NEEDS = {"summary": ("summary", "deviations", "next_period")}


@require_safe
def report_section(request: HttpRequest, code: str, pk: int, audience: str, section: str) -> HttpResponse:
    """One section of a report's HTML, for a page that loads them one by one: for the reader's own view (every
    member), or as an audience's file shows it (the managers), from today's figures or a submitted `?version=`."""
    if section not in content.SECTIONS or audience not in (content.READER, *content.AUDIENCES):
        raise Http404
    action = Action.VIEW if audience == content.READER else Action.MANAGE
    project, period = _period(request, code, pk, action)
    version = _version(request) if audience != content.READER else None
    if version is not None:
        try:
            data = report_content(period, audience=audience, version=version)
        except JobError:
            raise Http404(_("No such version of this report.")) from None
    else:
        report = content.Report(period, audience=audience, sees_sensitive=project.sees_sensitive)
        data = report.content(SECTION_NEEDS.get(section, (section,)))
    if section == "cover":
        data["generated"] = generated_by(request.user, user_time_zone(request.user))
    return render(request, "reporting/report/section_page.html", {"body": html_context(data, (section,))})


@require_POST
def report_generate(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    """Queue one file per format chosen; the page lists them with their progress."""
    project, period = _period(request, code, pk, Action.MANAGE)
    versions = list(ReportSnapshot.objects.filter(period=period).values_list("number", flat=True))
    form = GenerateForm(request.POST, versions=versions)
    if not form.is_valid():
        for error in form.errors.values():
            messages.error(request, " ".join(error))
        return redirect(period.get_absolute_url())
    data = form.cleaned_data
    for fmt in data["formats"]:
        services.report_generate(
            user=request.user, period=period, fmt=fmt, audience=data["audience"], version=data["version"]
        )
    messages.success(
        request,
        ngettext(
            "The report is being generated: %(count)d file.",
            "The report is being generated: %(count)d files.",
            len(data["formats"]),
        )
        % {"count": len(data["formats"])},
    )
    return redirect(f"{period.get_absolute_url()}#generated-files")


@require_POST
def report_submit(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    """Record the submission to the funder and freeze the report's figures as a new submitted version."""
    project, period = _period(request, code, pk, Action.MANAGE)
    form = SubmitForm(request.POST)
    if form.is_valid():
        try:
            snapshot = services.report_submit(user=request.user, period=period, on=form.cleaned_data["on"])
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(
                request,
                _("Submitted version %(number)s was frozen: its files keep today's figures.")
                % {"number": snapshot.number},
            )
            return redirect(period.get_absolute_url())
    for errors in form.errors.values():
        messages.error(request, " ".join(errors))
    return redirect(period.get_absolute_url())


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
