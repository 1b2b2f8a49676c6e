"""Everything the conferences app adds to the portal: the counts of events held and of people and countries
reached, attendees among the people counted once, events on the timeline and in reminders, the events tab, the
participants import and certificates jobs, and its demo data."""

from django.utils.translation import gettext_lazy as _

from projects.models import Organisation, Person
from projects.registry import Breakdown, Contributions, JobHandler, Metric, PeopleSource, Section, Seeder

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
    jobs=[
        JobHandler(jobs.PARTICIPANTS_IMPORT, jobs.run_participants_import),
        JobHandler(jobs.CERTIFICATES, jobs.run_certificates),
    ],
    seeders=[Seeder(demo.seed, order=20)],
)
