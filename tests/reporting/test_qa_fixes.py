"""Reporting rules found missing by the QA walkthrough: closed projects, period names, report times."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime
from unittest import mock

import pytest
from pypdf import PdfReader

from projects.models import Profile, Project
from reporting import queries, reports, services
from reporting.models import ReportingPeriod
from reporting.status import Status, project_status
from tests.utils import get_ok

AFTER_THE_END = date(2026, 1, 15)  # REP ran from 2024-01-01 to 2025-12-31


def at(day: date):
    return mock.patch("django.utils.timezone.localdate", return_value=day)


# --- 14. a closed project is "Closed" --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("progress", "overdue"),
    [(100, 0), (50, 0), (50, 3), (None, 2)],  # met its targets, fell short, left items open, measured nothing
)
def test_a_closed_project_is_closed_whatever_its_numbers(progress, overdue):
    assert project_status(elapsed=100, progress=progress, overdue=overdue, ended=True, closed=True) == Status.CLOSED


def test_a_project_past_its_end_but_not_closed_is_still_late_when_short_of_its_targets():
    assert project_status(elapsed=100, progress=50, overdue=0, ended=True, closed=False) == Status.LATE


def test_the_portfolio_and_the_dashboard_show_a_closed_project_as_closed_not_late(client_for, manager, known):
    client = client_for(manager)
    with at(AFTER_THE_END):  # ended at 50 % of its targets with D4 overdue: late while it is not closed
        page = get_ok(client, "/").content.decode()
    badge = page[page.index('data-testid="status-REP"') :]
    assert badge[badge.index(">") + 1 : badge.index("</span>")] == "Late"
    Project.objects.filter(pk=known.pk).update(status=Project.Status.CLOSED)
    with at(AFTER_THE_END):
        page = get_ok(client, "/").content.decode()
        dashboard = get_ok(client, "/projects/REP/dashboard/").content.decode()
    badge = page[page.index('data-testid="status-REP"') :]
    assert badge[badge.index(">") + 1 : badge.index("</span>")] == "Closed"
    assert "text-bg-secondary" in page[page.rindex("<span", 0, page.index('data-testid="status-REP"')) :][:200]
    status = dashboard[dashboard.index('data-testid="dashboard-status"') :]
    assert status[status.index(">") + 1 : status.index("</span>")] == "Closed"
    known.refresh_from_db()
    assert queries.project_dashboard(known, today=AFTER_THE_END)["status"] == Status.CLOSED


# --- 13. the names of reporting periods ------------------------------------------------------------------------------


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


# --- 12. report times in the reader's time zone ----------------------------------------------------------------------

NOW = datetime(2026, 11, 28, 11, 41, tzinfo=UTC)  # 13:41 in Bucharest (EET, UTC+2)


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
