"""The joint activities over the API: the pages' access rule (sensitive ones for managers only), the pages' forms'
rules on every write, the audit trail, If-Match, Idempotency-Key, ETag/304, filters and ordering, query counts."""

import json

import pytest

from operations.models import JointActivity
from projects.models import AuditEvent, Country
from tests.utils import count_queries

pytestmark = pytest.mark.django_db
LIST = "/api/v1/projects/ATHENA2/activities/"


def detail(activity) -> str:
    return f"{LIST}{activity.pk}/"


def post(client, url, body, **headers):
    return client.post(url, json.dumps(body), content_type="application/json", headers=headers)


def patch(client, url, body, **headers):
    return client.patch(url, json.dumps(body), content_type="application/json", headers=headers)


def new_activity(**extra) -> dict:
    return {
        "type": "joint_patrol",
        "title": "Patrol on the Danube bridge",
        "lead_country": "RO",
        "start_date": "2026-10-01",
        "end_date": "2026-10-02",
        "status": "completed",
        "places": [{"city": "Giurgiu", "country": "RO"}, {"city": "Ruse", "country": "BG"}],
        "countries": [{"country": "RO", "officers_deployed": 6}, {"country": "BG", "officers_deployed": 4}],
        "officers": [{"name": "Officer A-17", "country": "RO", "role": "team_leader"}],
        **extra,
    }


def ids(response) -> list[int]:
    return [row["id"] for row in response.json()["results"]]


# --- reading -------------------------------------------------------------------------------------------------------


def test_staff_list_the_activities_they_see_and_never_a_sensitive_one(api_client, staff, manager, make_activity):
    plain, secret = make_activity(), make_activity(is_sensitive=True)
    assert set(ids(api_client(staff).get(LIST))) == {plain.pk}
    assert set(ids(api_client(manager).get(LIST))) == {plain.pk, secret.pk}
    assert api_client(staff).get(detail(secret)).status_code == 404
    assert api_client(manager).get(detail(secret)).json()["is_sensitive"] is True


def test_an_outsider_does_not_learn_the_project_exists(api_client, outsider, make_activity):
    activity = make_activity()
    assert api_client(outsider).get(LIST).status_code == 404
    assert api_client(outsider).get(detail(activity)).status_code == 404


def test_the_detail_shows_places_countries_officers_and_records_the_consultation(api_client, viewer, make_activity):
    activity = make_activity(officers=[("Officer B-2", "BG", "field_officer")])
    response = api_client(viewer).get(detail(activity))
    assert response.status_code == 200
    body = response.json()
    assert [p["country"] for p in body["places"]] == ["RO", "BG"]
    assert {c["country"]: c["officers_deployed"] for c in body["countries"]} == {"RO": 5, "BG": 4}
    assert [(o["name"], o["country"], o["role"]) for o in body["officers"]] == [("Officer B-2", "BG", "field_officer")]
    assert response["ETag"].startswith(f'"{activity.version}-')
    consulted = AuditEvent.objects.filter(action=AuditEvent.Action.VIEW, object_id=str(activity.pk)).get()
    assert consulted.details["page"] == "api:activity-detail" and consulted.username == viewer.username


def test_a_meeting_serving_a_sensitive_activity_does_not_name_it(api_client, staff, manager, make_activity):
    secret = make_activity(is_sensitive=True)
    meeting = make_activity(type="bilateral_meeting", related_activity=secret, meeting_purpose="plan")
    body = api_client(staff).get(detail(meeting)).json()
    assert body["related_activity"] is None and body["related_activity_withheld"] is True
    assert str(secret.pk) not in json.dumps(body["related_activity"])
    assert api_client(manager).get(detail(meeting)).json()["related_activity"] == secret.pk


def test_the_list_filters_as_the_page_does(api_client, staff, make_activity):
    patrol = make_activity(type="joint_patrol", title="Night patrol")
    operation = make_activity(type="joint_operation", places=(("Skopje", "MK"),), countries=(("MK", 3),))
    client = api_client(staff)
    assert ids(client.get(LIST, {"type": "joint_operation"})) == [operation.pk]
    assert ids(client.get(LIST, {"country": "MK"})) == [operation.pk]
    assert ids(client.get(LIST, {"q": "night"})) == [patrol.pk]
    refused = client.get(LIST, {"type": "no-such-type"})
    assert refused.status_code == 400 and "type" in refused.json()["errors"]


