"""Everything the conferences app adds to the portal: the counts of events held and of people and countries
reached, attendees among the people counted once, events on the timeline and in reminders, the events tab, the
participants import and certificates jobs, and its demo data."""

from django.db.models import Exists, OuterRef
from django.utils.translation import gettext_lazy as _

from projects.held import date_span, held_summary
from projects.models import Organisation, Person
from projects.pickers import person_label
from projects.registry import (
    Breakdown,
    Contributions,
    JobHandler,
    Metric,
    PeopleSource,
    Picker,
    Section,
    Seeder,
    WorkstreamSummary,
)

from . import demo, jobs, reminders, timeline
from .models import Event, Registration

# `attended()` filters on an Exists of attendance rows, which no path reads: an attendance change updates the counts.
ATTENDED = ("attendance",)
BY_COUNTRY = Breakdown("country", _("By country"), field="person__country__code")


def _held(kind: str):
    return lambda: Event.objects.held().filter(kind=kind)


def _attendees():
    """Registrations of people who attended a held event."""
    return Registration.objects.filter(event__in=Event.objects.held()).attended()


def _trainees():
    """Registrations of trainees who attended a held training course."""
    return _attendees().filter(event__kind=Event.Kind.TRAINING, role=Registration.Role.TRAINEE)


def _events_held(key: str, label, kind: str, offered: bool = False) -> Metric:
    """A held event counts in the month of its last day."""
    return Metric(key=key, label=label, records=_held(kind), date="end_date", offered=offered)


def _reached(key: str, label, records, counts: str, *breakdowns: Breakdown) -> Metric:
    """A person (or a country) counts once, in the month of the first held event where they were reached. No
    reference indicator has these (DOMAIN.md sets no target): they are offered for the indicators admins add."""
    return Metric(
        key=key,
        label=label,
        records=records,
        project="event__project",
        date="event__end_date",
        counts=counts,
        breakdowns=breakdowns,
        depends=ATTENDED,
        offered=True,
    )


def _events_in_period(project, since, until, *, count_sensitive: bool, name_sensitive: bool) -> dict:
    """The progress report's lines of the events held that ended in the period, by workstream (events are never
    sensitive)."""

    def line(event: Event) -> str:
        where = (event.city, event.country.name if event.country_id else "")
        place = str(_("online")) if event.online else ", ".join(p for p in where if p)
        return " · ".join(
            p
            for p in (date_span(event.start_date, event.end_date), str(event.get_kind_display()), event.title, place)
            if p
        )

    return held_summary(
        Event.objects.held().filter(project=project, end_date__range=(since, until)),
        type_field="kind",
        type_labels=dict(Event.Kind.choices),
        country_field="country",
        count_sensitive=count_sensitive,
        name_sensitive=name_sensitive,
        related=("country",),
        line=line,
    )


def event_label(event: Event) -> str:
    return f"{event.title} ({event.start_date:%d %b %Y})"


def _participants(project):
    """The people registered for the project's events: whom its participants pages list to its members."""
    registered = Registration.objects.filter(person=OuterRef("pk"), event__project=project)
    return Person.objects.filter(Exists(registered)).select_related("organisation", "country")


CONTRIBUTIONS = Contributions(
    metrics=[
        _events_held("conferences_held", _("Conferences held"), Event.Kind.CONFERENCE),
        _events_held("thematic_workshops", _("Thematic workshops held"), Event.Kind.WORKSHOP),
        _events_held("expert_workshops", _("Expert workshops held"), Event.Kind.WORKSHOP),
        _events_held("field_labs", _("Field labs held"), Event.Kind.FIELD_LAB),
        _events_held("trainings_held", _("Training courses held"), Event.Kind.TRAINING, offered=True),
        # A person with two roles counts under each, so the roles may add up to more than the total.
        _reached(
            "participants_reached",
            _("Participants reached at events (people)"),
            _attendees,
            "person",
            BY_COUNTRY,
            Breakdown(
                "organisation_type",
                _("By type of organisation"),
                field="person__organisation__kind",
                labels=dict(Organisation.Kind.choices),
            ),
            Breakdown("role", _("By role at the events"), field="role", labels=dict(Registration.Role.choices)),
            Breakdown("gender", _("By gender"), field="person__gender", labels=dict(Person.Gender.choices)),
        ),
        _reached("countries_reached", _("Countries reached at events"), _attendees, "person__country", BY_COUNTRY),
        _reached("officers_trained", _("Officers trained (trainees who attended)"), _trainees, "person", BY_COUNTRY),
    ],
    people_sources=[
        # Attendees of held events, from the event's last day, among the people the core counts once.
        PeopleSource(
            key="events", records=_attendees, project="event__project", date="event__end_date", depends=ATTENDED
        ),
    ],
    timeline=timeline.SOURCES,
    reminder_kinds=reminders.KINDS,
    sections=[Section("events", _("Events"), "conferences:event-list", order=30)],
    workstream_summaries=[WorkstreamSummary("events", _("Events held"), _events_in_period, order=50)],
    jobs=[
        JobHandler(jobs.PARTICIPANTS_IMPORT, jobs.run_participants_import, personal_params=("rows",)),
        JobHandler(jobs.CERTIFICATES, jobs.run_certificates),
    ],
    seeders=[Seeder(demo.seed, order=20)],
    pickers=[
        Picker(
            key="events",
            records=lambda project: Event.objects.filter(project=project),
            search=("title", "theme", "city"),
            text=event_label,
            order=("-start_date", "-pk"),
        ),
        # The workshops and meetings at which a joint activity may be discussed (`JointActivity.discussed_at`).
        Picker(
            key="discussion-events",
            records=lambda project: Event.objects.filter(project=project).accepting_discussions(),
            search=("title", "theme", "city"),
            text=event_label,
            order=("-start_date", "-pk"),
        ),
        Picker(
            key="participants",
            records=_participants,
            search=("name", "organisation__name", "organisation__acronym"),
            text=person_label,
            order=("name", "pk"),
            consulted=Person._meta.label,
        ),
    ],
)
