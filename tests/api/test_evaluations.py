"""The countries' evaluations of an activity over the API: the page's form's rules, the activity's visibility, the
audit trail, and the activity sent again by incremental sync once evaluated."""

import json

import pytest
from django.test import override_settings

from operations.models import Evaluation
from projects.models import AuditEvent

pytestmark = pytest.mark.django_db


def url(activity) -> str:
    return f"/api/v1/projects/ATHENA2/activities/{activity.pk}/evaluations/"


def post(client, activity, body, **headers):
    return client.post(url(activity), json.dumps(body), content_type="application/json", headers=headers)


GOOD = {"country": "BG", "objectives_met": "met", "rating": 4, "lessons": "Share the radio channels earlier."}


def test_staff_add_a_countrys_evaluation(api_client, staff, viewer, make_activity):
    activity = make_activity(status="completed")
    response = post(api_client(staff, "write"), activity, GOOD)
    assert response.status_code == 201, response.json()
    assert response.json()["country"] == "BG" and response.json()["rating"] == 4
    evaluation = Evaluation.objects.get()
    assert (evaluation.activity, evaluation.author, evaluation.country.code) == (activity, staff, "BG")
    entry = AuditEvent.objects.get(action=AuditEvent.Action.CHANGE, object_id=str(activity.pk))
    assert entry.details == {"evaluation": "added", "country": "BG"}
    listed = api_client(viewer).get(url(activity)).json()
    assert [e["country"] for e in listed] == ["BG"]
    assert api_client(viewer).get(f"/api/v1/projects/ATHENA2/activities/{activity.pk}/").json()["evaluations"]


def test_the_forms_rules_apply(api_client, staff, make_activity):
    client = api_client(staff, "write")
    planned = make_activity(status="planned")
    assert "non_field_errors" in post(client, planned, GOOD).json()["errors"]
    completed = make_activity(status="completed")
    assert "country" in post(client, completed, {**GOOD, "country": "MD"}).json()["errors"]  # did not take part
    assert "rating" in post(client, completed, {**GOOD, "rating": 9}).json()["errors"]
    assert post(client, completed, {**GOOD, "mood": "good"}).json()["errors"] == {"mood": ["Unknown field."]}
    assert post(client, completed, GOOD).status_code == 201
    again = post(client, completed, GOOD)
    assert again.status_code == 400 and "country" in again.json()["errors"]  # once per country
    assert Evaluation.objects.count() == 1


def test_who_may_evaluate(api_client, viewer, staff, manager, make_activity):
    plain, secret = make_activity(), make_activity(is_sensitive=True)
    assert post(api_client(viewer, "write"), plain, GOOD).status_code == 403
    assert post(api_client(staff, "read"), plain, GOOD).status_code == 403
    assert post(api_client(staff, "write"), secret, GOOD).status_code == 404
    assert api_client(staff).get(url(secret)).status_code == 404
    assert post(api_client(manager, "write"), secret, GOOD).status_code == 201


def test_a_retried_evaluation_is_added_once(api_client, staff, make_activity):
    activity, client = make_activity(), api_client(staff, "write")
    first = post(client, activity, GOOD, **{"Idempotency-Key": "eval-1"})
    again = post(client, activity, GOOD, **{"Idempotency-Key": "eval-1"})
    assert first.status_code == again.status_code == 201 and again.json() == first.json()
    assert Evaluation.objects.count() == 1


@override_settings(PORTAL_API_SYNC_SETTLE_SECONDS=0)
def test_an_evaluated_activity_is_synced_again(api_client, staff, make_activity):
    activity, client = make_activity(), api_client(staff, "write")
    cursor = client.get("/api/v1/projects/ATHENA2/activities/changes/").json()["next_cursor"]
    post(client, activity, GOOD)
    body = client.get("/api/v1/projects/ATHENA2/activities/changes/", {"cursor": cursor}).json()
    assert [row["id"] for row in body["results"]] == [activity.pk]
    assert [e["country"] for e in body["results"][0]["evaluations"]] == ["BG"]
