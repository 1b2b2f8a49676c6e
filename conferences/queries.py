"""Reads of the conferences app shared by the pages, the exports, the metrics and the reports.

Every function runs a fixed number of queries whatever the number of events and participants: counts and
breakdowns are aggregated in the database.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from django.core.exceptions import FieldDoesNotExist
from django.db.models import (
    Avg,
    Count,
    Exists,
    F,
    Min,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    prefetch_related_objects,
)
from django.utils.translation import gettext as _

from projects.metrics import count_by_project, count_by_project_month, count_first_days_by_month
from projects.models import Organisation, Person, Project

from .models import Attendance, BestPractice, Event, FeedbackResponse, Registration, Session, attended_condition

# --- lists and pages -------------------------------------------------------------------------------------------------


def events_of_project(project: Project) -> QuerySet[Event]:
    """The project's events with their number of registrations, places taken and attendees."""
    attended = Attendance.objects.filter(registration=OuterRef("pk"), present=True)
    attendees = (
        Registration.objects.filter(event=OuterRef("pk"))
        .filter(Exists(attended))
        .order_by()
        .values("event")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return (
        Event.objects.filter(project=project)
        .select_related("project", "country", "training_provider")
        .annotate(
            registered=Count("registrations", distinct=True),
            places_taken=Count(
                "registrations", filter=Q(registrations__role__in=Registration.PARTICIPANT_ROLES), distinct=True
            ),
            attended=Subquery(attendees),
        )
    )


def event_for_page(project: Project, pk: int) -> Event:
    from django.shortcuts import get_object_or_404

    return get_object_or_404(events_of_project(project), pk=pk)


def event_detail_data(event: Event) -> dict:
    sessions = list(Session.objects.filter(event=event))
    practices = list(BestPractice.objects.filter(event=event).select_related("country", "session"))
    return {"sessions": sessions, "best_practices": practices}


DISCUSSION_KINDS = Event.DISCUSSION_KINDS  # defined on the model: `Event.accepts_discussions`


def prefetch_discussed_activities(project: Project, event: Event) -> None:
    """Read the joint activities discussed at a workshop or meeting in one query, into the relation the template
    reads (`event.discussed_activities.all`); nothing for other kinds of events, which cannot have any.

    The activities are those of the project page (`in_project`, the operations app's rule: sensitive ones only for
    those who may see them), reached through the reverse relation so that this app does not import operations.
    """
    if event.kind not in DISCUSSION_KINDS:
        return
    try:
        activities = Event._meta.get_field("discussed_activities").related_model
    except FieldDoesNotExist:  # the operations app is not installed
        return
    visible = activities._default_manager.in_project(project).order_by("start_date", "pk")
    prefetch_related_objects([event], Prefetch("discussed_activities", queryset=visible))


def registrations_of_event(event: Event) -> QuerySet[Registration]:
    """The participants list: person, organisation, country, whether they attended and answered the survey."""
    return (
        Registration.objects.filter(event=event)
        .select_related("person__organisation", "person__country")
        .with_attended()
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
    for word in search.split():
        qs = qs.filter(
            Q(person__name__icontains=word)
            | Q(person__organisation__name__icontains=word)
            | Q(person__organisation__acronym__iexact=word)
            | Q(person__country__name__icontains=word)
        )
    return qs


def checkin_counts(event: Event, day: date) -> dict[str, int]:
    return Registration.objects.filter(event=event).aggregate(
        registered=Count("pk", distinct=True),
        present=Count("pk", filter=Q(attendance__day=day, attendance__present=True), distinct=True),
        absent=Count("pk", filter=Q(attendance__day=day, attendance__present=False), distinct=True),
    )


def feedback_missing(event: Event) -> QuerySet[Registration]:
    """Attendees who have not answered the survey yet."""
    return (
        Registration.objects.filter(event=event)
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


# --- metrics (registered in apps.py; one query each) ----------------------------------------------------------------


def _held(project_ids: Sequence[int], until: date | None) -> QuerySet[Event]:
    return Event.objects.filter(project_id__in=project_ids).held(until)


def conferences_held(project_ids: Sequence[int], until: date | None) -> dict[int, int]:
    return count_by_project(_held(project_ids, until).filter(kind=Event.Kind.CONFERENCE))


def workshops_held(project_ids: Sequence[int], until: date | None) -> dict[int, int]:
    return count_by_project(_held(project_ids, until).filter(kind=Event.Kind.WORKSHOP))


def field_labs_held(project_ids: Sequence[int], until: date | None) -> dict[int, int]:
    return count_by_project(_held(project_ids, until).filter(kind=Event.Kind.FIELD_LAB))


def trainings_held(project_ids: Sequence[int], until: date | None) -> dict[int, int]:
    return count_by_project(_held(project_ids, until).filter(kind=Event.Kind.TRAINING))


def attendees_of_held_events(project_ids: Sequence[int], until: date | None) -> QuerySet[Registration]:
    """Registrations of people who attended a held event of these projects."""
    held = Event.objects.filter(project_id__in=project_ids).held(until)
    return Registration.objects.filter(event__in=held).attended()


def _distinct_by_project(qs: QuerySet, field: str) -> dict[int, int]:
    rows = qs.order_by().values("event__project_id").annotate(n=Count(field, distinct=True))
    return {row["event__project_id"]: row["n"] for row in rows}


def participants_reached(project_ids: Sequence[int], until: date | None) -> dict[int, int]:
    """Distinct people who attended the project's held events (a person at three events counts once)."""
    return _distinct_by_project(attendees_of_held_events(project_ids, until), "person")


def countries_reached(project_ids: Sequence[int], until: date | None) -> dict[int, int]:
    return _distinct_by_project(attendees_of_held_events(project_ids, until), "person__country")


def officers_trained(project_ids: Sequence[int], until: date | None) -> dict[int, int]:
    """Distinct trainees who attended held training courses."""
    return _distinct_by_project(trainees_of_held_trainings(project_ids, until), "person")


def trainees_of_held_trainings(project_ids: Sequence[int], until: date | None) -> QuerySet[Registration]:
    """Registrations of trainees who attended a held training course of these projects."""
    return attendees_of_held_events(project_ids, until).filter(
        event__kind=Event.Kind.TRAINING, role=Registration.Role.TRAINEE
    )


# --- monthly series of the metrics (burn-up charts; one query each) ---------------------------------------------------
# The months up to m add up to the metric's value at the end of m: a held event counts in the month of its last day;
# a person or a country counts once, in the month of the first held event where they were reached.


def _held_monthly(project_ids: Sequence[int], kind: str) -> dict[int, dict[date, int]]:
    return count_by_project_month(_held(project_ids, None).filter(kind=kind), "end_date")


def conferences_held_monthly(project_ids: Sequence[int]) -> dict[int, dict[date, int]]:
    return _held_monthly(project_ids, Event.Kind.CONFERENCE)


def workshops_held_monthly(project_ids: Sequence[int]) -> dict[int, dict[date, int]]:
    return _held_monthly(project_ids, Event.Kind.WORKSHOP)


def field_labs_held_monthly(project_ids: Sequence[int]) -> dict[int, dict[date, int]]:
    return _held_monthly(project_ids, Event.Kind.FIELD_LAB)


def trainings_held_monthly(project_ids: Sequence[int]) -> dict[int, dict[date, int]]:
    return _held_monthly(project_ids, Event.Kind.TRAINING)


def _first_reached_monthly(registrations: QuerySet[Registration], field: str) -> dict[int, dict[date, int]]:
    """{project_id: {month: number of distinct `field` values first reached in it}}, in one query.

    The inner query finds, per project and value, the last day of the earliest held event that reached it; the
    outer one counts those first days by month (`projects.metrics.count_first_days_by_month`).
    """
    firsts = (
        registrations.order_by()
        .filter(**{f"{field}__isnull": False})
        .values("event__project_id", field)
        .annotate(first_day=Min("event__end_date"))
        .values_list("event__project_id", "first_day")
    )
    sql, params = firsts.query.sql_with_params()
    return count_first_days_by_month(sql, params)


def participants_reached_monthly(project_ids: Sequence[int]) -> dict[int, dict[date, int]]:
    return _first_reached_monthly(attendees_of_held_events(project_ids, None), "person")


def countries_reached_monthly(project_ids: Sequence[int]) -> dict[int, dict[date, int]]:
    return _first_reached_monthly(attendees_of_held_events(project_ids, None), "person__country")


def officers_trained_monthly(project_ids: Sequence[int]) -> dict[int, dict[date, int]]:
    return _first_reached_monthly(trainees_of_held_trainings(project_ids, None), "person")


def event_people(project_ids: Sequence[int], until: date | None) -> QuerySet:
    """People source "events" for the core's distinct-people count: who attended held events."""
    return (
        attendees_of_held_events(project_ids, until)
        .annotate(project_id=F("event__project_id"))
        .values("project_id", "person_id")
    )


def event_people_dated(project_ids: Sequence[int]) -> QuerySet:
    """The dated variant: each attendee with the last day of the event (the date `until` compares), so the core can
    find the month a person was first involved across every source in one query."""
    return (
        attendees_of_held_events(project_ids, None)
        .annotate(project_id=F("event__project_id"), day=F("event__end_date"))
        .values("project_id", "person_id", "day")
    )
