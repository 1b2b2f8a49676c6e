"""Times in exports: the user's local time, to the second, in every export (`projects.exports.export_cell`)."""

import csv
import io
import zoneinfo
from datetime import UTC, datetime

from django.test import RequestFactory
from django.utils import timezone
from openpyxl import load_workbook

from projects.exports import Column, export_cell, export_response

RECORDED = datetime(2026, 11, 28, 11, 41, 5, 123456, tzinfo=UTC)  # 13:41:05 in Bucharest (EET)
BUCHAREST = zoneinfo.ZoneInfo("Europe/Bucharest")


class Row:
    title = "A finding"
    recorded = RECORDED


COLUMNS = [Column("Title", "title"), Column("Recorded", "recorded")]


def _export(user, fmt):
    request = RequestFactory().get("/export")
    request.user = user
    with timezone.override(BUCHAREST):  # what the user's time-zone middleware does during the request
        response = export_response(request, [Row()], COLUMNS, fmt=fmt, basename="findings")
    return b"".join(response.streaming_content)  # a streamed CSV is written after the view has returned


def test_a_cell_holds_a_datetime_in_local_time_without_microseconds():
    with timezone.override(BUCHAREST):
        assert export_cell(RECORDED) == datetime(2026, 11, 28, 13, 41, 5)
    assert export_cell(datetime(2026, 1, 1, 8, 0, 0, 999)) == datetime(2026, 1, 1, 8, 0, 0)  # naive: kept, seconds only


def test_the_csv_export_writes_local_time_to_the_second(selec, manager):
    table = list(csv.reader(io.StringIO(_export(manager, "csv").decode("utf-8-sig"))))
    assert table[1] == ["A finding", "2026-11-28 13:41:05"]


def test_the_xlsx_export_writes_local_time_to_the_second(selec, manager):
    sheet = load_workbook(io.BytesIO(_export(manager, "xlsx"))).active
    assert sheet["B2"].value == datetime(2026, 11, 28, 13, 41, 5)
