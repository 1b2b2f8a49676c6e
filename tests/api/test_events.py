"""Events over the API: the pages' access rule, the list's filters and ordering, the agenda, a change of status with
If-Match (412 when stale) and Idempotency-Key, ETag/304, incremental sync with deletions, query counts."""

import json
from datetime import timedelta

import pytest
from django.test import override_settings

from conferences.models import Event, Session
from projects.models import AuditEvent
from tests.conferences.conftest import TODAY, make_event, make_person, register
from tests.utils import count_queries

pytestmark = pytest.mark.django_db
LIST = "/api/v1/projects/ATHENA2/events/"


def detail(event) -> str:
    return f"{LIST}{event.pk}/"


def post(client, url, body, **headers):
    return client.post(url, json.dumps(body), content_type="application/json", headers=headers)


def ids(response) -> list[int]:
    return [row["id"] for row in response.json()["results"]]


@pytest.fixture
def workshop(athena):
    return make_event(athena, title="Workshop on joint patrols", start_date=TODAY + timedelta(days=30), days=2)


# --- reading -------------------------------------------------------------------------------------------------------


def test_members_list_the_projects_events_with_their_counts(api_client, viewer, athena, imobex, workshop):
    make_event(imobex, title="Elsewhere")
    register(workshop, make_person("P. One"), attended_days=[workshop.start_date])
    register(workshop, make_person("P. Two"), role="speaker")
    response = api_client(viewer).get(LIST)
    assert response.status_code == 200
    [row] = response.json()["results"]
    assert (row["id"], row["registered"], row["places_taken"], row["attended"]) == (workshop.pk, 2, 1, 1)
    assert row["country"] == "IT" and row["allowed_transitions"] == ["planned", "held", "cancelled"]
    assert row["url"] == f"http://testserver{detail(workshop)}"


def test_an_outsider_does_not_learn_the_project_exists(api_client, outsider, workshop):
    assert api_client(outsider).get(LIST).status_code == 404
    assert api_client(outsider).get(detail(workshop)).status_code == 404


def test_the_detail_shows_the_agenda_and_the_version_in_its_etag(api_client, viewer, workshop):
    Session.objects.create(event=workshop, title="Opening", day=workshop.start_date, starts_at="09:00", ends_at="10:00")
    response = api_client(viewer).get(detail(workshop))
    assert response.status_code == 200
    assert [(s["title"], s["starts_at"]) for s in response.json()["sessions"]] == [("Opening", "09:00")]
    assert response["ETag"].startswith(f'"{workshop.version}-')
    assert api_client(viewer).get(f"{LIST}999999/").status_code == 404


def test_the_list_filters_as_the_page_does(api_client, staff, athena, workshop):
    conference = make_event(athena, kind="conference", title="Annual conference", start_date=TODAY - timedelta(400))
    client = api_client(staff)
    assert ids(client.get(LIST, {"kind": "conference"})) == [conference.pk]
    assert ids(client.get(LIST, {"q": "patrols"})) == [workshop.pk]
    assert ids(client.get(LIST, {"year": conference.start_date.year})) == [conference.pk]
    refused = client.get(LIST, {"status": "no-such-status"})
    assert refused.status_code == 400 and "status" in refused.json()["errors"]


def test_ordering_is_among_allowed_fields_with_the_id_as_tie_breaker(api_client, staff, athena):
    same = [make_event(athena, title="Same title") for _ in range(3)]
    other = make_event(athena, title="A first")
    client = api_client(staff)
    assert ids(client.get(LIST, {"ordering": "title"})) == [other.pk, *[e.pk for e in same]]
    assert ids(client.get(LIST, {"ordering": "-title"})) == [*[e.pk for e in reversed(same)], other.pk]
    pages = [client.get(LIST, {"ordering": "title", "page_size": 1})]
    while pages[-1].json()["next"]:
        pages.append(client.get(pages[-1].json()["next"]))
    assert [ids(page)[0] for page in pages] == [other.pk, *[e.pk for e in same]]
    assert client.get(LIST, {"ordering": "description"}).status_code == 200  # not allowed: the default order


def test_an_unchanged_list_costs_a_304(api_client, staff, workshop):
    client = api_client(staff)
    first = client.get(LIST)
    again = client.get(LIST, headers={"If-None-Match": first["ETag"]})
    assert again.status_code == 304 and again.content == b""
    register(workshop, make_person("P. New"))  # the counts are part of the list
    assert client.get(LIST, headers={"If-None-Match": first["ETag"]}).status_code == 200


