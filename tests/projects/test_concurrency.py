"""Two people editing the same record: the second save is refused with a message naming who changed it, never
applied over the first; decisions and additions made at the same moment by two real transactions end with one
winner and one clear message, never a 500."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from datetime import date, timedelta
from datetime import time as clock

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone

from conferences import services as conferences_services
from conferences.models import Event, Session
from imobex import services as imobex_services
from imobex.models import Barrier, CountryCoverage, Finding, Intervention, RoadMapVersion
from operations import services as operations_services
from operations.models import Spoc
from projects import services as core_services
from projects.concurrency import StaleRecordError, lock_current
from projects.models import AuditEvent, Country, Deliverable, Membership, Milestone, Organisation, Person, Task
from projects.services import membership_set
from reporting import services as reporting_services
from reporting.models import ProgressReport, ReportingPeriod
from tests.conftest import enrol_second_factor, make_user

STALE = "Someone else changed this"


# --- the records, each with a change made "meanwhile" by a colleague through its service ---------------------------


@pytest.fixture
def colleague(django_user_model, selec):
    """A manager of every project, who changes the records while the user of the test has their form open."""
    user = make_user(django_user_model, "colleague", first_name="Cole", last_name="League")
    for project in selec.values():
        membership_set(user=user, project=project, role=Membership.Role.MANAGER)
    return enrol_second_factor(user)


@pytest.fixture
def editor(django_user_model, selec):
    """A manager of every project, who edits through the pages."""
    user = make_user(django_user_model, "editor")
    for project in selec.values():
        membership_set(user=user, project=project, role=Membership.Role.MANAGER)
    return enrol_second_factor(user)


def _event(project) -> Event:
    start = timezone.localdate() + timedelta(days=30)
    event = Event(
        project=project,
        kind=Event.Kind.WORKSHOP,
        title="Workshop on border crime",
        start_date=start,
        end_date=start + timedelta(days=1),
        city="Rome",
        country=Country.objects.get(code="IT"),
        status=Event.Status.OPEN,
    )
    event.full_clean()
    event.save()
    return event


@dataclass
class Case:
    """A form page that edits a record, a change a colleague makes meanwhile, and the edit the user posts."""

    url: str
    record: object
    meanwhile: callable  # (colleague) -> None, through the record's service
    edit: dict  # what the user changes in the form's data
    kept: callable  # (record reloaded) -> bool: the colleague's change survived


def _event_case(selec, colleague) -> Case:
    event = _event(selec["ATHENA2"])

    def meanwhile(user):
        event_copy = Event.objects.get(pk=event.pk)
        event_copy.title = "Colleague's title"
        conferences_services.event_save(user=user, event=event_copy)

    url = reverse("conferences:event-edit", kwargs={"code": "ATHENA2", "pk": event.pk})
    return Case(url, event, meanwhile, {"title": "Editor's title"}, lambda e: e.title == "Colleague's title")


def _session_case(selec, colleague) -> Case:
    event = _event(selec["ATHENA2"])
    session = Session.objects.create(
        event=event, day=event.start_date, starts_at=clock(9), ends_at=clock(10), title="Opening"
    )

    def meanwhile(user):
        copy = Session.objects.get(pk=session.pk)
        copy.title = "Colleague's session"
        conferences_services.session_save(user=user, session=copy)

    url = reverse("conferences:session-edit", kwargs={"code": "ATHENA2", "pk": event.pk, "session_pk": session.pk})
    return Case(url, session, meanwhile, {"title": "Editor's session"}, lambda s: s.title == "Colleague's session")


def _task_case(selec, colleague) -> Case:
    workstream = selec["ATHENA2"].workstreams.order_by("number").first()
    task = Task.objects.create(workstream=workstream, title="Draft the agenda", due_date=date(2030, 1, 1))

    def meanwhile(user):
        core_services.task_update(user=user, task=Task.objects.get(pk=task.pk), title="Colleague's task")

    url = reverse("projects:task-edit", kwargs={"code": "ATHENA2", "pk": task.pk})
    return Case(url, task, meanwhile, {"title": "Editor's task"}, lambda t: t.title == "Colleague's task")


def _milestone_case(selec, colleague) -> Case:
    milestone = Milestone.objects.filter(workstream__project=selec["ATHENA2"]).order_by("pk").first()

    def meanwhile(user):
        core_services.milestone_set_status(user=user, milestone=Milestone.objects.get(pk=milestone.pk), status="missed")

    url = reverse("projects:milestone-status", kwargs={"code": "ATHENA2", "pk": milestone.pk})
    edit = {"status": "reached", "reached_on": timezone.localdate().isoformat()}
    return Case(url, milestone, meanwhile, edit, lambda m: m.status == "missed")


def _deliverable_case(selec, colleague) -> Case:
    deliverable = Deliverable.objects.filter(workstream__project=selec["ATHENA2"]).order_by("pk").first()

    def meanwhile(user):
        stored = Deliverable.objects.get(pk=deliverable.pk)
        core_services.deliverable_set_status(user=user, deliverable=stored, status="in_progress")

    url = reverse("projects:deliverable-status", kwargs={"code": "ATHENA2", "pk": deliverable.pk})
    edit = {"status": "submitted", "delivered_on": timezone.localdate().isoformat()}
    return Case(url, deliverable, meanwhile, edit, lambda d: d.status == "in_progress")


def _finding_case(selec, colleague) -> Case:
    imobex = selec["IMOBEX"]
    ro = Country.objects.get(code="RO")
    finding = imobex_services.finding_save(
        user=colleague,
        project=imobex,
        title="Cars stolen to order",
        crime_type=Finding._meta.get_field("crime_type").choices[0][0],
        action_countries=[ro],
        source="interview",
        reliability="B",
        description="How the groups work.",
    )

    def meanwhile(user):
        stored = Finding.objects.get(pk=finding.pk)
        imobex_services.finding_save(user=user, project=imobex, finding=stored, title="Colleague's finding")

    url = reverse("imobex:finding-edit", kwargs={"code": "IMOBEX", "pk": finding.pk})
    return Case(url, finding, meanwhile, {"title": "Editor's finding"}, lambda f: f.title == "Colleague's finding")


def _barrier(imobex, user) -> Barrier:
    return imobex_services.barrier_save(
        user=user,
        project=imobex,
        title="No legal basis for joint patrols",
        legal_area=Barrier._meta.get_field("legal_area").choices[0][0],
        description="d",
        countries=[Country.objects.get(code="RO")],
    )


def _barrier_case(selec, colleague) -> Case:
    imobex = selec["IMOBEX"]
    barrier = _barrier(imobex, colleague)

    def meanwhile(user):
        stored = Barrier.objects.get(pk=barrier.pk)
        countries = list(stored.countries.all())
        imobex_services.barrier_save(
            user=user, project=imobex, barrier=stored, countries=countries, title="Colleague's barrier"
        )

    url = reverse("imobex:barrier-edit", kwargs={"code": "IMOBEX", "pk": barrier.pk})
    return Case(url, barrier, meanwhile, {"title": "Editor's barrier"}, lambda b: b.title == "Colleague's barrier")


def _intervention_case(selec, colleague) -> Case:
    barrier = _barrier(selec["IMOBEX"], colleague)
    intervention = imobex_services.intervention_save(
        user=colleague,
        barrier=barrier,
        description="Amend the law",
        responsible_actor="Ministry",
        horizon=Intervention._meta.get_field("horizon").choices[0][0],
    )

    def meanwhile(user):
        stored = Intervention.objects.get(pk=intervention.pk)
        imobex_services.intervention_save(
            user=user, barrier=barrier, intervention=stored, description="Colleague's intervention"
        )

    url = reverse("imobex:intervention-edit", kwargs={"code": "IMOBEX", "pk": intervention.pk})
    edit = {"description": "Editor's intervention"}
    return Case(url, intervention, meanwhile, edit, lambda i: i.description == "Colleague's intervention")


def _coverage_case(selec, colleague) -> Case:
    imobex, ro = selec["IMOBEX"], Country.objects.get(code="RO")
    coverage = imobex_services.coverage_set_state(user=colleague, project=imobex, country=ro, state="requested")

    def meanwhile(user):
        imobex_services.coverage_set_state(
            user=user, project=imobex, country=ro, state="requested", notes="Colleague's notes"
        )

    url = reverse("imobex:coverage-edit", kwargs={"code": "IMOBEX", "country": "RO"})
    edit = {"notes": "Editor's notes", "state_date": timezone.localdate().isoformat()}
    return Case(url, coverage, meanwhile, edit, lambda c: c.notes == "Colleague's notes")


def _narrative_case(selec, colleague) -> Case:
    period = ReportingPeriod.objects.create(
        project=selec["ATHENA2"],
        title="Interim report",
        start=date(2024, 1, 1),
        end=date(2024, 6, 30),
        due_date=date(2024, 7, 31),
    )
    report = reporting_services.report_narrative_save(user=colleague, period=period, narrative="First draft")

    def meanwhile(user):
        reporting_services.report_narrative_save(user=user, period=period, narrative="Colleague's narrative")

    url = reverse("reporting:report-detail", kwargs={"code": "ATHENA2", "pk": period.pk})
    return Case(url, report, meanwhile, {"highlights": "Editor's narrative"}, lambda r: r.narrative.startswith("Coll"))


CASES = {
    "event": _event_case,
    "session": _session_case,
    "task": _task_case,
    "milestone": _milestone_case,
    "deliverable": _deliverable_case,
    "finding": _finding_case,
    "barrier": _barrier_case,
    "intervention": _intervention_case,
    "coverage": _coverage_case,
    "narrative": _narrative_case,
}


def page_form_data(response) -> dict:
    """What the page's form posts when sent as it is shown (its hidden version included)."""
    form = response.context["form"]
    data = {}
    for name, field in form.fields.items():
        value = form[name].value()
        if value is None or value is False or field.disabled:
            continue
        if isinstance(value, list | tuple):
            data[name] = [str(getattr(v, "pk", v)) for v in value]
        else:
            data[name] = "on" if value is True else str(getattr(value, "pk", value))
    return data


