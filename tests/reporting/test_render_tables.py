"""The XLSX and CSV renderers of a progress report: read back, they hold the content's numbers (as numbers), its
dates (as dates), its sections in order, a native chart per burn-up series; text cannot run as a formula; and the
funder's files never name a sensitive activity, which still counts in every total."""

from __future__ import annotations

import csv
import io
import re
import zipfile
from datetime import date, datetime, timedelta

import openpyxl
import pytest

from operations.models import ActivityCountry, ActivityOfficer, JointActivity
from projects.exports import export_cell
from projects.models import Country, Milestone, Workstream
from projects.people import person_find_or_create
from reporting.content import FUNDER, MANAGERS, period_content
from reporting.models import DeviationNote, ProgressReport, ReportingPeriod
from reporting.render import indicator_cells, key_figure_cells, section_titles
from reporting.render.csvfile import render_csv
from reporting.render.xlsx import render_xlsx

SECRET = "Operation Quillfeather"
FORMULA = '=HYPERLINK("http://evil.example","click")'
EXPLANATION = "The partners' calendars slipped by a quarter"


def _activity(project, *, reference, title, end, lead="RO", sensitive=False, officers=()):
    activity = JointActivity.objects.create(
        project=project,
        type="joint_patrol",
        title=title,
        reference=reference,
        lead_country=Country.objects.get(code=lead),
        start_date=end - timedelta(days=2),
        end_date=end,
        status="completed",
        validation_state="validated",
        is_sensitive=sensitive,
        version=1,
    )
    ActivityCountry.objects.create(activity=activity, country=activity.lead_country, officers_deployed=3)
    for name in officers:
        person, _created = person_find_or_create(name=name, country=activity.lead_country)
        ActivityOfficer.objects.create(activity=activity, person=person, role="field_officer")
    return activity


@pytest.fixture
def period(athena):
    """ATHENA2's first half of 2025: three joint patrols (one sensitive), a milestone and a deviation explained
    whose texts look like formulas."""
    _activity(athena, reference="P-1", title="Patrol Danube", end=date(2025, 2, 10), officers=["Ana Pop"])
    _activity(athena, reference="P-2", title="Patrol Balkan", end=date(2025, 4, 5), lead="BG", officers=["Ivo Ivanov"])
    _activity(athena, reference="S-1", title=SECRET, end=date(2025, 5, 20), lead="MD", sensitive=True, officers=["X"])
    workstream = Workstream.objects.filter(project=athena).order_by("number").first()
    Milestone.objects.create(workstream=workstream, title=FORMULA, due_date=date(2025, 3, 31))
    period = ReportingPeriod.objects.create(
        project=athena,
        title="Interim report 1",
        start=date(2025, 1, 1),
        end=date(2025, 6, 30),
        due_date=date(2025, 7, 30),
    )
    report = ProgressReport.objects.create(period=period, narrative="@SUM(A1:A9) was a good half year")
    content = period_content(period, audience=MANAGERS)
    DeviationNote.objects.create(
        report=report, key=content["deviations"][0]["key"], explanation=EXPLANATION, measure="-1 more meeting"
    )
    return period


@pytest.fixture
def managers(period):
    content = period_content(period, audience=MANAGERS)
    content["generated"] = {"by": "Mara Manager", "at": "2026-12-01 05:00"}
    return content


def _sheet_rows(workbook, name: str) -> list[tuple]:
    return list(workbook[name].iter_rows(values_only=True))


def _after(rows: list[tuple], first_cell, *, skip: int = 1, start: int = 0) -> int:
    """The index of the row after the first one from `start` whose first cell is `first_cell` (and `skip - 1` more,
    e.g. a header)."""
    return [row[0] for row in rows].index(first_cell, start) + skip


def _csv(content: dict) -> list[list[str]]:
    data = render_csv(content)
    assert data.startswith("\ufeff".encode())
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))


def _number(text: str):
    return float(text) if "." in text else int(text)