@pytest.mark.parametrize(
    ("url", "queries"),
    [(LIST, 3), (f"{LIST}changes/", 5)],  # the token, the project, the events (sync: and the tombstones, twice)
)
def test_the_lists_run_a_fixed_number_of_queries(api_client, staff, athena, url, queries):
    client = api_client(staff)
    client.get(url)  # the token's first use is stamped once
    for _ in range(3):
        register(make_event(athena), make_person(f"P. {Event.objects.count()}"))
    few = count_queries(lambda: client.get(url, {"page_size": 100}))
    for index in range(20):
        event = make_event(athena, workstream=None)
        register(event, make_person(f"P. many {index}"), attended_days=[])
    many = count_queries(lambda: client.get(url, {"page_size": 100}))
    assert few == many == queries


# --- changing the status -------------------------------------------------------------------------------------------


def test_staff_open_an_event_with_its_version_and_the_change_is_audited(api_client, staff, workshop):
    client = api_client(staff, "write")
    etag = client.get(detail(workshop))["ETag"]
    assert post(client, f"{detail(workshop)}transition/", {"status": "planned"}).status_code == 428
    moved = post(client, f"{detail(workshop)}transition/", {"status": "cancelled"}, **{"If-Match": etag})
    assert moved.status_code == 200, moved.json()
    assert moved.json()["status"] == "cancelled" and moved["ETag"].startswith('"1-')
    stale = post(client, f"{detail(workshop)}transition/", {"status": "planned"}, **{"If-Match": etag})
    assert stale.status_code == 412 and stale["Content-Type"] == "application/problem+json"
    workshop.refresh_from_db()
    assert (workshop.status, workshop.version) == ("cancelled", 1)
    entry = AuditEvent.objects.get(action=AuditEvent.Action.TRANSITION, object_id=str(workshop.pk))
    assert entry.details == {"from": "open", "to": "cancelled"} and entry.username == staff.username


def test_the_pages_rules_refuse_a_status_with_the_field_at_fault(api_client, staff, athena, workshop):
    client = api_client(staff, "write")
    url = f"{detail(workshop)}transition/"
    early = post(client, url, {"status": "held"}, **{"If-Match": '"0"'})
    assert early.status_code == 400 and "cannot be marked held before then" in early.json()["errors"]["status"][0]
    assert "status" in post(client, url, {"status": "open"}, **{"If-Match": '"0"'}).json()["errors"]  # already
    assert post(client, url, {"status": "open", "colour": "red"}, **{"If-Match": '"0"'}).json()["errors"] == {
        "colour": ["Unknown field."]
    }
    held = make_event(athena, start_date=TODAY - timedelta(days=3), status="held")
    final = post(client, f"{detail(held)}transition/", {"status": "planned"}, **{"If-Match": '"0"'})
    assert final.status_code == 400
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.TRANSITION).exists()


def test_a_viewer_or_a_read_token_may_not_change_the_status(api_client, staff, viewer, workshop):
    body, headers = {"status": "cancelled"}, {"If-Match": '"0"'}
    assert post(api_client(viewer, "write"), f"{detail(workshop)}transition/", body, **headers).status_code == 403
    assert post(api_client(staff, "read"), f"{detail(workshop)}transition/", body, **headers).status_code == 403
    workshop.refresh_from_db()
    assert workshop.status == "open"


def test_a_transition_retried_with_its_key_is_done_once(api_client, staff, workshop):
    client = api_client(staff, "write")
    headers = {"If-Match": '"0"', "Idempotency-Key": "cancel-1"}
    first = post(client, f"{detail(workshop)}transition/", {"status": "cancelled"}, **headers)
    again = post(client, f"{detail(workshop)}transition/", {"status": "cancelled"}, **headers)
    assert first.status_code == again.status_code == 200 and again["Idempotent-Replayed"] == "true"
    assert again["ETag"] == first["ETag"]
    assert AuditEvent.objects.filter(action=AuditEvent.Action.TRANSITION, object_id=str(workshop.pk)).count() == 1


# --- planning and changing ----------------------------------------------------------------------------------------


def new_event(**extra) -> dict:
    start = TODAY + timedelta(days=60)
    return {
        "kind": "training",
        "title": "Training on financial investigations",
        "start_date": str(start),
        "end_date": str(start + timedelta(days=2)),
        "city": "Bucharest",
        "country": "RO",
        "capacity": 25,
        **extra,
    }


def patch(client, url, body, **headers):
    return client.patch(url, json.dumps(body), content_type="application/json", headers=headers)


def test_staff_plan_an_event_and_it_is_audited(api_client, staff):
    response = post(api_client(staff, "write"), LIST, new_event(), **{"Idempotency-Key": "plan-1"})
    assert response.status_code == 201, response.json()
    event = Event.objects.get(pk=response.json()["id"])
    assert response["Location"] == response.json()["url"] == f"http://testserver{detail(event)}"
    assert (event.kind, event.status, event.country.code, event.capacity) == ("training", "planned", "RO", 25)
    assert response["ETag"].startswith('"0-')
    again = post(api_client(staff, "write"), LIST, new_event(), **{"Idempotency-Key": "plan-1"})
    assert again.status_code == 201  # another token of the same user: the same key, the same answer
    assert Event.objects.count() == 1
    entry = AuditEvent.objects.get(action=AuditEvent.Action.CREATE, object_id=str(event.pk))
    assert entry.username == staff.username and entry.object_type == "conferences.Event"


