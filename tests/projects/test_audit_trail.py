"""The audit trail is tamper-evident and durable: who and what kept as text, a hash chain sealed in commit order,
a PostgreSQL trigger that refuses UPDATE and DELETE, a recorded retention purge, and a read-only admin."""

import csv
import io
import logging
import threading
from datetime import date, timedelta

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, transaction
from django.urls import reverse
from django.utils import timezone
from django_celery_beat.models import PeriodicTask

from projects import tasks
from projects.audit import audit_purge, audit_seal, audit_verify
from projects.models import AuditEvent, Organisation, Project, Task
from projects.models.audit import GENESIS
from projects.services import audit_log, record_delete
from tests.conftest import make_user
from tests.utils import admin_form_data, count_queries, get_ok

pytestmark = pytest.mark.django_db

TRIGGER = "projects_auditevent_append_only"


def _entry(**fields) -> AuditEvent:
    return AuditEvent.objects.create(action=AuditEvent.Action.VIEW, object_type="tests.Thing", **fields)


def _verify_command() -> tuple[str, str]:
    """Run `manage.py audit_verify`; (stdout, stderr) when it passes, CommandError (exit 1) when it does not."""
    out, err = io.StringIO(), io.StringIO()
    call_command("audit_verify", stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def _failing_verify_command() -> str:
    err = io.StringIO()
    with pytest.raises(CommandError) as refused:
        call_command("audit_verify", stdout=io.StringIO(), stderr=err)
    assert refused.value.returncode == 1
    return err.getvalue()


def _raw(sql: str, params=()) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def _without_trigger() -> None:
    """What a database superuser could do: switch the trigger off (until the test's transaction ends)."""
    _raw(f"ALTER TABLE projects_auditevent DISABLE TRIGGER {TRIGGER}")


# --- who and what, as text -------------------------------------------------------------------------------------------


def test_an_entry_keeps_who_and_what_as_text(staff, athena):
    indicator = athena.indicators.first()
    event = audit_log(user=staff, action=AuditEvent.Action.EXPORT, obj=indicator)
    event.refresh_from_db()
    assert (event.username, event.project_code, event.object_repr) == ("staff", "ATHENA2", str(indicator))
    assert (event.user, event.project) == (staff, athena)


def test_an_entry_created_directly_still_keeps_who_and_what_as_text(staff, athena):
    event = _entry(user=staff, project=athena)  # as the demo data do; sealed by the next seal
    assert (event.username, event.project_code) == ("staff", "ATHENA2")


def test_deleting_a_user_keeps_their_entries_with_the_username(django_user_model, athena):
    leaver = make_user(django_user_model, "leaver")
    event = audit_log(user=leaver, action=AuditEvent.Action.VIEW, obj=athena)
    audit_seal()
    leaver_id = leaver.pk
    leaver.delete()
    event.refresh_from_db()
    assert (event.username, event.user_id) == ("leaver", leaver_id)
    assert "leaver" in str(event)
    assert audit_verify().ok


def test_deleting_a_project_keeps_its_entries_with_the_project_code(admin_user):
    project = Project.objects.create(
        code="GONE", name="Gone", funding_programme="ISF", start_date=date(2024, 1, 1), end_date=date(2025, 1, 1)
    )
    created = audit_log(user=admin_user, action=AuditEvent.Action.CREATE, obj=project)
    project_id = project.pk
    record_delete(user=admin_user, obj=project)
    audit_seal()
    entries = AuditEvent.objects.filter(project_id=project_id).order_by("pk")
    assert [(e.action, e.project_code) for e in entries] == [("create", "GONE"), ("delete", "GONE")]
    assert entries[0] == created
    assert audit_verify().ok


# --- sealing ---------------------------------------------------------------------------------------------------------


def test_entries_are_written_unsealed_and_sealed_once_the_transaction_commits(
    staff, athena, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with transaction.atomic():
            events = [audit_log(user=staff, action=AuditEvent.Action.VIEW, obj=athena) for _ in range(3)]
            assert not AuditEvent.objects.filter(seq__isnull=False).exists()
    assert len(callbacks) == 1  # one seal per transaction, however many entries it wrote
    sealed = AuditEvent.objects.filter(pk__in=[e.pk for e in events]).order_by("seq")
    assert [e.pk for e in sealed] == [e.pk for e in events]  # in id order
    assert [e.seq for e in sealed] == [1, 2, 3]
    assert sealed[0].prev_hash == GENESIS
    assert [e.prev_hash for e in sealed[1:]] == [e.hash for e in sealed[:2]]


def test_an_entry_rolled_back_is_never_sealed_and_nothing_is_asked_to_seal(
    staff, athena, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with pytest.raises(RuntimeError), transaction.atomic():
            audit_log(user=staff, action=AuditEvent.Action.VIEW, obj=athena)
            raise RuntimeError("the write failed")
    assert callbacks == []
    assert not AuditEvent.objects.exists()


def test_sealing_twice_seals_nothing_twice():
    _entry()
    assert audit_seal() == 1
    assert audit_seal() == 0
    assert list(AuditEvent.objects.values_list("seq", flat=True)) == [1]


def test_sealing_costs_the_same_queries_for_one_entry_or_fifty():
    _entry()
    one = count_queries(audit_seal)
    for _ in range(50):
        _entry()
    # savepoint, advisory lock, the unsealed entries, the head of the chain, one UPDATE of all, release
    assert count_queries(audit_seal) == one == 6
    assert count_queries(audit_seal) == 4  # nothing to seal: savepoint, lock, an empty read, release


def test_beat_seals_what_an_after_commit_seal_missed():
    schedule = PeriodicTask.objects.get(task="projects.tasks.audit_seal")
    assert schedule.enabled and (schedule.interval.every, schedule.interval.period) == (1, "minutes")
    event = _entry()  # never sealed after its commit (the test's transaction does not commit)
    tasks.audit_seal()
    event.refresh_from_db()
    assert event.is_sealed


# --- the chain verified after each kind of change --------------------------------------------------------------------


def _sealed_after(response_or_action, django_capture_on_commit_callbacks):
    before = AuditEvent.objects.count()
    with django_capture_on_commit_callbacks(execute=True):
        response_or_action()
    new = AuditEvent.objects.order_by("pk")[before:]
    assert new, "nothing was recorded"
    assert all(event.is_sealed for event in new)
    report = audit_verify()
    assert report.ok, report.problem
    assert report.checked == before + len(new)
    return list(new)


def test_the_chain_verifies_after_a_page_save(client_for, staff, ws1, django_capture_on_commit_callbacks):
    client = client_for(staff)
    data = {"title": "Book the rooms", "owner": staff.pk, "due_date": "2025-05-01", "status": "todo"}

    def save():
        assert client.post("/projects/ATHENA2/workstreams/1/tasks/add/", data).status_code == 302

    [event] = _sealed_after(save, django_capture_on_commit_callbacks)
    assert (event.action, event.object_id) == ("create", str(Task.objects.get().pk))


def test_the_chain_verifies_after_an_admin_save_and_an_admin_delete(
    client_for, admin_user, django_capture_on_commit_callbacks
):
    client = client_for(admin_user)
    url = reverse("admin:projects_organisation_add")
    data = admin_form_data(get_ok(client, url))
    data.update(name="Border Police Academy", acronym="BPA", kind="law_enforcement")
    [created] = _sealed_after(lambda: client.post(url, data), django_capture_on_commit_callbacks)
    organisation = Organisation.objects.get(acronym="BPA")
    assert (created.action, created.object_id) == ("create", str(organisation.pk))
    delete = reverse("admin:projects_organisation_delete", args=[organisation.pk])
    [deleted] = _sealed_after(lambda: client.post(delete, {"post": "yes"}), django_capture_on_commit_callbacks)
    assert (deleted.action, deleted.object_repr, deleted.username) == ("delete", str(organisation), "admin")


def test_the_chain_verifies_after_an_export(client_for, viewer, ws1, django_capture_on_commit_callbacks):
    client = client_for(viewer)
    [event] = _sealed_after(
        lambda: client.get("/projects/ATHENA2/workstreams/1/tasks/export.csv"), django_capture_on_commit_callbacks
    )
    assert (event.action, event.username, event.project_code) == ("export", "viewer", "ATHENA2")


@pytest.fixture
def ws1(athena):
    return athena.workstreams.get(number=1)


# --- audit_verify finds tampering ------------------------------------------------------------------------------------


@pytest.fixture
def chain() -> list[AuditEvent]:
    """Five sealed entries, seq 1 to 5."""
    for number in range(5):
        _entry(object_id=str(number), details={"n": number, "ratio": 0.1 * number, "names": ["Ana", "Ivan"]})
    audit_seal()
    return list(AuditEvent.objects.order_by("seq"))


def test_an_intact_chain_verifies_and_the_command_prints_its_head(chain):
    out, err = _verify_command()
    assert f"head 5 {chain[-1].hash}" in out
    assert "The audit trail verifies." in out and err == ""


def test_an_entry_altered_by_raw_sql_is_reported(chain):
    _without_trigger()
    _raw("UPDATE projects_auditevent SET object_repr = 'someone else' WHERE seq = 3")
    report = audit_verify()
    assert (report.broken_seq, report.broken_id, report.checked) == (3, chain[2].pk, 2)
    assert "altered" in report.problem
    assert "BROKEN at entry 3" in _failing_verify_command()


def test_altered_details_are_reported(chain):
    _without_trigger()
    _raw("""UPDATE projects_auditevent SET details = '{"n": 1, "ratio": 0.1, "names": ["Ana"]}' WHERE seq = 2""")
    assert audit_verify().broken_seq == 2


def test_an_entry_whose_hash_was_recomputed_breaks_the_next_link(chain):
    altered = chain[1]
    altered.object_repr = "someone else"
    forged = altered.compute_hash(seq=altered.seq, prev_hash=altered.prev_hash)
    _without_trigger()
    _raw("UPDATE projects_auditevent SET object_repr = %s, hash = %s WHERE seq = 2", ["someone else", forged])
    report = audit_verify()
    assert report.broken_seq == 3 and "previous hash" in report.problem


def test_a_deleted_entry_is_reported(chain):
    _without_trigger()
    _raw("DELETE FROM projects_auditevent WHERE seq = 4")
    report = audit_verify()
    assert report.broken_seq == 5 and "entries 4 to 4 are missing" in report.problem


def test_the_oldest_entries_deleted_without_a_purge_are_reported(chain):
    _without_trigger()
    _raw("DELETE FROM projects_auditevent WHERE seq <= 2")
    report = audit_verify()
    assert report.broken_seq == 3 and "no retention purge" in report.problem


def test_an_entry_left_unsealed_too_long_is_reported(chain):
    stale = _entry(at=timezone.now() - timedelta(minutes=11))
    _entry()  # written a moment ago: the seal is on its way
    report = audit_verify()
    assert (report.problem, report.stale_unsealed, report.oldest_unsealed_id) == ("", 1, stale.pk)
    assert f"the oldest: id {stale.pk}" in _failing_verify_command()
    audit_seal()
    _verify_command()


# --- the trigger -----------------------------------------------------------------------------------------------------


def _refused(sql: str, params=(), *, purging: bool = False) -> None:
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        if purging:
            _raw("SELECT set_config('selec.audit_purge', 'on', true)")
        _raw(sql, params)


def test_a_manual_update_or_delete_of_the_trail_fails_on_postgresql(chain):
    _refused("UPDATE projects_auditevent SET object_repr = 'someone else' WHERE seq = 3")
    _refused("UPDATE projects_auditevent SET hash = %s WHERE seq = 3", ["0" * 64])  # no resealing
    _refused("DELETE FROM projects_auditevent WHERE seq = 3")
    _refused("DELETE FROM projects_auditevent")
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEvent.objects.filter(seq=3).update(username="someone else")
    assert [e.hash for e in AuditEvent.objects.order_by("seq")] == [e.hash for e in chain]


def test_an_unsealed_entry_can_be_sealed_and_nothing_else(chain):
    event = _entry()
    _refused("UPDATE projects_auditevent SET object_repr = 'someone else' WHERE id = %s", [event.pk])
    seal = "seq = 6, prev_hash = %s, hash = %s, sealed_at = now()"
    params = [chain[-1].hash, "1" * 64, event.pk]
    _refused(f"UPDATE projects_auditevent SET {seal}, object_repr = 'x' WHERE id = %s", params)
    _refused("UPDATE projects_auditevent SET seq = 6 WHERE id = %s", [event.pk])  # a seal is whole
    _refused("DELETE FROM projects_auditevent WHERE id = %s", [event.pk], purging=True)  # the purge: sealed only
    assert audit_seal() == 1  # the sealing step's own UPDATE goes through
    assert audit_verify().ok


# --- the retention purge ---------------------------------------------------------------------------------------------


def test_the_purge_removes_the_oldest_entries_records_itself_and_the_chain_still_verifies(admin_user):
    long_ago = timezone.now() - timedelta(days=400)
    old = [_entry(at=long_ago + timedelta(minutes=n)) for n in range(3)]
    audit_seal()
    recent = audit_log(user=admin_user, action=AuditEvent.Action.VIEW, object_type="tests.Thing")
    audit_seal()
    before = timezone.localdate() - timedelta(days=30)
    out = io.StringIO()
    call_command("audit_purge", before=before.isoformat(), stdout=out)
    assert "Removed 3 audit entries" in out.getvalue()
    assert not AuditEvent.objects.filter(pk__in=[e.pk for e in old]).exists()
    purge = AuditEvent.objects.get(action=AuditEvent.Action.PURGE)
    recent.refresh_from_db()
    assert purge.is_sealed and purge.seq == 5
    assert purge.details["before"] == before.isoformat()
    assert (purge.details["deleted"], purge.details["through_seq"]) == (3, 3)
    assert purge.details["anchor"] == recent.prev_hash  # the first entry kept starts from the anchor
    assert purge.details["by"]
    report = audit_verify()
    assert report.ok and (report.first_seq, report.head_seq, report.checked) == (4, 5, 2)
    _verify_command()


def test_a_second_purge_verifies_from_its_own_anchor():
    long_ago = timezone.now() - timedelta(days=400)
    for n in range(3):
        _entry(at=long_ago + timedelta(days=n * 100))
    audit_seal()
    first = audit_purge(before=(long_ago + timedelta(days=50)).date())  # removes 1; its record is seq 4
    second = audit_purge(before=timezone.localdate())  # removes 2 and 3; its record is seq 5
    assert (first.details["through_seq"], second.details["through_seq"]) == (1, 3)
    assert list(AuditEvent.objects.order_by("seq").values_list("seq", "action")) == [(4, "purge"), (5, "purge")]
    report = audit_verify()
    assert report.ok and report.first_seq == 4


def test_the_purge_keeps_the_chain_whole_when_an_old_entry_was_sealed_late():
    recent = _entry()
    audit_seal()
    late = _entry(at=timezone.now() - timedelta(days=400))  # written long ago, sealed after `recent`
    audit_seal()
    purge = audit_purge(before=timezone.localdate() - timedelta(days=30))
    assert purge.details["deleted"] == 0
    assert set(AuditEvent.objects.values_list("pk", flat=True)) == {recent.pk, late.pk, purge.pk}
    assert audit_verify().ok


def test_the_purge_refuses_a_date_after_today_and_a_malformed_date():
    with pytest.raises(CommandError, match="after today"):
        call_command("audit_purge", before=(timezone.localdate() + timedelta(days=1)).isoformat())
    with pytest.raises(CommandError, match="must be a date"):
        call_command("audit_purge", before="last year")
    assert not AuditEvent.objects.exists()


# --- the admin: read-only for everyone, readable and exportable by admins --------------------------------------------


@pytest.fixture
def trail(admin_user, staff, athena, django_user_model):
    leaver = make_user(django_user_model, "leaver")
    audit_log(user=staff, action=AuditEvent.Action.EXPORT, obj=athena, details={"format": "csv"})
    audit_log(user=leaver, action=AuditEvent.Action.VIEW, obj=athena)
    leaver.delete()
    audit_seal()
    return list(AuditEvent.objects.order_by("seq"))


def test_admins_read_the_trail_with_filters_search_and_detail(client_for, admin_user, trail):
    client = client_for(admin_user)
    url = reverse("admin:projects_auditevent_changelist")
    page = get_ok(client, url).content.decode()
    assert "leaver" in page  # the username outlives the account
    for query in ("?action=export", "?sealed=yes", "?sealed=no", "?project_code=ATHENA2", "?q=staff"):
        get_ok(client, url + query)
    assert list(get_ok(client, url + "?q=leaver").context["cl"].result_list) == [trail[1]]
    detail = get_ok(client, reverse("admin:projects_auditevent_change", args=[trail[1].pk])).content.decode()
    assert trail[1].hash in detail and "leaver" in detail
    assert 'name="_save"' not in detail


def test_nobody_adds_changes_or_deletes_entries_in_the_admin(client_for, admin_user, trail):
    client = client_for(admin_user)
    event = trail[0]
    assert client.get(reverse("admin:projects_auditevent_add")).status_code == 403
    change = reverse("admin:projects_auditevent_change", args=[event.pk])
    assert client.post(change, {"object_repr": "someone else", "action": "view"}).status_code == 403
    assert client.post(reverse("admin:projects_auditevent_delete", args=[event.pk]), {"post": "yes"}).status_code == 403
    changelist = reverse("admin:projects_auditevent_changelist")
    client.post(changelist, {"action": "delete_selected", "_selected_action": [event.pk], "post": "yes"})
    event.refresh_from_db()
    assert event.object_repr == str(event.project) and audit_verify().ok


def test_staff_with_every_audit_permission_but_no_superuser_flag_do_not_read_the_trail(
    client_for, django_user_model, trail
):
    from django.contrib.auth.models import Permission

    clerk = make_user(django_user_model, "clerk", is_staff=True)
    clerk.user_permissions.set(Permission.objects.filter(codename__endswith="_auditevent"))
    client = client_for(clerk)
    assert client.get(reverse("admin:projects_auditevent_changelist")).status_code == 403
    assert client.get(reverse("admin:projects_auditevent_export")).status_code == 403


def test_admins_export_the_filtered_trail_as_csv_and_the_export_is_recorded(client_for, admin_user, trail):
    client = client_for(admin_user)
    changelist = get_ok(client, reverse("admin:projects_auditevent_changelist") + "?action=export").content.decode()
    assert reverse("admin:projects_auditevent_export") + "?action=export" in changelist
    response = client.get(reverse("admin:projects_auditevent_export") + "?action=export")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    assert rows[0][:4] == ["Sequence number", "At", "Action", "Username"] and rows[0][-1] == "Hash"
    assert [(row[0], row[2], row[3], row[-1]) for row in rows[1:]] == [("1", "export", "staff", trail[0].hash)]
    recorded = AuditEvent.objects.get(action="export", username="admin")
    assert recorded.object_type == "projects.AuditEvent" and recorded.details["filters"] == {"action": "export"}


# --- concurrency: two real transactions ------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_two_transactions_writing_and_sealing_at_once_give_one_unbroken_chain(caplog):
    rounds, per_transaction = 10, 3
    both_written = threading.Barrier(2, timeout=20)
    errors = []

    def writer(name: str) -> None:
        try:
            for round_ in range(rounds):
                with transaction.atomic():
                    for n in range(per_transaction):
                        audit_log(user=None, action="view", object_type=f"tests.{name}", details={"r": round_, "n": n})
                    both_written.wait()  # both transactions hold unsealed entries, then commit and seal at once
        except Exception as exc:  # reported by the assertion below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=writer, args=(name,)) for name in ("first", "second")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR] == []  # no seal failed
    total = 2 * rounds * per_transaction
    assert not AuditEvent.objects.filter(seq__isnull=True).exists()
    assert sorted(AuditEvent.objects.values_list("seq", flat=True)) == list(range(1, total + 1))
    report = audit_verify()
    assert report.ok and report.checked == total


@pytest.mark.django_db(transaction=True)
def test_a_seal_waits_for_the_one_in_progress():
    from projects.audit import _lock

    _entry()
    holding, released = threading.Event(), threading.Event()

    def other_sealer() -> None:
        try:
            with transaction.atomic():
                _lock("default")  # a sealing step in progress
                holding.set()
                released.wait(timeout=20)
        finally:
            connection.close()

    thread = threading.Thread(target=other_sealer)
    thread.start()
    assert holding.wait(timeout=20)
    done = threading.Event()

    def seal() -> None:
        try:
            audit_seal()
            done.set()
        finally:
            connection.close()

    sealer = threading.Thread(target=seal)
    sealer.start()
    assert not done.wait(timeout=0.5)  # blocked on the lock
    released.set()
    thread.join(timeout=20)
    sealer.join(timeout=20)
    assert done.is_set() and audit_verify().ok
