"""The progress report as an Excel workbook: one sheet per section in the report's order (cover, summary, indicators,
workstreams, deviations, next period, then one per annex), numbers as numbers, dates as dates, and a native line
chart per measured indicator drawn from the burn-up cells beside it, so that a reader can re-use every figure.

A normal (not write-only) workbook: charts, bold headers and column widths fitted to the content need one, and a
period's content is bounded (its lists are), so the whole workbook in memory stays small.
"""

from __future__ import annotations

import io
import re
from datetime import date

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.chart import LineChart, Reference
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from projects.exports import export_cell

from . import (
    cover_lines,
    deviation_cells,
    indicator_cells,
    indicator_columns,
    key_figure_cells,
    milestone_cells,
    next_period_cells,
    section_titles,
    span,
    summary_lines,
    table_columns,
    withheld_line,
)

SHEET_NAME_LENGTH = 31  # Excel's limit
_NOT_IN_SHEET_NAMES = re.compile(r"[\[\]:*?/\\]")
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_ISO_MONTH = re.compile(r"^\d{4}-\d{2}$")
DATE_FORMAT, MONTH_FORMAT = "yyyy-mm-dd", "mmm yyyy"
WIDEST, NARROWEST = 60, 8  # column widths, in characters
CHART_ROWS = 16  # rows a burn-up chart covers: each block takes at least this many, so charts never overlap
BOLD, TITLE = Font(bold=True), Font(bold=True, size=13)


def render_xlsx(content: dict) -> bytes:
    """The report's content (`reporting.content`) as an .xlsx file."""
    workbook = Workbook()
    workbook.remove(workbook.active)
    names = _SheetNames()
    sheets = {
        "cover": names.take(_("Cover")),
        "summary": names.take(_("Summary")),
        "indicators": names.take(_("Indicators")),
        "workstreams": names.take(_("Workstreams")),
        "deviations": names.take(_("Deviations")),
        "next_period": names.take(_("Next period")),
    }
    annex_sheets = [names.take(annex["title"]) for annex in content["annexes"]]

    _cover(_Sheet(workbook, sheets["cover"]), content, sheets, annex_sheets)
    _summary(_Sheet(workbook, sheets["summary"]), content)
    _indicators(_Sheet(workbook, sheets["indicators"]), content)
    _workstreams(_Sheet(workbook, sheets["workstreams"]), content)
    _deviations(_Sheet(workbook, sheets["deviations"]), content)
    _next_period(_Sheet(workbook, sheets["next_period"]), content)
    for annex, name in zip(content["annexes"], annex_sheets, strict=True):
        _annex(_Sheet(workbook, name), annex)

    for sheet in workbook.worksheets:
        _fit_columns(sheet)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


class _SheetNames:
    """Sheet names as Excel accepts them: no []:*?/\\, at most 31 characters, unique whatever their case."""

    def __init__(self):
        self.used: set[str] = set()

    def take(self, title: str) -> str:
        base = (_NOT_IN_SHEET_NAMES.sub(" ", str(title)).strip().strip("'") or _("Annex"))[:SHEET_NAME_LENGTH]
        name, n = base, 1
        while name.casefold() in self.used:
            n += 1
            suffix = f" ({n})"
            name = base[: SHEET_NAME_LENGTH - len(suffix)] + suffix
        self.used.add(name.casefold())
        return name


