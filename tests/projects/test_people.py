import threading
import time

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import Case, IntegerField, Value, When
from django.db.models.functions import Now

from projects.models import AuditEvent, Country, Membership, Organisation, Person, PersonContact
from projects.registry import Contributions, PeopleSource, registry
from projects.registry.people import distinct_people_by_project
from projects.services import membership_set, person_contacts_update, person_find_or_create


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


# --- one person, one row: the unique index -------------------------------------------------------------------------


def test_the_database_refuses_a_second_row_for_the_same_person(romania, igpr):
    Person.objects.create(name="Maria Pop", country=romania, organisation=igpr)
    Person.objects.create(name="Maria Pop", country=romania)  # without an organisation: another person
    Person.objects.create(name="Maria Pop", country=Country.objects.get(code="BG"), organisation=igpr)
    for name, organisation in [("MARIA POP", igpr), ("maria  pop ", igpr), ("maria pop", None)]:
        with pytest.raises(IntegrityError), transaction.atomic():
            Person.objects.create(name=name, country=romania, organisation=organisation)
    assert Person.objects.count() == 3


def test_the_admin_form_path_reports_a_duplicate_as_a_message_not_an_error(romania):
    Person.objects.create(name="Ivan", country=romania)
    with pytest.raises(ValidationError) as exc:
        Person(name=" IVAN ", country=romania).full_clean()
    assert exc.value.message_dict == {"name": ["This person is already recorded for this organisation and country."]}


@pytest.mark.django_db(transaction=True)
def test_two_transactions_creating_the_same_person_at_once_get_the_same_row(selec):
    """The first creates the person and holds its transaction open; the second, not seeing the row yet, inserts,
    waits on the unique index, and once the first commits finds the row instead of failing or duplicating it."""
    romania, igpr = Country.objects.get(code="RO"), Organisation.objects.get(acronym="IGPR")
    first_created, may_commit = threading.Event(), threading.Event()
    results, errors = {}, []

    def first() -> None:
        try:
            with transaction.atomic():
                results["first"] = person_find_or_create(name="Ana Popescu", country=romania, organisation=igpr)
                first_created.set()
                assert may_commit.wait(timeout=20)
        except Exception as exc:  # reported by the assertion below
            errors.append(exc)
        finally:
            connection.close()

    def second() -> None:
        try:
            with transaction.atomic():
                results["second"] = person_find_or_create(name="ana popescu", country=romania, organisation=igpr)
        except Exception as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    threads[0].start()
    assert first_created.wait(timeout=20)
    threads[1].start()
    deadline = time.monotonic() + 20
    while not _someone_waits_on_a_lock() and time.monotonic() < deadline:  # the second insert waits on the index
        time.sleep(0.05)
    assert _someone_waits_on_a_lock()
    may_commit.set()
    for thread in threads:
        thread.join(timeout=30)
    assert errors == []
    (person, created), (again, created_again) = results["first"], results["second"]
    assert created and not created_again and person.pk == again.pk
    assert Person.objects.count() == 1


def _someone_waits_on_a_lock() -> bool:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
        )
        return cursor.fetchone()[0] > 0


# --- contact details: each project its own --------------------------------------------------------------------------


@pytest.fixture
def dtp_staff(django_user_model, selec):
    user = django_user_model.objects.create_user(username="dtp-staff", password="x" * 16)
    membership_set(user=user, project=selec["DTP-TOC"], role=Membership.Role.STAFF)
    return user


def test_each_project_keeps_its_own_email_and_changes_only_its_own(athena, selec, staff, dtp_staff, romania, igpr):
    dtp = selec["DTP-TOC"]
    ana, _ = person_find_or_create(name="Ana Popescu", country=romania, organisation=igpr)
    assert person_contacts_update(user=dtp_staff, project=dtp, emails={ana: "ana@dtp.example.org"}) == 1
    assert person_contacts_update(user=staff, project=athena, emails={ana: "ana@athena.example.org"}) == 1
    assert person_contacts_update(user=staff, project=athena, emails={ana: "new@athena.example.org"}) == 1
    assert person_contacts_update(user=staff, project=athena, emails={ana: "new@athena.example.org"}) == 0
    assert person_contacts_update(user=staff, project=athena, emails={ana: ""}) == 0  # empty: left as it is
    assert dict(ana.contacts.values_list("project__code", "email")) == {
        "DTP-TOC": "ana@dtp.example.org",
        "ATHENA2": "new@athena.example.org",
    }
    changes = [
        (e.project_code, e.details["contacts"][0]["email"])
        for e in AuditEvent.objects.filter(object_type="projects.PersonContact").order_by("pk")
    ]
    assert changes == [
        ("DTP-TOC", ["", "ana@dtp.example.org"]),
        ("ATHENA2", ["", "ana@athena.example.org"]),
        ("ATHENA2", ["ana@athena.example.org", "new@athena.example.org"]),
    ]


def test_staff_cannot_change_the_contact_another_project_keeps(athena, selec, staff, dtp_staff, viewer, romania):
    ana, _ = person_find_or_create(name="Ana Popescu", country=romania)
    person_contacts_update(user=dtp_staff, project=selec["DTP-TOC"], emails={ana: "ana@dtp.example.org"})
    with pytest.raises(PermissionDenied):
        person_contacts_update(user=staff, project=selec["DTP-TOC"], emails={ana: "taken@athena.example.org"})
    with pytest.raises(PermissionDenied):  # a viewer changes no contact, even in their own project
        person_contacts_update(user=viewer, project=athena, emails={ana: "x@example.org"})
    assert list(ana.contacts.values_list("email", flat=True)) == ["ana@dtp.example.org"]


def test_an_invalid_email_is_refused_with_a_message(athena, staff, romania):
    ana, _ = person_find_or_create(name="Ana Popescu", country=romania)
    with pytest.raises(ValidationError) as exc:
        person_contacts_update(user=staff, project=athena, emails={ana: "not an e-mail"})
    assert list(exc.value.message_dict) == ["email"]
    assert not PersonContact.objects.exists()
