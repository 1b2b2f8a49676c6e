"""Admins read and export the audit trail in the portal's pages, never change it; the admin's own pages that are
not the portal's (groups, Celery beat's schedules) write through the services too, and every write of the admin is
recorded, a password changed there included."""

import csv
import io
from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse
from django.utils import timezone
from django_celery_beat.models import IntervalSchedule, PeriodicTask
from openpyxl import load_workbook

from projects.audit import audit_seal, audit_verify
from projects.models import AuditEvent
from projects.services import audit_log
from tests.conftest import make_user
from tests.utils import admin_form_data, count_queries, get_ok

pytestmark = pytest.mark.django_db

PAGE = "/audit/"


@pytest.fixture
def trail(athena, imobex, staff, manager, django_user_model):
    """Three entries by three users in two projects; the third user's account is gone."""
    leaver = make_user(django_user_model, "leaver")
    audit_log(user=staff, action=AuditEvent.Action.CREATE, obj=athena.workstreams.first())
    audit_log(user=manager, action=AuditEvent.Action.EXPORT, obj=athena, details={"format": "csv"})
    audit_log(user=leaver, action=AuditEvent.Action.VIEW, obj=imobex)
    leaver.delete()
    audit_seal()
    return list(AuditEvent.objects.order_by("pk"))


def _shown(response) -> list[int]:
    return [entry.pk for entry in response.context["page"]]


def test_only_admins_open_the_trail_page_and_its_exports(client, client_for, admin_user, manager, staff, trail):
    for user in (manager, staff):
        assert client_for(user).get(PAGE).status_code == 403
        assert client_for(user).get(PAGE + "export.csv").status_code == 403
    client.logout()  # recorded too: the logout is the newest entry
    assert client.get(PAGE).status_code == 302  # to the login
    page = get_ok(client_for(admin_user), PAGE)
    logout = AuditEvent.objects.get(action=AuditEvent.Action.LOGOUT)
    assert _shown(page) == [logout.pk, *(entry.pk for entry in reversed(trail))]  # newest first
    assert "leaver" in page.content.decode()  # the username outlives the account


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("?user=staff", [0]),
        ("?user=LEAVER", [2]),
        ("?project=imobex", [2]),
        ("?action=export", [1]),
        ("?record_type=projects.Workstream", [0]),
        ("?q=athena", [1]),
    ],
)
def test_the_trail_is_filtered_by_user_project_action_record_and_text(client_for, admin_user, trail, query, expected):
    response = get_ok(client_for(admin_user), PAGE + query)
    assert _shown(response) == [trail[i].pk for i in expected]


def test_the_trail_is_filtered_by_date_and_bad_dates_are_answered_not_failed(client_for, admin_user, trail):
    client = client_for(admin_user)
    today = timezone.localdate()
    assert len(_shown(get_ok(client, f"{PAGE}?since={today}&until={today}"))) == 3
    assert _shown(get_ok(client, f"{PAGE}?since={today + timedelta(days=1)}")) == []
    for query in ("?since=0001-01-01", "?since=99999-01-01", "?until=yesterday", "?action=nonsense", "?page=-3"):
        assert client.get(PAGE + query).status_code == 200
    backwards = get_ok(client, f"{PAGE}?since={today}&until={today - timedelta(days=1)}")
    assert _shown(backwards) == [] and "cannot be before its start" in backwards.content.decode()


def test_the_trail_is_paged_with_a_fixed_number_of_queries(client_for, admin_user, athena):
    client = client_for(admin_user)
    for _ in range(3):
        audit_log(user=admin_user, action=AuditEvent.Action.VIEW, obj=athena)
    get_ok(client, PAGE)
    small = count_queries(lambda: get_ok(client, PAGE))
    for _ in range(120):
        audit_log(user=admin_user, action=AuditEvent.Action.VIEW, obj=athena)
    large = count_queries(lambda: get_ok(client, PAGE))
    assert small == large
    assert len(_shown(get_ok(client, PAGE))) == 50
    assert len(_shown(get_ok(client, PAGE + "?page=3"))) == 123 - 100


def test_admins_export_the_filtered_trail_and_the_export_is_itself_recorded(client_for, admin_user, trail):
    client = client_for(admin_user)
    response = client.get(PAGE + "export.csv?project=ATHENA2")
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    assert rows[0][:4] == ["Sequence number", "At", "Action", "Username"]
    assert sorted((row[2], row[3], row[4]) for row in rows[1:]) == [
        ("create", "staff", "ATHENA2"),
        ("export", "manager", "ATHENA2"),
    ]
    hashes = {row[-1] for row in rows[1:]}
    assert hashes == {trail[0].hash, trail[1].hash}
    recorded = AuditEvent.objects.filter(action="export", username="admin").get()
    assert recorded.object_type == "projects.AuditEvent" and recorded.details["filters"] == {"project": "ATHENA2"}
    workbook = client.get(PAGE + "export.xlsx?action=view")
    sheet = load_workbook(io.BytesIO(b"".join(workbook.streaming_content))).active
    values = list(sheet.iter_rows(values_only=True))
    assert [(row[2], row[3]) for row in values[1:]] == [("view", "leaver")]
    bad = client.get(PAGE + "export.csv?action=nonsense")
    assert bad.status_code == 400  # an export with an invalid filter would hold more than asked: refused


