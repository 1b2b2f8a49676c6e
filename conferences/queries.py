"""Reads of the conferences app shared by the pages, the exports, the metrics and the reports.

Every function runs a fixed number of queries whatever the number of events and participants: counts and
breakdowns are aggregated in the database.
"""

from __future__ import annotations

from datetime import date

from django.db.models import (
    Avg,
    Count,
    Exists,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
)
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _

from projects.access import Action
from projects.models import Organisation, Person, Project

from .models import Attendance, BestPractice, Event, FeedbackResponse, Registration, Session, attended_condition

CONSULTED = "conferences.Registration"  # what a page (or the API) listing participants shows, for the audit trail


def shows_contact(project: Project) -> bool:
    """Whether the user (whose role `project_for_user` annotated) sees the participants' e-mail and gender: those
    who may edit the project's records, on the pages, the exports and the API alike."""
    return project.allows(Action.EDIT)


# --- lists and pages -------------------------------------------------------------------------------------------------


def events_of_project(project: Project) -> QuerySet[Event]:
    """The project's events with their number of registrations, places taken and attendees: each a subquery of
    the event's own rows (no join over every registration), so a page of events and its count stay cheap."""
    attended = Attendance.objects.filter(registration=OuterRef("pk"), present=True)

    def counted(registrations: QuerySet[Registration]) -> Coalesce:
        number = registrations.order_by().values("event").annotate(n=Count("pk")).values("n")
        return Coalesce(Subquery(number), 0)

    of_event = Registration.objects.filter(event=OuterRef("pk"))
    return (
        Event.objects.filter(project=project)
        .select_related("project", "country", "training_provider", "workstream")
        .annotate(
            registered=counted(of_event),
            places_taken=counted(of_event.filter(role__in=Registration.PARTICIPANT_ROLES)),
            attended=Subquery(
                of_event.filter(Exists(attended)).order_by().values("event").annotate(n=Count("pk")).values("n")
            ),
        )
    )


def event_for_page(project: Project, pk: int) -> Event:
    from django.shortcuts import get_object_or_404

    return get_object_or_404(events_of_project(project), pk=pk)


def event_detail_data(event: Event) -> dict:
    sessions = list(Session.objects.filter(event=event))
    practices = list(BestPractice.objects.filter(event=event).select_related("country", "session"))
    return {"sessions": sessions, "best_practices": practices}


def registrations_of_event(event: Event) -> QuerySet[Registration]:
    """The participants list: person, organisation, country, the project's e-mail for them, whether they attended
    and answered the survey."""
    return participants(Registration.objects.filter(event=event))


def registrations_of_project(project: Project) -> QuerySet[Registration]:
    """The participants of all the project's events, as their lists show them (the API's incremental sync)."""
    return participants(Registration.objects.filter(event__project=project))


def participants(registrations: QuerySet[Registration]) -> QuerySet[Registration]:
    return (
        registrations.select_related("person__organisation", "person__country")
        .with_attended()
        .with_email()
        .annotate(answered=Exists(FeedbackResponse.objects.filter(registration=OuterRef("pk"))))
        .order_by("person__name", "pk")
    )


def checkin_rows(event: Event, day: date, search: str = "") -> QuerySet[Registration]:
    """Registrations with what was recorded for them on the day (`present_on_day`: True, False or None)."""
    on_day = Attendance.objects.filter(registration=OuterRef("pk"), day=day).values("present")[:1]
    qs = (
        Registration.objects.filter(event=event)
        .select_related("person__organisation", "person__country")
        .annotate(present_on_day=Subquery(on_day))
        .order_by("person__name", "pk")
    )
    return registrations_matching(qs, search)


def registrations_matching(registrations: QuerySet[Registration], search: str) -> QuerySet[Registration]:
    """The registrations whose person matches every word: name, organisation (or its acronym), country (the
    check-in desk's search, and the API's `q`)."""
    for word in search.split():
        registrations = registrations.filter(
            Q(person__name__icontains=word)
            | Q(person__organisation__name__icontains=word)
            | Q(person__organisation__acronym__iexact=word)
            | Q(person__country__name__icontains=word)
        )
    return registrations


def checkin_counts(event: Event, day: date) -> dict[str, int]:
    return Registration.objects.filter(event=event).aggregate(
        registered=Count("pk", distinct=True),
        present=Count("pk", filter=Q(attendance__day=day, attendance__present=True), distinct=True),
        absent=Count("pk", filter=Q(attendance__day=day, attendance__present=False), distinct=True),
    )


def feedback_missing(event: Event) -> QuerySet[Registration]:
    """Attendees who have not answered the survey yet (with the project's e-mail for them, `email`)."""
    return (
        Registration.objects.filter(event=event)
        .with_email()
        .attended()
        .filter(feedback__isnull=True)
        .select_related("person__organisation", "person__country")
        .order_by("person__name")
    )