def _reload(record):
    return type(record)._base_manager.get(pk=record.pk)


@pytest.mark.django_db
@pytest.mark.parametrize("kind", CASES)
def test_a_stale_save_through_a_form_is_refused_and_names_who_changed_it(kind, selec, colleague, editor, client_for):
    case = CASES[kind](selec, colleague)
    client = client_for(editor)
    shown = client.get(case.url)
    assert shown.status_code == 200
    assert 'name="version"' in shown.content.decode()  # the form carries the version it shows
    data = page_form_data(shown) | case.edit

    case.meanwhile(colleague)  # the colleague saves while the editor's form is open
    response = client.post(case.url, data)

    assert response.status_code == 200
    page = response.content.decode()
    assert STALE in page and "colleague" in page, page[:3000]
    assert case.kept(_reload(case.record))  # the colleague's change survived
    audit = AuditEvent.objects.filter(object_type=case.record._meta.label, object_id=str(case.record.pk))
    assert not audit.filter(username="editor").exists()  # nothing was written for the refused save

    fresh = page_form_data(client.get(case.url)) | case.edit  # reloaded: the same edit now goes through
    assert client.post(case.url, fresh).status_code == 302
    assert not case.kept(_reload(case.record))


@pytest.mark.django_db
def test_each_save_moves_the_version_on_and_a_change_of_status_makes_open_forms_stale(selec, colleague):
    event = _event(selec["ATHENA2"])
    assert event.version == 0
    seen = event.version
    conferences_services.event_transition(user=colleague, event=event, status=Event.Status.CANCELLED)
    assert _reload(event).version == seen + 1
    with pytest.raises(StaleRecordError) as refused:
        conferences_services.event_save(user=colleague, event=_reload(event), expected_version=seen)
    assert "(colleague, " in str(refused.value)  # who changed it, and when, from the audit trail