class _Sheet:
    """A worksheet written row after row, with the cells made safe: text neutralised (`export_cell`), ISO dates as
    dates."""

    def __init__(self, workbook: Workbook, name: str):
        self.ws = workbook.create_sheet(name)
        self.last = 0  # the number of the last row written (or left blank)

    def row(self, values: list, *, font: Font | None = None, dates: tuple[int, ...] = ()) -> int:
        """Append a row (the cells at the indexes in `dates` are ISO dates or months); returns its number."""
        self.last += 1
        for column, value in enumerate(values, start=1):
            cell = self.ws.cell(row=self.last, column=column, value=_cell(value, as_date=column - 1 in dates))
            if isinstance(cell.value, date):
                cell.number_format = MONTH_FORMAT if _ISO_MONTH.match(str(value)) else DATE_FORMAT
            if font:
                cell.font = font
        return self.last

    def fact(self, label: str, value) -> int:
        """A label (bold) and its value."""
        number = self.row([label, value])
        self.ws.cell(row=number, column=1).font = BOLD
        return number

    def title(self, text: str, *, font: Font = TITLE) -> int:
        return self.row([text], font=font)

    def header(self, columns: list[str]) -> int:
        return self.row(columns, font=BOLD)

    def gap(self, rows: int = 1) -> None:
        self.last += rows

    def freeze_below(self, row: int) -> None:
        self.ws.freeze_panes = self.ws.cell(row=row + 1, column=1)


def _cell(value, *, as_date: bool = False):
    if value is None or value == "":
        return None
    if as_date and isinstance(value, str):
        if _ISO_DATE.match(value):
            return date.fromisoformat(value)
        if _ISO_MONTH.match(value):
            return date.fromisoformat(value + "-01")
    return export_cell(value)


def _annex_dates(row: list) -> tuple[int, ...]:
    """The cells of an annex row that hold an ISO date (the contributed tables' columns are not typed)."""
    return tuple(i for i, value in enumerate(row) if isinstance(value, str) and _ISO_DATE.match(value))


def _cover(sheet: _Sheet, content: dict, sheets: dict[str, str], annex_sheets: list[str]) -> None:
    sheet.title(f"{content['cover']['project']['name']} · {content['cover']['title']}")
    sheet.gap()
    for label, value in cover_lines(content):
        sheet.fact(label, value)
    sheet.gap()
    sheet.title(_("Contents"), font=BOLD)
    sheet.header([_("Section"), _("Sheet")])
    titles = section_titles()
    entries = [(titles[key], sheets[key]) for key in titles if key != "annexes"]
    for annex, name in zip(content["annexes"], annex_sheets, strict=True):
        entries.append((f"{titles['annexes']}: {annex['title']}", name))
    for title, name in entries:
        number = sheet.row([title, name])
        sheet.ws.cell(row=number, column=2).hyperlink = f"#'{name}'!A1"


def _summary(sheet: _Sheet, content: dict) -> None:
    sheet.title(section_titles()["summary"])
    for label, value in summary_lines(content):
        sheet.fact(label, value)
    sheet.gap()
    sheet.title(_("Key figures"), font=BOLD)
    sheet.header(table_columns()["key_figures"])
    for row in content["summary"]["key_figures"]:
        sheet.row(key_figure_cells(row))
    sheet.gap()
    sheet.title(_("Highlights"), font=BOLD)
    _paragraphs(sheet, content["summary"]["highlights"])


def _paragraphs(sheet: _Sheet, text: str) -> None:
    for paragraph in (text or "").splitlines():
        if paragraph.strip():
            sheet.row([paragraph])


def _indicators(sheet: _Sheet, content: dict) -> None:
    columns = table_columns()
    header = sheet.header(indicator_columns())
    sheet.freeze_below(header)
    for row in content["indicators"]:
        sheet.row(indicator_cells(row))
    charted = [row for row in content["indicators"] if row["measured"] and row["series"]]
    if charted:
        sheet.gap()
        sheet.title(_("Progress over time (burn-up)"))
    for row in charted:
        _burnup(sheet, row, columns["series"])
    with_countries = [row for row in content["indicators"] if row["by_country"]]
    if with_countries:
        sheet.gap()
        sheet.title(_("By country"))
    for row in with_countries:
        sheet.title(row["label"], font=BOLD)
        sheet.header(columns["by_country"])
        for country, count in row["by_country"]:
            sheet.row([country, count])
        sheet.gap()


