"""IMOBEX pages: the country coverage board, the modus operandi findings, the road map. Thin: check access, call a
query or a service, render."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from projects.access import Action
from projects.exports import Column
from projects.pagination import page_of
from projects.queries import project_for_user
from projects.viewkit import add_service_errors, download, export_list

from . import queries, services
from .filters import FindingFilter
from .forms import (
    BarrierForm,
    CoverageForm,
    CoverageImportForm,
    FindingForm,
    InterventionForm,
    RoadMapDecisionForm,
    RoadMapVersionForm,
)
from .models import IMOBEX_PROJECTS, Barrier, CountryCoverage, Finding, Intervention, RoadMapVersion, scope_countries


def _form_page(request, project, tab: str, form, heading: str, back: str, **extra) -> HttpResponse:
    context = {"project": project, "project_tab": tab, "form": form, "heading": heading, "back": back, **extra}
    return render(request, "imobex/form.html", context)


# --- country coverage ------------------------------------------------------------------------------------------------


def coverage_board(request: HttpRequest, code: str) -> HttpResponse:
    project = project_for_user(request.user, code, among=IMOBEX_PROJECTS)
    context = {
        "project": project,
        "project_tab": "coverage",
        "board": queries.coverage_board(project),
        "can_edit": project.allows(Action.EDIT),
        "can_import": project.allows(Action.VALIDATE),
    }
    return render(request, "imobex/coverage_board.html", context)


COVERAGE_COLUMNS = [
    Column(_("Country"), lambda t: t.country.name),
    Column(_("Code"), lambda t: t.country.code),
    Column(_("State"), lambda t: t.state_label),
    Column(_("Source"), lambda t: t.coverage.get_source_display() if t.coverage else ""),
    Column(_("Date"), "coverage__state_date"),
    Column(_("Requested on"), "coverage__requested_on"),
    Column(_("Received on"), "coverage__received_on"),
    Column(_("Validated on"), "coverage__validated_on"),
    Column(
        _("Responsible"),
        lambda t: (
            (t.coverage.responsible.get_full_name() or t.coverage.responsible.username)
            if t.coverage and t.coverage.responsible
            else ""
        ),
    ),
]


def coverage_export(request: HttpRequest, code: str, fmt: str) -> HttpResponse:
    """The coverage board as CSV or XLSX, one row per country of the scope (the board has no filters)."""
    project = project_for_user(request.user, code, among=IMOBEX_PROJECTS)
    return export_list(
        request,
        queries.coverage_board(project).tiles,
        COVERAGE_COLUMNS,
        fmt=fmt,
        basename=f"{project.code.lower()}-coverage",
        project=project,
    )


def coverage_edit(request: HttpRequest, code: str, country: str) -> HttpResponse:
    project = project_for_user(request.user, code, Action.EDIT, among=IMOBEX_PROJECTS)
    country_obj = get_object_or_404(scope_countries(), code=country)
    coverage = CountryCoverage.objects.filter(project=project, country=country_obj).select_related("responsible")
    coverage = coverage.first() or CountryCoverage(project=project, country=country_obj)
    states = services.coverage_states_for(request.user, project, coverage.state)
    initial = {
        "state": coverage.state,
        "source": coverage.source,
        "responsible": coverage.responsible_id,
        "notes": coverage.notes,
    }
    form = CoverageForm(request.POST or None, project=project, states=states, initial=initial, record=coverage)
    if request.method == "POST" and form.is_valid():
        try:
            services.coverage_set_state(
                user=request.user,
                project=project,
                country=country_obj,
                expected_version=form.expected_version,
                **form.cleaned_data,
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("%(country)s: saved.") % {"country": country_obj.name})
            return redirect("imobex:coverage-board", code=project.code)
    heading = _("%(country)s: %(state)s") % {"country": country_obj.name, "state": coverage.get_state_display()}
    back = reverse("imobex:coverage-board", kwargs={"code": project.code})
    return _form_page(request, project, "coverage", form, heading, back, coverage=coverage, locked=not states)


def coverage_import(request: HttpRequest, code: str) -> HttpResponse:
    project = project_for_user(request.user, code, Action.VALIDATE, among=IMOBEX_PROJECTS)
    form = CoverageImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            count = services.coverage_import(user=request.user, project=project, text=form.cleaned_data["file"])
        except ValidationError as exc:
            form.add_error("file", exc)
        else:
            messages.success(request, _("%(n)d countries imported.") % {"n": count})
            return redirect("imobex:coverage-board", code=project.code)
    back = reverse("imobex:coverage-board", kwargs={"code": project.code})
    return _form_page(request, project, "coverage", form, _("Import country coverage"), back)


# --- findings --------------------------------------------------------------------------------------------------------


def finding_list(request: HttpRequest, code: str) -> HttpResponse:
    project = project_for_user(request.user, code, among=IMOBEX_PROJECTS)
    filterset = FindingFilter(request.GET or None, queryset=queries.findings(project))
    page = page_of(filterset.qs, request.GET.get("page"), 50)
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "project": project,
        "project_tab": "findings",
        "filter": filterset,
        "page": page,
        "query": query.urlencode(),
        "can_edit": project.allows(Action.EDIT),
    }
    return render(request, "imobex/finding_list.html", context)


def _names(items) -> str:
    return ", ".join(str(item) for item in items.all())


FINDING_COLUMNS = [
    Column(_("Id"), "pk"),
    Column(_("Summary"), "title"),
    Column(_("Crime type"), "get_crime_type_display"),
    Column(_("Groups come from"), lambda f: _names(f.origin_countries)),
    Column(_("Groups act in"), lambda f: _names(f.action_countries)),
    Column(_("Exploitation indicators"), lambda f: _names(f.indicators)),
    Column(_("Source"), "get_source_display"),
    Column(_("Reliability"), "reliability"),
    Column(_("Description"), "description"),
    Column(_("Recorded"), "created_at"),
]


def finding_export(request: HttpRequest, code: str, fmt: str) -> HttpResponse:
    """The findings as CSV or XLSX, with the list's current filters (refused when a filter is invalid)."""
    project = project_for_user(request.user, code, among=IMOBEX_PROJECTS)
    filterset = FindingFilter(request.GET or None, queryset=queries.findings(project))
    basename = f"{project.code.lower()}-findings"
    return export_list(
        request, filterset.qs, FINDING_COLUMNS, fmt=fmt, basename=basename, project=project, filters=filterset.form
    )


