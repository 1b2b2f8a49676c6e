"""Feedback (the survey and its follow-up), the managers' statistics and comparison, the practices library."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_POST

from projects.access import Action
from projects.exports import Column
from projects.queries import project_for_user, visible_projects
from projects.viewkit import add_service_errors, audit_consultation, export_list

from .. import queries, services
from ..filters import BestPracticeFilter
from ..forms import FeedbackForm
from ..models import FeedbackResponse, Registration
from .common import project_and_event

TAB = "events"


def feedback(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    """Averages and comments, and the attendees who have not answered yet."""
    project, event = project_and_event(request, code, pk, counts=True)
    context = queries.feedback_summary(event)
    context.update(
        project=project,
        project_tab=TAB,
        event=event,
        missing=queries.feedback_missing(event),
        ratings=[(name, FeedbackResponse._meta.get_field(name).verbose_name) for name in FeedbackResponse.RATINGS],
    )
    # The page names the attendees who have not answered yet.
    audit_consultation(request, project=project, page="feedback", obj=event, object_type=Registration._meta.label)
    return render(request, "conferences/feedback.html", context)


@require_POST
def feedback_remind(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    project, event = project_and_event(request, code, pk, Action.EDIT)
    try:
        queued = services.feedback_remind(user=request.user, event=event)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("%(n)s reminders are being sent.") % {"n": queued})
    return redirect("conferences:feedback", code=project.code, pk=event.pk)


@login_not_required
def feedback_survey(request: HttpRequest, token) -> HttpResponse:
    """The survey as the participant sees it, through the personal link of the invitation (no account)."""
    registration = get_object_or_404(
        Registration.objects.select_related("event__project", "person"), feedback_token=token
    )
    answered = FeedbackResponse.objects.filter(registration=registration).exists()
    refusal = "" if answered else services.feedback_refusal(registration)
    form = FeedbackForm(request.POST or None)
    if request.method == "POST" and not answered and not refusal and form.is_valid():
        try:
            services.feedback_submit(registration=registration, answers=form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            answered = True
    return render(
        request,
        "conferences/feedback_survey.html",
        {
            "registration": registration,
            "event": registration.event,
            "form": form,
            "answered": answered,
            "refusal": refusal,
        },
    )


def event_statistics(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    project, event = project_and_event(request, code, pk, Action.MANAGE, counts=True)
    context = queries.event_statistics(event)
    context.update(project=project, project_tab=TAB, event=event)
    return render(request, "conferences/statistics.html", context)


def series_compare(request: HttpRequest, code: str) -> HttpResponse:
    """The project's conferences side by side (for DTP-TOC: the three editions of the series)."""
    project = project_for_user(request.user, code, Action.MANAGE)
    rows = queries.series_comparison(project)
    sector_labels = [label for label, _count in rows[0]["sectors"]] if rows else []
    return render(
        request,
        "conferences/compare.html",
        {"project": project, "project_tab": TAB, "rows": rows, "sector_labels": sector_labels},
    )


PRACTICE_COLUMNS = [
    Column(_lazy("Title"), "title"),
    Column(_lazy("Summary"), "summary"),
    Column(_lazy("Crime area"), "get_crime_area_display"),
    Column(_lazy("Country"), "country__name"),
    Column(_lazy("Project"), "event__project__code"),
    Column(_lazy("Event"), "event__title"),
    Column(_lazy("Event date"), "event__start_date"),
    Column(_lazy("Session"), "session__title"),
]


def _practices(request: HttpRequest, code: str | None):
    """The project (None: every project the user may see) and the library's filtered practices, access checked."""
    project = project_for_user(request.user, code) if code else None
    return project, BestPracticeFilter(request.GET or None, queryset=queries.best_practices_for(request.user, project))


def practice_library(request: HttpRequest, code: str | None = None) -> HttpResponse:
    """Best practices presented at the events of one project, or of every project the user may see."""
    project, practices = _practices(request, code)
    context = {"project": project, "project_tab": TAB, "filter": practices, "practices": practices.qs[:200]}
    if project is None:
        context["projects"] = visible_projects(request.user)
    return render(request, "conferences/practice_library.html", context)


def practice_export(request: HttpRequest, fmt: str, code: str | None = None) -> HttpResponse:
    """The library as CSV or XLSX with its filters (all matching practices, not only the first 200 shown)."""
    project, practices = _practices(request, code)
    basename = f"{project.code.lower()}-best-practices" if project else "best-practices"
    return export_list(
        request, practices.qs, PRACTICE_COLUMNS, fmt=fmt, basename=basename, project=project, filters=practices.form
    )
