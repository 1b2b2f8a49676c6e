"""Registrations and check-in over the API: the pages' access rule and columns (contacts for those who register
people), the form's and the service's rules, Idempotency-Key, the audit trail (consultations and writes), check-in,
no-shows and undo, filters, 304, query counts."""

import json
from datetime import timedelta

import pytest
from django.test import override_settings

from conferences.models import Attendance, Registration
from projects.models import AuditEvent
from tests.conferences.conftest import TODAY, make_event, make_person, register
from tests.utils import count_queries

pytestmark = pytest.mark.django_db


def registrations_url(event) -> str:
    return f"/api/v1/projects/ATHENA2/events/{event.pk}/registrations/"


def detail(registration) -> str:
    return f"{registrations_url(registration.event)}{registration.pk}/"


def post(client, url, body, **headers):
    return client.post(url, json.dumps(body), content_type="application/json", headers=headers)


def names(response) -> list[str]:
    return [row["name"] for row in response.json()["results"]]


@pytest.fixture
def workshop(athena):
    """An open workshop of two days that started yesterday: people can be registered and checked in."""
    return make_event(athena, title="Workshop on joint patrols", start_date=TODAY - timedelta(days=1), days=2)


def new_registration(**extra) -> dict:
    return {"name": "Ana Popescu", "country": "RO", "email": "ana@example.org", "gender": "female", **extra}


# --- reading -------------------------------------------------------------------------------------------------------


def test_members_list_the_participants_and_the_reading_is_recorded(api_client, viewer, staff, workshop):
    register(workshop, make_person("B. Second"), email="b@example.org", attended_days=[workshop.start_date])
    register(workshop, make_person("A. First"), role="speaker")
    response = api_client(viewer).get(registrations_url(workshop))
    assert response.status_code == 200
    assert names(response) == ["A. First", "B. Second"]
    second = response.json()["results"][1]
    assert second["attended"] is True and second["attendance"] == [{"day": str(workshop.start_date), "present": True}]
    assert second["country"] == "RO" and second["organisation_name"]
    assert second["email"] is None and second["gender"] is None  # a viewer sees no contacts, as on the page
    assert api_client(staff).get(registrations_url(workshop)).json()["results"][1]["email"] == "b@example.org"
    consulted = AuditEvent.objects.filter(action=AuditEvent.Action.VIEW, username=viewer.username).get()
    assert consulted.details["page"] == "api:registration-list"
    assert consulted.object_type == "conferences.Registration" and consulted.object_id == str(workshop.pk)


def test_an_outsider_sees_no_participant(api_client, outsider, workshop):
    registration = register(workshop, make_person("A. First"))
    assert api_client(outsider).get(registrations_url(workshop)).status_code == 404
    assert api_client(outsider).get(detail(registration)).status_code == 404
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.VIEW).exists()


def test_one_registration_is_read_and_the_reading_recorded(api_client, viewer, workshop, athena):
    registration = register(workshop, make_person("A. First"))
    response = api_client(viewer).get(detail(registration))
    assert response.status_code == 200 and response.json()["id"] == registration.pk
    assert AuditEvent.objects.get(action=AuditEvent.Action.VIEW).details["registration"] == registration.pk
    elsewhere = make_event(athena, title="Another")
    assert api_client(viewer).get(f"{registrations_url(elsewhere)}{registration.pk}/").status_code == 404


def test_the_list_filters_and_orders(api_client, staff, workshop):
    register(workshop, make_person("Zoe Present"), attended_days=[workshop.start_date])
    register(workshop, make_person("Adam Speaker", country="BG"), role="speaker")
    register(workshop, make_person("Mia Delegate"))
    client, url = api_client(staff), registrations_url(workshop)
    assert names(client.get(url, {"attended": "true"})) == ["Zoe Present"]
    assert names(client.get(url, {"role": "speaker"})) == ["Adam Speaker"]
    assert names(client.get(url, {"country": "BG"})) == ["Adam Speaker"]
    assert names(client.get(url, {"q": "mia"})) == ["Mia Delegate"]
    assert names(client.get(url, {"ordering": "-name"})) == ["Zoe Present", "Mia Delegate", "Adam Speaker"]
    refused = client.get(url, {"role": "pilot"})
    assert refused.status_code == 400 and "role" in refused.json()["errors"]