def _burnup(sheet: _Sheet, row: dict, columns: list[str]) -> None:
    """The indicator's monthly series (month, achieved, target line) and a line chart of it to the right."""
    series = row["series"]
    start = sheet.title(row["label"], font=BOLD)
    header = sheet.header(columns)
    for month, achieved, target in zip(series["labels"], series["achieved"], series["target_line"], strict=True):
        sheet.row([month, achieved, target], dates=(0,))
    last = sheet.last
    chart = LineChart()
    chart.title = row["label"]
    chart.y_axis.title = row["unit"]
    chart.x_axis.number_format = MONTH_FORMAT
    chart.x_axis.delete = chart.y_axis.delete = False  # recent Excel hides the axes otherwise
    chart.height, chart.width = 7.5, 16
    chart.add_data(Reference(sheet.ws, min_col=2, max_col=3, min_row=header, max_row=last), titles_from_data=True)
    chart.set_categories(Reference(sheet.ws, min_col=1, min_row=header + 1, max_row=last))
    chart.series[1].graphicalProperties.line.dashStyle = "dash"
    sheet.ws.add_chart(chart, f"E{start}")
    sheet.gap(max(CHART_ROWS - (last - start + 1), 0) + 1)


def _workstreams(sheet: _Sheet, content: dict) -> None:
    columns = table_columns()
    for workstream in content["workstreams"]:
        sheet.title(workstream["label"])
        if workstream["milestones"]:
            sheet.header(columns["milestones"])
            for entry in workstream["milestones"]:
                sheet.row(milestone_cells(entry), dates=(1, 3))
        if workstream["deliverables"]:
            sheet.header(columns["deliverables"])
            for entry in workstream["deliverables"]:
                sheet.row([*milestone_cells(entry), entry["evidence"]], dates=(1, 3))
        for held in workstream["held"]:
            _held(sheet, held, columns)
        if workstream["narrative"]:
            sheet.title(_("Narrative"), font=BOLD)
            _paragraphs(sheet, workstream["narrative"])
        sheet.gap()


def _held(sheet: _Sheet, held: dict, columns: dict[str, list[str]]) -> None:
    """What an app counted as held in the workstream: the total, by type, by country, the list, the withheld."""
    sheet.fact(held["title"], held["total"])
    for key, pairs in (("by_type", held["by_type"]), ("by_country", held["by_country"])):
        if pairs:
            sheet.header(columns[key])
            for label, count in pairs:
                sheet.row([label, count])
    for line in held["lines"]:
        sheet.row([line])
    if held["withheld"]:
        sheet.row([withheld_line(held["withheld"])])


def _deviations(sheet: _Sheet, content: dict) -> None:
    header = sheet.header(table_columns()["deviations"])
    sheet.freeze_below(header)
    for deviation in content["deviations"]:
        sheet.row(deviation_cells(deviation), dates=(2,))


def _next_period(sheet: _Sheet, content: dict) -> None:
    following = content["next_period"]
    sheet.title(f"{section_titles()['next_period']}: {span(following['since'], following['until'])}")
    header = sheet.header(table_columns()["next_period"])
    sheet.freeze_below(header)
    for item in following["items"]:
        sheet.row(next_period_cells(item), dates=(0,))


def _annex(sheet: _Sheet, annex: dict) -> None:
    sheet.title(annex["title"])
    header = sheet.header(annex["columns"])
    sheet.freeze_below(header)
    for row in annex["rows"]:
        sheet.row(row, dates=_annex_dates(row))


def _fit_columns(ws) -> None:
    """Each column as wide as its widest cell (titles of one cell aside), within bounds; long texts wrap."""
    widths: dict[int, int] = {}
    for row in ws.iter_rows():
        cells = [cell for cell in row if cell.value is not None]
        if len(cells) == 1 and cells[0].font.sz == TITLE.sz:
            continue  # a title spills over the empty cells beside it
        for cell in cells:
            length = 11 if isinstance(cell.value, date) else len(str(cell.value))
            widths[cell.column] = max(widths.get(cell.column, 0), length)
            if length > WIDEST:
                cell.alignment = Alignment(wrap_text=True, vertical="top")
    for column, length in widths.items():
        ws.column_dimensions[get_column_letter(column)].width = min(max(length + 2, NARROWEST), WIDEST)
