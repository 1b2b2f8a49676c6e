"""In a real browser, with a real Celery worker: a manager writes a period's report, previews it for the funder,
generates its four files, reads the PDF and the DOCX back, submits the report, and later sees what changed since."""

from __future__ import annotations

import csv
import io
import time
from datetime import date

import pytest
from docx import Document
from pypdf import PdfReader

from operations.services import activity_validate
from reporting import cache
from reporting.models import ReportingPeriod
from tests.browser.conftest import screenshot
from tests.conftest import PASSWORD
from tests.operations.conftest import country, make_activity  # noqa: F401  (fixtures)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

HIGHLIGHTS = "The first joint patrol on the Danube bridge was held with Romania and Bulgaria."
WHY = "The partners signed the operational plan only in May."
MEASURE = "Two patrols a month from July."


def wait_for_jobs(page, done: int, seconds: float = 40) -> None:
    """Wait, without reloading, until `done` files are listed as succeeded: the list asks for itself again while a file
    is being made."""
    statuses = page.locator('[data-testid="generated-reports"] tbody tr [data-status]')
    deadline = time.monotonic() + seconds
    while statuses.evaluate_all("(badges) => badges.filter((b) => b.dataset.status === 'succeeded').length") < done:
        failed = statuses.evaluate_all("(badges) => badges.filter((b) => b.dataset.status === 'failed').length")
        assert not failed and time.monotonic() < deadline, statuses.all_inner_texts()
        page.wait_for_timeout(500)


def download(page, title: str) -> bytes:
    """The file of the generated report whose title contains `title`, downloaded from the list."""
    row = page.locator('[data-testid="generated-reports"] tbody tr', has_text=title)
    with page.expect_download() as started:
        row.get_by_role("link", name="Download").click()
    with open(started.value.path(), "rb") as file:
        return file.read()


def pdf_pages_text(body: bytes, pages: int) -> str:
    """The text of the first pages, its lines joined (a sentence may wrap)."""
    return " ".join(" ".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(body)).pages[:pages])


def joint_patrols_key_figure(body: bytes) -> list[str]:
    """The CSV report's key-figure row of the joint patrols: label, unit, in period, cumulative, target, percent."""
    rows = csv.reader(io.StringIO(body.decode("utf-8-sig")))
    [row] = [row for row in rows if row[:2] == ["key_figure", "joint_patrols"]]
    return row[2:8]


def test_a_manager_writes_previews_generates_and_submits_a_report_then_sees_what_changed_since(
    celery_worker_running,
    login,
    page,
    live_server,
    manager,
    athena,
    make_activity,  # noqa: F811
):
    cache.bump()  # the figures cached by earlier tests are out of reach
    period = ReportingPeriod.objects.create(
        project=athena,
        title="Interim report 1",
        start=date(2025, 1, 1),
        end=date(2025, 6, 30),
        due_date=date(2025, 7, 31),
    )
    make_activity(type="joint_patrol", validation_state="validated", start=date(2025, 3, 1), end=date(2025, 3, 3))
    waiting = make_activity(
        type="joint_patrol", validation_state="submitted", start=date(2025, 6, 2), end=date(2025, 6, 3)
    )
    measured = ["Cross-border observations", "Joint operations", "Joint investigations", "Joint patrols"]
    measured += ["Thematic workshops", "Bilateral meetings", "Officers involved"]

    login("manager", PASSWORD)
    page.goto(f"{live_server.url}{period.get_absolute_url()}")

    # write the highlights and why the joint patrols are behind, and what is done about it
    behind = page.locator('[data-deviation="indicator:joint_patrols"]')
    page.fill("#id_highlights", HIGHLIGHTS)
    behind.locator("textarea").nth(0).fill(WHY)
    behind.locator("textarea").nth(1).fill(MEASURE)
    page.get_by_role("button", name="Save the texts").click()
    page.wait_for_load_state()
    assert "The report's texts were saved." in page.locator(".alert-success").inner_text()
    assert page.locator("#id_highlights").input_value() == HIGHLIGHTS
    assert [behind.locator("textarea").nth(n).input_value() for n in (0, 1)] == [WHY, MEASURE]

    # the funder's preview shows them
    page.click('[data-testid="preview-funder"]')
    page.wait_for_function("() => !document.querySelector('[hx-trigger=\"load\"]')")  # its sections, loaded one by one
    document = page.locator('[data-testid="report-document"]')
    assert HIGHLIGHTS in document.inner_text()
    assert WHY in page.locator('[data-testid="report-glance-behind"]').inner_text()
    assert "The funder (sensitive activities as counts only)" in page.locator("main p strong").first.inner_text()
    screenshot(page, "reporting-preview-funder")
    page.go_back()

    # the four files for the funder, made in the background
    generate = page.locator('[data-testid="report-generate"]')
    for fmt in ("PDF", "DOCX", "XLSX", "CSV"):
        generate.get_by_label(fmt, exact=True).check()
    generate.locator('input[name="audience"][value="funder"]').check()
    generate.get_by_role("button", name="Generate").click()
    page.wait_for_load_state()
    assert "The report is being generated: 4 files." in page.locator(".alert-success").inner_text()
    wait_for_jobs(page, done=4)
    screenshot(page, "reporting-generated-files")

    first_pages = pdf_pages_text(download(page, "PDF for the funder, current figures"), pages=2)
    assert "Status: At risk" in first_pages
    assert all(label in first_pages for label in measured), first_pages
    assert WHY in first_pages
    assert "What comes next" in first_pages and "Requirements agreed with the beneficiaries" in first_pages
    docx = Document(io.BytesIO(download(page, "DOCX for the funder, current figures")))
    assert HIGHLIGHTS in [paragraph.text for paragraph in docx.paragraphs]

    # submitted and frozen; then a patrol of the period is validated and the numbers move
    page.get_by_label("Submitted to the funder on").fill("2025-07-25")
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Submit and freeze").click()
    page.wait_for_load_state()
    assert "Submitted version 1 was frozen" in page.locator(".alert-success").inner_text()
    assert "Version 1, submitted on 25 Jul 2025" in page.locator('[data-testid="report-versions"]').inner_text()
    assert page.locator('[data-testid="report-no-differences"]').is_visible()

    activity_validate(activity=waiting, user=manager)
    page.reload()
    assert page.get_by_text("Since version 1 was submitted").is_visible()
    changed = page.locator('[data-testid="report-differences"] tbody tr', has_text="Joint patrols: in period")
    assert changed.locator("td").all_inner_texts() == ["Joint patrols: in period", "1", "2"]
    screenshot(page, "reporting-since-version-1")

    # the submitted version's file keeps the figures of the day it was submitted
    generate.get_by_label("CSV", exact=True).check()
    for fmt in ("PDF", "DOCX", "XLSX"):
        generate.get_by_label(fmt, exact=True).uncheck()
    generate.get_by_label("Figures").select_option(label="Submitted version 1 (frozen)")
    assert generate.locator('input[name="audience"][value="funder"]').is_checked()
    generate.get_by_role("button", name="Generate").click()
    page.wait_for_load_state()
    wait_for_jobs(page, done=5)
    frozen = joint_patrols_key_figure(download(page, "CSV for the funder, submitted version 1"))
    assert frozen == ["Joint patrols", "patrols", "1", "1", "24", "4"]  # not the 2 patrols of today
