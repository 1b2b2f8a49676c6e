"""Participants: registrations, the import, exports, check-in on the day, certificates and badges."""

from __future__ import annotations

from datetime import date

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from projects.access import Action
from projects.exports import Column
from projects.pagination import page_of
from projects.services import job_start
from projects.viewkit import add_service_errors, audit_consultation, download, export_list

from .. import jobs, pdf, queries, services
from ..forms import ImportForm, RegistrationForm
from ..imports import ImportFileError, check_rows, read_rows
from ..models import Event, Registration
from ..queries import CONSULTED, shows_contact
from .common import project_and_event

TAB = "events"
REGISTRATION_PAGE_SIZE = 100


def registration_list(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    project, event = project_and_event(request, code, pk, counts=True)
    registrations = page_of(queries.registrations_of_event(event), request.GET.get("page"), REGISTRATION_PAGE_SIZE)
    audit_consultation(request, project=project, page="registrations", obj=event, object_type=CONSULTED)
    context = {
        "project": project,
        "project_tab": TAB,
        "event": event,
        "registrations": registrations,
        "page": registrations,
        "columns": participant_columns(project),
        "show_contact": shows_contact(project),
    }
    return render(request, "conferences/registration_list.html", context)


def registration_create(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    project, event = project_and_event(request, code, pk, Action.EDIT)
    form = RegistrationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            registration = services.registration_create(user=request.user, event=event, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("%(name)s is registered.") % {"name": registration.person.name})
            if "another" in request.POST:
                return redirect("conferences:registration-create", code=project.code, pk=event.pk)
            return redirect("conferences:registration-list", code=project.code, pk=event.pk)
    return render(
        request,
        "conferences/registration_form.html",
        {"project": project, "project_tab": TAB, "event": event, "form": form},
    )


@require_POST
def registration_delete(request: HttpRequest, code: str, pk: int, registration_pk: int) -> HttpResponse:
    project, event = project_and_event(request, code, pk, Action.EDIT)
    registration = get_object_or_404(Registration.objects.select_related("person"), event=event, pk=registration_pk)
    services.registration_delete(user=request.user, registration=registration)
    messages.success(request, _("The registration of %(name)s was withdrawn.") % {"name": registration.person.name})
    return redirect("conferences:registration-list", code=project.code, pk=event.pk)


PARTICIPANT_COLUMNS = [
    Column(_("Name"), "person__name"),
    Column(_("Organisation"), lambda r: r.person.organisation.name if r.person.organisation else ""),
    Column(
        _("Type of organisation"), lambda r: r.person.organisation.get_kind_display() if r.person.organisation else ""
    ),
    Column(_("Country"), "person__country__name"),
    Column(_("Role"), "get_role_display"),
    Column(_("Attended"), lambda r: _("yes") if r.attended else _("no")),
    Column(_("Answered the survey"), lambda r: _("yes") if r.answered else _("no")),
]
# The project's e-mail for the person, and the gender: for those who register people (staff, managers), not viewers.
CONTACT_COLUMNS = [Column(_("E-mail"), "email"), Column(_("Gender"), "person__get_gender_display")]


def participant_columns(project) -> list[Column]:
    """The columns of the participants list for the user's role: the page shows these, the export holds these."""
    if not shows_contact(project):
        return PARTICIPANT_COLUMNS
    return [*PARTICIPANT_COLUMNS[:4], *CONTACT_COLUMNS, *PARTICIPANT_COLUMNS[4:]]


def registration_export(request: HttpRequest, code: str, pk: int, fmt: str) -> HttpResponse:
    """The participants list as the user sees it on the page (the same rows, the same columns)."""
    project, event = project_and_event(request, code, pk)
    return export_list(
        request,
        queries.registrations_of_event(event),
        participant_columns(project),
        fmt=fmt,
        basename=f"participants-{event.pk}",
        project=project,
    )


def _import_key(event: Event) -> str:
    return f"conferences-import-{event.pk}"


def registration_import(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    """Upload a list; the page then shows the rows that will be imported and those rejected, with reasons."""
    project, event = project_and_event(request, code, pk, Action.EDIT)
    form = ImportForm(request.POST or None, request.FILES or None)
    report = None
    if request.method == "POST" and form.is_valid():
        try:
            rows = read_rows(form.cleaned_data["file"])
        except ImportFileError as exc:
            form.add_error("file", str(exc))
        else:
            report = check_rows(event=event, rows=rows, today=timezone.localdate())
            if report.can_import:
                request.session[_import_key(event)] = {"rows": rows, "filename": form.cleaned_data["file"].name}
            else:
                request.session.pop(_import_key(event), None)
    return render(
        request,
        "conferences/registration_import.html",
        {"project": project, "project_tab": TAB, "event": event, "form": form, "report": report},
    )


@require_POST
def registration_import_confirm(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    """Start the import of the list the user has just seen in the preview, as a background job."""
    project, event = project_and_event(request, code, pk, Action.EDIT)
    pending = request.session.pop(_import_key(event), None)
    if not pending:
        messages.error(request, _("Upload the list again: the checked list was not found."))
        return redirect("conferences:registration-import", code=project.code, pk=event.pk)
    job = job_start(
        user=request.user,
        project=project,
        kind=jobs.PARTICIPANTS_IMPORT,
        title=_("Import of %(file)s into %(event)s") % {"file": pending["filename"], "event": event.title},
        params={"event": event.pk, "rows": pending["rows"]},
    )
    return redirect(job.get_absolute_url())


# --- check-in -----------------------------------------------------------------------------------------------------


def _day(request: HttpRequest, event: Event) -> date:
    """The day chosen (?day=), else today if the event is on, else its first day."""
    raw = request.GET.get("day") or request.POST.get("day")
    if raw:
        try:
            day = date.fromisoformat(raw)
        except ValueError:
            raise Http404(_("Unknown day")) from None
        if day not in event.days:
            raise Http404(_("Not a day of this event"))
        return day
    today = timezone.localdate()
    return today if event.start_date <= today <= event.end_date else event.start_date


def checkin(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    """A search-and-click list for the registration desk; htmx swaps the list as the user types."""
    project, event = project_and_event(request, code, pk, Action.EDIT)
    day = _day(request, event)
    search = request.GET.get("q", "").strip()
    context = {
        "project": project,
        "project_tab": TAB,
        "event": event,
        "day": day,
        "search": search,
        "rows": queries.checkin_rows(event, day, search),
        "counts": queries.checkin_counts(event, day),
        "refusal": event.check_in_refusal(day),
    }
    context["can_record"] = not context["refusal"]
    audit_consultation(request, project=project, page="check-in", obj=event, object_type=CONSULTED)
    if request.headers.get("HX-Request"):
        return render(request, "conferences/includes/checkin_rows.html", context)
    return render(request, "conferences/checkin.html", context)


@require_POST
def checkin_mark(request: HttpRequest, code: str, pk: int, registration_pk: int) -> HttpResponse:
    """Check in (action=present), mark a no-show (absent) or undo, for one person and day."""
    project, event = project_and_event(request, code, pk, Action.EDIT)
    registration = get_object_or_404(Registration, event=event, pk=registration_pk)
    day = _day(request, event)
    action = request.POST.get("action", "present")
    error = ""
    try:
        if action == "undo":
            services.attendance_undo(user=request.user, registration=registration, day=day)
        else:
            services.attendance_record(
                user=request.user, registration=registration, day=day, present=action == "present"
            )
    except ValidationError as exc:
        error = " ".join(exc.messages)
    if not request.headers.get("HX-Request"):
        if error:
            messages.error(request, error)
        url = reverse("conferences:checkin", kwargs={"code": project.code, "pk": event.pk})
        return redirect(f"{url}?day={day.isoformat()}")
    row = queries.checkin_rows(event, day).get(pk=registration.pk)
    context = {
        "project": project,
        "event": event,
        "day": day,
        "row": row,
        "error": error,
        "counts": queries.checkin_counts(event, day),
        "can_record": True,
        "oob": True,
    }
    return render(request, "conferences/includes/checkin_row.html", context)


@require_POST
def checkin_no_shows(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    project, event = project_and_event(request, code, pk, Action.EDIT)
    day = _day(request, event)
    try:
        marked = services.attendance_mark_no_shows(user=request.user, event=event, day=day)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("%(n)s people were marked as no-shows.") % {"n": marked})
    url = reverse("conferences:checkin", kwargs={"code": project.code, "pk": event.pk})
    return redirect(f"{url}?day={day.isoformat()}")


# --- certificates and badges --------------------------------------------------------------------------------------


def certificate(request: HttpRequest, code: str, pk: int, registration_pk: int) -> HttpResponse:
    """One attendee's certificate of attendance."""
    project, event = project_and_event(request, code, pk, Action.EDIT)
    registration = get_object_or_404(queries.registrations_of_event(event).filter(attended=True), pk=registration_pk)
    return download(
        request,
        pdf.certificates_pdf(event, [registration]),
        filename=f"certificate-{event.pk}-{registration.pk}.pdf",
        obj=registration,
        project=project,
        object_type="conferences.Certificate",
    )


@require_POST
def certificates_all(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    """Every attendee's certificate in one PDF, written in the background."""
    project, event = project_and_event(request, code, pk, Action.EDIT)
    job = job_start(
        user=request.user,
        project=project,
        kind=jobs.CERTIFICATES,
        title=_("Certificates of attendance for %(event)s") % {"event": event.title},
        params={"event": event.pk},
    )
    return redirect(job.get_absolute_url())


def badges(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    project, event = project_and_event(request, code, pk, Action.EDIT)
    registrations = list(queries.registrations_of_event(event))
    return download(
        request,
        pdf.badges_pdf(event, registrations),
        filename=f"badges-{event.pk}.pdf",
        obj=event,
        project=project,
        object_type="conferences.Badge",
        details={"badges": len(registrations)},
    )
