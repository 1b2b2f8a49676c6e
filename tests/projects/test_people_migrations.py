"""The migrations that make "the same person is one person" true in the database: each project gets the e-mail it
used as its own contact (projects.0012), duplicates are merged with every reference in every app kept
(projects.0014), then the unique index holds (projects.0015).

These tests migrate the real test database back and forward (transactional: the schema changes commit)."""

from datetime import date

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.migrations.executor import MigrationExecutor

from projects.models import AuditEvent, Person, PersonContact

BEFORE = ("projects", "0011_workplan_version")


@pytest.fixture
def old_state(selec):
    """The database migrated back to before the people migrations; the historical models of every app (at their
    current migration) and the projects' ids. Migrated forward again at the end whatever happens."""
    executor = MigrationExecutor(connection)
    executor.migrate([BEFORE])
    executor.loader.build_graph()
    apps = executor.loader.project_state(list(executor.loader.applied_migrations)).apps
    try:
        yield apps
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())


def migrate_forward() -> None:
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())


def _event(apps, project, title: str):
    Event = apps.get_model("conferences", "Event")
    Country = apps.get_model("projects", "Country")
    return Event.objects.create(
        project_id=project.pk,
        kind="workshop",
        title=title,
        start_date=date(2025, 3, 18),
        end_date=date(2025, 3, 18),
        city="Rome",
        country=Country.objects.get(code="IT"),
        status="held",
    )


