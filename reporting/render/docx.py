"""The progress report as a Word document (python-docx), for managers who edit the report before it goes out.

Built from the report's content only (`reporting.content`): the renderer never reads the database, so a funder's
file holds nothing the funder's content does not. Sections are Heading 1 and 2 paragraphs, so Word's navigation
pane and its table of contents (a real TOC field, refreshed when the file opens) list them; the section titles are
also written as plain text under the field for readers that do not refresh fields.
"""

from __future__ import annotations

import io
import re

from django.utils.translation import gettext as _
from docx import Document
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt

from . import (
    cover_lines,
    day,
    deliverable_cells,
    deliverable_columns,
    deviation_cells,
    deviation_columns,
    figures_line,
    glance,
    held_counts,
    indicator_cells,
    indicator_columns,
    key_figure_cells,
    key_figure_columns,
    milestone_cells,
    milestone_columns,
    next_period_cells,
    next_period_columns,
    no_deviations_line,
    section_titles,
    span,
    text,
    withheld_line,
)
from .charts import burnup_png, chart_title

TOC_FIELD = r'TOC \o "1-2" \h \z \u'
TABLE_STYLE = "Light Grid Accent 1"
TABLE_TEXT = "Table Text"
CHART_DPI = 200
# Elements of w:settings that come after w:updateFields in the schema's sequence (Word rejects a file out of order).
AFTER_UPDATE_FIELDS = ("hdrShapeDefaults", "footnotePr", "endnotePr", "compat", "docVars", "rsids")


def render_docx(content: dict) -> bytes:
    """The report as DOCX bytes: cover, contents, then the sections in the order of `section_titles()`."""
    document = Document()
    _set_up(document, content)
    _cover(document, content)
    _contents(document)
    titles = section_titles()
    for key, write in SECTIONS.items():
        heading = document.add_heading(titles[key], level=1)
        heading.paragraph_format.page_break_before = True
        write(document, content)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


# --- the sections ----------------------------------------------------------------------------------------------------


def _summary(document, content: dict) -> None:
    summary = content["summary"]
    status = document.add_paragraph()
    status.add_run(_("Status: ")).bold = True
    status.add_run(summary["status_label"])
    _small(document, summary["status_rule"])
    document.add_paragraph(figures_line(summary))
    _table(document, key_figure_columns(), [key_figure_cells(row) for row in summary["key_figures"]])
    if summary["highlights"]:
        document.add_heading(_("Highlights"), level=2)
        _paragraphs(document, summary["highlights"])
    short = glance(content)
    document.add_heading(_("What is late, and why"), level=2)
    for deviation in short["glance_behind"]:
        why = deviation["explanation"] or _("No explanation given yet.")
        document.add_paragraph(f"{deviation['title']}: {deviation['detail']}. {why}", style="List Bullet")
    for deviation in short["glance_deviations"]:
        why = deviation["explanation"] or _("no explanation given yet")
        due = f", {_('due')} {day(deviation['due'])}" if deviation["due"] else ""
        document.add_paragraph(
            f"{deviation['title']} ({deviation['kind_label'].lower()}{due}): {why}", style="List Bullet"
        )
    if not content["deviations"]:
        document.add_paragraph(no_deviations_line())
    if short["more_deviations"]:
        where = section_titles()["deviations"]
        _small(
            document, _("%(n)s more overdue items under “%(where)s”.") % {"n": short["more_deviations"], "where": where}
        )
    document.add_heading(_("What comes next"), level=2)
    for item in short["glance_next"]:
        document.add_paragraph(f"{day(item['date'])} · {item['kind_label']}: {item['title']}", style="List Bullet")
    if short["more_next"]:
        where = section_titles()["next_period"]
        _small(document, _("%(n)s more items under “%(where)s”.") % {"n": short["more_next"], "where": where})


def _indicators(document, content: dict) -> None:
    indicators = content["indicators"]
    _table(document, indicator_columns(), [indicator_cells(row) for row in indicators])
    for indicator in indicators:
        if not indicator["measured"]:
            continue
        document.add_heading(indicator["label"], level=2)
        png = burnup_png(indicator, dpi=CHART_DPI)
        if png:
            document.add_picture(io.BytesIO(png))  # its own size: 16 cm wide at CHART_DPI
            document.inline_shapes[-1]._inline.docPr.set("descr", chart_title(indicator))
        if indicator["by_country"]:
            _caption(document, _("By country"))
            _table(document, [_("Country"), indicator["unit"]], indicator["by_country"])


def _workstreams(document, content: dict) -> None:
    for workstream in content["workstreams"]:
        document.add_heading(workstream["label"], level=2)
        if workstream["milestones"]:
            _caption(document, _("Milestones"))
            _table(document, milestone_columns(), [milestone_cells(m) for m in workstream["milestones"]])
        if workstream["deliverables"]:
            _caption(document, _("Deliverables"))
            _table(document, deliverable_columns(), [deliverable_cells(d) for d in workstream["deliverables"]])
        for held in workstream["held"]:
            _caption(document, held["title"])
            for line in held_counts(held):
                document.add_paragraph(line)
            for line in held["lines"]:
                document.add_paragraph(line, style="List Bullet")
            if held["withheld"]:
                _small(document, withheld_line(held["withheld"]))
        if workstream["narrative"]:
            _caption(document, _("Narrative"))
            _paragraphs(document, workstream["narrative"])


def _deviations(document, content: dict) -> None:
    if not content["deviations"]:
        document.add_paragraph(no_deviations_line())
        return
    _table(document, deviation_columns(), [deviation_cells(entry) for entry in content["deviations"]])


