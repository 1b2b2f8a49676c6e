"""Workstreams as something a team works in: tasks, milestones and deliverables on the project's timeline."""

from datetime import date, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from projects import rollups
from projects.forms import DeliverableStatusForm
from projects.models import AuditEvent, Deliverable, Membership, Milestone, Task, Workstream
from projects.queries import project_months, project_timeline, workstream_page_data
from projects.services import (
    deliverable_set_status,
    membership_set,
    milestone_set_status,
    task_create,
    task_update,
)
from tests.conftest import make_user
from tests.utils import count_queries, get_ok

# IMOBEX runs from April 2021 to March 2023; its WS1 milestone "Information requested from all 34 countries" is
# due at the end of month 4 (31 July 2021), its WS2 runs in months 12 to 18.
WS1_MILESTONE_DUE = date(2021, 7, 31)


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def ws1(athena) -> Workstream:
    return athena.workstreams.get(number=1)


def _timeline_item(timeline, title):
    for row in timeline.rows:
        for cell in row.cells:
            for item in cell.items:
                if item.title == title:
                    return row, cell, item
    raise AssertionError(f"{title} is not on the timeline")


# --- the "late" logic, with a fixed date --------------------------------------------------------------------------


def test_a_task_is_late_once_its_due_date_has_passed_and_it_is_not_done(ws1):
    task = Task(workstream=ws1, title="Draft the plan", due_date=date(2025, 3, 31))
    assert not task.overdue_on(date(2025, 3, 31))
    assert task.overdue_on(date(2025, 4, 1))
    task.status = Task.Status.DONE
    assert not task.overdue_on(date(2025, 4, 1))


def test_the_timeline_shows_a_pending_milestone_late_only_after_its_due_date(imobex):
    title = "Information requested from all 34 countries"
    on_due_date = project_timeline(imobex, today=WS1_MILESTONE_DUE)
    _, cell, item = _timeline_item(on_due_date, title)
    assert cell.month.number == 4
    assert not item.late
    assert on_due_date.late == []

    next_day = project_timeline(imobex, today=WS1_MILESTONE_DUE + timedelta(days=1))
    row, _, item = _timeline_item(next_day, title)
    assert item.late
    assert [late.title for late in next_day.late] == [title]
    assert [late.title for late in row.progress.late] == [title]


def test_a_reached_milestone_and_an_approved_deliverable_are_never_late(imobex):
    milestone = Milestone.objects.get(workstream__project=imobex, title__startswith="Information requested")
    milestone.status, milestone.reached_on = Milestone.Status.REACHED, date(2021, 9, 1)
    milestone.save()
    Deliverable.objects.filter(workstream__project=imobex).update(status="approved", delivered_on=date(2023, 3, 1))
    timeline = project_timeline(imobex, today=date(2024, 1, 1))
    assert [item.title for item in timeline.late if item.kind != "milestone"] == []
    assert "Information requested from all 34 countries" not in [item.title for item in timeline.late]
    # The two other milestones are still pending, long after the project ended.
    assert {item.title for item in timeline.late} == {"Expert workshop held", "Field lab held"}


def test_late_tasks_are_listed_but_only_milestones_and_deliverables_are_on_the_grid(imobex, outsider):
    ws = imobex.workstreams.get(number=1)
    Task.objects.create(workstream=ws, title="Send the questionnaire", due_date=date(2021, 5, 15), owner=outsider)
    Task.objects.create(workstream=ws, title="Chase the answers", due_date=date(2021, 6, 15), status="done")
    timeline = project_timeline(imobex, today=date(2021, 6, 1))
    assert [(item.kind, item.title) for item in timeline.late] == [("task", "Send the questionnaire")]
    grid_titles = {item.title for row in timeline.rows for cell in row.cells for item in cell.items}
    assert "Send the questionnaire" not in grid_titles


def test_the_timeline_has_one_column_per_project_month_and_marks_the_current_one(imobex, selec):
    months = project_months(imobex, today=date(2022, 7, 6))
    assert len(months) == 24
    assert (months[0].first_day, months[-1].last_day) == (date(2021, 4, 1), date(2023, 3, 31))
    assert [m.number for m in months if m.current] == [16]
    assert len(project_months(selec["DTP-TOC"], today=date(2025, 1, 1))) == 36


def test_a_workstream_is_drawn_over_the_months_it_runs(imobex):
    timeline = project_timeline(imobex, today=date(2021, 4, 1))
    ws2 = next(row for row in timeline.rows if row.workstream.number == 2)
    assert [cell.month.number for cell in ws2.cells if cell.active] == list(range(12, 19))
    assert [y for y, _ in timeline.years] == [2021, 2022, 2023]
    assert sum(span for _, span in timeline.years) == 24