@pytest.mark.django_db(transaction=True)
def test_duplicates_are_merged_with_their_references_in_every_app(old_state, selec):
    apps = old_state
    OldPerson = apps.get_model("projects", "Person")
    Country = apps.get_model("projects", "Country")
    Organisation = apps.get_model("projects", "Organisation")
    Registration = apps.get_model("conferences", "Registration")
    Attendance = apps.get_model("conferences", "Attendance")
    Spoc = apps.get_model("operations", "Spoc")
    JointActivity = apps.get_model("operations", "JointActivity")
    ActivityOfficer = apps.get_model("operations", "ActivityOfficer")
    athena, dtp = selec["ATHENA2"], selec["DTP-TOC"]
    ro, bg = Country.objects.get(code="RO"), Country.objects.get(code="BG")
    igpr = Organisation.objects.get(acronym="IGPR")

    # Ana at IGPR three times (case and spaces differ), Ivan without an organisation twice, and someone else.
    ana = OldPerson.objects.create(name="Ana Popescu", country=ro, organisation=igpr)
    ana_2 = OldPerson.objects.create(name="ana  popescu", country=ro, organisation=igpr, email="ana@example.org")
    ana_3 = OldPerson.objects.create(name="ANA POPESCU ", country=ro, organisation=igpr, gender="female")
    ivan = OldPerson.objects.create(name="Ivan Petrov", country=bg, email="ivan@example.org")
    ivan_2 = OldPerson.objects.create(name="Ivan Petrov", country=bg, email="petrov@example.org", gender="male")
    other_ana = OldPerson.objects.create(name="Ana Popescu", country=ro)  # no organisation: another person

    athena_workshop, athena_training = _event(apps, athena, "W1"), _event(apps, athena, "T1")
    dtp_conference = _event(apps, dtp, "C1")
    kept_registration = Registration.objects.create(event=athena_workshop, person=ana, role="delegate")
    Attendance.objects.create(registration=kept_registration, day=date(2025, 3, 18), present=True)
    twice = Registration.objects.create(event=athena_workshop, person=ana_2, role="speaker")  # the same fact again
    Registration.objects.create(event=athena_training, person=ana_3, role="trainee")
    Registration.objects.create(event=dtp_conference, person=ana_2, role="delegate")
    Registration.objects.create(event=dtp_conference, person=ivan_2, role="delegate")
    Spoc.objects.create(project_id=athena.pk, person=ana_3, country=ro, agency=igpr)
    activity = JointActivity.objects.create(
        project_id=athena.pk, type="joint_patrol", title="Patrol", lead_country=ro, start_date=date(2025, 1, 1)
    )
    ActivityOfficer.objects.create(activity=activity, person=ivan, role="analyst")
    ActivityOfficer.objects.create(activity=activity, person=ivan_2, role="analyst")  # the same officer twice

    migrate_forward()

    people = Person.objects.filter(name__iexact="ana popescu")
    assert sorted(people.values_list("pk", "name", "organisation_id", "gender")) == [
        (ana.pk, "Ana Popescu", igpr.pk, "female"),  # the oldest is kept, gains the gender
        (other_ana.pk, "Ana Popescu", None, ""),
    ]
    assert list(Person.objects.filter(name="Ivan Petrov").values_list("pk", "gender")) == [(ivan.pk, "male")]
    from conferences.models import Attendance as NewAttendance
    from conferences.models import Registration as NewRegistration
    from operations.models import ActivityOfficer as NewOfficer
    from operations.models import Spoc as NewSpoc

    assert sorted(NewRegistration.objects.values_list("event__title", "person_id", "role")) == [
        ("C1", ana.pk, "delegate"),
        ("C1", ivan.pk, "delegate"),
        ("T1", ana.pk, "trainee"),
        ("W1", ana.pk, "delegate"),  # the kept person's own registration, with its attendance
    ]
    assert NewAttendance.objects.get().registration_id == kept_registration.pk
    assert list(NewSpoc.objects.values_list("person_id", flat=True)) == [ana.pk]
    assert list(NewOfficer.objects.values_list("person_id", flat=True)) == [ivan.pk]

    # Each project that worked with a person keeps the e-mail it had; the kept person's wins within a project.
    contacts = sorted(PersonContact.objects.values_list("person_id", "project__code", "email"))
    assert contacts == [
        (ana.pk, "ATHENA2", "ana@example.org"),
        (ana.pk, "DTP-TOC", "ana@example.org"),
        (ivan.pk, "ATHENA2", "ivan@example.org"),
        (ivan.pk, "DTP-TOC", "petrov@example.org"),
    ]

    merges = {e.object_id: e.details for e in AuditEvent.objects.filter(object_type="projects.Person")}
    assert sorted(merges[str(ana.pk)]["merged"]) == [ana_2.pk, ana_3.pk]
    assert merges[str(ana.pk)]["deleted"] == {"conferences.Registration": [twice.pk]}
    assert merges[str(ana.pk)]["moved"]["operations.Spoc"] == 1
    assert merges[str(ivan.pk)]["merged"] == [ivan_2.pk]
    assert set(merges) == {str(ana.pk), str(ivan.pk)}

    # From now on the database itself refuses a second row for the same person.
    with pytest.raises(IntegrityError), transaction.atomic():
        Person.objects.create(name="ivan petrov", country_id=bg.pk)


@pytest.mark.django_db(transaction=True)
def test_going_back_gives_each_person_an_e_mail_again(old_state, selec):
    OldPerson = old_state.get_model("projects", "Person")
    Country = old_state.get_model("projects", "Country")
    Registration = old_state.get_model("conferences", "Registration")
    person = OldPerson.objects.create(name="Mira Novak", country=Country.objects.get(code="SI"), email="m@example.org")
    Registration.objects.create(event=_event(old_state, selec["ATHENA2"], "W"), person=person, role="delegate")
    unused = OldPerson.objects.create(name="Nobody Uses", country=Country.objects.get(code="SI"), email="n@example.org")
    migrate_forward()
    assert list(PersonContact.objects.values_list("person_id", "email")) == [(person.pk, "m@example.org")]
    assert Person.objects.filter(pk=unused.pk).exists()  # kept; its e-mail belonged to no project

    executor = MigrationExecutor(connection)
    executor.migrate([BEFORE])
    executor.loader.build_graph()
    apps = executor.loader.project_state(list(executor.loader.applied_migrations)).apps
    assert apps.get_model("projects", "Person").objects.get(pk=person.pk).email == "m@example.org"
