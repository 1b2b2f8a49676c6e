"""The progress report as a Word document, read back with python-docx: what a manager opens in Word."""

from __future__ import annotations

import io
from datetime import date

import pytest
from docx import Document
from docx.oxml.ns import qn
from docx.text.paragraph import Paragraph

from operations.models import JointActivity
from projects.models import Country
from reporting.content import FUNDER, MANAGERS, period_content
from reporting.models import DeviationNote, ReportingPeriod
from reporting.render import section_titles
from reporting.render.docx import render_docx
from reporting.services import report_narrative_save
from tests.reporting.test_render_charts import png_dpi

GENERATED = {"by": "Mara Manager", "at": "28 Nov 2026 13:41"}
EMU_PER_INCH = 914400


def half_year(project, title: str, start: date) -> ReportingPeriod:
    """A six-month reporting period from `start` (the 1st of January or July), due a month after it ends."""
    end = date(start.year, 12, 31) if start.month == 7 else date(start.year, 6, 30)
    due = date(end.year + 1, 1, 31) if end.month == 12 else date(end.year, 7, 31)
    return ReportingPeriod.objects.create(project=project, title=title, start=start, end=end, due_date=due)


@pytest.fixture
def second_half(known, manager):
    """REP's report on Jul-Dec 2024: D4, D5 and M2 fall due in it and are not done, so they are deviations."""
    period = half_year(known, "Interim report 2", date(2024, 7, 1))
    report_narrative_save(user=manager, period=period, narrative="The handbook is out.\n\nThe review slipped.")
    return period


def content_of(period, audience=MANAGERS) -> dict:
    content = period_content(period, audience=audience)
    content["generated"] = GENERATED
    return content


def read(content: dict):
    return Document(io.BytesIO(render_docx(content)))


def table_rows(table) -> list[list[str]]:
    return [[cell.text for cell in row.cells] for row in table.rows]


def table_after(document, heading: str):
    """The first table after the heading or caption `heading` (not its line in the plain contents)."""
    found = False
    for block in document.iter_inner_content():
        if isinstance(block, Paragraph):
            found = found or (block.text == heading and block.style.name != "List Number")
        elif found:
            return block
    raise AssertionError(f"no table after {heading!r}")


def all_text(document) -> str:
    parts = [p.text for p in document.paragraphs]
    parts += [cell.text for table in document.tables for row in table.rows for cell in row.cells]
    return "\n".join(parts)


def test_the_cover_states_the_project_period_report_version_audience_and_who_generated_it(second_half):
    document = read(content_of(second_half))
    assert document.paragraphs[0].text == "Reporting test project"
    assert dict(table_rows(document.tables[0])) == {
        "Project": "Reporting test project (REP)",
        "Funding programme": "Test fund",
        "Period": "1 Jul 2024 – 31 Dec 2024",
        "Report": "Content report · Interim report 2 · 1 Jul – 31 Dec 2024",
        "Version": "Draft",
        "Audience": "The project's managers (names sensitive activities)",
        "Figures as of": "31 Dec 2024",
        "Generated": "by Mara Manager on 28 Nov 2026 13:41",
    }


def test_the_sections_come_in_the_order_of_the_contents_each_on_a_new_page(second_half):
    document = read(content_of(second_half))
    top = [p for p in document.paragraphs if p.style.name == "Heading 1"]
    assert [p.text for p in top] == list(section_titles().values())
    assert all(p.paragraph_format.page_break_before for p in top)
    seconds = [p.text for p in document.paragraphs if p.style.name == "Heading 2"]
    assert seconds[:5] == [
        "Highlights",
        "What is late, and why",
        "What comes next",
        "Deliverables handed over",
        "Milestones reached",
    ]


def test_the_contents_are_a_word_field_updated_on_open_and_a_plain_list(second_half):
    document = read(content_of(second_half))
    instructions = [t.text for t in document.element.body.iter(qn("w:instrText"))]
    assert instructions == [' TOC \\o "1-2" \\h \\z \\u ']
    update = document.settings.element.find(qn("w:updateFields"))
    assert update is not None and update.get(qn("w:val")) == "true"
    listed = [p.text for p in document.paragraphs if p.style.name == "List Number"]
    assert listed == list(section_titles().values())


def test_the_footer_numbers_the_pages(second_half):
    footer = read(content_of(second_half)).sections[0].footer
    assert [t.text for t in footer._element.iter(qn("w:instrText"))] == [" PAGE ", " NUMPAGES "]
    assert footer.paragraphs[0].text.startswith("Page ")


def test_the_page_is_a4(second_half):
    section = read(content_of(second_half)).sections[0]
    assert (round(section.page_width.mm), round(section.page_height.mm)) == (210, 297)


def test_the_indicator_table_holds_the_numbers_of_the_content(second_half):
    content = content_of(second_half)
    document = read(content)
    rows = table_rows(table_after(document, "Indicators"))
    assert rows[0] == ["Indicator", "Unit", "At start", "In period", "Cumulative", "Target", "Percent"]
    expected = [
        [i["label"], i["unit"], *(str(i[k]) for k in ("at_start", "in_period", "cumulative", "target", "percent"))]
        for i in content["indicators"]
    ]
    assert rows[1:] == expected
    assert [r[:3] for r in expected] == [["Deliverables handed over", "", "2"], ["Milestones reached", "", "1"]]
    assert table_rows(table_after(document, "Summary"))[1][0] == "Deliverables handed over"


