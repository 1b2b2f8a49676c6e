import pytest
from django.core.exceptions import ValidationError
from django.db.models import F, IntegerField, Value

from projects.metrics import distinct_people_by_project, people_sources
from projects.models import Country, Organisation, Person
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


def test_a_found_person_gains_a_missing_email_but_keeps_an_existing_one(romania, igpr):
    person, _ = person_find_or_create(name="Ion Ionescu", country=romania, organisation=igpr)
    person_find_or_create(name="Ion Ionescu", country=romania, organisation=igpr, email="ion@example.org")
    person_find_or_create(name="Ion Ionescu", country=romania, organisation=igpr, email="other@example.org")
    person.refresh_from_db()
    assert person.email == "ion@example.org"


def test_a_duplicate_person_is_refused_with_a_message_on_the_name(romania, igpr):
    Person.objects.create(name="Maria Pop", country=romania, organisation=igpr)
    with pytest.raises(ValidationError) as exc:
        Person(name="maria pop", country=romania, organisation=igpr).full_clean()
    assert "name" in exc.value.message_dict


def _source_for(people_by_project):
    """A people source over Person rows: {project_id: [person, ...]}."""

    def source(project_ids, until):
        parts = [
            Person.objects.filter(pk__in=[p.pk for p in people]).annotate(
                project_id=Value(project_id, output_field=IntegerField()), person_id=F("pk")
            )
            for project_id, people in people_by_project.items()
            if project_id in project_ids
        ]
        qs = parts[0]
        for part in parts[1:]:
            qs = qs.union(part)
        return qs

    return source


def test_people_are_counted_once_across_every_source(athena, imobex, romania, igpr):
    a = Person.objects.create(name="A", country=romania)
    b = Person.objects.create(name="B", country=romania)
    c = Person.objects.create(name="C", country=romania)
    people_sources.register("test-activities", _source_for({athena.pk: [a, b], imobex.pk: [c]}))
    people_sources.register("test-events", _source_for({athena.pk: [b, c]}))
    try:
        counts = distinct_people_by_project([athena.pk, imobex.pk], sources=["test-activities", "test-events"])
    finally:
        people_sources.unregister("test-activities")
        people_sources.unregister("test-events")
    assert counts == {athena.pk: 3, imobex.pk: 1}