# --- an event's status moves only by its transitions -----------------------------------------------------------------


@pytest.mark.django_db
def test_an_event_edit_never_resets_its_status(selec, colleague, editor, client_for):
    event = _event(selec["ATHENA2"])
    url = reverse("conferences:event-edit", kwargs={"code": "ATHENA2", "pk": event.pk})
    client = client_for(editor)
    shown = client.get(url)
    assert "status" not in shown.context["form"].fields  # the form does not carry the status

    conferences_services.event_transition(user=colleague, event=event, status=Event.Status.CANCELLED)
    data = page_form_data(client.get(url)) | {"title": "New title"}
    assert client.post(url, data).status_code == 302
    stored = _reload(event)
    assert (stored.title, stored.status) == ("New title", Event.Status.CANCELLED)


@pytest.mark.django_db
def test_the_event_service_keeps_the_stored_status_whatever_the_object_holds(selec, colleague):
    event = _event(selec["ATHENA2"])
    held_open = Event.objects.get(pk=event.pk)  # read before the transition: still "open"
    conferences_services.event_transition(user=colleague, event=event, status=Event.Status.CANCELLED)
    held_open.title = "Saved without a version (a script)"
    conferences_services.event_save(user=colleague, event=held_open)
    assert _reload(event).status == Event.Status.CANCELLED


