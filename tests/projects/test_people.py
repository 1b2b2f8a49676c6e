import pytest
from django.core.exceptions import ValidationError
from django.db.models import Case, IntegerField, Value, When
from django.db.models.functions import Now

from projects.models import Country, Organisation, Person
from projects.registry import Contributions, PeopleSource, registry
from projects.registry.people import distinct_people_by_project
from projects.services import person_find_or_create


@pytest.fixture
def romania(selec):
    return Country.objects.get(code="RO")


@pytest.fixture
def igpr(selec):
    return Organisation.objects.get(acronym="IGPR")


def test_the_same_person_is_found_again_whatever_the_case_and_spaces(romania, igpr):
    first, created = person_find_or_create(name="Ana  Popescu", country=romania, organisation=igpr)
    again, created_again = person_find_or_create(name="ana popescu ", country=romania, organisation=igpr)
    assert created and not created_again
    assert first == again
    assert first.name == "Ana Popescu"


def test_a_found_person_gains_a_missing_gender_but_keeps_an_existing_one(romania, igpr):
    person, _ = person_find_or_create(name="Ion Ionescu", country=romania, organisation=igpr)
    person_find_or_create(name="Ion Ionescu", country=romania, organisation=igpr, gender="male")
    person_find_or_create(name="Ion Ionescu", country=romania, organisation=igpr, gender="female")
    person.refresh_from_db()
    assert person.gender == "male"


def test_a_duplicate_person_is_refused_with_a_message_on_the_name(romania, igpr):
    Person.objects.create(name="Maria Pop", country=romania, organisation=igpr)
    with pytest.raises(ValidationError) as exc:
        Person(name="maria pop", country=romania, organisation=igpr).full_clean()
    assert "name" in exc.value.message_dict


def _source_for(key, people_by_project):
    """A people source over Person rows: {project_id: [person, ...]} (a person in one project per source)."""
    project = Case(
        *[When(pk__in=[p.pk for p in people], then=Value(pk)) for pk, people in people_by_project.items()],
        output_field=IntegerField(),
    )
    everyone = [p.pk for people in people_by_project.values() for p in people]
    return PeopleSource(
        key=key,
        records=lambda: Person.objects.filter(pk__in=everyone).annotate(test_project_id=project, day=Now()),
        project="test_project_id",
        person="pk",
        date="day",
    )


def test_people_are_counted_once_across_every_source(athena, imobex, romania, igpr):
    a = Person.objects.create(name="A", country=romania)
    b = Person.objects.create(name="B", country=romania)
    c = Person.objects.create(name="C", country=romania)
    sources = Contributions(
        people_sources=[
            _source_for("test-activities", {athena.pk: [a, b], imobex.pk: [c]}),
            _source_for("test-events", {athena.pk: [b, c]}),
        ]
    )
    with registry.contributed("tests", sources):
        counts = distinct_people_by_project([athena.pk, imobex.pk], sources=["test-activities", "test-events"])
    assert counts == {athena.pk: 3, imobex.pk: 1}