def _next_period(document, content: dict) -> None:
    upcoming = content["next_period"]
    document.add_paragraph(span(upcoming["since"], upcoming["until"]))
    if upcoming["items"]:
        _table(document, next_period_columns(), [next_period_cells(item) for item in upcoming["items"]])
    else:
        document.add_paragraph(_("Nothing is planned or due in the next period yet."))


def _annexes(document, content: dict) -> None:
    for annex in content["annexes"]:
        document.add_heading(annex["title"], level=2)
        _table(document, annex["columns"], annex["rows"])


SECTIONS = {
    "summary": _summary,
    "indicators": _indicators,
    "workstreams": _workstreams,
    "deviations": _deviations,
    "next_period": _next_period,
    "annexes": _annexes,
}


# --- cover, contents, page set-up ------------------------------------------------------------------------------------


def _set_up(document, content: dict) -> None:
    """A4 with 2 cm margins, "Page X of Y" in the footer, a small style for table cells, fields refreshed on open."""
    section = document.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
        setattr(section, side, Mm(20))
    footer = section.footer.paragraphs[0]
    footer.alignment = WD_ALIGN_PARAGRAPH.CENTER
    words = re.split(r"(%\(page\)s|%\(pages\)s)", _("Page %(page)s of %(pages)s"))
    for word in words:
        if word == "%(page)s":
            _field(footer, "PAGE", "1")
        elif word == "%(pages)s":
            _field(footer, "NUMPAGES", "1")
        elif word:
            footer.add_run(word)

    style = document.styles.add_style(TABLE_TEXT, WD_STYLE_TYPE.PARAGRAPH)
    style.base_style = document.styles["Normal"]
    style.font.size = Pt(9)
    style.paragraph_format.space_after = Pt(0)

    settings = document.settings.element
    update = OxmlElement("w:updateFields")
    update.set(qn("w:val"), "true")
    following = next((child for child in settings if child.tag in {qn(f"w:{n}") for n in AFTER_UPDATE_FIELDS}), None)
    if following is not None:
        following.addprevious(update)
    else:
        settings.append(update)

    cover = content["cover"]
    document.core_properties.title = f"{cover['project']['code']} · {cover['title']}"
    document.core_properties.author = (content.get("generated") or {}).get("by", "")


def _cover(document, content: dict) -> None:
    cover = content["cover"]
    document.add_paragraph(cover["project"]["name"], style="Title")
    document.add_paragraph(f"{cover['kind_label']} · {cover['title']}", style="Subtitle")
    table = document.add_table(rows=0, cols=2)
    for label, value in cover_lines(content):
        cells = table.add_row().cells
        cells[0].text, cells[1].text = label, value
        cells[0].paragraphs[0].runs[0].bold = True


def _contents(document) -> None:
    """Word's TOC field (filled when the file opens), and the sections as plain text for readers that don't."""
    heading = document.add_paragraph(_("Contents"), style="TOC Heading")
    heading.paragraph_format.page_break_before = True
    _field(
        document.add_paragraph(), TOC_FIELD, _("Open in Word and update fields to see the page numbers."), dirty=True
    )
    for title in section_titles().values():
        document.add_paragraph(title, style="List Number")


def _field(paragraph, instruction: str, placeholder: str, *, dirty: bool = False) -> None:
    """A complex field (begin, instruction, separate, shown result, end): Word recomputes the result; a `dirty` one
    (the contents) as soon as the file opens."""

    def char(kind: str) -> None:
        element = OxmlElement("w:fldChar")
        element.set(qn("w:fldCharType"), kind)
        if kind == "begin" and dirty:
            element.set(qn("w:dirty"), "true")
        paragraph.add_run()._r.append(element)

    char("begin")
    instr = OxmlElement("w:instrText")
    instr.set(qn("xml:space"), "preserve")
    instr.text = f" {instruction} "
    paragraph.add_run()._r.append(instr)
    char("separate")
    paragraph.add_run(placeholder)
    char("end")


# --- small pieces ----------------------------------------------------------------------------------------------------


def _table(document, columns: list[str], rows: list[list]) -> None:
    """A table with a bold header row repeated on each page, its cells in the small table style."""
    table = document.add_table(rows=1, cols=len(columns))
    table.style = TABLE_STYLE
    header = table.rows[0]
    header_properties = header._tr.get_or_add_trPr()
    repeat = OxmlElement("w:tblHeader")
    repeat.set(qn("w:val"), "true")
    header_properties.append(repeat)
    for cell, column in zip(header.cells, columns, strict=True):
        _cell(cell, column, bold=True)
    for row in rows:
        for cell, value in zip(table.add_row().cells, row, strict=True):
            _cell(cell, text(value))
    document.add_paragraph()


def _cell(cell, value: str, *, bold: bool = False) -> None:
    paragraph = cell.paragraphs[0]
    paragraph.style = TABLE_TEXT
    run = paragraph.add_run(value)
    if bold:
        run.bold = True


def _caption(document, words: str) -> None:
    document.add_paragraph().add_run(words).bold = True


def _small(document, words: str) -> None:
    run = document.add_paragraph().add_run(words)
    run.italic = True
    run.font.size = Pt(9)


def _paragraphs(document, words: str) -> None:
    """A text the managers wrote: one paragraph per blank-line-separated block, line breaks kept."""
    for block in re.split(r"\n\s*\n", words.strip()):
        paragraph = document.add_paragraph()
        for n, line in enumerate(block.splitlines()):
            if n:
                paragraph.runs[-1].add_break()
            paragraph.add_run(line)