def test_an_unchanged_list_costs_a_304(api_client, staff, workshop):
    registration = register(workshop, make_person("A. First"))
    client = api_client(staff)
    first = client.get(registrations_url(workshop))
    again = client.get(registrations_url(workshop), headers={"If-None-Match": first["ETag"]})
    assert again.status_code == 304 and again.content == b""
    Attendance.objects.create(registration=registration, day=workshop.start_date)
    assert client.get(registrations_url(workshop), headers={"If-None-Match": first["ETag"]}).status_code == 200


def test_the_list_runs_a_fixed_number_of_queries(api_client, staff, workshop):
    client = api_client(staff)
    client.get(registrations_url(workshop))  # the token's first use is stamped once
    for index in range(3):
        register(workshop, make_person(f"Few {index}"), attended_days=[workshop.start_date], email=f"{index}@x.org")
    few = count_queries(lambda: client.get(registrations_url(workshop), {"page_size": 100}))
    for index in range(30):
        days = [workshop.start_date, workshop.end_date][: index % 3]
        register(workshop, make_person(f"Many {index}", country="BG"), attended_days=days, email=f"m{index}@x.org")
    many = count_queries(lambda: client.get(registrations_url(workshop), {"page_size": 100}))
    assert few == many == 6  # the token, the project, the event, the registrations, their attendance, the audit


# --- registering and withdrawing -----------------------------------------------------------------------------------


def test_staff_register_a_person_and_the_registration_is_audited(api_client, staff, workshop):
    response = post(api_client(staff, "write"), registrations_url(workshop), new_registration(role="speaker"))
    assert response.status_code == 201, response.json()
    registration = Registration.objects.get(pk=response.json()["id"])
    assert response["Location"] == response.json()["url"] == f"http://testserver{detail(registration)}"
    assert (registration.person.name, registration.role, registration.registered_by) == (
        "Ana Popescu",
        "speaker",
        staff,
    )
    assert response.json()["email"] == "ana@example.org" and response.json()["country"] == "RO"
    entry = AuditEvent.objects.get(action=AuditEvent.Action.CREATE, object_type="conferences.Registration")
    assert entry.object_id == str(registration.pk) and entry.username == staff.username


def test_the_forms_rules_answer_with_the_fields_at_fault(api_client, staff, workshop):
    client, url = api_client(staff, "write"), registrations_url(workshop)
    empty = post(client, url, {})
    assert empty.status_code == 400 and {"name", "country"} <= set(empty.json()["errors"])
    assert "country" in post(client, url, new_registration(country="XX")).json()["errors"]
    assert "email" in post(client, url, new_registration(email="not-an-address")).json()["errors"]
    assert "role" in post(client, url, new_registration(role="pilot")).json()["errors"]
    assert post(client, url, new_registration(colour="red")).json()["errors"] == {"colour": ["Unknown field."]}
    assert post(client, url, ["not", "an", "object"]).status_code == 400
    assert "name" in post(client, url, new_registration(name=["Ana", "Popescu"])).json()["errors"]
    assert "country" in post(client, url, new_registration(country={"code": "RO"})).json()["errors"]
    assert not Registration.objects.exists()


def test_the_services_rules_refuse_the_same_person_twice_and_a_full_event(api_client, staff, athena):
    full = make_event(athena, capacity=1, start_date=TODAY + timedelta(days=10))
    client, url = api_client(staff, "write"), registrations_url(full)
    assert post(client, url, new_registration()).status_code == 201
    twice = post(client, url, new_registration(role="speaker"))
    assert twice.status_code == 400 and "already registered" in twice.json()["errors"]["name"][0]
    no_place = post(client, url, new_registration(name="Other Person"))
    assert no_place.status_code == 400 and "full" in no_place.json()["errors"]["role"][0]
    held = make_event(athena, start_date=TODAY - timedelta(days=5), status="held")
    closed = post(client, registrations_url(held), new_registration())
    assert closed.status_code == 400 and "nobody can register" in closed.json()["errors"]["non_field_errors"][0]
    assert Registration.objects.count() == 1


