from datetime import date, time, timedelta

import pytest
from django.core.exceptions import ValidationError

from conferences import services
from conferences.models import Event, Registration, Session
from conferences.services import event_transition, registration_create
from projects.models import AuditEvent, Person

from .conftest import TODAY, make_event, make_person, register


def _register(event, user=None, name="Ana Popescu", role="delegate", today=TODAY, **extra):
    from projects.models import Country, Organisation

    extra.setdefault("country", Country.objects.get(code="RO"))
    extra.setdefault("organisation", Organisation.objects.get(acronym="IGPR"))
    return registration_create(user=user, event=event, name=name, role=role, today=today, **extra)


def test_a_registration_finds_or_creates_the_person_and_is_audited(workshop, staff):
    registration = _register(workshop, user=staff, email="ana@example.org", gender="female")
    assert registration.person.name == "Ana Popescu"
    assert registration.registered_by == staff
    assert AuditEvent.objects.filter(action="create", object_type="conferences.Registration").count() == 1


def test_the_same_person_at_two_events_is_one_person(workshop, athena):
    other = make_event(athena, title="Another workshop")
    first = _register(workshop, name="Ana  Popescu")
    second = _register(other, name="ana popescu")
    assert first.person_id == second.person_id
    assert Person.objects.filter(name__iexact="ana popescu").count() == 1


def test_a_person_cannot_be_registered_twice_for_the_same_event(workshop):
    _register(workshop)
    with pytest.raises(ValidationError) as exc:
        _register(workshop, name=" ANA popescu ", role="speaker")
    assert exc.value.message_dict == {"name": ["Ana Popescu is already registered for this event (as delegate)."]}
    assert Registration.objects.filter(event=workshop).count() == 1


def test_a_role_the_event_does_not_offer_is_refused_before_anything_is_written(workshop):
    with pytest.raises(ValidationError) as exc:
        _register(workshop, role="x" * 100)
    assert exc.value.message_dict == {"role": ["Choose one of the roles offered."]}
    assert not Registration.objects.filter(event=workshop).exists()
    assert not Person.objects.filter(name="Ana Popescu").exists()


def test_delegates_are_refused_once_the_capacity_is_reached(workshop):
    for n in range(10):
        _register(workshop, name=f"Delegate {n}")
    with pytest.raises(ValidationError) as exc:
        _register(workshop, name="One too many")
    assert "role" in exc.value.message_dict
    assert "all 10 places" in exc.value.message_dict["role"][0]
    assert not Person.objects.filter(name="One too many").exists()  # nothing half-done


def test_speakers_and_organisers_do_not_take_places(workshop):
    for n in range(10):
        _register(workshop, name=f"Delegate {n}", role="trainee" if n % 2 else "delegate")
    _register(workshop, name="The speaker", role="speaker")
    _register(workshop, name="The organiser", role="organiser")
    assert Registration.objects.filter(event=workshop).count() == 12


def test_delegates_are_refused_after_the_deadline_but_speakers_are_not(workshop):
    after = workshop.registration_deadline + timedelta(days=1)
    with pytest.raises(ValidationError) as exc:
        _register(workshop, name="Late delegate", today=after)
    assert "Registration closed on" in exc.value.message_dict["role"][0]
    _register(workshop, name="On the deadline", today=workshop.registration_deadline)
    _register(workshop, name="Late speaker", role="speaker", today=after)


def test_the_registration_deadline_is_written_as_the_pages_do(athena):
    event = make_event(athena, start_date=date(2026, 12, 10), registration_deadline=date(2026, 12, 1))
    problems = event.registration_problems(role="delegate", places_taken=0, today=date(2026, 12, 2))
    assert "Registration closed on 1 Dec 2026." in problems["role"]


def test_nobody_registers_for_a_cancelled_event(workshop):
    workshop.status = Event.Status.CANCELLED
    workshop.save()
    with pytest.raises(ValidationError) as exc:
        _register(workshop, role="organiser")
    assert "cancelled" in exc.value.messages[0]


def test_the_form_shows_a_refusal_next_to_its_field(workshop, staff, client_for):
    _register(workshop)
    url = f"/projects/ATHENA2/events/{workshop.pk}/registrations/new/"
    person = Person.objects.get()
    data = {
        "name": "Ana Popescu",
        "country": person.country_id,
        "organisation": person.organisation_id,
        "role": "delegate",
    }
    response = client_for(staff).post(url, data)
    assert response.status_code == 200
    form = response.context["form"]
    assert form.errors["name"] == ["Ana Popescu is already registered for this event (as delegate)."]


