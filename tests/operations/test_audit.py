"""The audit trail of joint activities: an activity's entry holds its officers, places and countries, old and new,
whether the page, the admin or the officers' own admin changed them; the pages that show officers (the detail, the
edit form, the SPOC directory) record their consultation."""

import pytest
from django.urls import reverse

from operations.models import ActivityOfficer, JointActivity
from projects.audit import audit_seal, audit_verify
from projects.models import AuditEvent, Person
from projects.services import person_find_or_create
from tests.operations.conftest import formset_data
from tests.operations.test_admin import _admin_data
from tests.operations.test_views import _edit_data, detail
from tests.utils import get_ok

pytestmark = pytest.mark.django_db


def _writes(activity) -> list[AuditEvent]:
    """What was recorded about the activity, consultations left out."""
    entries = AuditEvent.objects.filter(object_type="operations.JointActivity", object_id=str(activity.pk))
    return list(entries.exclude(action="view").order_by("pk"))


def _labels(activity, relation: str) -> list[str]:
    return sorted(str(row) for row in getattr(activity, relation).all())


# --- related rows in the activity's entry, old and new ----------------------------------------------------------------


def test_an_activity_logged_on_the_page_records_its_officers_places_and_countries(
    client_for, staff, activity_form_data
):
    response = client_for(staff).post("/projects/ATHENA2/activities/new/", activity_form_data())
    assert response.status_code == 302
    activity = JointActivity.objects.get()
    [entry] = _writes(activity)
    assert (entry.action, entry.username, entry.project_code, entry.object_repr) == (
        "create",
        "staff",
        "ATHENA2",
        "JP-2026-01 Joint patrol on the Danube bridge",
    )
    changes = entry.details["changes"]
    assert changes["officers"] == {"old": None, "new": ["BG-SPOC-1 (SPOC)", "RO-OFF-1 (Field officer)"]}
    assert changes["places"] == {"old": None, "new": ["Giurgiu (Romania)"]}
    assert changes["countries"] == {"old": None, "new": ["Bulgaria: 4", "Romania: 6"]}
    assert changes["title"] == {"old": None, "new": "Joint patrol on the Danube bridge"}


def test_an_activity_edited_on_the_page_records_its_officers_and_places_before_and_after(
    client_for, staff, make_activity, activity_form_data
):
    activity = make_activity(status="completed", officers=[("Ana Pop", "RO", "spoc")])
    data = _edit_data(activity, activity_form_data, title="Patrol, renamed")
    data["places-1-city"] = "Vidin"
    data["countries-1-officers_deployed"] = "7"  # Romania's (the rows are in the order of the names)
    response = client_for(staff).post(detail(activity) + "edit/", data)
    assert response.status_code == 302, response.context and response.context["form"].errors
    [entry] = _writes(activity)
    changes = entry.details["changes"]
    assert changes["officers"] == {"old": ["Ana Pop (SPOC)"], "new": _labels(activity, "officers")}
    assert changes["officers"]["new"] == ["BG-SPOC-1 (SPOC)", "RO-OFF-1 (Field officer)"]
    assert changes["places"] == {"old": ["Giurgiu (Romania)", "Ruse (Bulgaria)"], "new": _labels(activity, "places")}
    assert "Vidin (Bulgaria)" in changes["places"]["new"]
    assert changes["countries"] == {"old": ["Bulgaria: 4", "Romania: 5"], "new": ["Bulgaria: 4", "Romania: 7"]}
    assert changes["title"] == {"old": "Activity 1", "new": "Patrol, renamed"}
    assert {"officers", "places", "countries", "title"} <= set(entry.details["fields"])
    assert "type" not in changes and "lead_country" not in changes  # unchanged: not recorded


def test_the_history_names_the_related_rows_a_change_touched(client_for, staff, make_activity, activity_form_data):
    activity = make_activity(status="completed", officers=[("Ana Pop", "RO", "spoc")])
    client = client_for(staff)
    assert client.post(detail(activity) + "edit/", _edit_data(activity, activity_form_data)).status_code == 302
    page = get_ok(client, detail(activity)).content.decode()
    history = page[page.index('data-testid="history"') :]
    assert "officers involved" in history[: history.index("</ol>")]


def test_an_activity_edited_in_the_admin_records_its_inline_rows_in_its_own_entry(
    client_for, admin_user, make_activity, country
):
    activity = make_activity(status="completed", officers=[("Ana Pop", "RO", "spoc")])
    ivan, _ = person_find_or_create(name="Ivan Petrov", country=country("BG"))
    data = _admin_data(activity)
    data.update(formset_data("officers", [{"activity": str(activity.pk), "person": str(ivan.pk), "role": "analyst"}]))
    url = reverse("admin:operations_jointactivity_change", args=[activity.pk])
    response = client_for(admin_user).post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    [entry] = _writes(activity)
    assert (entry.action, entry.username) == ("change", "admin")
    assert entry.details["changes"]["officers"] == {
        "old": ["Ana Pop (SPOC)"],
        "new": ["Ana Pop (SPOC)", "Ivan Petrov (Analyst)"],
    }
    assert not AuditEvent.objects.filter(object_type="operations.ActivityOfficer").exists()  # no entry of its own


