"""Exports of any list as CSV (streamed) or XLSX (openpyxl write-only), with the list's current filters.

Memory stays flat as rows grow: rows come from `queryset.iterator()`, CSV streams to the client row by row,
XLSX is written in write-only mode to a temporary file. Every export is recorded in the audit trail.

    columns = [Column(_("Title"), "title"), Column(_("Country"), lambda a: a.lead_country.name)]
    return export_response(request, queryset, columns, fmt="csv", basename="activities", project=project)

A view exports a list through `projects.viewkit.export_list`, which refuses the export when the filters are invalid.
"""

from __future__ import annotations

import csv
import re
import tempfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, tzinfo
from typing import Any

from django.http import FileResponse, Http404, StreamingHttpResponse
from django.utils import timezone
from django.utils.http import content_disposition_header

FORMATS = ("csv", "xlsx")
# A cell starting with one of these would be run as a formula by spreadsheet programs (CSV injection).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class Column:
    header: str
    value: str | Callable[[Any], Any]

    def get(self, obj) -> Any:
        if callable(self.value):
            return self.value(obj)
        result = obj
        for part in self.value.split("__"):
            result = getattr(result, part, None)
            if result is None:
                return None
        if callable(result):
            result = result()
        return result


# What a spreadsheet cell cannot hold: control characters other than tab and line breaks (openpyxl refuses them)
# and text past 32,767 characters (Excel's limit).
_CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
MAX_CELL_LENGTH = 32767


def export_cell(value: Any, zone: tzinfo | None = None) -> Any:
    """A value safe to put in a spreadsheet cell: formulas neutralised; datetimes naive (spreadsheets know no time
    zones), to the second, in `zone` (default: the current time zone, the user's during a request)."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        if timezone.is_aware(value):
            value = timezone.localtime(value, zone).replace(tzinfo=None)
        return value.replace(microsecond=0)
    if isinstance(value, bool | int | float | date):
        return value
    text = _CONTROL_CHARACTERS.sub("", str(value))[:MAX_CELL_LENGTH]
    return "'" + text if text.startswith(_FORMULA_START) else text


def csv_cell(value: Any, zone: tzinfo | None = None) -> Any:
    """`export_cell` for a CSV file: dates as 2026-12-10, datetimes as 2026-12-10 13:41:05 (local time)."""
    value = export_cell(value, zone)
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    return value


def csv_row(values: Iterable[Any], zone: tzinfo | None = None) -> list[Any]:
    return [csv_cell(value, zone) for value in values]


def rows(queryset: Iterable, columns: list[Column], zone: tzinfo | None = None) -> Iterator[list[Any]]:
    source = queryset.iterator(chunk_size=2000) if hasattr(queryset, "iterator") else queryset
    for obj in source:
        yield [export_cell(column.get(obj), zone) for column in columns]


class _Echo:
    def write(self, value: str) -> str:
        return value


def csv_stream(queryset: Iterable, columns: list[Column], zone: tzinfo | None = None) -> Iterator[str]:
    """The CSV text, row by row. Pass the request's `zone`: the rows are made after the view has returned, when the
    user's time zone is no longer active."""
    writer = csv.writer(_Echo())
    yield "\ufeff"  # a byte-order mark, so that spreadsheet programs read UTF-8
    yield writer.writerow([str(column.header) for column in columns])
    for row in rows(queryset, columns, zone):
        yield writer.writerow(csv_row(row))


def xlsx_file(queryset: Iterable, columns: list[Column], title: str = "Export"):
    """A temporary file holding the workbook (write-only mode: rows are not kept in memory)."""
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=title[:31] or "Export")
    sheet.append([str(column.header) for column in columns])
    for row in rows(queryset, columns):
        sheet.append(row)
    handle = tempfile.TemporaryFile(suffix=".xlsx")
    workbook.save(handle)
    handle.seek(0)
    return handle


def export_response(request, queryset, columns: list[Column], *, fmt: str, basename: str, project=None):
    """The HTTP response for an export; the caller has already applied the access rule and the filters."""
    from .models import AuditEvent
    from .services import audit_log

    if fmt not in FORMATS:
        raise Http404("Unknown export format")
    filename = f"{basename}-{timezone.localdate():%Y%m%d}.{fmt}"
    model = getattr(queryset, "model", None)
    audit_log(
        user=request.user,
        action=AuditEvent.Action.EXPORT,
        project=project,
        object_type=model._meta.label if model is not None else basename,
        details={"format": fmt, "filters": request.GET.dict(), "filename": filename},
    )
    if fmt == "csv":
        zone = timezone.get_current_timezone()
        response = StreamingHttpResponse(csv_stream(queryset, columns, zone), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = content_disposition_header(True, filename)
        return response
    return FileResponse(
        xlsx_file(queryset, columns, title=basename),
        as_attachment=True,
        filename=filename,
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