def test_ordering_is_among_allowed_fields_with_the_id_as_tie_breaker(api_client, staff, make_activity):
    same = [make_activity(title="Same title") for _ in range(3)]
    other = make_activity(title="A first")
    client = api_client(staff)
    assert ids(client.get(LIST, {"ordering": "title"})) == [other.pk, *[a.pk for a in same]]
    assert ids(client.get(LIST, {"ordering": "-title"})) == [*[a.pk for a in reversed(same)], other.pk]
    pages = [client.get(LIST, {"ordering": "title", "page_size": 1})]
    while pages[-1].json()["next"]:
        pages.append(client.get(pages[-1].json()["next"]))
    assert [ids(page)[0] for page in pages] == [other.pk, *[a.pk for a in same]]


def test_an_unchanged_list_costs_a_304(api_client, staff, make_activity):
    activity = make_activity()
    client = api_client(staff)
    first = client.get(LIST)
    again = client.get(LIST, headers={"If-None-Match": first["ETag"]})
    assert again.status_code == 304 and again.content == b""
    activity.title = "Renamed"
    activity.save()
    assert client.get(LIST, headers={"If-None-Match": first["ETag"]}).status_code == 200


@pytest.mark.parametrize("url", [LIST, f"{LIST}changes/"])
def test_the_lists_run_a_fixed_number_of_queries(api_client, manager, make_activity, url):
    client = api_client(manager)
    client.get(url)  # the token's first use is stamped once (last_used_at), not on every request
    for _ in range(3):
        make_activity(officers=[("Officer C", "RO", "analyst")], is_sensitive=True)
    few = count_queries(lambda: client.get(url, {"page_size": 100}))
    for index in range(30):
        make_activity(officers=[(f"Officer {index}", "BG", "analyst")], is_sensitive=index % 2 == 0)
    many = count_queries(lambda: client.get(url, {"page_size": 100}))
    assert many == few
    assert many <= 20


# --- writing -------------------------------------------------------------------------------------------------------


def test_staff_log_an_activity_with_its_places_countries_and_officers(api_client, staff):
    response = post(api_client(staff, "write"), LIST, new_activity())
    assert response.status_code == 201, response.json()
    body = response.json()
    activity = JointActivity.objects.get(pk=body["id"])
    assert response["Location"] == body["url"] == f"http://testserver{detail(activity)}"
    assert response["ETag"].startswith('"1-')
    assert (activity.validation_state, activity.status, activity.created_by) == ("draft", "completed", staff)
    assert sorted(activity.places.values_list("city", flat=True)) == ["Giurgiu", "Ruse"]
    assert [o["name"] for o in body["officers"]] == ["Officer A-17"]
    entry = AuditEvent.objects.get(action=AuditEvent.Action.CREATE, object_id=str(activity.pk))
    assert entry.username == staff.username and entry.details["changes"]["officers"]


def test_a_read_token_or_a_viewer_may_not_log(api_client, staff, viewer):
    assert post(api_client(staff, "read"), LIST, new_activity()).status_code == 403
    assert post(api_client(viewer, "write"), LIST, new_activity()).status_code == 403
    assert not JointActivity.objects.exists()


def test_the_forms_rules_answer_with_the_fields_at_fault(api_client, staff):
    client = api_client(staff, "write")
    empty = post(client, LIST, {})
    assert empty.status_code == 400
    assert {"type", "title", "lead_country", "start_date"} <= set(empty.json()["errors"])
    one_country = new_activity(type="cross_border_observation", places=[{"city": "Giurgiu", "country": "RO"}])
    refused = post(client, LIST, one_country)
    assert refused.status_code == 400
    assert refused.json()["errors"]["places"] == ["A cross-border activity takes place in at least two countries."]
    bad_row = post(client, LIST, new_activity(countries=[{"country": "XX", "officers_deployed": 2}]))
    assert "countries[0].country" in bad_row.json()["errors"]
    twice = [{"name": "Officer A", "country": "RO", "role": "analyst"}] * 2
    assert "officers[1].name" in post(client, LIST, new_activity(officers=twice)).json()["errors"]
    assert post(client, LIST, new_activity(colour="red")).json()["errors"] == {"colour": ["Unknown field."]}
    nested = post(client, LIST, new_activity(title={"en": "Patrol"}))
    assert nested.status_code == 400 and "title" in nested.json()["errors"]
    assert post(client, LIST, [new_activity()]).json()["errors"] == {"non_field_errors": ["Send a JSON object."]}
    sensitive = post(client, LIST, new_activity(is_sensitive=True))
    assert sensitive.status_code == 400 and "is_sensitive" in sensitive.json()["errors"]
    assert not JointActivity.objects.exists()


