"""Every chart has a text alternative: the canvas is an image with a label, and its numbers follow in a table."""

from __future__ import annotations

import re

from reporting.series import burnup_table
from tests.reporting.conftest import TODAY
from tests.reporting.test_dashboard import at
from tests.utils import get_ok


def test_every_chart_on_the_dashboard_is_labelled_and_has_its_numbers_as_a_table(client_for, viewer, known):
    with at(TODAY):
        page = get_ok(client_for(viewer), "/projects/REP/dashboard/").content.decode()
    canvases = re.findall(r"<canvas [^>]*>", page)
    assert len(canvases) >= 2
    for canvas in canvases:
        key = re.search(r'data-series="([^"]+)"', canvas).group(1)
        assert 'role="img"' in canvas and re.search(r'aria-label="Burn-up chart of [^"]+"', canvas), canvas
        table = re.search(rf'<details [^>]*data-chart-table="{key}">(.*?)</details>', page, re.S)
        assert table, f"no table of the numbers of the chart {key}"
        assert "Show the numbers as a table" in table.group(1) and "<caption>" in table.group(1)
    # REP runs 24 months: the deliverables' table has a row per month, October 2024 with the 3 delivered by then
    block = re.search(r'data-chart-table="deliverables">(.*?)</details>', page, re.S).group(1)
    rows = re.findall(r"<tr><th scope=\"row\">([^<]+)</th>(.*?)</tr>", block)
    assert [month for month, _ in rows][:3] == ["2024-01", "2024-02", "2024-03"] and len(rows) == 24
    october = dict(rows)["2024-10"]
    assert re.match(r'<td class="text-end">3</td>', october), october


def test_the_table_of_a_chart_gives_each_month_its_numbers():
    series = {
        "labels": ["2024-01", "2024-02", "2024-03"],
        "achieved": [1, 2, None],
        "target_line": [3.33, 6.67, 10],
        "targets": [{"x": "2024-02", "y": 5}],
    }
    assert burnup_table(series) == [
        {"month": "2024-01", "achieved": 1, "line": 3.33, "target": None},
        {"month": "2024-02", "achieved": 2, "line": 6.67, "target": 5},
        {"month": "2024-03", "achieved": None, "line": 10, "target": None},
    ]


def test_a_reader_who_does_not_see_sensitive_records_is_told_the_charts_leave_them_out(
    client_for, viewer, manager, known
):
    with at(TODAY):
        page = get_ok(client_for(viewer), "/projects/REP/dashboard/").content.decode()
        managers = get_ok(client_for(manager), "/projects/REP/dashboard/").content.decode()
    assert 'data-testid="sensitive-left-out"' in page and "a chart may end below its total" in page
    assert 'data-testid="sensitive-left-out"' not in managers  # their charts count what their totals count