# --- the admin ----------------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_admin_refuses_a_stale_save_of_a_versioned_record(selec, colleague, admin_user, client_for):
    from tests.utils import admin_form_data

    event = _event(selec["ATHENA2"])
    url = reverse("admin:conferences_event_change", args=[event.pk])
    client = client_for(admin_user)
    data = admin_form_data(client.get(url))
    assert data["seen_version"] == "0"
    meanwhile = _reload(event)
    meanwhile.title = "Colleague's title"
    conferences_services.event_save(user=colleague, event=meanwhile)

    response = client.post(url, data | {"title": "Admin's title"})
    assert response.status_code == 200
    assert STALE in response.content.decode() and "colleague" in response.content.decode()
    assert _reload(event).title == "Colleague's title"

    fresh = admin_form_data(client.get(url)) | {"title": "Admin's title"}
    assert client.post(url, fresh).status_code == 302
    assert _reload(event).title == "Admin's title"


# --- two real transactions -------------------------------------------------------------------------------------------


def _blocked_on_a_lock() -> bool:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
        )
        return cursor.fetchone()[0] > 0


def two_transactions(first, second) -> tuple[object, object, bool]:
    """Run `first` in a transaction of its own (a thread, a connection) and hold it open; run `second` in another
    one meanwhile; commit `first` once `second` waits on a lock (or has finished). Returns what each returned or
    raised, and whether `second` had to wait for `first`."""
    holding, release = threading.Event(), threading.Event()
    outcome: dict[str, object] = {}

    def run_first():
        try:
            with transaction.atomic():
                outcome["first"] = first()
                holding.set()
                release.wait(timeout=20)
        except Exception as exc:  # reported to the test
            outcome["first"] = exc
        finally:
            holding.set()
            connection.close()

    def run_second():
        holding.wait(timeout=20)
        try:
            outcome["second"] = second()
        except Exception as exc:  # reported to the test
            outcome["second"] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run_first), threading.Thread(target=run_second)]
    threads[0].start()
    assert holding.wait(timeout=20)
    threads[1].start()
    blocked, deadline = False, time.monotonic() + 10
    while threads[1].is_alive() and time.monotonic() < deadline:
        if _blocked_on_a_lock():
            blocked = True
            break
        time.sleep(0.02)
    release.set()
    for thread in threads:
        thread.join(timeout=30)
    return outcome.get("first"), outcome.get("second"), blocked