def finding_edit(request: HttpRequest, code: str, pk: int | None = None) -> HttpResponse:
    project = project_for_user(request.user, code, Action.EDIT, among=IMOBEX_PROJECTS)
    finding = get_object_or_404(Finding.objects.filter(project=project), pk=pk) if pk else None
    form = FindingForm(request.POST or None, instance=finding)
    if request.method == "POST" and form.is_valid():
        try:
            services.finding_save(
                user=request.user,
                project=project,
                finding=finding,
                expected_version=form.expected_version,
                **form.cleaned_data,
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("The finding was saved."))
            return redirect("imobex:finding-list", code=project.code)
    heading = finding.title if finding else _("New modus operandi finding")
    return _form_page(
        request, project, "findings", form, heading, reverse("imobex:finding-list", kwargs={"code": project.code})
    )


# --- the road map ----------------------------------------------------------------------------------------------------


def road_map(request: HttpRequest, code: str) -> HttpResponse:
    project = project_for_user(request.user, code, among=IMOBEX_PROJECTS)
    context = queries.road_map_page_data(project)
    context.update(
        project=project,
        project_tab="road-map",
        can_edit=project.allows(Action.EDIT),
        can_decide=project.allows(Action.VALIDATE),
    )
    return render(request, "imobex/road_map.html", context)


