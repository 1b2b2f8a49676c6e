"""What the events add to the reporting app's dashboards and reports (registered in `apps.py`).

Each timeline source runs one query (every item) or two (counts, then the first items); each breakdown one.

- Timeline: each event, dated by its first day (it shows among "due in the next 30 days" a month ahead), overdue once
  its last day has passed without the event being marked held or cancelled; and each registration deadline of an
  event still to come, which closes (it is never overdue: once passed, registration is simply closed).
- Breakdowns of the people counted by `participants_reached` and `officers_trained` (distinct people who attended
  held events) by country, organisation type, role and gender, and of `countries_reached` by country, aggregated in
  the database. A person with two roles counts under each, so the roles may add up to more than the total.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from django.db.models import Count, Q, QuerySet
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from projects.models import Organisation, Person
from reporting.registry import TimelineItem, TimelinePage, TimelineQuery

from .models import Event, Registration
from .queries import attendees_of_held_events, trainees_of_held_trainings

# --- the timeline ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class EventItem(TimelineItem):
    """An event on the timeline: dated by its first day, overdue only after its last day (not while it runs)."""

    last_day: date | None = None

    def overdue_on(self, today: date) -> bool:
        return not self.done and (self.last_day or self.date) < today


FINAL = (Event.Status.HELD, Event.Status.CANCELLED)
TO_COME = (Event.Status.PLANNED, Event.Status.OPEN)


def _events(project_ids: Sequence[int], query: TimelineQuery, field: str) -> QuerySet[Event]:
    return query.dated(Event.objects.filter(project_id__in=project_ids), field)


def _url(row: dict) -> str:
    return reverse("conferences:event-detail", kwargs={"code": row["project__code"], "pk": row["pk"]})


FIELDS = ("pk", "title", "kind", "status", "start_date", "end_date", "registration_deadline", "project_id",
          "project__code")  # fmt: skip


def event_items(project_ids, query: TimelineQuery) -> TimelinePage:
    """Events dated in [since, until] by their first day; open ones are those neither held nor cancelled."""
    kinds, statuses = dict(Event.Kind.choices), dict(Event.Status.choices)
    to_come = Q(status__in=TO_COME)
    return query.page(
        _events(project_ids, query, "start_date"),
        project="project_id",
        order_by=("start_date", "pk"),
        fields=FIELDS,
        open=to_come,
        late=("end_date", query.today),  # EventItem.overdue_on: after its last day
        to_item=lambda row: EventItem(
            project_id=row["project_id"],
            kind="event",
            kind_label=kinds[row["kind"]],
            title=row["title"],
            date=row["start_date"],
            done=row["status"] in FINAL,
            status=statuses[row["status"]],
            url=_url(row),
            last_day=row["end_date"],
        ),
    )


def registration_deadline_items(project_ids, query: TimelineQuery) -> TimelinePage:
    """Registration deadlines of events still to come; a deadline is done once it has passed (registration closed).

    Whether it has passed depends on the query's day (the dashboards' `timezone.localdate`), so an open deadline
    is never overdue: "open and past" selects nothing.
    """
    today = query.today
    qs = _events(project_ids, query, "registration_deadline").filter(
        registration_deadline__isnull=False, status__in=TO_COME
    )
    statuses = dict(Event.Status.choices)
    still_open = Q(registration_deadline__gte=today)
    return query.page(
        qs,
        project="project_id",
        order_by=("registration_deadline", "pk"),
        fields=FIELDS,
        open=still_open,
        late=("registration_deadline", today),
        to_item=lambda row: TimelineItem(
            project_id=row["project_id"],
            kind="registration_deadline",
            kind_label=_("Registration closes"),
            title=row["title"],
            date=row["registration_deadline"],
            done=row["registration_deadline"] < today,
            status=_("Closed") if row["registration_deadline"] < today else statuses[row["status"]],
            url=_url(row),
        ),
    )


# --- breakdowns -----------------------------------------------------------------------------------------------------

NOT_GIVEN = gettext_lazy("Not given")


def _people_by(registrations: QuerySet[Registration], field: str, labels: dict | None = None) -> dict[int, dict]:
    """{project_id: {category: distinct people}} in one GROUP BY query."""
    rows = (
        registrations.order_by()
        .values("event__project_id", field)
        .annotate(n=Count("person", distinct=True))
        .values_list("event__project_id", field, "n")
    )
    result: dict[int, dict[str, int]] = {}
    for project_id, value, n in rows:
        category = str((labels or {}).get(value, value) or NOT_GIVEN)
        by_category = result.setdefault(project_id, {})
        by_category[category] = by_category.get(category, 0) + n
    return result


def participants_by_country(project_ids: Sequence[int], until: date | None) -> dict[int, dict[str, int]]:
    return _people_by(attendees_of_held_events(project_ids, until), "person__country__code")


def participants_by_organisation_type(project_ids: Sequence[int], until: date | None) -> dict[int, dict[str, int]]:
    return _people_by(
        attendees_of_held_events(project_ids, until), "person__organisation__kind", dict(Organisation.Kind.choices)
    )


def participants_by_role(project_ids: Sequence[int], until: date | None) -> dict[int, dict[str, int]]:
    return _people_by(attendees_of_held_events(project_ids, until), "role", dict(Registration.Role.choices))


def participants_by_gender(project_ids: Sequence[int], until: date | None) -> dict[int, dict[str, int]]:
    return _people_by(attendees_of_held_events(project_ids, until), "person__gender", dict(Person.Gender.choices))


def officers_trained_by_country(project_ids: Sequence[int], until: date | None) -> dict[int, dict[str, int]]:
    return _people_by(trainees_of_held_trainings(project_ids, until), "person__country__code")


def countries_reached_by_country(project_ids: Sequence[int], until: date | None) -> dict[int, dict[str, int]]:
    """`countries_reached` split by country: 1 for each country reached (the country filter's value)."""
    rows = (
        attendees_of_held_events(project_ids, until)
        .order_by()
        .values_list("event__project_id", "person__country__code")
        .distinct()
    )
    result: dict[int, dict[str, int]] = {}
    for project_id, code in rows:
        result.setdefault(project_id, {})[code] = 1
    return result


BREAKDOWNS = [
    ("participants_reached", "country", gettext_lazy("By country"), participants_by_country),
    (
        "participants_reached",
        "organisation_type",
        gettext_lazy("By type of organisation"),
        participants_by_organisation_type,
    ),
    ("participants_reached", "role", gettext_lazy("By role at the events"), participants_by_role),
    ("participants_reached", "gender", gettext_lazy("By gender"), participants_by_gender),
    ("officers_trained", "country", gettext_lazy("By country"), officers_trained_by_country),
    ("countries_reached", "country", gettext_lazy("By country"), countries_reached_by_country),
]