def test_each_measured_indicator_has_its_burnup_chart_at_200_dpi(second_half):
    content = content_of(second_half)
    charted = [i for i in content["indicators"] if i["measured"] and i["series"]]
    assert len(charted) == 2
    document = read(content)
    shapes = list(document.inline_shapes)
    assert len(shapes) == len(charted)
    for shape, indicator in zip(shapes, charted, strict=True):
        image = document.part.related_parts[shape._inline.graphic.graphicData.pic.blipFill.blip.embed].image
        width_px, _, dpi = png_dpi(image.blob)
        assert round(dpi) >= 200
        assert width_px / (shape.width / EMU_PER_INCH) >= 199.5  # placed at its own size: 200 dots per inch printed
        assert shape._inline.docPr.get("descr").startswith(indicator["label"])


def test_deviations_show_the_managers_explanations_and_measures(second_half):
    keys = [d["key"] for d in content_of(second_half)["deviations"]]
    assert keys  # D4, D5 and M2 were overdue at the end of the period
    DeviationNote.objects.create(
        report=second_half.report, key=keys[0], explanation="The reviewer fell ill.", measure="A second reviewer."
    )
    rows = table_rows(table_after(read(content_of(second_half)), "Deviations and corrective measures"))
    assert rows[0] == ["Kind", "Title", "Due", "Detail", "Explanation", "Corrective measure"]
    assert rows[1][4:] == ["The reviewer fell ill.", "A second reviewer."]
    assert len(rows) == len(keys) + 1


def test_the_summary_says_what_is_late_and_why_and_what_comes_next_before_the_indicators(second_half):
    keys = [d["key"] for d in content_of(second_half)["deviations"]]
    DeviationNote.objects.create(report=second_half.report, key=keys[-1], explanation="Waiting for the printer.")
    document = read(content_of(second_half))
    paragraphs = document.paragraphs
    start = next(n for n, p in enumerate(paragraphs) if p.style.name == "Heading 1" and p.text == "Summary")
    end = next(n for n, p in enumerate(paragraphs) if p.style.name == "Heading 1" and p.text == "Indicators")
    summary = [p.text for p in paragraphs[start:end]]
    assert "What is late, and why" in summary and "What comes next" in summary
    assert any(t.endswith("Waiting for the printer.") for t in summary)


def test_a_period_without_deviations_says_so(known):
    document = read(content_of(ReportingPeriod.objects.get(project=known)))
    assert "Nothing was overdue at the end of the period" in all_text(document)


def test_workstreams_list_their_milestones_and_deliverables_and_the_highlights_are_kept(second_half):
    document = read(content_of(second_half))
    deliverables = table_rows(table_after(document, "Deliverables"))
    assert deliverables[0] == ["Deliverable", "Due", "Status", "Done on", "Late", "Evidence"]
    assert ["D4 Interim review", "10 Oct 2024", "Planned", "", "late", ""] in deliverables
    assert ["D3 Handbook", "31 Jul 2024", "Approved", "1 Jul 2024", "", ""] in deliverables
    highlights = [p.text for p in document.paragraphs if p.text.startswith("The handbook")]
    assert highlights == ["The handbook is out."]


@pytest.fixture
def athena_half(athena, manager):
    """ATHENA 2's first half of 2025 with two validated patrols, one of them sensitive."""
    period = half_year(athena, "Interim report 1", date(2025, 1, 1))
    romania = Country.objects.get(code="RO")
    for title, sensitive in (("Border patrol Giurgiu", False), ("Operation Nightjar", True)):
        JointActivity.objects.create(
            project=athena, type="joint_patrol", title=title, reference=f"R-{title[:4]}", lead_country=romania,
            start_date=date(2025, 3, 8), end_date=date(2025, 3, 10), status="completed",
            validation_state="validated", is_sensitive=sensitive, version=1,
        )  # fmt: skip
    return period


def test_a_funders_file_counts_a_sensitive_activity_without_naming_it(athena_half):
    managers, funder = content_of(athena_half, MANAGERS), content_of(athena_half, FUNDER)
    assert "Operation Nightjar" in all_text(read(managers))  # the managers' file names it: the test can fail

    text = all_text(read(funder))
    assert "Operation Nightjar" not in text and "Border patrol Giurgiu" in text
    patrols = next(row for row in table_rows(table_after(read(funder), "Indicators")) if row[0] == "Joint patrols")
    assert patrols[3] == "2"  # in period: both patrols count
    assert "1 further sensitive activity is counted above but not listed." in text


def test_each_annex_is_a_heading_with_its_table(second_half):
    content = content_of(second_half)
    assert content["annexes"]
    document = read(content)
    for annex in content["annexes"]:
        rows = table_rows(table_after(document, annex["title"]))
        assert rows[0] == annex["columns"] and len(rows) == len(annex["rows"]) + 1