def test_a_retry_with_the_same_idempotency_key_registers_once(api_client, staff, workshop):
    client, url = api_client(staff, "write"), registrations_url(workshop)
    first = post(client, url, new_registration(), **{"Idempotency-Key": "reg-1"})
    again = post(client, url, new_registration(), **{"Idempotency-Key": "reg-1"})
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json() and again["Idempotent-Replayed"] == "true"
    assert again["Location"] == first["Location"]
    assert Registration.objects.count() == 1
    other = post(client, url, new_registration(name="Someone Else"), **{"Idempotency-Key": "reg-1"})
    assert other.status_code == 422 and Registration.objects.count() == 1


def test_a_viewer_or_a_read_token_may_not_register(api_client, staff, viewer, workshop):
    assert post(api_client(viewer, "write"), registrations_url(workshop), new_registration()).status_code == 403
    assert post(api_client(staff, "read"), registrations_url(workshop), new_registration()).status_code == 403
    assert not Registration.objects.exists()


def test_staff_withdraw_a_registration_and_it_is_audited(api_client, staff, viewer, workshop):
    registration = register(workshop, make_person("A. First"), attended_days=[workshop.start_date])
    assert api_client(viewer, "write").delete(detail(registration)).status_code == 403
    client = api_client(staff, "write")
    assert client.delete(detail(registration)).status_code == 204
    assert not Registration.objects.filter(pk=registration.pk).exists()
    assert AuditEvent.objects.filter(action=AuditEvent.Action.DELETE, object_id=str(registration.pk)).exists()
    assert client.delete(detail(registration)).status_code == 404


# --- check-in ------------------------------------------------------------------------------------------------------


def attendance_url(registration) -> str:
    return f"{detail(registration)}attendance/"


def test_staff_check_a_person_in_mark_a_no_show_and_undo(api_client, staff, workshop):
    registration = register(workshop, make_person("A. First"))
    client, day = api_client(staff, "write"), str(workshop.start_date)
    checked = post(client, attendance_url(registration), {"day": day})
    assert checked.status_code == 200, checked.json()
    assert checked.json()["attendance"] == [{"day": day, "present": True}] and checked.json()["attended"] is True
    absent = post(client, attendance_url(registration), {"day": day, "present": False})
    assert absent.json()["attendance"] == [{"day": day, "present": False}]
    undone = client.delete(attendance_url(registration) + f"?day={day}")
    assert undone.status_code == 200 and undone.json()["attendance"] == []
    entries = AuditEvent.objects.filter(project__code="ATHENA2", username=staff.username)
    assert entries.filter(action=AuditEvent.Action.CHANGE, object_type="conferences.Attendance").count() == 2
    assert entries.filter(action=AuditEvent.Action.DELETE, object_type="conferences.Attendance").count() == 1


def test_the_services_rules_refuse_a_day_with_the_field_at_fault(api_client, staff, viewer, workshop):
    registration = register(workshop, make_person("A. First"))
    client = api_client(staff, "write")
    for day in (workshop.start_date - timedelta(days=1), TODAY + timedelta(days=1)):
        refused = post(client, attendance_url(registration), {"day": str(day)})
        assert refused.status_code == 400 and "day" in refused.json()["errors"]
    assert "day" in post(client, attendance_url(registration), {"day": "yesterday"}).json()["errors"]
    assert "day" in client.delete(attendance_url(registration)).json()["errors"]
    assert post(api_client(viewer, "write"), attendance_url(registration), {"day": str(TODAY)}).status_code == 403
    assert not Attendance.objects.exists()


def test_everyone_not_checked_in_is_marked_a_no_show(api_client, staff, workshop):
    present = register(workshop, make_person("A. Present"), attended_days=[workshop.start_date])
    absent = register(workshop, make_person("B. Absent"))
    client, url = api_client(staff, "write"), f"/api/v1/projects/ATHENA2/events/{workshop.pk}/no-shows/"
    response = post(client, url, {"day": str(workshop.start_date)}, **{"Idempotency-Key": "no-shows-1"})
    assert response.status_code == 200, response.json()
    assert response.json() == {
        "day": str(workshop.start_date), "marked": 1, "registered": 2, "present": 1, "absent": 1
    }  # fmt: skip
    assert Attendance.objects.get(registration=absent).present is False
    assert Attendance.objects.get(registration=present).present is True
    replayed = post(client, url, {"day": str(workshop.start_date)}, **{"Idempotency-Key": "no-shows-1"})
    assert replayed.json() == response.json() and replayed["Idempotent-Replayed"] == "true"
    entry = AuditEvent.objects.get(action=AuditEvent.Action.CHANGE, object_type="conferences.Attendance")
    assert entry.details == {"day": str(workshop.start_date), "no_shows": 1}
    tomorrow = post(client, url, {"day": str(TODAY + timedelta(days=1))})
    assert tomorrow.status_code == 400 and "day" in tomorrow.json()["errors"]


