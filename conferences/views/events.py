"""Events: list, plan and edit, status, agenda, printable programme, best practices."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_POST

from projects.access import Action
from projects.exports import Column
from projects.pagination import page_of
from projects.queries import project_for_user
from projects.registry import registry
from projects.viewkit import add_service_errors, export_list

from .. import queries, services
from ..filters import EventFilter
from ..forms import BestPracticeForm, EventForm, SessionForm, TransitionForm
from ..models import BestPractice, Event, Session
from .common import project_and_event

TAB = "events"
EVENT_PAGE_SIZE = 50


EVENT_COLUMNS = [
    Column(_lazy("Title"), "title"),
    Column(_lazy("Kind"), "get_kind_display"),
    Column(_lazy("First day"), "start_date"),
    Column(_lazy("Last day"), "end_date"),
    Column(_lazy("Online"), "online"),
    Column(_lazy("City"), "city"),
    Column(_lazy("Country"), "country__name"),
    Column(_lazy("Status"), "get_status_display"),
    Column(_lazy("Registered"), "registered"),
    Column(_lazy("Attended"), "attended"),
]


def _events(request: HttpRequest, project) -> EventFilter:
    """The events list's filtered queryset (the page and its export show the same rows)."""
    return EventFilter(request.GET or None, queryset=queries.events_of_project(project))


def event_list(request: HttpRequest, code: str) -> HttpResponse:
    project = project_for_user(request.user, code)
    events = _events(request, project)
    page = page_of(events.qs, request.GET.get("page"), EVENT_PAGE_SIZE)
    return render(
        request,
        "conferences/event_list.html",
        {"project": project, "project_tab": TAB, "filter": events, "events": page, "page": page},
    )


def event_export(request: HttpRequest, code: str, fmt: str) -> HttpResponse:
    """The events as CSV or XLSX with the list's filters (refused when a filter is invalid)."""
    project = project_for_user(request.user, code)
    events = _events(request, project)
    basename = f"{project.code.lower()}-events"
    return export_list(
        request, events.qs, EVENT_COLUMNS, fmt=fmt, basename=basename, project=project, filters=events.form
    )


def event_create(request: HttpRequest, code: str) -> HttpResponse:
    project = project_for_user(request.user, code, Action.EDIT)
    form = EventForm(request.POST or None, instance=Event(project=project))
    if request.method == "POST" and form.is_valid():
        try:
            event = services.event_save(user=request.user, event=form.save(commit=False))
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("The event was created."))
            return redirect(event)
    return render(
        request,
        "conferences/form.html",
        {"project": project, "project_tab": TAB, "form": form, "heading": _("Plan an event")},
    )


def event_edit(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    project, event = project_and_event(request, code, pk, Action.EDIT)
    form = EventForm(request.POST or None, instance=event)
    if request.method == "POST" and form.is_valid():
        try:
            services.event_save(
                user=request.user, event=form.save(commit=False), expected_version=form.expected_version
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("The event was saved."))
            return redirect(event)
    return render(
        request,
        "conferences/form.html",
        {"project": project, "project_tab": TAB, "form": form, "event": event, "heading": _("Edit the event")},
    )


def event_detail(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    project, event = project_and_event(request, code, pk, counts=True)
    context = queries.event_detail_data(event)
    context.update(
        project=project,
        project_tab=TAB,
        event=event,
        transition_form=TransitionForm(event=event),
        panels=registry.panels_for(project, event),  # e.g. the joint activities discussed at a workshop
    )
    return render(request, "conferences/event_detail.html", context)


@require_POST
def event_transition(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    project, event = project_and_event(request, code, pk, Action.EDIT)
    form = TransitionForm(request.POST, event=event)
    if form.is_valid():
        try:
            changed = services.event_transition(user=request.user, event=event, status=form.cleaned_data["status"])
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("The event is now %(status)s.") % {"status": changed.get_status_display()})
    else:
        messages.error(request, _("This change of status is not possible."))
    return redirect(event)


def session_edit(request: HttpRequest, code: str, pk: int, session_pk: int | None = None) -> HttpResponse:
    project, event = project_and_event(request, code, pk, Action.EDIT)
    session = get_object_or_404(Session, event=event, pk=session_pk) if session_pk else Session(event=event)
    form = SessionForm(request.POST or None, instance=session)
    if request.method == "POST" and form.is_valid():
        try:
            services.session_save(
                user=request.user, session=form.save(commit=False), expected_version=form.expected_version
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("The agenda was saved."))
            return redirect(event.get_absolute_url() + "#agenda")
    heading = _("Edit the session") if session.pk else _("Add a session to the agenda")
    return render(
        request,
        "conferences/form.html",
        {"project": project, "project_tab": TAB, "form": form, "event": event, "heading": heading},
    )


@require_POST
def session_delete(request: HttpRequest, code: str, pk: int, session_pk: int) -> HttpResponse:
    project, event = project_and_event(request, code, pk, Action.EDIT)
    services.session_delete(user=request.user, session=get_object_or_404(Session, event=event, pk=session_pk))
    messages.success(request, _("The session was removed from the agenda."))
    return redirect(event.get_absolute_url() + "#agenda")


def event_programme(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    """The agenda as a page to print (no navigation; A4 print styles)."""
    project, event = project_and_event(request, code, pk)
    sessions = Session.objects.filter(event=event)
    return render(request, "conferences/programme.html", {"project": project, "event": event, "sessions": sessions})


def practice_create(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    project, event = project_and_event(request, code, pk, Action.EDIT)
    form = BestPracticeForm(request.POST or None, instance=BestPractice(event=event))
    if request.method == "POST" and form.is_valid():
        try:
            services.best_practice_save(user=request.user, practice=form.save(commit=False))
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("The practice was added to the library."))
            return redirect(event.get_absolute_url() + "#practices")
    return render(
        request,
        "conferences/form.html",
        {"project": project, "project_tab": TAB, "form": form, "event": event, "heading": _("Record a best practice")},
    )
