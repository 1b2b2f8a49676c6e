"""The user's own notifications over the API: listed newest first, marked read one by one or all at once (in the
audit trail), and never another user's (404)."""

import pytest
from django.utils import timezone

from projects.models import AuditEvent
from reporting.models import Notification
from tests.utils import count_queries

pytestmark = pytest.mark.django_db
LIST = "/api/v1/notifications/"


def ids(response) -> list[int]:
    return [row["id"] for row in response.json()["results"]]


@pytest.fixture
def notify(athena):
    def make(user, title="Report due in 7 days", **extra):
        return Notification.objects.create(
            recipient=user, project=athena, kind="report_due", title=title, url="/projects/ATHENA2/reports/", **extra
        )

    return make


def test_a_user_lists_their_own_notifications_newest_first(api_client, staff, manager, notify):
    older, newer = notify(staff), notify(staff, title="Milestone due")
    notify(manager)
    response = api_client(staff).get(LIST)
    assert ids(response) == [newer.pk, older.pk]
    row = response.json()["results"][0]
    assert (row["title"], row["project"], row["read_at"]) == ("Milestone due", "ATHENA2", None)
    assert row["link"] == "http://testserver/projects/ATHENA2/reports/"


def test_the_list_filters_the_unread_ones(api_client, staff, notify):
    read, unread = notify(staff, read_at=timezone.now()), notify(staff)
    client = api_client(staff)
    assert ids(client.get(LIST, {"unread": "true"})) == [unread.pk]
    assert ids(client.get(LIST, {"unread": "false"})) == [read.pk]


def test_marking_one_read_is_audited_and_changes_nothing_the_second_time(api_client, staff, notify):
    notification, other = notify(staff), notify(staff)
    client = api_client(staff, "write")
    response = client.post(f"{LIST}{notification.pk}/read/")
    assert response.status_code == 200 and response.json()["read_at"] is not None
    assert client.post(f"{LIST}{notification.pk}/read/").status_code == 200
    entries = AuditEvent.objects.filter(object_type="reporting.Notification")
    assert [entry.details["read"] for entry in entries] == [[notification.pk]]
    other.refresh_from_db()
    assert other.read_at is None


def test_a_user_never_reaches_another_users_notification(api_client, staff, manager, notify):
    theirs = notify(manager)
    client = api_client(staff, "write")
    assert client.post(f"{LIST}{theirs.pk}/read/").status_code == 404
    assert theirs.pk not in ids(client.get(LIST))
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_marking_all_read_marks_only_ones_own(api_client, staff, manager, notify):
    mine, theirs = [notify(staff), notify(staff)], notify(manager)
    client = api_client(staff, "write")
    assert client.post(f"{LIST}read/").json() == {"marked": 2}
    assert client.post(f"{LIST}read/").json() == {"marked": 0}
    assert all(n.read_at for n in Notification.objects.filter(pk__in=[n.pk for n in mine]))
    theirs.refresh_from_db()
    assert theirs.read_at is None
    assert AuditEvent.objects.filter(object_type="reporting.Notification").count() == 1


def test_a_read_token_may_not_mark(api_client, staff, notify):
    notification = notify(staff)
    assert api_client(staff).post(f"{LIST}{notification.pk}/read/").status_code == 403
    assert api_client(staff).post(f"{LIST}read/").status_code == 403


def test_a_retried_mark_with_its_key_answers_the_same(api_client, staff, notify):
    notification = notify(staff)
    client = api_client(staff, "write")
    headers = {"Idempotency-Key": "read-1"}
    first = client.post(f"{LIST}{notification.pk}/read/", headers=headers)
    again = client.post(f"{LIST}{notification.pk}/read/", headers=headers)
    assert again.json() == first.json() and again["Idempotent-Replayed"] == "true"


def test_an_unchanged_list_costs_a_304(api_client, staff, notify):
    notification = notify(staff)
    client = api_client(staff)
    first = client.get(LIST)
    assert client.get(LIST, headers={"If-None-Match": first["ETag"]}).status_code == 304
    notification.read_at = timezone.now()
    notification.save()
    assert client.get(LIST, headers={"If-None-Match": first["ETag"]}).status_code == 200


def test_the_list_runs_a_fixed_number_of_queries(api_client, staff, notify):
    client = api_client(staff)
    client.get(LIST)
    notify(staff)
    few = count_queries(lambda: client.get(LIST))
    for index in range(20):
        notify(staff, title=f"Reminder {index}")
    many = count_queries(lambda: client.get(LIST))
    assert few == many <= 5
