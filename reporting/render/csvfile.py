"""The progress report as one CSV table, for a reader who filters and pivots: every row says in its first column
which part of the report it is (`section`) and in the second which workstream, indicator or annex it belongs to
(`group`); the values follow. Before the first row of each section, a `columns` row names that section's values.

UTF-8 with a byte order mark (so that Excel reads the accents); dates ISO (2025-07-01), numbers as numbers, text
neutralised against formulas (`projects.exports.csv_cell`).
"""

from __future__ import annotations

import csv
import io

from django.utils.translation import gettext as _

from projects.exports import csv_cell
from reporting import render as shared

VALUES = 8  # value columns after `section` and `group`: the widest section's (deviations, indicators, annexes)
COLUMNS = "columns"  # the section of the rows that name the values of the next section


def render_csv(content: dict) -> bytes:
    """The report's content (`reporting.content`) as a CSV file."""
    table = _Table()
    _report(table, content)
    width = max([VALUES, *(len(row) - 2 for row in table.rows)])
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["section", "group", *(f"value_{n}" for n in range(1, width + 1))])
    for section, group, *values in table.rows:
        padding = [""] * (width - len(values))
        writer.writerow([section, csv_cell(group), *(csv_cell(value) for value in values), *padding])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


class _Table:
    """The rows of the file; the first row of a section is preceded by a `columns` row naming its values."""

    def __init__(self):
        self.rows: list[list] = []
        self.named: set[str] = set()

    def add(self, section: str, group: str, names: list[str], values: list) -> None:
        if section not in self.named:
            self.named.add(section)
            self.rows.append([COLUMNS, section, *names])
        self.rows.append([section, group, *values])


def _report(table: _Table, content: dict) -> None:
    """The whole report, in its order."""
    columns = shared.table_columns()
    fact = [_("Label"), _("Value")]
    for line in shared.cover_lines(content):
        table.add("cover", "", fact, list(line))
    for line in [*shared.summary_lines(content), (_("Highlights"), content["summary"]["highlights"])]:
        table.add("summary", "", fact, list(line))
    for row in content["summary"]["key_figures"]:
        table.add("key_figure", row["key"], columns["key_figures"], shared.key_figure_cells(row))
    for row in content["indicators"]:
        table.add("indicator", row["key"], shared.indicator_columns(), shared.indicator_cells(row))
    for row in content["indicators"]:
        if row["measured"] and row["series"]:
            series = row["series"]
            for values in zip(series["labels"], series["achieved"], series["target_line"], strict=True):
                table.add("series", row["key"], columns["series"], list(values))
    for row in content["indicators"]:
        for pair in row["by_country"]:
            table.add("breakdown", row["key"], columns["by_country"], list(pair))
    for workstream in content["workstreams"]:
        _workstream(table, workstream, columns)
    for deviation in content["deviations"]:
        table.add("deviation", "", columns["deviations"], shared.deviation_cells(deviation))
    for item in content["next_period"]["items"]:
        table.add("next", "", columns["next_period"], shared.next_period_cells(item))
    for annex in content["annexes"]:
        for row in annex["rows"]:
            table.add(f"annex:{annex['key']}", annex["title"], annex["columns"], row)


def _workstream(table: _Table, workstream: dict, columns: dict[str, list[str]]) -> None:
    """A workstream (its label the group): milestones, deliverables, what was held in it, its narrative."""
    group = workstream["label"]
    for entry in workstream["milestones"]:
        table.add("milestone", group, columns["milestones"], shared.milestone_cells(entry))
    for entry in workstream["deliverables"]:
        table.add("deliverable", group, columns["deliverables"], [*shared.milestone_cells(entry), entry["evidence"]])
    held = _("Held")
    for entry in workstream["held"]:
        title = entry["title"]
        table.add("held", group, [held, _("Total")], [title, entry["total"]])
        for pair in entry["by_type"]:
            table.add("held_type", group, [held, *columns["by_type"]], [title, *pair])
        for pair in entry["by_country"]:
            table.add("held_country", group, [held, *columns["by_country"]], [title, *pair])
        for line in entry["lines"]:
            table.add("held_line", group, [held, _("Line")], [title, line])
        if entry["withheld"]:
            values = [title, entry["withheld"], shared.withheld_line(entry["withheld"])]
            table.add("withheld", group, [held, _("Count"), _("Note")], values)
    if workstream["narrative"]:
        table.add("narrative", group, [_("Text")], [workstream["narrative"]])
