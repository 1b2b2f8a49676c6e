import time

import pytest
from django.urls import reverse

from projects import jobs
from projects.models import AuditEvent, BackgroundJob
from projects.registry import Contributions, JobHandler, registry
from projects.services import job_execute, job_start
from tests.utils import get_ok

CALLS: list[str] = []


def _counting_handler(job, progress):
    CALLS.append(str(job.pk))
    progress(50, "Halfway")
    return jobs.JobResult(filename="result.csv", content=b"a,b\n1,2\n", data={"rows": 1})


def _failing_handler(job, progress):
    raise jobs.JobError("Row 3: unknown country code XX.")


def _crashing_handler(job, progress):
    raise RuntimeError("boom")


@pytest.fixture(autouse=True)
def registered_handlers():
    handlers = Contributions(
        jobs=[
            JobHandler("test-count", _counting_handler),
            JobHandler("test-fail", _failing_handler),
            JobHandler("test-crash", _crashing_handler),
        ]
    )
    CALLS.clear()
    with registry.contributed("tests", handlers):
        yield


def _wait_until_finished(job, seconds=20):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        job.refresh_from_db()
        if job.is_finished:
            return job
        time.sleep(0.1)
    raise AssertionError(f"job {job.pk} still {job.status} after {seconds}s")


def test_a_job_runs_in_a_real_worker_and_offers_its_result(celery_worker_running, selec, manager, client_for):
    job = job_start(user=manager, project=selec["ATHENA2"], kind="test-count", title="Test export")
    _wait_until_finished(job)
    assert job.status == BackgroundJob.Status.SUCCEEDED
    assert job.progress == 100
    assert job.result_data == {"rows": 1}
    client = client_for(manager)
    page = get_ok(client, job.get_absolute_url()).content.decode()
    assert "Download" in page
    download = client.get(reverse("projects:job-download", kwargs={"code": "ATHENA2", "pk": job.pk}))
    assert b"".join(download.streaming_content) == b"a,b\n1,2\n"
    assert AuditEvent.objects.filter(action="export", object_id=str(job.pk)).exists()


def test_a_job_delivered_twice_runs_once(celery_worker_running, selec, manager):
    from projects.tasks import job_run

    job = job_start(user=manager, project=selec["ATHENA2"], kind="test-count", title="Twice")
    job_run.delay(str(job.pk))  # a duplicate delivery, as after a broker redelivery
    _wait_until_finished(job)
    time.sleep(0.5)
    assert CALLS.count(str(job.pk)) == 1


def test_a_failing_job_shows_its_message(selec, manager):
    job = BackgroundJob.objects.create(kind="test-fail", title="Import", project=selec["ATHENA2"], user=manager)
    job_execute(job_id=job.pk)
    job.refresh_from_db()
    assert (job.status, job.message) == ("failed", "Row 3: unknown country code XX.")


def test_an_unexpected_error_is_logged_and_not_shown(selec, manager):
    job = BackgroundJob.objects.create(kind="test-crash", title="Crash", project=selec["ATHENA2"], user=manager)
    job_execute(job_id=job.pk)
    job.refresh_from_db()
    assert job.status == "failed"
    assert "boom" not in job.message


def test_a_job_page_polls_while_running_and_stops_when_done(selec, manager, client_for):
    job = BackgroundJob.objects.create(kind="test-count", title="Poll", project=selec["ATHENA2"], user=manager)
    client = client_for(manager)
    assert 'hx-trigger="every 1s"' in get_ok(client, job.get_absolute_url()).content.decode()
    job_execute(job_id=job.pk)
    partial = client.get(job.get_absolute_url(), headers={"HX-Request": "true"}).content.decode()
    assert "every 1s" not in partial and 'data-status="succeeded"' in partial


def test_jobs_of_another_project_are_not_found(selec, manager, outsider, client_for):
    job = BackgroundJob.objects.create(kind="test-count", title="Secret", project=selec["ATHENA2"], user=manager)
    job_execute(job_id=job.pk)
    client = client_for(outsider)
    assert client.get(job.get_absolute_url()).status_code == 404
    url = reverse("projects:job-download", kwargs={"code": "ATHENA2", "pk": job.pk})
    assert client.get(url).status_code == 404
    # ...nor through a project the outsider does belong to
    url = reverse("projects:job-download", kwargs={"code": "IMOBEX", "pk": job.pk})
    assert client.get(url).status_code == 404


def test_only_a_job_that_succeeded_and_wrote_a_file_has_a_result_to_download():
    assert BackgroundJob(status="succeeded", result="jobs/1/report.pdf").has_result
    assert not BackgroundJob(status="succeeded").has_result  # a job that only counted
    assert not BackgroundJob(status="failed", result="jobs/1/report.pdf").has_result


@pytest.mark.parametrize(("starter", "audience"), [("manager", "manage"), ("admin_user", "manage"), ("staff", "view")])
def test_a_job_is_for_the_audience_of_the_one_who_started_it(request, selec, starter, audience):
    """A file made by one who sees sensitive activities may name them: it is for the managers only."""
    job = job_start(user=request.getfixturevalue(starter), project=selec["ATHENA2"], kind="test-count", title="T")
    assert job.audience == audience


def test_a_managers_file_is_hidden_from_viewers_and_staff_and_open_to_managers(
    selec, manager, staff, viewer, client_for
):
    made_by_manager = job_start(user=manager, project=selec["ATHENA2"], kind="test-count", title="Report")
    made_by_staff = job_start(user=staff, project=selec["ATHENA2"], kind="test-count", title="Import")
    for job in (made_by_manager, made_by_staff):
        job_execute(job_id=job.pk)

    def download(job):
        return reverse("projects:job-download", kwargs={"code": "ATHENA2", "pk": job.pk})

    for user in (viewer, staff):
        client = client_for(user)  # the one test client, logged in as each in turn
        assert client.get(made_by_manager.get_absolute_url()).status_code == 404
        assert client.get(download(made_by_manager)).status_code == 404
        assert client.get(made_by_staff.get_absolute_url()).status_code == 200
        assert client.get(download(made_by_staff)).status_code == 200
    client = client_for(manager)
    assert client.get(download(made_by_manager)).status_code == 200
    assert client.get(download(made_by_staff)).status_code == 200