def test_the_forms_rules_refuse_an_event_with_the_fields_at_fault(api_client, staff, viewer):
    client = api_client(staff, "write")
    empty = post(client, LIST, {})
    assert empty.status_code == 400 and {"kind", "title", "start_date", "end_date"} <= set(empty.json()["errors"])
    nowhere = post(client, LIST, new_event(city="", country=None))
    assert "city" in nowhere.json()["errors"]  # the model's rule: a venue, or online
    backwards = post(client, LIST, new_event(end_date=str(TODAY)))
    assert "end_date" in backwards.json()["errors"]
    assert "edition" in post(client, LIST, new_event(edition=2)).json()["errors"]  # conferences only
    assert "status" in post(client, LIST, new_event(status="held")).json()["errors"]
    assert "title" in post(client, LIST, new_event(title={"en": "Training"})).json()["errors"]
    assert post(client, LIST, new_event(colour="red")).json()["errors"] == {"colour": ["Unknown field."]}
    assert post(api_client(viewer, "write"), LIST, new_event()).status_code == 403
    assert not Event.objects.exists()


def test_a_change_sends_the_fields_it_changes_with_the_version_it_read(api_client, staff, workshop):
    client = api_client(staff, "write")
    etag = client.get(detail(workshop))["ETag"]
    assert patch(client, detail(workshop), {"title": "Renamed"}).status_code == 428
    changed = patch(client, detail(workshop), {"title": "Renamed", "online": True}, **{"If-Match": etag})
    assert changed.status_code == 200, changed.json()
    assert (changed.json()["title"], changed.json()["online"], changed.json()["city"]) == ("Renamed", True, "Rome")
    assert changed["ETag"].startswith('"1-')
    stale = patch(client, detail(workshop), {"title": "Again"}, **{"If-Match": etag})
    assert stale.status_code == 412
    refused = patch(client, detail(workshop), {"capacity": 0}, **{"If-Match": changed["ETag"]})
    assert refused.status_code == 400 and "capacity" in refused.json()["errors"]
    workshop.refresh_from_db()
    assert (workshop.title, workshop.version, workshop.status) == ("Renamed", 1, "open")
    entry = AuditEvent.objects.get(action=AuditEvent.Action.CHANGE, object_id=str(workshop.pk))
    assert set(entry.details["changes"]) == {"title", "online"}


# --- incremental sync ----------------------------------------------------------------------------------------------


@override_settings(PORTAL_API_SYNC_SETTLE_SECONDS=0)
def test_sync_gets_the_changed_events_then_the_deleted_ones(api_client, staff, athena, workshop):
    client = api_client(staff)
    other = make_event(athena, title="Other")
    first = client.get(f"{LIST}changes/").json()
    assert [row["id"] for row in first["results"]] == [workshop.pk, other.pk] and first["deleted"] == []
    assert "sessions" not in first["results"][0] and first["results"][0]["status"] == "open"
    quiet = client.get(f"{LIST}changes/", {"cursor": first["next_cursor"]}).json()
    assert quiet["results"] == [] and quiet["deleted"] == []
    post(api_client(staff, "write"), f"{detail(workshop)}transition/", {"status": "cancelled"}, **{"If-Match": '"0"'})
    other_pk = other.pk
    other.delete()  # any delete (the admin's) leaves a tombstone
    changed = client.get(f"{LIST}changes/", {"cursor": quiet["next_cursor"]}).json()
    assert changed["deleted"] == [other_pk]
    assert [(row["id"], row["status"]) for row in changed["results"]] == [(workshop.pk, "cancelled")]


@pytest.mark.parametrize(
    ("role", "change"),
    [("viewer", 403), ("outsider", 404), ("staff", 200), ("manager", 200), ("admin_user", 200)],
)
def test_who_may_change_an_event_with_patch(api_client, request, workshop, role, change):
    client = api_client(request.getfixturevalue(role), "write")
    assert patch(client, detail(workshop), {"title": "Changed"}, **{"If-Match": '"0"'}).status_code == change


def test_a_visitor_gets_401_on_every_method(client, workshop):
    registration = register(workshop, make_person("A. First"))
    registration_url = f"{detail(workshop)}registrations/{registration.pk}/"
    for response in (
        client.get(LIST),
        client.post(LIST, "{}", content_type="application/json"),
        client.patch(detail(workshop), "{}", content_type="application/json"),
        client.delete(registration_url),
        client.delete(f"{registration_url}attendance/?day={workshop.start_date}"),
    ):
        assert response.status_code == 401 and response["WWW-Authenticate"].startswith("Bearer")
