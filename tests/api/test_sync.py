"""Incremental sync of the activities (`changes/`): changes in (updated_at, id) order, deletions first, records
that became invisible reported as deleted, and nothing of a sensitive record to one who may not see it."""

from datetime import timedelta

import pytest
from django.test import override_settings
from django.utils import timezone

from api.models import Tombstone
from api.sync import Cursor
from operations.models import JointActivity

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("settled")]
CHANGES = "/api/v1/projects/ATHENA2/activities/changes/"


@pytest.fixture
def settled():
    """Changes listed at once (the settling delay, for transactions committing late, is for production)."""
    with override_settings(PORTAL_API_SYNC_SETTLE_SECONDS=0):
        yield


def sync(client, cursor=None, **params):
    response = client.get(CHANGES, {**({"cursor": cursor} if cursor else {}), **params})
    assert response.status_code == 200, response.content
    return response.json()


def ids(body) -> list[int]:
    return [row["id"] for row in body["results"]]


def test_a_first_sync_gets_everything_then_only_what_changed(api_client, staff, make_activity):
    client = api_client(staff)
    first, second = make_activity(), make_activity()
    body = sync(client)
    assert ids(body) == [first.pk, second.pk] and body["deleted"] == [] and body["has_more"] is False
    assert body["results"][0]["places"]  # in full: what the client stores
    quiet = sync(client, body["next_cursor"])
    assert quiet["results"] == [] and quiet["deleted"] == []
    first.title = "Changed"
    first.save()
    third = make_activity()
    changed = sync(client, quiet["next_cursor"])
    assert ids(changed) == [first.pk, third.pk]
    assert changed["results"][0]["title"] == "Changed"


def test_pages_go_through_every_change_once(api_client, staff, make_activity):
    client = api_client(staff)
    made = [make_activity().pk for _ in range(5)]
    seen, cursor, more = [], None, True
    while more:
        body = sync(client, cursor, page_size=2)
        seen += ids(body)
        cursor, more = body["next_cursor"], body["has_more"]
    assert seen == made


def test_a_deleted_activity_is_reported_to_everyone_who_had_it(api_client, staff, manager, make_activity):
    activity, kept = make_activity(), make_activity()
    cursors = {user: sync(api_client(user))["next_cursor"] for user in (staff, manager)}
    activity_pk = activity.pk
    activity.delete()  # any delete (here the ORM's, as the admin does) leaves a tombstone
    for user in (staff, manager):
        body = sync(api_client(user), cursors[user])
        assert body["deleted"] == [activity_pk] and body["results"] == []
    assert kept.pk not in sync(api_client(staff), cursors[staff])["deleted"]


def test_an_activity_made_sensitive_is_dropped_by_staff_and_changed_for_managers(
    api_client, staff, manager, make_activity
):
    activity = make_activity()
    staff_cursor = sync(api_client(staff))["next_cursor"]
    manager_cursor = sync(api_client(manager))["next_cursor"]
    activity.is_sensitive = True
    activity.save()
    for_staff = sync(api_client(staff), staff_cursor)
    assert for_staff["deleted"] == [activity.pk] and for_staff["results"] == []
    for_manager = sync(api_client(manager), manager_cursor)
    assert for_manager["deleted"] == [] and ids(for_manager) == [activity.pk]
    activity.is_sensitive = False  # visible again: staff get it back as a change
    activity.save()
    again = sync(api_client(staff), for_staff["next_cursor"])
    assert ids(again) == [activity.pk]


def test_a_sensitive_activity_never_reaches_staff_not_even_its_id(api_client, staff, manager, make_activity):
    cursor = sync(api_client(staff))["next_cursor"]
    secret = make_activity(is_sensitive=True)
    secret_pk = secret.pk
    body = sync(api_client(staff), cursor)
    assert body["results"] == [] and body["deleted"] == []
    secret.delete()
    body = sync(api_client(staff), cursor)
    assert secret_pk not in body["deleted"]
    assert Tombstone.objects.get(object_id=secret_pk).sensitive is True


def test_deletions_come_before_changes_so_the_last_state_wins(api_client, staff, make_activity):
    activity = make_activity()
    cursor = sync(api_client(staff))["next_cursor"]
    activity.is_sensitive = True
    activity.save()  # hidden: a tombstone for staff
    activity.is_sensitive = False
    activity.save()  # visible again
    body = sync(api_client(staff), cursor)
    assert body["deleted"] == [activity.pk] and ids(body) == [activity.pk]  # drop, then store: the client has it


def test_a_long_list_of_deletions_is_paged_before_the_changes(api_client, staff, make_activity):
    gone = [make_activity() for _ in range(3)]
    changed = make_activity()
    cursor = sync(api_client(staff))["next_cursor"]
    gone_ids = [activity.pk for activity in gone]
    JointActivity.objects.filter(pk__in=gone_ids).delete()
    changed.title = "Later"
    changed.save()
    first = sync(api_client(staff), cursor, page_size=2)
    assert len(first["deleted"]) == 2 and first["results"] == [] and first["has_more"]
    second = sync(api_client(staff), first["next_cursor"], page_size=2)
    assert sorted(first["deleted"] + second["deleted"]) == gone_ids and ids(second) == [changed.pk]


def test_a_cursor_not_given_by_the_api_is_refused_and_an_old_one_is_gone(api_client, staff):
    client = api_client(staff)
    refused = client.get(CHANGES, {"cursor": "not-a-cursor"})
    assert refused.status_code == 400 and "cursor" in refused.json()["errors"]
    old = Cursor(issued=timezone.now() - timedelta(days=91), changed=None, pk=0, tombstone=0).encode()
    gone = client.get(CHANGES, {"cursor": old})
    assert gone.status_code == 410 and gone["Content-Type"] == "application/problem+json"
    assert client.get(CHANGES, {"page_size": "0"}).status_code == 400


def test_a_change_is_listed_once_settled(api_client, staff, make_activity):
    with override_settings(PORTAL_API_SYNC_SETTLE_SECONDS=60):
        make_activity()
        assert sync(api_client(staff))["results"] == []  # changed less than a minute ago: next time