def test_an_officer_added_or_removed_in_the_officers_admin_is_recorded_in_the_activity(
    client_for, admin_user, make_activity, country
):
    activity = make_activity(status="completed", officers=[("Ana Pop", "RO", "spoc")])
    ivan, _ = person_find_or_create(name="Ivan Petrov", country=country("BG"))
    client = client_for(admin_user)
    add = reverse("admin:operations_activityofficer_add")
    response = client.post(add, {"activity": activity.pk, "person": ivan.pk, "role": "team_leader"})
    assert response.status_code == 302
    officer = ActivityOfficer.objects.get(person=ivan)
    delete = reverse("admin:operations_activityofficer_delete", args=[officer.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 302
    added, removed = _writes(activity)
    assert added.details == {
        "fields": ["officers"],
        "changes": {"officers": {"old": ["Ana Pop (SPOC)"], "new": ["Ana Pop (SPOC)", "Ivan Petrov (Team leader)"]}},
    }
    assert removed.details["changes"]["officers"] == {
        "old": ["Ana Pop (SPOC)", "Ivan Petrov (Team leader)"],
        "new": ["Ana Pop (SPOC)"],
    }
    assert (removed.action, removed.username, removed.project_code) == ("change", "admin", "ATHENA2")
    assert not AuditEvent.objects.filter(object_type="operations.ActivityOfficer").exists()


def test_a_deleted_activity_leaves_its_officers_and_places_in_the_trail(client_for, admin_user, make_activity):
    activity = make_activity(status="completed", officers=[("Ana Pop", "RO", "spoc")])
    pk, title = activity.pk, activity.title
    client_for(admin_user).post(reverse("admin:operations_jointactivity_delete", args=[pk]), {"post": "yes"})
    assert not JointActivity.objects.filter(pk=pk).exists()
    [entry] = _writes(activity)
    assert (entry.action, entry.object_repr) == ("delete", f"T-0001 {title}")
    assert entry.details["changes"]["officers"] == {"old": ["Ana Pop (SPOC)"], "new": None}
    assert entry.details["changes"]["places"]["old"] == ["Giurgiu (Romania)", "Ruse (Bulgaria)"]
    assert Person.objects.filter(name="Ana Pop").exists()
    audit_seal()
    assert audit_verify().ok


# --- consultations -------------------------------------------------------------------------------------------------


def _consultations():
    return list(AuditEvent.objects.filter(action="view").order_by("pk"))


def test_opening_an_activity_and_its_form_records_each_consultation(client_for, staff, make_activity):
    activity = make_activity(status="completed", officers=[("Ana Pop", "RO", "spoc")])
    client = client_for(staff)
    get_ok(client, detail(activity))
    get_ok(client, detail(activity) + "edit/")
    assert [(e.username, e.object_id, e.object_repr, e.details) for e in _consultations()] == [
        ("staff", str(activity.pk), str(activity), {"page": "detail"}),
        ("staff", str(activity.pk), str(activity), {"page": "edit"}),
    ]


def test_a_manager_opening_a_sensitive_activity_is_recorded(client_for, manager, make_activity):
    activity = make_activity(status="completed", is_sensitive=True, title="Sensitive operation")
    get_ok(client_for(manager), detail(activity))
    [entry] = _consultations()
    assert (entry.username, entry.project_code, entry.object_type, entry.object_repr) == (
        "manager",
        "ATHENA2",
        "operations.JointActivity",
        "T-0001 Sensitive operation",
    )


def test_the_spoc_directory_records_its_consultation(client_for, viewer):
    get_ok(client_for(viewer), "/projects/ATHENA2/activities/spocs/")
    [entry] = _consultations()
    assert (entry.username, entry.project_code, entry.object_type, entry.details) == (
        "viewer",
        "ATHENA2",
        "operations.Spoc",
        {"page": "spoc-directory"},
    )


def test_the_officers_admin_records_its_consultation(client_for, admin_user, make_activity):
    make_activity(status="completed", officers=[("Ana Pop", "RO", "spoc")])
    get_ok(client_for(admin_user), reverse("admin:operations_activityofficer_changelist"))
    [entry] = _consultations()
    assert (entry.username, entry.object_type, entry.details) == (
        "admin",
        "operations.ActivityOfficer",
        {"page": "admin list"},
    )


def test_a_list_showing_sensitive_activities_records_which_were_consulted(client_for, manager, staff, make_activity):
    sensitive = make_activity(status="completed", is_sensitive=True, title="Sensitive operation")
    make_activity(status="completed", title="Ordinary patrol")
    get_ok(client_for(staff), "/projects/ATHENA2/activities/")  # staff do not see it: nothing consulted
    assert _consultations() == []
    get_ok(client_for(manager), "/projects/ATHENA2/activities/")
    [entry] = _consultations()
    assert (entry.username, entry.object_type, entry.details) == (
        "manager",
        "operations.JointActivity",
        {"page": "list", "sensitive": [sensitive.pk]},
    )