def test_workstream_progress_counts_done_tasks_milestones_and_deliverables(imobex):
    ws = imobex.workstreams.get(number=1)  # one milestone, one deliverable
    Task.objects.create(workstream=ws, title="a", due_date=date(2021, 5, 1), status="done")
    Task.objects.create(workstream=ws, title="b", due_date=date(2021, 5, 1))
    data = workstream_page_data(imobex, 1, today=date(2021, 5, 2))
    progress = data["progress"]
    assert (progress.done, progress.total, progress.percent) == (1, 4, 25)
    assert [item.obj.title for item in progress.late] == ["b"]
    assert [item.late for item in data["tasks"]] == [False, True]


# --- services: who may do what, bad input ---------------------------------------------------------------------------


def test_staff_add_a_task_and_it_is_in_the_audit_trail(staff, ws1):
    task = task_create(user=staff, workstream=ws1, title="Plan the patrols", due_date=date(2025, 5, 1), owner=staff)
    assert task.status == Task.Status.TODO
    event = AuditEvent.objects.get(object_type="projects.Task", object_id=str(task.pk))
    assert (event.action, event.user, event.project) == ("create", staff, ws1.project)


def test_a_viewer_cannot_add_or_change_tasks(viewer, staff, ws1):
    with pytest.raises(PermissionDenied):
        task_create(user=viewer, workstream=ws1, title="x", due_date=date(2025, 5, 1))
    task = task_create(user=staff, workstream=ws1, title="x", due_date=date(2025, 5, 1))
    with pytest.raises(PermissionDenied):
        task_update(user=viewer, task=task, status="done")


def test_a_task_owner_must_be_a_member_of_the_project(staff, outsider, ws1):
    with pytest.raises(ValidationError) as exc:
        task_create(user=staff, workstream=ws1, title="x", due_date=date(2025, 5, 1), owner=outsider)
    assert "owner" in exc.value.message_dict
    assert not Task.objects.exists()


def test_a_done_task_gets_its_completion_date_and_loses_it_when_reopened(staff, ws1):
    task = task_create(user=staff, workstream=ws1, title="x", due_date=date(2025, 5, 1))
    task_update(user=staff, task=task, status=Task.Status.DONE)
    assert task.completed_on is not None
    task_update(user=staff, task=task, status=Task.Status.IN_PROGRESS)
    assert task.completed_on is None
    changes = AuditEvent.objects.filter(object_type="projects.Task", action="change").values_list("details", flat=True)
    assert [c["status"] for c in changes.order_by("pk")] == [["todo", "done"], ["done", "in_progress"]]


def test_staff_cannot_approve_a_deliverable_but_a_manager_can(staff, manager, ws1):
    deliverable = Deliverable.objects.create(workstream=ws1, title="Report", due_date=date(2025, 6, 30))
    deliverable_set_status(user=staff, deliverable=deliverable, status="submitted", delivered_on=date(2025, 6, 1))
    with pytest.raises(ValidationError) as exc:
        deliverable_set_status(user=staff, deliverable=deliverable, status="approved", delivered_on=date(2025, 6, 1))
    assert "manager" in exc.value.message_dict["status"][0]
    deliverable.refresh_from_db()
    assert deliverable.status == "submitted"
    deliverable_set_status(user=manager, deliverable=deliverable, status="approved", delivered_on=date(2025, 6, 1))
    deliverable.refresh_from_db()
    assert deliverable.status == "approved"
    assert AuditEvent.objects.filter(object_type="projects.Deliverable", action="transition").count() == 2


def test_a_milestone_reached_without_a_date_is_refused(staff, ws1):
    milestone = ws1.milestones.first()
    with pytest.raises(ValidationError) as exc:
        milestone_set_status(user=staff, milestone=milestone, status="reached")
    assert "reached_on" in exc.value.message_dict
    milestone.refresh_from_db()
    assert milestone.status == "pending"


# --- pages ------------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("code", ["DTP-TOC", "ATHENA2", "IMOBEX"])
def test_every_project_has_a_timeline_tab(client_for, admin_user, code):
    page = get_ok(client_for(admin_user), f"/projects/{code}/").content.decode()
    assert f'href="/projects/{code}/timeline/"' in page
    get_ok(client_for(admin_user), f"/projects/{code}/timeline/")


def test_the_overview_links_workstream_titles_to_their_page(client_for, viewer):
    page = get_ok(client_for(viewer), "/projects/ATHENA2/").content.decode()
    assert 'href="/projects/ATHENA2/workstreams/1/"' in page