def test_a_manager_may_log_a_sensitive_activity(api_client, manager, staff):
    response = post(api_client(manager, "write"), LIST, new_activity(is_sensitive=True))
    assert response.status_code == 201 and response.json()["is_sensitive"] is True
    assert api_client(staff).get(response["Location"]).status_code == 404


def test_a_retry_with_the_same_idempotency_key_creates_once(api_client, staff):
    client = api_client(staff, "write")
    first = post(client, LIST, new_activity(), **{"Idempotency-Key": "3f0c-retry"})
    again = post(client, LIST, new_activity(), **{"Idempotency-Key": "3f0c-retry"})
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json() and again["Idempotent-Replayed"] == "true"
    assert again["Location"] == first["Location"] and again["ETag"] == first["ETag"]
    assert JointActivity.objects.count() == 1
    other = post(client, LIST, new_activity(title="Another"), **{"Idempotency-Key": "3f0c-retry"})
    assert other.status_code == 422 and JointActivity.objects.count() == 1


def test_a_refused_request_leaves_its_key_free_for_the_corrected_one(api_client, staff):
    client = api_client(staff, "write")
    assert post(client, LIST, new_activity(title=""), **{"Idempotency-Key": "k-1"}).status_code == 400
    assert post(client, LIST, new_activity(), **{"Idempotency-Key": "k-1"}).status_code == 201


def test_idempotency_keys_are_each_users_own(api_client, staff, manager):
    assert post(api_client(staff, "write"), LIST, new_activity(), **{"Idempotency-Key": "same"}).status_code == 201
    assert post(api_client(manager, "write"), LIST, new_activity(), **{"Idempotency-Key": "same"}).status_code == 201
    assert JointActivity.objects.count() == 2


def test_a_change_needs_the_version_it_is_based_on(api_client, staff, make_activity):
    activity = make_activity()
    client = api_client(staff, "write")
    etag = client.get(detail(activity))["ETag"]
    assert patch(client, detail(activity), {"title": "New"}).status_code == 428
    changed = patch(client, detail(activity), {"title": "New"}, **{"If-Match": etag})
    assert changed.status_code == 200, changed.json()
    assert changed.json()["title"] == "New" and changed["ETag"].startswith('"2-')
    stale = patch(client, detail(activity), {"title": "Newer"}, **{"If-Match": etag})
    assert stale.status_code == 412 and stale["Content-Type"] == "application/problem+json"
    activity.refresh_from_db()
    assert (activity.title, activity.version) == ("New", 2)
    assert activity.places.count() == 2 and activity.countries.count() == 2  # a PATCH keeps what it does not send


def test_a_patch_replaces_a_list_it_sends(api_client, staff, make_activity):
    activity = make_activity()
    client = api_client(staff, "write")
    places = [{"city": "Vidin", "country": "BG"}]
    response = patch(client, detail(activity), {"places": places}, **{"If-Match": f'"{activity.version}"'})
    assert response.status_code == 200
    assert [(p["city"], p["country"]) for p in response.json()["places"]] == [("Vidin", "BG")]
    entry = AuditEvent.objects.filter(action=AuditEvent.Action.CHANGE, object_id=str(activity.pk)).get()
    assert "places" in entry.details["fields"]