def barrier_edit(request: HttpRequest, code: str, pk: int | None = None) -> HttpResponse:
    project = project_for_user(request.user, code, Action.EDIT, among=IMOBEX_PROJECTS)
    barrier = get_object_or_404(Barrier.objects.filter(project=project), pk=pk) if pk else None
    form = BarrierForm(request.POST or None, instance=barrier)
    if request.method == "POST" and form.is_valid():
        try:
            services.barrier_save(
                user=request.user,
                project=project,
                barrier=barrier,
                expected_version=form.expected_version,
                **form.cleaned_data,
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("The barrier was saved."))
            return redirect("imobex:road-map", code=project.code)
    heading = barrier.title if barrier else _("New barrier")
    return _form_page(
        request, project, "road-map", form, heading, reverse("imobex:road-map", kwargs={"code": project.code})
    )


def intervention_edit(request: HttpRequest, code: str, barrier: int | None = None, pk: int | None = None):
    project = project_for_user(request.user, code, Action.EDIT, among=IMOBEX_PROJECTS)
    if pk:
        scoped = Intervention.objects.filter(barrier__project=project).select_related("barrier__project")
        intervention = get_object_or_404(scoped, pk=pk)
        barrier_obj = intervention.barrier
    else:
        intervention = None
        barrier_obj = get_object_or_404(Barrier.objects.filter(project=project).select_related("project"), pk=barrier)
    form = InterventionForm(request.POST or None, instance=intervention)
    if request.method == "POST" and form.is_valid():
        try:
            services.intervention_save(
                user=request.user,
                barrier=barrier_obj,
                intervention=intervention,
                expected_version=form.expected_version,
                **form.cleaned_data,
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("The intervention was saved."))
            return redirect("imobex:road-map", code=project.code)
    heading = _("Intervention against: %(barrier)s") % {"barrier": barrier_obj.title}
    return _form_page(
        request, project, "road-map", form, heading, reverse("imobex:road-map", kwargs={"code": project.code})
    )


def roadmap_version_add(request: HttpRequest, code: str) -> HttpResponse:
    project = project_for_user(request.user, code, Action.EDIT, among=IMOBEX_PROJECTS)
    form = RoadMapVersionForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        road_map = services.road_map_for(project, user=request.user)
        try:
            services.roadmap_version_submit(user=request.user, road_map=road_map, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("The new version was submitted for approval."))
            return redirect("imobex:road-map", code=project.code)
    back = reverse("imobex:road-map", kwargs={"code": project.code})
    return _form_page(request, project, "road-map", form, _("New version of the road map"), back)


@require_POST
def roadmap_version_decide(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    project = project_for_user(request.user, code, Action.VALIDATE, among=IMOBEX_PROJECTS)
    scoped = RoadMapVersion.objects.filter(road_map__project=project).select_related("road_map__project")
    version = get_object_or_404(scoped, pk=pk)
    form = RoadMapDecisionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose to approve or to return the version."))
        return redirect("imobex:road-map", code=project.code)
    decide = services.roadmap_version_approve if form.cleaned_data["decision"] == "approve" else None
    try:
        if decide:
            decide(user=request.user, version=version, note=form.cleaned_data["note"])
            messages.success(request, _("Version %(n)d was approved.") % {"n": version.number})
        else:
            services.roadmap_version_return(user=request.user, version=version, note=form.cleaned_data["note"])
            messages.success(request, _("Version %(n)d was returned for changes.") % {"n": version.number})
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect("imobex:road-map", code=project.code)


def roadmap_version_download(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    """A road-map document, for members of the project only (there is no public address)."""
    project = project_for_user(request.user, code, among=IMOBEX_PROJECTS)
    version = get_object_or_404(RoadMapVersion.objects.filter(road_map__project=project), pk=pk)
    return download(request, version.document, obj=version, project=project)