def _xlsx_text(data: bytes, under: str = "") -> str:
    """The XML parts of the workbook (all: cells, shared strings, charts), as text."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        names = [name for name in archive.namelist() if name.endswith(".xml") and name.startswith(under)]
        return "".join(archive.read(name).decode("utf-8") for name in names)


def test_the_workbook_has_the_reports_sections_in_order_then_the_annexes(managers):
    workbook = openpyxl.load_workbook(io.BytesIO(render_xlsx(managers)))

    fixed = ["Cover", "Summary", "Indicators", "Workstreams", "Deviations", "Next period"]
    assert workbook.sheetnames[:6] == fixed
    annexes = workbook.sheetnames[6:]
    assert len(annexes) == len(managers["annexes"]) > 0
    assert all(len(name) <= 31 for name in annexes) and len(set(annexes)) == len(annexes)
    cover = _sheet_rows(workbook, "Cover")
    assert ("Generated", "by Mara Manager on 2026-12-01 05:00") in cover
    contents = dict(cover[_after(cover, "Section") :])
    assert contents[section_titles()["deviations"]] == "Deviations"
    assert set(annexes) <= set(contents.values())


def test_annex_sheet_names_are_cut_to_excels_limit_cleaned_and_unique(managers):
    title = "Joint activities: the [complete] list of what was held"
    annex = {"key": "long", "title": title, "columns": ["Date", "Count"], "rows": [["2025-03-01", 4]]}
    managers["annexes"] += [annex, {**annex, "key": "again"}, {**annex, "key": "cover", "title": "COVER"}]

    workbook = openpyxl.load_workbook(io.BytesIO(render_xlsx(managers)))

    added = workbook.sheetnames[-3:]
    assert added == ["Joint activities  the  complete", "Joint activities  the  comp (2)", "COVER (2)"]
    rows = _sheet_rows(workbook, added[0])
    assert rows == [(title, None), ("Date", "Count"), (datetime(2025, 3, 1), 4)]


def test_the_workbooks_numbers_are_the_contents_numbers(managers):
    workbook = openpyxl.load_workbook(io.BytesIO(render_xlsx(managers)))

    indicators = _sheet_rows(workbook, "Indicators")
    table = indicators[1 : 1 + len(managers["indicators"])]
    assert [list(row[:7]) for row in table] == [_expected(indicator_cells(row)) for row in managers["indicators"]]
    assert workbook["Indicators"].freeze_panes == "A2"
    patrols = next(row for row in managers["indicators"] if row["key"] == "joint_patrols")
    assert patrols["in_period"] == 3 and isinstance(table[3][3], int)

    summary = _sheet_rows(workbook, "Summary")
    start = _after(summary, "Indicator")
    figures = managers["summary"]["key_figures"]
    assert [list(row[:6]) for row in summary[start : start + len(figures)]] == [key_figure_cells(r) for r in figures]
    assert ("Overdue items", managers["summary"]["overdue"]) in [row[:2] for row in summary]

    charted = [row for row in managers["indicators"] if row["measured"] and row["series"]]
    assert charted
    burnup = _after(indicators, "Progress over time (burn-up)")
    for row in charted:
        start = _after(indicators, row["label"], skip=2, start=burnup)  # the block's title, then its header
        series = row["series"]
        block = indicators[start : start + len(series["labels"])]
        assert [r[0] for r in block] == [datetime.fromisoformat(f"{month}-01") for month in series["labels"]]
        assert [r[1] for r in block] == series["achieved"]
        assert [r[2] for r in block] == series["target_line"]

    countries = [row for row in managers["indicators"] if row["by_country"]]
    assert countries
    by_country_title = _after(indicators, "By country")
    for row in countries:
        start = _after(indicators, row["label"], skip=2, start=by_country_title)
        pairs = [list(r[:2]) for r in indicators[start : start + len(row["by_country"])]]
        assert pairs == row["by_country"]


def test_each_burn_up_series_has_a_native_line_chart_titled_with_its_indicator(managers):
    data = render_xlsx(managers)

    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        charts = [
            archive.read(name).decode() for name in archive.namelist() if re.match(r"xl/charts/chart\d+\.xml$", name)
        ]
        drawings = [name for name in archive.namelist() if name.startswith("xl/drawings/drawing")]
        rels = archive.read("xl/worksheets/_rels/sheet3.xml.rels").decode()
    charted = [row for row in managers["indicators"] if row["measured"] and row["series"]]
    assert len(charts) == len(charted)
    assert all(re.search(r"<(c:)?lineChart>", chart) for chart in charts)
    titles = [re.findall(r"<a:t>([^<]*)</a:t>", chart) for chart in charts]
    assert sorted(t[0] for t in titles) == sorted(row["label"] for row in charted)
    assert all("'Indicators'!$B$" in chart and "'Indicators'!$C$" in chart for chart in charts)  # from the cells
    assert len(drawings) == 1 and "drawing" in rels  # all on the Indicators sheet (the third)


def test_the_workbook_stores_dates_as_dates_and_lists_the_explained_deviations(managers):
    workbook = openpyxl.load_workbook(io.BytesIO(render_xlsx(managers)))

    deviations = _sheet_rows(workbook, "Deviations")
    assert len(deviations) == 1 + len(managers["deviations"])
    explained = next(row for row in deviations if row[4] == EXPLANATION)
    assert explained[5] == "'-1 more meeting"
    for row, deviation in zip(deviations[1:], managers["deviations"], strict=True):
        assert row[1] == export_cell(deviation["title"])
        assert row[2] == (datetime.fromisoformat(deviation["due"]) if deviation["due"] else None)
    workstreams = _sheet_rows(workbook, "Workstreams")
    milestone = next(row for row in workstreams if row[0] == "'" + FORMULA)
    assert milestone[1] == datetime(2025, 3, 31)
    next_period = _sheet_rows(workbook, "Next period")
    assert len(next_period) > 2 and all(isinstance(row[0], datetime) for row in next_period[2:])


def test_text_that_looks_like_a_formula_is_neutralised_in_both_files(managers):
    data = render_xlsx(managers)
    workbook = openpyxl.load_workbook(io.BytesIO(data))

    cells = [cell for sheet in workbook for row in sheet.iter_rows() for cell in row if isinstance(cell.value, str)]
    assert not [cell.coordinate for cell in cells if cell.value[0] in "=+-@" or cell.data_type == "f"]
    assert "'" + FORMULA in [cell.value for cell in cells]
    assert "'@SUM(A1:A9) was a good half year" in [cell.value for cell in cells]
    assert "<f>" not in _xlsx_text(data, under="xl/worksheets/")

    rows = _csv(managers)
    assert not [value for row in rows for value in row[1:] if value[:1] in ("=", "+", "@")]
    assert ["milestone", managers["workstreams"][0]["label"], "'" + FORMULA] == rows[
        [row[2] if len(row) > 2 else "" for row in rows].index("'" + FORMULA)
    ][:3]


def test_the_csv_is_one_table_of_the_contents_numbers(managers):
    rows = _csv(managers)

    assert rows[0][:3] == ["section", "group", "value_1"]
    assert len({len(row) for row in rows}) == 1
    sections = [row[0] for row in rows[1:] if row[0] != "columns"]
    order = ["cover", "summary", "key_figure", "indicator", "series", "breakdown", "milestone", "held"]
    assert [s for s in dict.fromkeys(sections) if s in order] == order
    assert (
        sections.index("deviation") < sections.index("next") < sections.index(f"annex:{managers['annexes'][0]['key']}")
    )

    def values(section: str, width: int) -> list[tuple]:
        return [(row[1], *(_cell(v) for v in row[2 : 2 + width])) for row in rows if row[0] == section]

    assert values("indicator", 7) == [(r["key"], *_expected(indicator_cells(r))) for r in managers["indicators"]]
    figures = managers["summary"]["key_figures"]
    assert values("key_figure", 6) == [(r["key"], *_expected(key_figure_cells(r))) for r in figures]
    series = [
        (row["key"], *_expected(values_))
        for row in managers["indicators"]
        if row["series"]
        for values_ in zip(*(row["series"][key] for key in ("labels", "achieved", "target_line")), strict=True)
    ]
    assert values("series", 3) == series
    assert values("breakdown", 2) == [(r["key"], *pair) for r in managers["indicators"] for pair in r["by_country"]]
    explained = [row for row in rows if row[0] == "deviation" and row[6] == EXPLANATION]
    assert len(explained) == 1 and explained[0][7] == "'-1 more meeting"
    annex = managers["annexes"][0]
    assert [row[2:] for row in rows if row[0] == "columns" and row[1] == f"annex:{annex['key']}"][0][
        : len(annex["columns"])
    ] == annex["columns"]


def _cell(text: str):
    if re.fullmatch(r"-?\d+(\.\d+)?", text):
        return _number(text)
    return text or None


def _expected(values) -> list:
    return [value if value != "" else None for value in values]


def test_the_funders_files_count_a_sensitive_activity_without_naming_it(period, managers):
    funder = period_content(period, audience=FUNDER)
    patrols = {row["key"]: row for row in funder["indicators"]}["joint_patrols"]
    assert patrols["in_period"] == 3  # the sensitive patrol counts
    held = [h for ws in funder["workstreams"] for h in ws["held"] if h["key"] == "joint-activities"]
    assert sum(h["total"] for h in held) == 3 and sum(h["withheld"] for h in held) == 1

    assert SECRET in _xlsx_text(render_xlsx(managers))  # the managers' file names it: the test can fail
    data = render_xlsx(funder)
    assert SECRET not in _xlsx_text(data) and "S-1" not in _xlsx_text(data)
    workbook = openpyxl.load_workbook(io.BytesIO(data))
    indicators = _sheet_rows(workbook, "Indicators")
    assert next(row for row in indicators if row[0] == patrols["label"])[3] == 3
    workstreams = _sheet_rows(workbook, "Workstreams")
    assert (held[0]["title"], held[0]["total"]) in [row[:2] for row in workstreams]
    assert any(row[0] and "further sensitive activit" in row[0] for row in workstreams)

    text = render_csv(funder).decode("utf-8-sig")
    assert SECRET not in text and "S-1" not in text
    rows = list(csv.reader(io.StringIO(text)))
    assert ["indicator", "joint_patrols", patrols["label"]] == next(
        r for r in rows if r[:2] == ["indicator", "joint_patrols"]
    )[:3]
    assert next(r for r in rows if r[:2] == ["indicator", "joint_patrols"])[5] == "3"
    assert [r for r in rows if r[0] == "withheld"][0][3] == "1"