def feedback_summary(event: Event) -> dict:
    responses = FeedbackResponse.objects.filter(registration__event=event)
    averages = responses.aggregate(n=Count("pk"), **{f"{name}": Avg(name) for name in FeedbackResponse.RATINGS})
    comments = list(
        responses.exclude(comments="").select_related("registration__person").order_by("-submitted_at")[:200]
    )
    return {"averages": averages, "comments": comments}


# --- statistics for managers -------------------------------------------------------------------------------------


def _breakdown(registrations: QuerySet, field: str, labels: dict | None = None) -> list[dict]:
    rows = (
        registrations.order_by()
        .values(field)
        .annotate(registered=Count("pk"), attended=Count("pk", filter=Q(attended_condition())))
        .order_by("-registered", field)
    )
    return [
        {
            "label": (labels or {}).get(row[field], row[field]) or _("Not given"),
            "registered": row["registered"],
            "attended": row["attended"],
        }
        for row in rows
    ]


def event_statistics(event: Event) -> dict:
    """Registered vs capacity, attendance and feedback of one event, with breakdowns (six queries)."""
    registrations = Registration.objects.filter(event=event)
    totals = registrations.aggregate(
        registered=Count("pk"),
        places_taken=Count("pk", filter=Q(role__in=Registration.PARTICIPANT_ROLES)),
        attended=Count("pk", filter=Q(attended_condition())),
    )
    feedback = FeedbackResponse.objects.filter(registration__event=event).aggregate(
        responses=Count("pk"), **{name: Avg(name) for name in FeedbackResponse.RATINGS}
    )
    return {
        "totals": totals,
        "no_shows": totals["registered"] - totals["attended"],
        "by_country": _breakdown(registrations, "person__country__name"),
        "by_kind": _breakdown(registrations, "person__organisation__kind", dict(Organisation.Kind.choices)),
        "by_role": _breakdown(registrations, "role", dict(Registration.Role.choices)),
        "by_gender": _breakdown(registrations, "person__gender", dict(Person.Gender.choices)),
        "feedback": feedback,
    }


def series_comparison(project: Project) -> list[dict]:
    """The project's conferences side by side: participation, countries and sectors reached, feedback.

    Four queries, whatever the number of conferences and participants.
    """
    events = list(
        Event.objects.filter(project=project, kind=Event.Kind.CONFERENCE)
        .exclude(status=Event.Status.CANCELLED)
        .select_related("project", "country")
        .order_by("edition", "start_date")
    )
    ids = [e.pk for e in events]
    registrations = Registration.objects.filter(event_id__in=ids)
    attended = Q(attended_condition())
    totals = {
        row["event_id"]: row
        for row in registrations.order_by()
        .values("event_id")
        .annotate(
            registered=Count("pk"),
            attended=Count("pk", filter=attended),
            countries=Count("person__country", filter=attended, distinct=True),
            organisations=Count("person__organisation", filter=attended, distinct=True),
        )
    }
    sectors: dict[int, dict[str, int]] = {pk: {} for pk in ids}
    for row in (
        registrations.attended().order_by().values("event_id", "person__organisation__kind").annotate(n=Count("pk"))
    ):
        sectors[row["event_id"]][row["person__organisation__kind"] or ""] = row["n"]
    feedback = {
        row["registration__event_id"]: row
        for row in FeedbackResponse.objects.filter(registration__event_id__in=ids)
        .order_by()
        .values("registration__event_id")
        .annotate(responses=Count("pk"), overall=Avg("overall"), usefulness=Avg("usefulness"))
    }
    kinds = [(value, label) for value, label in Organisation.Kind.choices] + [("", _("Not given"))]
    result = []
    for event in events:
        row = totals.get(event.pk, {})
        result.append(
            {
                "event": event,
                "registered": row.get("registered", 0),
                "attended": row.get("attended", 0),
                "countries": row.get("countries", 0),
                "organisations": row.get("organisations", 0),
                "sectors": [(label, sectors[event.pk].get(value, 0)) for value, label in kinds],
                "responses": feedback.get(event.pk, {}).get("responses", 0),
                "overall": feedback.get(event.pk, {}).get("overall"),
                "usefulness": feedback.get(event.pk, {}).get("usefulness"),
            }
        )
    return result


def best_practices_for(user, project: Project | None = None) -> QuerySet[BestPractice]:
    """The library of best practices the user may see (all their projects, or one)."""
    qs = BestPractice.objects.for_user(user).select_related("event__project", "session", "country")
    if project is not None:
        qs = qs.filter(event__project=project)
    return qs
