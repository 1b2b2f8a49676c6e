"""The audit trail of the conferences pages: every page that lists participants records its consultation (one
INSERT, sealed by the next seal), the admin's pages that show people too, and an import records who it registered."""

from datetime import timedelta

import pytest
from django.urls import reverse

from conferences.jobs import PARTICIPANTS_IMPORT
from conferences.models import Event
from projects.audit import audit_seal, audit_verify
from projects.models import AuditEvent, BackgroundJob
from projects.services import job_execute
from tests.utils import count_queries, get_ok

from .conftest import TODAY, make_event, make_person, register
from .test_import import GOOD, _csv

pytestmark = pytest.mark.django_db


@pytest.fixture
def held(athena):
    start = TODAY - timedelta(days=1)
    event = make_event(athena, title="Held workshop", start_date=start, days=2, status=Event.Status.HELD)
    register(event, make_person("Ana Popescu", email="ana@example.org"), attended_days=[start])
    register(event, make_person("Ivan Petrov", "BG", "MoI BG"))
    return event


def _consultations():
    return AuditEvent.objects.filter(action=AuditEvent.Action.VIEW).order_by("pk")


@pytest.mark.parametrize(
    ("path", "page", "role"),
    [
        ("registrations/", "registrations", "viewer"),
        ("check-in/", "check-in", "staff"),
        ("feedback/", "feedback", "viewer"),
    ],
)
def test_a_page_that_lists_participants_records_its_consultation(
    client_for, request, held, path, page, role, django_capture_on_commit_callbacks
):
    user = request.getfixturevalue(role)
    url = f"/projects/ATHENA2/events/{held.pk}/{path}"
    with django_capture_on_commit_callbacks(execute=True):
        get_ok(client_for(user), url)
    [entry] = _consultations()
    assert (entry.username, entry.project_code, entry.object_type, entry.object_id, entry.object_repr) == (
        role,
        "ATHENA2",
        "conferences.Registration",
        str(held.pk),
        "Held workshop",
    )
    assert entry.details == {"page": page}
    assert not entry.is_sealed  # a page view writes one row and seals nothing: the next seal takes it
    audit_seal()
    entry.refresh_from_db()
    assert entry.is_sealed and audit_verify().ok


def test_a_consultation_costs_one_insert(client_for, viewer, held, monkeypatch):
    """The registration list with and without the record of its consultation: one query apart, the INSERT."""
    from conferences.views import participants

    client = client_for(viewer)
    url = f"/projects/ATHENA2/events/{held.pk}/registrations/"
    get_ok(client, url)
    recorded = count_queries(lambda: get_ok(client, url))
    monkeypatch.setattr(participants, "audit_consultation", lambda *args, **kwargs: None)
    assert count_queries(lambda: get_ok(client, url)) == recorded - 1


def test_a_check_in_search_records_what_was_searched(client_for, staff, held):
    url = f"/projects/ATHENA2/events/{held.pk}/check-in/?day={held.start_date.isoformat()}&q=Ana"
    assert client_for(staff).get(url, headers={"HX-Request": "true"}).status_code == 200  # the rows, as typed
    [entry] = _consultations()
    assert entry.details == {"page": "check-in", "query": {"day": held.start_date.isoformat(), "q": "Ana"}}


def test_a_refused_page_records_no_consultation(client_for, outsider, held):
    assert client_for(outsider).get(f"/projects/ATHENA2/events/{held.pk}/registrations/").status_code == 404
    assert not _consultations().exists()


def test_the_admin_pages_that_show_people_record_their_consultation(client_for, admin_user, held):
    client = client_for(admin_user)
    registration = held.registrations.get(person__name="Ana Popescu")
    get_ok(client, reverse("admin:conferences_registration_changelist") + "?q=Ana")
    get_ok(client, reverse("admin:conferences_registration_change", args=[registration.pk]))
    get_ok(client, reverse("admin:projects_person_changelist"))
    get_ok(client, reverse("admin:conferences_event_change", args=[held.pk]))  # its registrations are inline
    get_ok(client, reverse("admin:conferences_bestpractice_changelist"))  # no people: not recorded
    entries = [(e.object_type, e.object_id, e.details) for e in _consultations()]
    assert entries == [
        ("conferences.Registration", "", {"page": "admin list", "query": {"q": "Ana"}}),
        ("conferences.Registration", str(registration.pk), {"page": "admin record"}),
        ("projects.Person", "", {"page": "admin list"}),
        ("conferences.Event", str(held.pk), {"page": "admin record"}),
    ]
    assert all(e.username == "admin" for e in _consultations())
    assert _consultations()[1].project_code == "ATHENA2"


def test_an_import_records_who_it_registered_and_whom_it_added(client_for, staff, workshop):
    client = client_for(staff)
    url = f"/projects/ATHENA2/events/{workshop.pk}/registrations/import/"
    make_person("Ana Popescu")  # known already: registered, not added
    client.post(url, {"file": _csv(GOOD)})
    client.post(url + "confirm/")
    job_execute(job_id=BackgroundJob.objects.get(kind=PARTICIPANTS_IMPORT).pk)  # what the Celery worker does
    entry = AuditEvent.objects.get(action=AuditEvent.Action.IMPORT)
    assert (entry.username, entry.project_code, entry.object_type, entry.object_id) == (
        "staff",
        "ATHENA2",
        "conferences.Registration",
        str(workshop.pk),
    )
    assert entry.details["registrations"] == 3
    assert sorted(entry.details["registered"]) == [
        "Ana Popescu (Delegate)",
        "Ivan Petrov (Speaker)",
        "Luka Horvat (Trainee)",
    ]
    assert sorted(entry.details["people_created"]) == ["Ivan Petrov", "Luka Horvat"]
    assert entry.details["organisations_created"] == ["Croatian Border Police"]
