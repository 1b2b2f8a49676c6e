"""Sensitive joint activities: who sees them, that they still count, that consulting one is recorded, and the
"related joint activity" box of a bilateral meeting, which must not reveal them."""

from __future__ import annotations

import re

import pytest

from operations.models import JointActivity
from projects.models import AuditEvent
from projects.registry import registry
from tests.utils import get_ok

LIST = "/projects/ATHENA2/activities/"
PICK = "/projects/ATHENA2/pick/related-activities/"


def detail(activity: JointActivity) -> str:
    return f"/projects/ATHENA2/activities/{activity.pk}/"


# --- sensitive activities -------------------------------------------------------------------------------------------


@pytest.fixture
def secret(make_activity, tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path
    return make_activity(title="Operation Nightjar", is_sensitive=True, validation_state="validated")


@pytest.mark.parametrize("who", ["viewer", "staff"])
def test_a_sensitive_activity_is_hidden_from_viewers_and_staff(request, client_for, secret, make_activity, who):
    make_activity(title="Ordinary patrol")
    client = client_for(request.getfixturevalue(who))
    listing = get_ok(client, LIST).content.decode()
    assert "Ordinary patrol" in listing and "Operation Nightjar" not in listing
    assert "Operation Nightjar" not in client.get(f"{LIST}export.csv").getvalue().decode()
    assert client.get(detail(secret)).status_code == 404
    assert client.get(detail(secret) + "edit/").status_code in (403, 404)
    assert client.post(detail(secret) + "submit/", {"version": 1}).status_code == 404
    assert not JointActivity.objects.for_user(request.getfixturevalue(who)).filter(pk=secret.pk).exists()


@pytest.mark.parametrize("who", ["manager", "admin_user"])
def test_managers_and_admins_see_a_sensitive_activity(request, client_for, secret, who):
    client = client_for(request.getfixturevalue(who))
    assert "Operation Nightjar" in get_ok(client, LIST).content.decode()
    assert "Operation Nightjar" in get_ok(client, detail(secret)).content.decode()
    assert JointActivity.objects.for_user(request.getfixturevalue(who)).filter(pk=secret.pk).exists()


def test_a_sensitive_activity_still_counts_toward_the_targets(athena, secret):
    assert registry.metric("joint_patrols").values([athena.pk], None) == {athena.pk: 1}


def test_only_managers_may_mark_an_activity_sensitive(client_for, manager, staff):
    assert "is_sensitive" not in get_ok(client_for(staff), LIST + "new/").context["form"].fields
    assert "is_sensitive" in get_ok(client_for(manager), LIST + "new/").context["form"].fields


def test_a_meeting_does_not_name_the_sensitive_activity_it_serves(client_for, staff, secret, make_activity):
    meeting = make_activity(type="bilateral_meeting", related_activity=secret, meeting_purpose="plan")
    page = get_ok(client_for(staff), detail(meeting)).content.decode()
    assert "Operation Nightjar" not in page


# --- consultation is recorded ---------------------------------------------------------------------------------------


def test_viewing_an_activity_is_recorded_in_the_audit_trail_not_in_its_history(client_for, viewer, make_activity):
    activity = make_activity()
    client = client_for(viewer)
    get_ok(client, detail(activity))
    response = get_ok(client, detail(activity))
    views = AuditEvent.objects.filter(action="view", user=viewer, object_id=str(activity.pk))
    assert views.count() == 2 and views.first().object_type == "operations.JointActivity"
    assert all(event.action != "view" for event in response.context["history"])


# --- the "related joint activity" box -------------------------------------------------------------------------------


def test_the_related_activity_box_lists_no_options(client_for, staff, make_activity):
    for i in range(30):
        make_activity(title=f"Patrol {i}")
    meeting = make_activity(type="bilateral_meeting")
    html = get_ok(client_for(staff), detail(meeting) + "edit/").content.decode()
    field = re.search(r'<select name="related_activity"[^>]*>(.*?)</select>', html, re.S)
    assert field and 'data-picker-url="/projects/ATHENA2/pick/related-activities/?exclude=' in field.group(0)
    assert re.findall(r'<option value="([^"]*)"', field.group(1)) == [""]
    assert "Patrol 29" not in html  # no <option> per activity


def test_the_search_offers_at_most_20_visible_joint_activities_of_the_project(
    client_for, staff, make_activity, imobex, secret
):
    for i in range(25):
        make_activity(title=f"Patrol {i}")
    make_activity(type="bilateral_meeting", title="Meeting patrol")
    make_activity(project=imobex, title="Patrol elsewhere")
    data = get_ok(client_for(staff), PICK + "?q=patrol").json()
    labels = [row["text"] for row in data["results"]]
    assert len(labels) == 20 and data["more"] is True
    assert not any("Meeting" in label or "elsewhere" in label or "Nightjar" in label for label in labels)
    last = JointActivity.objects.filter(title="Patrol 24").get()
    narrowed = get_ok(client_for(staff), PICK + f"?q=Patrol {last.reference}").json()["results"]
    assert [row["id"] for row in narrowed] == [last.pk]


def test_a_meeting_is_linked_to_the_activity_picked(client_for, staff, make_activity, activity_form_data):
    patrol = make_activity(reference="JP-7", title="Patrol seven")
    data = activity_form_data(type="bilateral_meeting", related_activity=str(patrol.pk), meeting_purpose="plan")
    response = client_for(staff).post(LIST + "new/", data)
    assert response.status_code == 302
    assert JointActivity.objects.get(type="bilateral_meeting").related_activity == patrol


@pytest.mark.parametrize("forged", ["999999", "meeting", "other project", "sensitive", "jp-7"])
def test_a_wrong_related_activity_is_answered_next_to_the_field(
    client_for, staff, make_activity, activity_form_data, imobex, secret, forged
):
    candidates = {
        "meeting": make_activity(type="bilateral_meeting", reference="MEETING"),
        "other project": make_activity(project=imobex, reference="ELSEWHERE"),
        "sensitive": secret,
    }
    value = str(candidates[forged].pk) if forged in candidates else forged
    data = activity_form_data(type="bilateral_meeting", related_activity=value, meeting_purpose="plan")
    response = client_for(staff).post(LIST + "new/", data)
    assert response.status_code == 200
    assert "No joint activity of this project" in str(response.context["form"].errors["related_activity"])
    assert "Nightjar" not in response.content.decode()  # a forged id of a sensitive activity is not named back
    assert not JointActivity.objects.filter(title=data["title"]).exists()


def test_an_edit_shows_the_related_activity_chosen(client_for, staff, make_activity):
    patrol = make_activity(reference="JP-9", title="Patrol nine")
    meeting = make_activity(type="bilateral_meeting", related_activity=patrol, meeting_purpose="plan")
    html = get_ok(client_for(staff), detail(meeting) + "edit/").content.decode()
    field = re.search(r'<select name="related_activity"[^>]*>(.*?)</select>', html, re.S).group(1)
    assert re.search(rf'<option value="{patrol.pk}" selected>JP-9 – Patrol nine', field)


def test_managers_see_that_an_activity_is_sensitive(client_for, manager, secret):
    client = client_for(manager)
    assert "Sensitive" in get_ok(client, detail(secret)).content.decode()
    assert "Sensitive" in get_ok(client, LIST).content.decode()