def test_the_deletes_follow_the_pages_roles(api_client, staff, viewer, outsider, manager, workshop):
    registration = register(workshop, make_person("A. First"), attended_days=[workshop.start_date])
    undo = attendance_url(registration) + f"?day={workshop.start_date}"
    for user, answer in ((outsider, 404), (viewer, 403)):
        assert api_client(user, "write").delete(undo).status_code == answer
        assert api_client(user, "write").delete(detail(registration)).status_code == answer
    assert api_client(staff, "read").delete(undo).status_code == 403
    assert Attendance.objects.filter(registration=registration).exists()
    assert api_client(manager, "write").delete(undo).status_code == 200
    assert api_client(manager, "write").delete(detail(registration)).status_code == 204


# --- incremental sync ------------------------------------------------------------------------------------------


CHANGES = "/api/v1/projects/ATHENA2/registrations/changes/"


@override_settings(PORTAL_API_SYNC_SETTLE_SECONDS=0)
def test_a_check_in_app_syncs_the_participants_of_every_event(api_client, staff, viewer, workshop, athena):
    other = make_event(athena, title="Second workshop", start_date=TODAY - timedelta(days=1), days=1)
    first = register(workshop, make_person("A. First"), email="a@example.org")
    second = register(other, make_person("B. Second"))
    client = api_client(staff, "write")
    start = client.get(CHANGES).json()
    assert sorted((r["event"], r["name"]) for r in start["results"]) == [
        (workshop.pk, "A. First"),
        (other.pk, "B. Second"),
    ]
    assert start["results"][0]["email"] is not None or start["results"][1]["email"] is not None
    assert all(r["email"] is None for r in api_client(viewer).get(CHANGES).json()["results"])

    checked_in = post(client, f"{detail(first)}attendance/", {"day": str(workshop.start_date)})
    assert checked_in.status_code in (200, 201), checked_in.json()
    after_check_in = client.get(CHANGES, {"cursor": start["next_cursor"]}).json()
    [changed] = after_check_in["results"]
    assert changed["id"] == first.pk and changed["attendance"] == [{"day": str(workshop.start_date), "present": True}]

    second_pk = second.pk
    second.delete()
    gone = client.get(CHANGES, {"cursor": after_check_in["next_cursor"]}).json()
    assert gone["deleted"] == [second_pk] and gone["results"] == []
    consulted = AuditEvent.objects.filter(action=AuditEvent.Action.VIEW, details__page="api:registration-changes")
    assert consulted.filter(username=staff.username).exists()


@override_settings(PORTAL_API_SYNC_SETTLE_SECONDS=0)
def test_no_shows_marked_for_a_day_are_synced(api_client, manager, workshop):
    registration = register(workshop, make_person("A. First"))
    client = api_client(manager, "write")
    cursor = client.get(CHANGES).json()["next_cursor"]
    marked = post(
        client, f"{registrations_url(workshop)[: -len('registrations/')]}no-shows/", {"day": str(workshop.start_date)}
    )
    assert marked.status_code == 200, marked.json()
    [changed] = client.get(CHANGES, {"cursor": cursor}).json()["results"]
    assert changed["id"] == registration.pk and changed["attendance"][0]["present"] is False


def test_the_sync_of_participants_runs_a_fixed_number_of_queries(api_client, staff, workshop):
    client = api_client(staff)
    client.get(CHANGES)
    for index in range(3):
        register(workshop, make_person(f"Few {index}"), attended_days=[workshop.start_date])
    few = count_queries(lambda: client.get(CHANGES))
    for index in range(30):
        register(workshop, make_person(f"Many {index}"), attended_days=[workshop.start_date])
    assert count_queries(lambda: client.get(CHANGES)) == few
