"""What the ATHENA 2 mobile app does in a day, through the documented API only: tokens issued by an operator, an
activity logged on a flaky network (sent twice), completed with its officers, submitted; a manager validates it from
the case management system; the phone syncs and has the validated activity, and the dashboard counts it."""

import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.test import override_settings

from operations.models import JointActivity
from projects.models import AuditEvent
from tests.api.conftest import bearer

pytestmark = pytest.mark.django_db
ACTIVITIES = "/api/v1/projects/ATHENA2/activities/"


def token_for(username: str) -> str:
    out = StringIO()
    call_command("api_token", username, "--name", "ATHENA 2 app", "--scope", "write", "--days", "30", stdout=out)
    return out.getvalue().splitlines()[-1]


def send(client, method: str, url: str, body=None, **headers):
    return getattr(client, method)(url, json.dumps(body or {}), content_type="application/json", headers=headers)


@override_settings(PORTAL_API_SYNC_SETTLE_SECONDS=0)
def test_a_day_of_the_mobile_app(staff, manager):
    phone, office = bearer(token_for("staff")), bearer(token_for("manager"))
    before = phone.get("/api/v1/projects/ATHENA2/").json()
    cursor = phone.get(f"{ACTIVITIES}changes/").json()["next_cursor"]

    # logged from the field; the answer is lost, the app sends it again with the same key
    activity = {
        "type": "joint_patrol",
        "title": "Joint patrol, Danube bridge",
        "lead_country": "RO",
        "start_date": "2026-11-20",
        "status": "ongoing",
        "places": [{"city": "Giurgiu", "country": "RO"}, {"city": "Ruse", "country": "BG"}],
        "countries": [{"country": "RO", "officers_deployed": 6}, {"country": "BG", "officers_deployed": 5}],
    }
    key = {"Idempotency-Key": "8d1c8f0e-patrol-20261120"}
    created = send(phone, "post", ACTIVITIES, activity, **key)
    retried = send(phone, "post", ACTIVITIES, activity, **key)
    assert created.status_code == retried.status_code == 201 and retried["Idempotent-Replayed"] == "true"
    assert JointActivity.objects.count() == 1
    url, etag = created["Location"], created["ETag"]

    # back from patrol: the officers and the end date, then completed and submitted
    officers = [{"name": "RO-BP-0417", "country": "RO", "role": "team_leader"}]
    changed = send(phone, "patch", url, {"end_date": "2026-11-21", "officers": officers}, **{"If-Match": etag})
    assert changed.status_code == 200, changed.json()
    completed = send(phone, "post", f"{url}advance/", **{"If-Match": changed["ETag"]})
    assert completed.json()["status"] == "completed"
    submitted = send(phone, "post", f"{url}submit/", **{"If-Match": completed["ETag"]})
    assert submitted.json()["validation_state"] == "submitted"

    # the manager validates from the office; the phone, offline meanwhile, tries a change on its old version
    validated = send(office, "post", f"{url}validate/", **{"If-Match": submitted["ETag"]})
    assert validated.json()["validation_state"] == "validated"
    assert send(phone, "patch", url, {"title": "x"}, **{"If-Match": submitted["ETag"]}).status_code in (403, 412)

    # the phone syncs: the activity as validated, officers included; the numbers count it
    synced = phone.get(f"{ACTIVITIES}changes/", {"cursor": cursor}).json()
    [record] = synced["results"]
    assert (record["validation_state"], record["status"]) == ("validated", "completed")
    assert [o["name"] for o in record["officers"]] == ["RO-BP-0417"]
    after = phone.get("/api/v1/projects/ATHENA2/").json()
    counted = {i["key"]: i["achieved"] for i in after["indicators"]}
    assert any(counted[i["key"]] != i["achieved"] for i in before["indicators"])
    steps = AuditEvent.objects.filter(object_type="operations.JointActivity", object_id=str(record["id"]))
    assert {e.username for e in steps} == {"staff", "manager"}