def test_a_viewer_reads_the_workstream_page_but_sees_no_edit_buttons(client_for, viewer, staff, ws1):
    task_create(user=staff, workstream=ws1, title="Plan the patrols", due_date=date(2025, 5, 1))
    page = get_ok(client_for(viewer), "/projects/ATHENA2/workstreams/1/").content.decode()
    assert "Plan the patrols" in page
    assert "Add a task" not in page and "/edit/" not in page and "/status/" not in page


def test_a_viewer_cannot_open_the_edit_pages(client_for, viewer, staff, ws1):
    task = task_create(user=staff, workstream=ws1, title="x", due_date=date(2025, 5, 1))
    client = client_for(viewer)
    for url in (
        "/projects/ATHENA2/workstreams/1/tasks/add/",
        f"/projects/ATHENA2/tasks/{task.pk}/edit/",
        f"/projects/ATHENA2/milestones/{ws1.milestones.first().pk}/status/",
        f"/projects/ATHENA2/deliverables/{ws1.deliverables.first().pk}/status/",
    ):
        assert client.get(url).status_code == 403, url
        assert client.post(url, {"title": "y", "status": "done"}).status_code == 403, url
    task.refresh_from_db()
    assert (task.title, task.status) == ("x", "todo")


def test_members_of_another_project_get_404(client_for, outsider, ws1):
    client = client_for(outsider)
    for url in (
        "/projects/ATHENA2/timeline/",
        "/projects/ATHENA2/workstreams/1/",
        "/projects/ATHENA2/workstreams/1/tasks/add/",
        f"/projects/ATHENA2/deliverables/{ws1.deliverables.first().pk}/evidence/",
    ):
        assert client.get(url).status_code == 404, url


def test_a_record_of_another_project_is_404_even_for_its_own_members(client_for, staff, imobex):
    other = Milestone.objects.filter(workstream__project=imobex).first()
    assert client_for(staff).get(f"/projects/ATHENA2/milestones/{other.pk}/status/").status_code == 404


def test_staff_add_a_task_through_the_page(client_for, staff, ws1):
    client = client_for(staff)
    url = "/projects/ATHENA2/workstreams/1/tasks/add/"
    response = client.post(
        url, {"title": "Book the rooms", "owner": staff.pk, "due_date": "2025-05-01", "status": "todo"}
    )
    assert response.status_code == 302
    assert response.url == "/projects/ATHENA2/workstreams/1/"
    task = Task.objects.get(title="Book the rooms")
    assert (task.owner, task.workstream) == (staff, ws1)
    assert "Book the rooms" in get_ok(client, response.url).content.decode()


def test_a_task_with_no_title_or_an_outside_owner_is_answered_next_to_the_field(client_for, staff, outsider):
    url = "/projects/ATHENA2/workstreams/1/tasks/add/"
    response = client_for(staff).post(url, {"title": "", "owner": outsider.pk, "due_date": "someday", "status": "x"})
    assert response.status_code == 200
    page = response.content.decode()
    assert "This field is required" in page
    assert "Select a valid choice" in page
    assert "Enter a valid date" in page
    assert not Task.objects.exists()


def test_staff_edit_a_task(client_for, staff, manager, ws1):
    task = task_create(user=staff, workstream=ws1, title="x", due_date=date(2025, 5, 1))
    response = client_for(staff).post(
        f"/projects/ATHENA2/tasks/{task.pk}/edit/",
        {"title": "x", "owner": manager.pk, "due_date": "2025-05-01", "status": "done"},
    )
    assert response.status_code == 302
    task.refresh_from_db()
    assert (task.owner, task.status) == (manager, "done")
    assert AuditEvent.objects.get(action="change", object_id=str(task.pk)).details["status"] == ["todo", "done"]


def test_a_milestone_reached_without_a_date_is_answered_next_to_the_field(client_for, staff, ws1):
    milestone = ws1.milestones.first()
    response = client_for(staff).post(f"/projects/ATHENA2/milestones/{milestone.pk}/status/", {"status": "reached"})
    assert response.status_code == 200
    assert "Give the date on which the milestone was reached" in response.content.decode()
    milestone.refresh_from_db()
    assert milestone.status == "pending"


def test_staff_are_not_offered_approval_of_a_deliverable(client_for, staff, ws1):
    deliverable = ws1.deliverables.first()
    client = client_for(staff)
    url = f"/projects/ATHENA2/deliverables/{deliverable.pk}/status/"
    assert 'value="approved"' not in get_ok(client, url).content.decode()
    response = client.post(url, {"status": "approved", "delivered_on": "2025-06-01"})
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    deliverable.refresh_from_db()
    assert deliverable.status == "planned"