def test_the_page_changes_nothing(client_for, admin_user, trail):
    client = client_for(admin_user)
    before = list(AuditEvent.objects.order_by("pk").values_list("pk", "hash"))
    assert client.post(PAGE, {"action": "delete"}).status_code == 405
    assert client.post(PAGE + "export.csv").status_code == 405
    assert list(AuditEvent.objects.order_by("pk").values_list("pk", "hash")) == before
    assert audit_verify().ok


def test_the_menu_shows_the_trail_to_admins_only(client_for, admin_user, manager):
    assert 'href="/audit/"' in get_ok(client_for(admin_user), "/").content.decode()
    assert 'href="/audit/"' not in get_ok(client_for(manager), "/").content.decode()


# --- the admin: every write recorded ---------------------------------------------------------------------------------


def test_a_group_saved_in_the_admin_is_recorded(client_for, admin_user):
    client = client_for(admin_user)
    url = reverse("admin:auth_group_add")
    assert client.post(url, {"name": "Auditors"}).status_code == 302
    group = Group.objects.get(name="Auditors")
    entry = AuditEvent.objects.get(object_type="auth.Group")
    assert (entry.action, entry.username, entry.object_id, entry.object_repr) == (
        "create",
        "admin",
        str(group.pk),
        "Auditors",
    )


def test_a_beat_schedule_changed_by_an_admin_action_is_recorded(client_for, admin_user):
    every = IntervalSchedule.objects.create(every=5, period=IntervalSchedule.MINUTES)
    task = PeriodicTask.objects.create(name="Test task", task="projects.tasks.audit_seal", interval=every)
    client = client_for(admin_user)
    changelist = reverse("admin:django_celery_beat_periodictask_changelist")
    client.post(changelist, {"action": "disable_tasks", "_selected_action": [task.pk]})
    task.refresh_from_db()
    assert task.enabled is False
    entry = AuditEvent.objects.get(object_type="django_celery_beat.PeriodicTask")
    assert (entry.action, entry.username) == ("change", "admin")
    assert entry.details == {"admin_action": "disable_tasks", "records": [f"{task.pk}: {task}"]}


def test_a_beat_schedule_edited_in_the_admin_is_recorded(client_for, admin_user):
    every = IntervalSchedule.objects.create(every=5, period=IntervalSchedule.MINUTES)
    task = PeriodicTask.objects.create(name="Test task", task="projects.tasks.audit_seal", interval=every)
    client = client_for(admin_user)
    url = reverse("admin:django_celery_beat_periodictask_change", args=[task.pk])
    data = admin_form_data(get_ok(client, url))
    data.update(description="Seals the trail")
    response = client.post(url, data)
    assert response.status_code == 302, response.context and response.context["adminform"].form.errors
    entry = AuditEvent.objects.get(object_type="django_celery_beat.PeriodicTask")
    assert (entry.action, entry.details) == ("change", {"fields": ["description"]})


def test_a_password_set_in_the_admin_is_recorded_but_not_kept(client_for, admin_user, staff):
    client = client_for(admin_user)
    url = reverse("admin:auth_user_password_change", args=[staff.pk])
    secret = "a-long-new-passphrase-42"
    response = client.post(url, {"password1": secret, "password2": secret, "usable_password": "true"})
    assert response.status_code == 302
    entry = AuditEvent.objects.get(object_type="auth.User", action="change")
    assert (entry.username, entry.object_id, entry.details) == ("admin", str(staff.pk), {"fields": ["password"]})
    assert secret not in str(entry.details)


def test_a_user_changing_their_time_zone_is_recorded_with_old_and_new_values(client_for, staff):
    client = client_for(staff)
    client.post("/account/", {"time_zone": "Europe/Rome", "organisation": ""})
    client.post("/account/", {"time_zone": "Europe/Rome", "organisation": ""})  # nothing changed: not recorded
    client.post("/account/", {"time_zone": "Europe/Sofia", "organisation": ""})
    entries = AuditEvent.objects.filter(object_type="projects.Profile").order_by("pk")
    assert [(e.action, e.username, e.details["changes"].get("time_zone")) for e in entries] == [
        ("create", "staff", {"old": None, "new": "Europe/Rome"}),
        ("change", "staff", {"old": "Europe/Rome", "new": "Europe/Sofia"}),
    ]