@pytest.fixture
def decision(selec, colleague, editor, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    road_map = imobex_services.road_map_for(selec["IMOBEX"])
    document = SimpleUploadedFile("road-map.pdf", b"%PDF-1.4\n%test\n", content_type="application/pdf")
    return imobex_services.roadmap_version_submit(user=editor, road_map=road_map, document=document)


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("first_decides", ["approve", "return"])
def test_approve_and_return_of_one_road_map_version_at_once_one_wins_the_other_is_told(
    first_decides, decision, colleague, editor
):
    def decide(user, how):
        version = RoadMapVersion.objects.get(pk=decision.pk)  # both read it "submitted"
        if how == "approve":
            return lambda: imobex_services.roadmap_version_approve(user=user, version=version)
        return lambda: imobex_services.roadmap_version_return(user=user, version=version, note="Redo section 2")

    second_decides = "return" if first_decides == "approve" else "approve"
    won, lost, blocked = two_transactions(decide(colleague, first_decides), decide(editor, second_decides))

    assert isinstance(won, RoadMapVersion), won
    assert isinstance(lost, ValidationError), lost
    assert blocked  # the second decision waited for the first, then saw it
    assert "already decided by Cole League" in " ".join(lost.messages)
    stored = RoadMapVersion.objects.get(pk=decision.pk)
    assert stored.status == ("approved" if first_decides == "approve" else "returned")
    assert stored.decided_by == colleague
    decisions = AuditEvent.objects.filter(object_type="imobex.RoadMapVersion", action="transition")
    assert list(decisions.values_list("username", flat=True)) == ["colleague"]


@pytest.mark.django_db(transaction=True)
def test_two_saves_of_one_record_at_once_the_second_is_refused(selec, colleague, editor):
    event = _event(selec["ATHENA2"])

    def save(user, title):
        copy = Event.objects.get(pk=event.pk)  # both opened the form on version 0
        copy.title = title
        return lambda: conferences_services.event_save(user=user, event=copy, expected_version=0)

    won, lost, blocked = two_transactions(save(colleague, "Colleague's title"), save(editor, "Editor's title"))
    assert isinstance(won, Event) and isinstance(lost, StaleRecordError), (won, lost)
    assert blocked and "colleague" in " ".join(lost.messages)
    assert (_reload(event).title, _reload(event).version) == ("Colleague's title", 1)


@pytest.mark.django_db(transaction=True)
def test_two_first_narratives_of_a_period_at_once_the_second_is_told(selec, colleague, editor):
    period = ReportingPeriod.objects.create(
        project=selec["ATHENA2"],
        title="Interim",
        start=date(2024, 1, 1),
        end=date(2024, 6, 30),
        due_date=date(2024, 7, 31),
    )

    def write(user, text):
        return lambda: reporting_services.report_narrative_save(
            user=user, period=period, narrative=text, expected_version=0
        )

    won, lost, _blocked = two_transactions(write(colleague, "Colleague's"), write(editor, "Editor's"))
    assert isinstance(won, ProgressReport) and isinstance(lost, ValidationError), (won, lost)
    assert STALE in " ".join(lost.messages)
    assert ProgressReport.objects.get(period=period).narrative == "Colleague's"


@pytest.mark.django_db(transaction=True)
def test_two_first_saves_of_a_countrys_coverage_at_once_the_second_is_told(selec, colleague, editor):
    imobex, ro = selec["IMOBEX"], Country.objects.get(code="RO")

    def move(user, notes):
        return lambda: imobex_services.coverage_set_state(
            user=user, project=imobex, country=ro, state="requested", notes=notes, expected_version=0
        )

    won, lost, _blocked = two_transactions(move(colleague, "Colleague's"), move(editor, "Editor's"))
    assert isinstance(won, CountryCoverage) and isinstance(lost, ValidationError), (won, lost)
    assert STALE in " ".join(lost.messages)
    assert CountryCoverage.objects.get(project=imobex, country=ro).notes == "Colleague's"


@pytest.fixture
def spoc_fields(selec):
    return {
        "project": selec["ATHENA2"],
        "name": "Ion Popescu",
        "country": Country.objects.get(code="RO"),
        "agency": Organisation.objects.filter(country__code="RO").order_by("pk").first(),
        "area": "Drugs",
    }


@pytest.mark.django_db(transaction=True)
def test_the_same_spoc_added_twice_at_once_is_added_once_and_the_second_is_told(spoc_fields, colleague, editor):
    won, lost, blocked = two_transactions(
        lambda: operations_services.spoc_add(user=colleague, **spoc_fields),
        lambda: operations_services.spoc_add(user=editor, **spoc_fields),
    )
    assert isinstance(won, Spoc) and isinstance(lost, ValidationError), (won, lost)
    assert blocked
    assert lost.message_dict == {"name": ["This SPOC is already in the directory."]}
    assert Spoc.objects.filter(project=spoc_fields["project"]).count() == 1
    assert Person.objects.filter(name="Ion Popescu").count() == 1  # one person, not one per transaction


@pytest.mark.django_db(transaction=True)
def test_a_spoc_added_meanwhile_by_another_path_gives_a_message_not_an_error(spoc_fields, editor):
    person, _created = core_services.person_find_or_create(
        name="Ion Popescu", country=spoc_fields["country"], organisation=spoc_fields["agency"]
    )
    fields = {k: spoc_fields[k] for k in ("project", "country", "agency")}
    won, lost, blocked = two_transactions(
        lambda: Spoc.objects.create(person=person, **fields),  # as the admin would, without the project's lock
        lambda: operations_services.spoc_add(user=editor, **spoc_fields),
    )
    assert isinstance(won, Spoc) and isinstance(lost, ValidationError), (won, lost)
    assert blocked and lost.message_dict == {"name": ["This SPOC is already in the directory."]}
    assert Spoc.objects.filter(project=spoc_fields["project"]).count() == 1


@pytest.mark.django_db
def test_a_record_deleted_meanwhile_is_refused_with_a_message(selec, colleague):
    event = _event(selec["ATHENA2"])
    Event.objects.filter(pk=event.pk).delete()
    with pytest.raises(ValidationError, match="was deleted while you were editing it"):
        lock_current(event, 0)
