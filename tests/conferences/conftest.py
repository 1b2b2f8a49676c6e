"""Shared pieces of the conferences tests: events made in one line, and people to register."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from conferences.models import Attendance, Event, Registration
from projects.models import Country, Organisation, Person, PersonContact

# Pages use the real date, so the events of the tests are placed around it.
TODAY = timezone.localdate()


def make_event(project, **fields) -> Event:
    start = fields.pop("start_date", TODAY + timedelta(days=30))
    defaults = {
        "kind": Event.Kind.WORKSHOP,
        "title": f"Workshop {Event.objects.count() + 1}",
        "start_date": start,
        "end_date": start + timedelta(days=fields.pop("days", 1) - 1),
        "city": "Rome",
        "country": Country.objects.get(code="IT"),
        "status": Event.Status.OPEN,
    }
    defaults.update(fields)
    event = Event(project=project, **defaults)
    event.full_clean()
    event.save()
    return event


def make_person(name: str, country: str = "RO", organisation: str | None = "IGPR", **fields) -> Person:
    org = Organisation.objects.get(acronym=organisation) if organisation else None
    return Person.objects.create(name=name, country=Country.objects.get(code=country), organisation=org, **fields)


def register(
    event: Event, person: Person, role: str = Registration.Role.DELEGATE, attended_days=(), email: str = ""
) -> Registration:
    """Register the person; `email` is the one the event's project keeps for them."""
    registration = Registration.objects.create(event=event, person=person, role=role)
    if email:
        PersonContact.objects.update_or_create(person=person, project=event.project, defaults={"email": email})
    for day in attended_days:
        Attendance.objects.create(registration=registration, day=day, present=True)
    return registration


@pytest.fixture
def dtp(selec):
    return selec["DTP-TOC"]


@pytest.fixture
def romania(selec):
    return Country.objects.get(code="RO")


@pytest.fixture
def igpr(selec):
    return Organisation.objects.get(acronym="IGPR")


@pytest.fixture
def workshop(athena):
    """An open two-day ATHENA 2 workshop with ten places and a deadline two weeks before."""
    return make_event(
        athena,
        title="Workshop on joint patrols",
        start_date=TODAY + timedelta(days=30),
        days=2,
        capacity=10,
        registration_deadline=TODAY + timedelta(days=16),
    )
