import csv
import io
import time
from datetime import UTC, date, datetime
from unittest import mock

import pytest
from django.urls import reverse
from openpyxl import load_workbook
from pypdf import PdfReader

from projects.models import BackgroundJob, Profile
from reporting import reports, services
from reporting.models import ReportingPeriod
from reporting.services import report_narrative_save
from tests.utils import get_ok

NOW = datetime(2026, 11, 28, 11, 41, tzinfo=UTC)  # 13:41 in Bucharest (EET, UTC+2)


@pytest.fixture
def period(known, manager):
    period = ReportingPeriod.objects.get(project=known)
    report_narrative_save(user=manager, period=period, narrative="Two deliverables and the kick-off.\nOn course.")
    return period


def test_the_report_data_of_a_period(period):
    data = reports.period_report_data(period)
    rows = {row["key"]: row for row in data["indicators"]}
    assert {
        k: (r["at_start"], r["in_period"], r["cumulative"], r["target"], r["percent"]) for k, r in rows.items()
    } == {
        "deliverables": (0, 2, 2, 6, 33),
        "milestones": (0, 1, 1, 2, 50),
    }
    assert [item["title"] for item in data["items"]] == ["D1 Baseline study", "D2 Training plan", "M1 Kick-off done"]
    assert data["narrative"].startswith("Two deliverables")


def test_the_xlsx_report_opens_with_its_numbers(period):
    workbook = load_workbook(io.BytesIO(reports.render_xlsx(reports.period_report_data(period))))
    assert workbook.sheetnames == ["Indicators", "Items of the period", "Narrative"]
    rows = list(workbook["Indicators"].iter_rows(values_only=True))
    assert rows[3] == ("Indicator", "Unit", "At start", "In period", "Cumulative", "Target", "Percent")
    assert rows[4] == ("Deliverables handed over", None, 0, 2, 2, 6, 33)
    assert workbook["Narrative"]["A1"].value == "Two deliverables and the kick-off."


def test_the_csv_report_parses(period):
    content = reports.render_csv(reports.period_report_data(period)).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(content)))
    assert rows[0][:2] == ["Section", "Indicator"]
    assert rows[1] == ["indicator", "Deliverables handed over", "", "0", "2", "2", "6", "33"]
    assert [row[1] for row in rows if row[0] == "item"] == ["D1 Baseline study", "D2 Training plan", "M1 Kick-off done"]


def test_a_cell_that_looks_like_a_formula_is_neutralised(period):
    period.project.indicators.filter(key="milestones").update(label="=HYPERLINK(1)")
    content = reports.render_csv(reports.period_report_data(period)).decode("utf-8-sig")
    assert "'=HYPERLINK(1)" in content


def test_the_pdf_report_has_the_indicators_and_the_narrative(period):
    pdf = reports.render_pdf(reports.period_report_data(period))
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    assert "Deliverables handed over" in text and "Milestones reached" in text
    assert "Reporting test project" in text and "On course." in text


def _pdf_text(content: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def test_the_pdf_report_says_when_it_was_generated_in_the_readers_time_zone(known):
    period = known.reporting_periods.get()
    with mock.patch("django.utils.timezone.now", return_value=NOW):
        text = _pdf_text(reports.render_pdf(reports.period_report_data(period), time_zone="Europe/Bucharest"))
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


@pytest.mark.parametrize("fmt", ["pdf", "xlsx", "csv"])
def test_a_manager_generates_a_report_in_a_real_worker_that_managers_download_and_viewers_never_see(
    celery_worker_running, client_for, manager, viewer, period, fmt
):
    client = client_for(manager)
    response = client.post(reverse("reporting:report-generate", args=["REP", period.pk, fmt]))
    job = BackgroundJob.objects.get(kind="progress_report", params__period_id=period.pk, params__format=fmt)
    assert response.status_code == 302 and response.url == job.get_absolute_url()
    _wait_until_finished(job)
    assert job.status == BackgroundJob.Status.SUCCEEDED, job.message
    assert job.result.name.endswith(f"progress-report-REP-20240301-20240630.{fmt}")

    # A manager's file may name sensitive activities: a viewer neither sees it listed nor downloads it (issue 10).
    download = reverse("projects:job-download", args=["REP", job.pk])
    viewing = client_for(viewer)
    page = get_ok(viewing, reverse("reporting:report-detail", args=["REP", period.pk])).content.decode()
    assert download not in page and "Generate PDF" not in page
    assert download not in get_ok(viewing, reverse("reporting:report-list", args=["REP"])).content.decode()
    assert viewing.get(download).status_code == 404

    client = client_for(manager)  # the one test client, logged in again
    page = get_ok(client, reverse("reporting:report-detail", args=["REP", period.pk])).content.decode()
    assert download in page
    content = b"".join(client.get(download).streaming_content)
    if fmt == "pdf":
        assert "Deliverables handed over" in PdfReader(io.BytesIO(content)).pages[0].extract_text()
    elif fmt == "xlsx":
        assert load_workbook(io.BytesIO(content))["Indicators"]["A5"].value == "Deliverables handed over"
    else:
        assert "Deliverables handed over" in content.decode("utf-8-sig")
    assert download in get_ok(client, reverse("reporting:report-list", args=["REP"])).content.decode()


def test_only_managers_generate_reports_and_write_the_narrative(client_for, staff, period):
    client = client_for(staff)
    assert client.post(reverse("reporting:report-generate", args=["REP", period.pk, "pdf"])).status_code == 403
    url = reverse("reporting:report-detail", args=["REP", period.pk])
    assert client.post(url, {"narrative": "Mine now"}).status_code == 403
    assert not BackgroundJob.objects.filter(kind="progress_report").exists()


def test_a_manager_saves_the_narrative(client_for, manager, period):
    url = reverse("reporting:report-detail", args=["REP", period.pk])
    response = client_for(manager).post(url, {"narrative": "Revised text."}, follow=True)
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
