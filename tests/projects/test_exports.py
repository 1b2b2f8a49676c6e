import csv
import io

from django.test import RequestFactory
from openpyxl import load_workbook

from projects.exports import Column, export_response
from projects.models import AuditEvent, Country

COLUMNS = [Column("Code", "code"), Column("Name", "name"), Column("Groups", lambda c: c.groups.count())]


def _request(user):
    request = RequestFactory().get("/export", {"q": "x"})
    request.user = user
    return request


def test_csv_export_streams_rows_that_parse(selec, manager):
    response = export_response(
        _request(manager), Country.objects.order_by("code"), COLUMNS, fmt="csv", basename="countries"
    )
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    table = list(csv.reader(io.StringIO(body)))
    assert table[0] == ["Code", "Name", "Groups"]
    assert len(table) == 1 + Country.objects.count()
    assert ["RO", "Romania", "3"] in table


def test_xlsx_export_opens_in_openpyxl(selec, manager):
    response = export_response(
        _request(manager), Country.objects.order_by("code"), COLUMNS, fmt="xlsx", basename="countries"
    )
    workbook = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    sheet = workbook.active
    assert [cell.value for cell in sheet[1]] == ["Code", "Name", "Groups"]
    assert sheet.max_row == 1 + Country.objects.count()


def test_cells_that_look_like_formulas_are_neutralised(selec, manager):
    Country.objects.create(code="ZZ", name="=HYPERLINK(1)")
    response = export_response(
        _request(manager), Country.objects.filter(code="ZZ"), COLUMNS[:2], fmt="csv", basename="c"
    )
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    assert "'=HYPERLINK(1)" in body


def test_every_export_is_in_the_audit_trail(selec, manager):
    export_response(_request(manager), Country.objects.all(), COLUMNS, fmt="csv", basename="countries")
    event = AuditEvent.objects.get(action="export")
    assert event.user == manager
    assert event.details["filters"] == {"q": "x"}


def test_characters_a_spreadsheet_cannot_hold_are_stripped_not_a_server_error(selec, manager):
    Country.objects.create(code="ZY", name="Bell\x07 and\x1b escape\tstay\nhere")
    columns = [*COLUMNS[:2], Column("Long", lambda c: "y" * 40000)]
    response = export_response(_request(manager), Country.objects.filter(code="ZY"), columns, fmt="xlsx", basename="c")
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    assert sheet["B2"].value == "Bell and escape\tstay\nhere"
    assert len(sheet["C2"].value) == 32767
