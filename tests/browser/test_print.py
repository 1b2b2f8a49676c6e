"""Printing: the dashboard, an event's programme and a progress report print cleanly (static/css/print.css): no
navigation or controls, the charts drawn at the printed size, tables whole, major sections on a new page."""

from __future__ import annotations

import io
from io import StringIO

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db.models import Count
from pypdf import PdfReader

from conferences.models import Event
from projects.models import Project
from reporting.models import ReportingPeriod

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# What a page looks like to the printer: the computed styles that matter, read under print media.
PRINTED = """() => {
  const shown = (el) => el && getComputedStyle(el).display !== "none" && el.getClientRects().length > 0;
  const all = (selector) => Array.from(document.querySelectorAll(selector));
  return {
    nav: all("nav.navbar, .breadcrumb, [data-testid=project-tabs]").some(shown),
    controls: all(".btn, [data-testid=dashboard-filters], [data-testid=generate-buttons]").filter(shown).length,
    breaks: all(".print-break").map((el) => getComputedStyle(el).breakBefore),
    headings: all("h2, h3").map((el) => getComputedStyle(el).breakAfter),
    theads: all("thead").map((el) => getComputedStyle(el).display),
    rows: all("tbody tr").slice(0, 5).map((el) => getComputedStyle(el).breakInside),
    charts: all("canvas[data-series]").map((c) => {
      const box = c.getBoundingClientRect(), parent = c.parentElement.getBoundingClientRect();
      return {shown: shown(c), width: box.width, height: box.height, fits: box.width <= parent.width + 1};
    }),
  };
}"""


def printed(page) -> dict:
    page.emulate_media(media="print")
    page.evaluate("() => new Promise((done) => requestAnimationFrame(() => setTimeout(done, 50)))")
    return page.evaluate(PRINTED)


def test_the_dashboard_the_programme_and_a_report_print_cleanly(page, login, live_server, selec, tmp_path):
    call_command("seed_demo", activities=20, force=True, stdout=StringIO())
    athena = Project.objects.get(code="ATHENA2")
    event = Event.objects.filter(project=athena).annotate(n=Count("sessions")).filter(n__gt=0).order_by("-n").first()
    period = ReportingPeriod.objects.filter(project=athena).first()
    login("demo-manager", settings.DEMO_PASSWORD)
    base = f"{live_server.url}/projects/ATHENA2"

    # the dashboard: on screen the navigation shows and the sections flow; printed, only the content, charts kept
    page.goto(f"{base}/dashboard/")
    page.wait_for_function("() => { const c = document.querySelector('canvas[data-series]'); return c && c.chart; }")
    screen = page.evaluate(PRINTED)
    assert screen["nav"] and screen["controls"] and set(screen["breaks"]) == {"auto"}
    paper = printed(page)
    assert not paper["nav"] and paper["controls"] == 0, paper
    assert len(paper["breaks"]) >= 2 and set(paper["breaks"]) == {"page"}, paper["breaks"]
    assert set(paper["headings"]) == {"avoid"}
    assert paper["theads"] and set(paper["theads"]) == {"table-header-group"}
    assert paper["rows"] and set(paper["rows"]) == {"avoid"}
    assert len(paper["charts"]) >= 2
    assert all(c["shown"] and c["width"] > 100 and c["height"] > 100 and c["fits"] for c in paper["charts"]), paper
    pdf = PdfReader(io.BytesIO(page.pdf(format="A4", path=str(tmp_path / "dashboard.pdf"))))
    assert len(pdf.pages) >= 2  # the sections after the first start on their own pages
    text = "\n".join(p.extract_text() for p in pdf.pages)
    assert athena.name in text and "Burn-up" in text
    assert "Log out" not in text and "Apply" not in text
    assert sum(len(p.images) for p in pdf.pages) >= len(paper["charts"])  # the charts, drawn into the PDF

    # the programme: each day after the first on a new page, the print button not printed
    page.emulate_media(media="screen")
    page.goto(f"{base}/events/{event.pk}/programme/")
    paper = printed(page)
    assert page.locator("[data-print]").is_hidden()
    days = page.locator("[data-testid=programme-day]").count()
    assert days >= 1 and paper["breaks"] == ["page"] * (days - 1)

    # a progress report: each section after the summary on a new page, no buttons, the forms and the list of
    # generated files left out
    page.emulate_media(media="screen")
    page.goto(f"{base}/reports/{period.pk}/")
    page.wait_for_function("() => !document.querySelector('[hx-trigger=\"load\"]')")  # its sections are in
    paper = printed(page)
    assert not paper["nav"] and paper["controls"] == 0 and paper["breaks"] == ["page"] * 5
    assert page.locator("[data-testid=report-document]").is_visible()
    assert page.locator("[data-testid=report-texts]").is_hidden()
    assert page.get_by_role("heading", name="Generated files").is_hidden()
    page.pdf(path=str(tmp_path / "report.pdf"))  # kept for a look when the test fails
