"""A workstream's tasks export as CSV and XLSX, as the workstream page lists them."""

import csv
import io
from datetime import date

import pytest
from openpyxl import load_workbook

from projects import rollups
from projects.models import AuditEvent, Task
from tests.utils import count_queries

URL = "/projects/ATHENA2/workstreams/1/tasks/export.{fmt}"


@pytest.fixture
def ws1(athena):
    return athena.workstreams.get(number=1)


def _rows(response) -> list[list[str]]:
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    return list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))


def test_the_tasks_csv_has_the_workstreams_tasks(client_for, viewer, staff, ws1, athena):
    Task.objects.create(workstream=ws1, title="Send the questionnaire", due_date=date(2021, 5, 15), owner=staff)
    Task.objects.create(workstream=ws1, title="=Collect answers", due_date=date(2099, 1, 1), status="done")
    Task.objects.create(
        workstream=athena.workstreams.get(number=2), title="Other workstream", due_date=date(2099, 1, 1)
    )
    rows = _rows(client_for(viewer).get(URL.format(fmt="csv")))
    assert rows[0] == ["Task", "Description", "Owner", "Due date", "Status", "Completed on", "Late"]
    by_title = {row[0]: row for row in rows[1:]}
    assert set(by_title) == {"Send the questionnaire", "'=Collect answers"}
    assert by_title["Send the questionnaire"][2:5] == ["Stefan Staff", "2021-05-15", "To do"]
    assert by_title["Send the questionnaire"][6] == "True"
    assert AuditEvent.objects.get(action="export").project == athena


def test_the_tasks_xlsx_reads_back(client_for, viewer, ws1):
    Task.objects.create(workstream=ws1, title="Send the questionnaire", due_date=date(2021, 5, 15))
    response = client_for(viewer).get(URL.format(fmt="xlsx"))
    assert response.status_code == 200
    rows = list(load_workbook(io.BytesIO(b"".join(response.streaming_content))).active.iter_rows(values_only=True))
    assert len(rows) == 2 and rows[1][0] == "Send the questionnaire"


def test_the_workstream_page_has_export_buttons(client_for, viewer, ws1):
    page = client_for(viewer).get("/projects/ATHENA2/workstreams/1/").content.decode()
    assert URL.format(fmt="csv") in page and URL.format(fmt="xlsx") in page


def test_tasks_export_outsider_unknown_format_and_workstream_are_404(client_for, outsider, viewer, ws1):
    assert client_for(outsider).get(URL.format(fmt="csv")).status_code == 404
    assert client_for(viewer).get(URL.format(fmt="pdf")).status_code == 404
    assert client_for(viewer).get("/projects/ATHENA2/workstreams/99/tasks/export.csv").status_code == 404


def test_the_tasks_export_queries_do_not_grow(client_for, viewer, staff, ws1):
    client = client_for(viewer)
    url = URL.format(fmt="csv")

    @rollups.batch(everything=True)  # set-up data in bulk: the rollups rebuilt once, at the end
    def grow(n):
        for i in range(n):
            Task.objects.create(workstream=ws1, title=f"t{i}", due_date=date(2030, 1, 1), owner=staff)

    grow(3)
    small = count_queries(lambda: b"".join(client.get(url).streaming_content))
    grow(27)
    large = count_queries(lambda: b"".join(client.get(url).streaming_content))
    assert small == large