def test_a_staff_member_registers_a_participant_through_the_page(workshop, staff, client_for, romania):
    url = f"/projects/ATHENA2/events/{workshop.pk}/registrations/new/"
    data = {"name": "Ivan Petrov", "country": romania.pk, "organisation": "", "role": "speaker", "email": ""}
    response = client_for(staff).post(url, data)
    assert response.status_code == 302
    registration = Registration.objects.get(event=workshop)
    assert (registration.person.name, registration.role, registration.person.organisation) == (
        "Ivan Petrov",
        "speaker",
        None,
    )


# --- status transitions --------------------------------------------------------------------------------------------


def test_an_event_is_held_only_once_it_has_started(workshop, staff):
    with pytest.raises(ValidationError) as exc:
        event_transition(user=staff, event=workshop, status="held", today=TODAY)
    assert "cannot be marked held before" in exc.value.message_dict["status"][0]
    event_transition(user=staff, event=workshop, status="held", today=workshop.start_date)
    workshop.refresh_from_db()
    assert workshop.status == "held"


def test_a_held_event_is_final(workshop, staff):
    event_transition(user=staff, event=workshop, status="held", today=workshop.end_date)
    with pytest.raises(ValidationError):
        event_transition(user=staff, event=workshop, status="cancelled", today=workshop.end_date)


def test_a_cancelled_event_can_be_planned_again_but_not_held(workshop, staff):
    event_transition(user=staff, event=workshop, status="cancelled")
    with pytest.raises(ValidationError):
        event_transition(user=staff, event=workshop, status="held", today=workshop.end_date)
    event_transition(user=staff, event=workshop, status="planned")
    assert AuditEvent.objects.filter(action="transition").count() == 2


def test_messages_write_dates_as_the_pages_do(staff, athena):
    event = make_event(athena, start_date=date(2026, 12, 10), days=2, status=Event.Status.OPEN)
    with pytest.raises(ValidationError, match="starts on 10 Dec 2026:"):
        services.event_transition(user=staff, event=event, status="held", today=date(2026, 12, 1))
    session = Session(event=event, day=date(2026, 12, 20), starts_at=time(9), ends_at=time(10), title="Late")
    with pytest.raises(ValidationError, match=r"\(10 Dec 2026 to 11 Dec 2026\)"):
        session.full_clean()
    registration = register(event, make_person("Ana Popescu"))
    with pytest.raises(ValidationError, match="from the day itself \\(10 Dec 2026\\)"):
        services.attendance_record(user=staff, registration=registration, day=event.start_date, today=date(2026, 12, 1))
    with pytest.raises(ValidationError, match="^.*20 Dec 2026 is not a day of this event"):
        services.attendance_record(user=staff, registration=registration, day=date(2026, 12, 20))


def test_an_event_must_have_a_venue_or_be_online(athena):
    with pytest.raises(ValidationError) as exc:
        make_event(athena, city="", country=None)
    assert "city" in exc.value.message_dict
    assert make_event(athena, city="", country=None, online=True).place == "Online"


def test_only_trainings_have_a_training_provider(athena):
    from projects.models import Organisation

    cepol = Organisation.objects.get(acronym="CEPOL")
    with pytest.raises(ValidationError) as exc:
        make_event(athena, kind="workshop", training_provider=cepol)
    assert "training_provider" in exc.value.message_dict
    make_event(athena, kind="training", training_provider=cepol)


def test_a_series_has_one_conference_per_edition(dtp):
    make_event(dtp, kind="conference", edition=1, theme="Financial and Computer Crime")
    with pytest.raises(ValidationError):
        make_event(dtp, kind="conference", edition=1, title="Another first edition")


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"capacity": 10_001}, "capacity", "An event can have at most 10,000 places."),
        ({"capacity": 9223372036854775807}, "capacity", "An event can have at most 10,000 places."),
        ({"capacity": 0}, "capacity", "Give at least one place, or leave the capacity empty for no limit."),
        ({"kind": "conference", "edition": 101}, "edition", "An edition is a number from 1 to 100."),
    ],
)
def test_capacity_and_edition_are_refused_beyond_sensible_bounds_with_a_plain_message(athena, fields, field, message):
    with pytest.raises(ValidationError) as exc:
        make_event(athena, **fields)
    assert exc.value.message_dict[field] == [message]


def test_the_event_form_explains_an_absurd_capacity_without_a_huge_number(client_for, staff, athena):
    start = TODAY + timedelta(days=40)
    data = {
        "kind": "workshop",
        "title": "Huge workshop",
        "start_date": start.isoformat(),
        "end_date": start.isoformat(),
        "online": "on",
        "capacity": "9223372036854775807",
    }
    response = client_for(staff).post("/projects/ATHENA2/events/new/", data)
    assert response.context["form"].errors["capacity"] == ["An event can have at most 10,000 places."]
    assert "9223372036854775807" not in "".join(response.context["form"].errors["capacity"])
    event = make_event(athena, capacity=10_000)  # the bound itself is allowed
    assert event.capacity == 10_000
