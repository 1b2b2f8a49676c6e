"""The IMOBEX coverage board exports as CSV and XLSX: one row per country of the scope."""

import csv
import io
from datetime import date

from openpyxl import load_workbook

from imobex.models import CountryCoverage
from projects.models import AuditEvent
from tests.utils import count_queries

URL = "/projects/IMOBEX/coverage/export.{fmt}"


def _rows(response) -> list[list[str]]:
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    return list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))


def test_the_coverage_csv_has_one_row_per_country(client_for, imobex, imobex_viewer, imobex_staff, countries):
    CountryCoverage.objects.create(
        project=imobex,
        country=countries["RO"],
        state="received",
        source="questionnaire",
        state_date=date(2021, 6, 1),
        requested_on=date(2021, 5, 1),
        received_on=date(2021, 6, 1),
        responsible=imobex_staff,
    )
    rows = _rows(client_for(imobex_viewer).get(URL.format(fmt="csv")))
    assert rows[0][:4] == ["Country", "Code", "State", "Source"]
    assert len(rows) == 1 + 34
    romania = next(row for row in rows if row[1] == "RO")
    assert (
        romania[2:4] == ["Received", "Questionnaire"] and romania[4] == "2021-06-01" and romania[-1] == "Staff Imobex"
    )
    germany = next(row for row in rows if row[1] == "DE")
    assert germany[2] == "Not started" and germany[-1] == ""
    assert AuditEvent.objects.get(action="export").project == imobex


def test_the_coverage_xlsx_reads_back(client_for, imobex_viewer):
    response = client_for(imobex_viewer).get(URL.format(fmt="xlsx"))
    assert response.status_code == 200
    rows = list(load_workbook(io.BytesIO(b"".join(response.streaming_content))).active.iter_rows(values_only=True))
    assert rows[0][0] == "Country" and len(rows) == 35


def test_the_board_has_export_buttons(client_for, imobex_viewer):
    page = client_for(imobex_viewer).get("/projects/IMOBEX/coverage/").content.decode()
    assert URL.format(fmt="csv") in page and URL.format(fmt="xlsx") in page


def test_coverage_export_outsider_and_unknown_format_are_404(client_for, viewer, imobex_viewer):
    assert client_for(viewer).get(URL.format(fmt="csv")).status_code == 404  # an ATHENA 2 member
    assert client_for(imobex_viewer).get(URL.format(fmt="pdf")).status_code == 404
    assert client_for(imobex_viewer).get("/projects/ATHENA2/coverage/export.csv").status_code == 404


def test_the_coverage_export_queries_do_not_grow(client_for, imobex, imobex_viewer, imobex_staff, countries):
    client = client_for(imobex_viewer)
    url = URL.format(fmt="csv")
    board = client.get("/projects/IMOBEX/coverage/").context["board"]
    scope = [tile.country for tile in board.tiles]
    for country in scope[:3]:
        CountryCoverage.objects.create(project=imobex, country=country, state="requested", responsible=imobex_staff)
    small = count_queries(lambda: b"".join(client.get(url).streaming_content))
    for country in scope[3:30]:
        CountryCoverage.objects.create(project=imobex, country=country, state="requested", responsible=imobex_staff)
    large = count_queries(lambda: b"".join(client.get(url).streaming_content))
    assert small == large