def test_the_status_moves_only_through_transitions(api_client, staff, manager, make_activity):
    activity = make_activity(validation_state="draft")
    staff_client, manager_client = api_client(staff, "write"), api_client(manager, "write")
    assert (
        "status" in patch(staff_client, detail(activity), {"status": "planned"}, **{"If-Match": '"1"'}).json()["errors"]
    )
    submitted = post(staff_client, f"{detail(activity)}submit/", {}, **{"If-Match": '"1"'})
    assert submitted.status_code == 200 and submitted.json()["validation_state"] == "submitted"
    assert post(staff_client, f"{detail(activity)}validate/", {}, **{"If-Match": '"2"'}).status_code == 403
    no_reason = post(manager_client, f"{detail(activity)}return/", {}, **{"If-Match": '"2"'})
    assert no_reason.status_code == 400 and "comment" in no_reason.json()["errors"]
    validated = post(manager_client, f"{detail(activity)}validate/", {}, **{"If-Match": '"2"'})
    assert validated.json()["validation_state"] == "validated"
    assert patch(staff_client, detail(activity), {"title": "x"}, **{"If-Match": '"3"'}).status_code == 403
    assert post(staff_client, f"{detail(activity)}fly/", {}, **{"If-Match": '"3"'}).status_code == 404
    steps = AuditEvent.objects.filter(action=AuditEvent.Action.TRANSITION, object_id=str(activity.pk))
    assert sorted(steps.values_list("details__action", flat=True)) == ["submit", "validate"]


def test_a_transition_retried_with_its_key_is_done_once(api_client, staff, make_activity):
    activity = make_activity()
    client = api_client(staff, "write")
    headers = {"If-Match": '"1"', "Idempotency-Key": "submit-1"}
    first = post(client, f"{detail(activity)}submit/", {}, **headers)
    again = post(client, f"{detail(activity)}submit/", {}, **headers)
    assert first.status_code == again.status_code == 200 and again["Idempotent-Replayed"] == "true"
    assert AuditEvent.objects.filter(action=AuditEvent.Action.TRANSITION, object_id=str(activity.pk)).count() == 1


def test_only_a_manager_deletes_and_with_the_current_version(api_client, staff, manager, make_activity):
    activity = make_activity()
    assert api_client(staff, "write").delete(detail(activity), headers={"If-Match": '"1"'}).status_code == 403
    client = api_client(manager, "write")
    assert client.delete(detail(activity), headers={"If-Match": '"7"'}).status_code == 412
    assert client.delete(detail(activity)).status_code == 428
    assert client.delete(detail(activity), headers={"If-Match": '"1"'}).status_code == 204
    assert not JointActivity.objects.filter(pk=activity.pk).exists()
    assert AuditEvent.objects.filter(action=AuditEvent.Action.DELETE, object_id=str(activity.pk)).exists()


def test_the_countries_are_iso_codes_both_ways(api_client, staff):
    response = post(api_client(staff, "write"), LIST, new_activity(lead_country="BG"))
    activity = JointActivity.objects.get(pk=response.json()["id"])
    assert activity.lead_country == Country.objects.get(code="BG") and response.json()["lead_country"] == "BG"


@pytest.mark.parametrize(
    ("role", "sensitive", "change", "delete"),
    [
        ("viewer", False, 403, 403),
        ("outsider", False, 404, 404),
        ("staff", False, 200, 403),
        ("staff", True, 404, 403),
        ("manager", True, 200, 204),
        ("admin_user", True, 200, 204),
    ],
)
def test_who_may_change_and_delete_with_patch_and_delete(
    api_client, request, make_activity, role, sensitive, change, delete
):
    user = request.getfixturevalue(role)
    activity = make_activity(is_sensitive=sensitive)
    client = api_client(user, "write")
    assert patch(client, detail(activity), {"title": "Changed"}, **{"If-Match": '"1"'}).status_code == change
    assert client.delete(detail(activity), headers={"If-Match": f'"{1 + (change == 200)}"'}).status_code == delete


def test_a_visitor_gets_401_on_every_method(client, make_activity):
    activity = make_activity()
    for response in (
        client.get(LIST),
        client.post(LIST, "{}", content_type="application/json"),
        client.patch(detail(activity), "{}", content_type="application/json"),
        client.delete(detail(activity)),
    ):
        assert response.status_code == 401 and response["WWW-Authenticate"].startswith("Bearer")
