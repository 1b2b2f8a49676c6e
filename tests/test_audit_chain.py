"""The audit chain verified after each kind of change, in one trail: pages, the admin, an import run by the Celery
job, a bulk path, exports and downloads, a consultation, an e-mail sent by a task, an admin action; and deleting a
user or a project who have entries neither rewrites nor is blocked by the trail."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django_celery_beat.models import IntervalSchedule, PeriodicTask

from conferences.models import Event, Registration
from projects.audit import audit_seal, audit_verify
from projects.models import AuditEvent, BackgroundJob, Organisation, Project, Task
from projects.services import job_execute
from reporting import services as reporting_services
from reporting import tasks as reporting_tasks
from reporting.models import ReminderDelivery
from tests.conferences.conftest import TODAY, make_event, make_person, register
from tests.conferences.test_import import GOOD, _csv
from tests.utils import admin_form_data, get_ok

pytestmark = pytest.mark.django_db


def _text(entry: AuditEvent) -> tuple:
    return (entry.action, entry.username, entry.project_code, entry.object_type)


def test_the_chain_verifies_after_every_kind_of_change_and_names_who_and_what(
    client_for, admin_user, manager, staff, athena, settings, tmp_path, django_capture_on_commit_callbacks
):
    settings.MEDIA_ROOT = tmp_path
    start = TODAY - timedelta(days=1)
    held = make_event(athena, title="Held workshop", start_date=start, days=2, status=Event.Status.HELD)
    register(held, make_person("Ana Popescu", email="ana@example.org"), attended_days=[start])
    register(held, make_person("Ivan Petrov", "BG", "MoI BG"))
    workshop = make_event(athena, title="Open workshop", capacity=20)
    checks: list[tuple[str, tuple]] = []

    def step(name: str, action, expected: tuple) -> None:
        """Run one kind of change as it commits; the chain must verify after it, its entry be there as text."""
        before = AuditEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
        with django_capture_on_commit_callbacks(execute=True):
            action()
        audit_seal()  # what beat does for a consultation, which seals nothing itself
        new = [_text(entry) for entry in AuditEvent.objects.filter(pk__gt=before).order_by("pk")]
        assert expected in new, f"{name}: {new}"
        report = audit_verify()
        assert report.ok and report.checked == AuditEvent.objects.count(), f"{name}: {report.problem}"
        checks.append((name, expected))

    # pages: create, change, delete
    ws1 = athena.workstreams.get(number=1)
    task_data = {"title": "Book the rooms", "owner": staff.pk, "due_date": "2025-05-01", "status": "todo"}
    step(
        "page create",
        lambda: client_for(staff).post(f"/projects/ATHENA2/workstreams/{ws1.number}/tasks/add/", task_data),
        ("create", "staff", "ATHENA2", "projects.Task"),
    )
    task = Task.objects.get(title="Book the rooms")
    step(
        "page change",
        lambda: client_for(staff).post(f"/projects/ATHENA2/tasks/{task.pk}/edit/", {**task_data, "status": "done"}),
        ("change", "staff", "ATHENA2", "projects.Task"),
    )
    ivan = Registration.objects.get(event=held, person__name="Ivan Petrov")
    step(
        "page delete",
        lambda: client_for(staff).post(f"/projects/ATHENA2/events/{held.pk}/registrations/{ivan.pk}/delete/"),
        ("delete", "staff", "ATHENA2", "conferences.Registration"),
    )
    # a bulk path: every one not checked in marked a no-show in one INSERT
    step(
        "bulk",
        lambda: client_for(staff).post(
            f"/projects/ATHENA2/events/{held.pk}/check-in/no-shows/", {"day": (start + timedelta(days=1)).isoformat()}
        ),
        ("change", "staff", "ATHENA2", "conferences.Attendance"),
    )
    # the admin: create, delete, and an action of an admin from another package
    admin = client_for(admin_user)  # the one test client, now logged in as the admin (until client_for(staff))
    add = reverse("admin:projects_organisation_add")
    data = admin_form_data(get_ok(admin, add))
    data.update(name="Border Police Academy", acronym="BPA", kind="law_enforcement")
    step("admin create", lambda: admin.post(add, data), ("create", "admin", "", "projects.Organisation"))
    bpa = Organisation.objects.get(acronym="BPA")
    delete = reverse("admin:projects_organisation_delete", args=[bpa.pk])
    step("admin delete", lambda: admin.post(delete, {"post": "yes"}), ("delete", "admin", "", "projects.Organisation"))
    every = IntervalSchedule.objects.create(every=1, period=IntervalSchedule.MINUTES)
    beat = PeriodicTask.objects.create(name="Seal (test)", task="projects.tasks.audit_seal", interval=every)
    step(
        "admin action of another package",
        lambda: admin.post(
            reverse("admin:django_celery_beat_periodictask_changelist"),
            {"action": "disable_tasks", "_selected_action": [beat.pk]},
        ),
        ("change", "admin", "", "django_celery_beat.PeriodicTask"),
    )
    # an import, run by the Celery job's code (the worker calls job_execute)
    import_url = f"/projects/ATHENA2/events/{workshop.pk}/registrations/import/"
    client_for(staff).post(import_url, {"file": _csv(GOOD)})
    client_for(staff).post(import_url + "confirm/")  # the job is queued (the test's transaction never commits)
    job = BackgroundJob.objects.get(kind="participants_import")
    step(
        "import (Celery job)",
        lambda: job_execute(job_id=job.pk),
        ("import", "staff", "ATHENA2", "conferences.Registration"),
    )
    # exports and downloads
    step(
        "export",
        lambda: get_ok(client_for(staff), f"/projects/ATHENA2/workstreams/{ws1.number}/tasks/export.csv"),
        ("export", "staff", "ATHENA2", "athena2-ws1-tasks"),  # a list of rows: named by its file
    )
    step(
        "download",
        lambda: get_ok(client_for(staff), reverse("projects:job-download", args=["ATHENA2", job.pk])),
        ("export", "staff", "ATHENA2", "projects.BackgroundJob"),
    )
    # a consultation of a page that lists people
    step(
        "consultation",
        lambda: get_ok(client_for(staff), f"/projects/ATHENA2/events/{held.pk}/registrations/"),
        ("view", "staff", "ATHENA2", "conferences.Registration"),
    )
    # an e-mail sent by a Celery task: a disclosure
    Project.objects.filter(pk=athena.pk).update(
        start_date=TODAY - timedelta(days=100), end_date=TODAY + timedelta(days=100)
    )
    delivery = reporting_services.delivery_record(
        kind="deliverable_overdue",
        reminder=reporting_services.Reminder(
            project_id=athena.pk,
            object_type="projects.Deliverable",
            object_id=1,
            occasion=TODAY,
            subject="Late handbook",
            body=".",
        ),
        recipient=manager,
    )
    step(
        "e-mail (Celery task)",
        lambda: reporting_tasks.reminder_send(delivery.pk),
        ("disclose", "", "ATHENA2", "reporting.ReminderDelivery"),
    )
    assert ReminderDelivery.objects.get(pk=delivery.pk).status == "sent"
    assert len(checks) == 12


def test_deleting_a_user_and_a_project_with_entries_neither_rewrites_nor_is_blocked_by_the_trail(
    client_for, admin_user, django_user_model, django_capture_on_commit_callbacks
):
    from tests.conftest import make_user

    leaver = make_user(django_user_model, "leaver")
    project = Project.objects.create(
        code="GONE", name="Gone", funding_programme="ISF", start_date=TODAY, end_date=TODAY + timedelta(days=9)
    )
    with django_capture_on_commit_callbacks(execute=True):
        reporting_services.audit_log(user=leaver, action=AuditEvent.Action.CHANGE, obj=project)
    sealed = list(AuditEvent.objects.order_by("pk").values_list("pk", "hash", "username", "project_code"))
    admin = client_for(admin_user)
    with django_capture_on_commit_callbacks(execute=True):
        assert admin.post(reverse("admin:auth_user_delete", args=[leaver.pk]), {"post": "yes"}).status_code == 302
        assert (
            admin.post(reverse("admin:projects_project_delete", args=[project.pk]), {"post": "yes"}).status_code == 302
        )
    assert not Project.objects.filter(code="GONE").exists()
    assert not django_user_model.objects.filter(username="leaver").exists()
    kept = list(AuditEvent.objects.filter(pk__in=[pk for pk, *_ in sealed]).order_by("pk"))
    assert [(e.pk, e.hash, e.username, e.project_code) for e in kept] == sealed  # unchanged
    deletions = AuditEvent.objects.filter(action="delete").order_by("pk")
    assert [(e.username, e.object_type, e.object_repr) for e in deletions] == [
        ("admin", "auth.User", "leaver"),
        ("admin", "projects.Project", "Gone"),
    ]
    assert audit_verify().ok
