import io
import time
from datetime import UTC, date, datetime
from unittest import mock

import pytest
from django.urls import reverse
from openpyxl import load_workbook
from pypdf import PdfReader

from projects.models import BackgroundJob, Profile
from reporting import content, reports, services
from reporting.models import ReportingPeriod
from reporting.render import render
from reporting.services import report_narrative_save
from tests.utils import get_ok, page_form_data

NOW = datetime(2026, 11, 28, 11, 41, tzinfo=UTC)  # 13:41 in Bucharest (EET, UTC+2)


@pytest.fixture
def period(known, manager):
    period = ReportingPeriod.objects.get(project=known)
    report_narrative_save(user=manager, period=period, narrative="Two deliverables and the kick-off.\nOn course.")
    return period


def test_the_report_content_of_a_period(period):
    data = content.period_content(period, audience=content.MANAGERS)
    rows = {row["key"]: row for row in data["indicators"]}
    assert {
        k: (r["at_start"], r["in_period"], r["cumulative"], r["target"], r["percent"]) for k, r in rows.items()
    } == {
        "deliverables": (0, 2, 2, 6, 33),
        "milestones": (0, 1, 1, 2, 50),
    }
    [workstream] = data["workstreams"]
    assert [d["title"] for d in workstream["deliverables"]] == ["D1 Baseline study", "D2 Training plan"]
    assert [m["title"] for m in workstream["milestones"]] == ["M1 Kick-off done"]
    [annex] = [a for a in data["annexes"] if a["key"] == "items-deliverable"]
    assert [row[1] for row in annex["rows"]] == ["D1 Baseline study", "D2 Training plan"]
    assert data["summary"]["highlights"].startswith("Two deliverables")
    assert data["cover"]["version_label"] == "Draft" and data["cover"]["as_of"] == "2024-06-30"


def test_the_pdf_report_has_the_indicators_and_the_highlights(period):
    pdf = render(content.period_content(period, audience=content.MANAGERS), "pdf")
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    assert "Deliverables handed over" in text and "Milestones reached" in text
    assert "Reporting test project" in text and "On course." in text