def test_evidence_is_uploaded_by_staff_and_downloaded_only_through_the_access_check(
    client_for, staff, viewer, outsider, ws1, media
):
    deliverable = ws1.deliverables.first()
    upload = SimpleUploadedFile("evaluation.pdf", b"%PDF-1.4 evidence", content_type="application/pdf")
    response = client_for(staff).post(
        f"/projects/ATHENA2/deliverables/{deliverable.pk}/status/",
        {"status": "submitted", "delivered_on": "2025-06-01", "evidence": upload},
    )
    assert response.status_code == 302
    deliverable.refresh_from_db()
    assert deliverable.status == "submitted" and deliverable.evidence.name.endswith(".pdf")

    url = f"/projects/ATHENA2/deliverables/{deliverable.pk}/evidence/"
    download = client_for(viewer).get(url)
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == b"%PDF-1.4 evidence"
    assert "attachment" in download["Content-Disposition"]
    assert AuditEvent.objects.filter(action="export", user=viewer, object_id=str(deliverable.pk)).exists()

    assert client_for(outsider).get(url).status_code == 404
    assert client_for(viewer).get(f"/media/{deliverable.evidence.name}").status_code == 404  # no public address
    page = get_ok(client_for(viewer), "/projects/ATHENA2/workstreams/1/").content.decode()
    assert url in page and "/media/" not in page


def test_an_executable_is_refused_as_evidence(client_for, staff, ws1, media):
    deliverable = ws1.deliverables.first()
    response = client_for(staff).post(
        f"/projects/ATHENA2/deliverables/{deliverable.pk}/status/",
        {"status": "in_progress", "evidence": SimpleUploadedFile("tool.exe", b"MZ")},
    )
    assert response.status_code == 200
    assert "File extension" in response.content.decode()
    deliverable.refresh_from_db()
    assert deliverable.status == "planned" and not deliverable.evidence


def test_a_deliverable_without_evidence_has_nothing_to_download(client_for, viewer, ws1):
    deliverable = ws1.deliverables.first()
    assert client_for(viewer).get(f"/projects/ATHENA2/deliverables/{deliverable.pk}/evidence/").status_code == 404


# --- query counts -----------------------------------------------------------------------------------------------------


@rollups.batch(everything=True)  # set-up data in bulk: the rollups rebuilt once, at the end
def _grow(project, n: int) -> None:
    """n more tasks, milestones and deliverables in every workstream, and one more workstream."""
    owner = make_user_member(project)
    number = 50 + Workstream.objects.filter(project=project).count()
    Workstream.objects.create(project=project, number=number, title=f"WS {number}")
    for ws in Workstream.objects.filter(project=project):
        due = project.start_date + timedelta(days=40)
        Task.objects.bulk_create(Task(workstream=ws, title=f"t{i}", due_date=due, owner=owner) for i in range(n))
        Milestone.objects.bulk_create(Milestone(workstream=ws, title=f"m{i}", due_date=due) for i in range(n))
        Deliverable.objects.bulk_create(Deliverable(workstream=ws, title=f"d{i}", due_date=due) for i in range(n))


def make_user_member(project):
    from django.contrib.auth import get_user_model

    user = make_user(get_user_model(), f"member{get_user_model().objects.count()}")
    membership_set(user=user, project=project, role=Membership.Role.STAFF)
    return user


# session, user, project, workstreams, milestones, deliverables, tasks (with their owners)
@pytest.mark.parametrize(
    ("url", "expected"),
    [("/projects/ATHENA2/timeline/", 7), ("/projects/ATHENA2/workstreams/1/", 7)],
)
def test_workstream_page_queries_are_pinned_and_do_not_grow(client_for, manager, athena, url, expected):
    client = client_for(manager)
    client.get(url)
    _grow(athena, 2)
    small = count_queries(lambda: get_ok(client, url))
    _grow(athena, 20)
    large = count_queries(lambda: get_ok(client, url))
    assert small == large == expected


def test_approving_or_withdrawing_an_approval_is_the_change_only_a_manager_makes():
    assert Deliverable(status="submitted").is_approval_change("approved")
    assert Deliverable(status="approved").is_approval_change("in_progress")
    assert not Deliverable(status="approved").is_approval_change("approved")
    assert not Deliverable(status="planned").is_approval_change("submitted")
    # The form offers staff the same changes the service accepts from them.
    form = DeliverableStatusForm(instance=Deliverable(status="submitted"), approve=False)
    assert [value for value, _label in form.fields["status"].choices] == ["planned", "in_progress", "submitted"]
    form = DeliverableStatusForm(instance=Deliverable(status="approved"), approve=False)
    assert form.fields["status"].disabled
    form = DeliverableStatusForm(instance=Deliverable(status="approved"), approve=True)
    assert not form.fields["status"].disabled and len(form.fields["status"].choices) == 4