def _pdf_text(content: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def test_the_pdf_report_says_when_it_was_generated_in_the_readers_time_zone(known):
    period = known.reporting_periods.get()
    data = content.period_content(period, audience=content.FUNDER)
    with mock.patch("django.utils.timezone.now", return_value=NOW):
        data["generated"] = reports.generated_by(None, "Europe/Bucharest")
    text = _pdf_text(render(data, "pdf"))
    assert "28 Nov 2026 13:41" in text and "11:41" not in text


def test_a_report_job_keeps_the_time_zone_of_the_user_who_asked_for_it(manager, known):
    Profile.objects.update_or_create(user=manager, defaults={"time_zone": "Asia/Tokyo"})
    period = known.reporting_periods.get()
    job = services.report_generate(user=manager, period=period, fmt="pdf")
    assert job.params["time_zone"] == "Asia/Tokyo"
    progress = mock.Mock()
    with mock.patch("django.utils.timezone.now", return_value=NOW):
        result = reports.progress_report_job(job, progress)
    assert "28 Nov 2026 20:41" in _pdf_text(result.content)  # Tokyo is UTC+9


def _wait_until_finished(job, seconds=60):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        job.refresh_from_db()
        if job.is_finished:
            return job
        time.sleep(0.2)
    raise AssertionError(f"job still {job.status}")


@pytest.mark.parametrize("fmt", ["pdf", "docx", "xlsx", "csv"])
def test_a_manager_generates_a_report_in_a_real_worker_that_managers_download_and_viewers_never_see(
    celery_worker_running, client_for, manager, viewer, period, fmt
):
    client = client_for(manager)
    response = client.post(
        reverse("reporting:report-generate", args=["REP", period.pk]), {"formats": [fmt], "audience": "funder"}
    )
    job = BackgroundJob.objects.get(kind="progress_report", params__period_id=period.pk, params__format=fmt)
    assert response.status_code == 302 and response.url == f"{period.get_absolute_url()}#generated-files"
    _wait_until_finished(job)
    assert job.status == BackgroundJob.Status.SUCCEEDED, job.message
    assert job.result.name.endswith(f"progress-report-REP-20240301-20240630-funder.{fmt}")

    # Every report file is for the managers (a funder's counts sensitive activities in its period's numbers): a
    # viewer neither sees it listed nor downloads it (issue 10).
    download = reverse("projects:job-download", args=["REP", job.pk])
    viewing = client_for(viewer)
    page = get_ok(viewing, reverse("reporting:report-detail", args=["REP", period.pk])).content.decode()
    assert download not in page and "Generate the files" not in page
    assert download not in get_ok(viewing, reverse("reporting:report-list", args=["REP"])).content.decode()
    assert viewing.get(download).status_code == 404

    client = client_for(manager)  # the one test client, logged in again
    page = get_ok(client, reverse("reporting:report-detail", args=["REP", period.pk])).content.decode()
    assert download in page
    body = b"".join(client.get(download).streaming_content)
    if fmt == "pdf":
        assert "Deliverables handed over" in _pdf_text(body)
    elif fmt == "docx":
        assert "Deliverables handed over" in "\n".join(p.text for p in _docx_paragraphs(body))
    elif fmt == "xlsx":
        cells = [c for row in load_workbook(io.BytesIO(body))["Indicators"].iter_rows(values_only=True) for c in row]
        assert "Deliverables handed over" in cells
    else:
        assert "Deliverables handed over" in body.decode("utf-8-sig")
    assert download in get_ok(client, reverse("reporting:report-list", args=["REP"])).content.decode()


def _docx_paragraphs(body: bytes):
    from docx import Document

    document = Document(io.BytesIO(body))
    yield from document.paragraphs
    for table in document.tables:
        for row in table.rows:
            yield from (p for cell in row.cells for p in cell.paragraphs)


def test_only_managers_generate_reports_and_write_the_texts(client_for, staff, period):
    client = client_for(staff)
    generate = reverse("reporting:report-generate", args=["REP", period.pk])
    assert client.post(generate, {"formats": ["pdf"], "audience": "funder"}).status_code == 403
    url = reverse("reporting:report-detail", args=["REP", period.pk])
    assert client.post(url, {"highlights": "Mine now"}).status_code == 403
    assert client.get(reverse("reporting:report-preview", args=["REP", period.pk])).status_code == 403
    assert not BackgroundJob.objects.filter(kind="progress_report").exists()
    assert period.report.narrative.startswith("Two deliverables")


def test_a_manager_saves_the_highlights(client_for, manager, period):
    url = reverse("reporting:report-detail", args=["REP", period.pk])
    form = page_form_data(get_ok(client_for(manager), url))
    response = client_for(manager).post(url, {**form, "highlights": "Revised text."}, follow=True)
    assert "Revised text." in response.content.decode()
    period.report.refresh_from_db()
    assert period.report.narrative == "Revised text." and period.report.updated_by == manager


def test_outsiders_see_no_reports(client_for, outsider, period):
    client = client_for(outsider)
    assert client.get(reverse("reporting:report-list", args=["REP"])).status_code == 404
    assert client.get(reverse("reporting:report-detail", args=["REP", period.pk])).status_code == 404


def test_a_period_cannot_end_before_it_starts_nor_be_due_before_its_end(known):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        ReportingPeriod(project=known, start=date(2024, 5, 1), end=date(2024, 4, 1), due_date=date(2024, 6, 1)).clean()
    with pytest.raises(ValidationError):
        ReportingPeriod(project=known, start=date(2024, 1, 1), end=date(2024, 4, 1), due_date=date(2024, 3, 1)).clean()


def test_a_reporting_period_is_named_with_a_separator_and_dates_as_the_pages_write_them(known):
    period = ReportingPeriod(
        project=known,
        title="Interim report 7",
        start=date(2025, 1, 1),
        end=date(2025, 6, 30),
        due_date=date(2025, 7, 31),
    )
    assert str(period) == "Interim report 7 · 1 Jan – 30 Jun 2025"
    period.title, period.kind, period.start = "", ReportingPeriod.Kind.FINAL, date(2024, 12, 1)
    assert str(period) == "Final report · 1 Dec 2024 – 30 Jun 2025"


def test_the_report_list_and_the_dashboard_filter_name_periods_the_same_way(client_for, manager, known):
    client = client_for(manager)
    name = "Interim report 1 · 1 Mar – 30 Jun 2024"
    assert name in get_ok(client, "/projects/REP/reports/").content.decode()
    assert name in get_ok(client, "/projects/REP/dashboard/").content.decode()
