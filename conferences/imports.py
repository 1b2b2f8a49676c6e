"""Participant lists from CSV or XLSX: read the file, check every row, and report what would be imported.

The import is all or nothing. The preview lists the rows that will be imported and the rows rejected, each with
its reason; a list with any rejected row cannot be imported until the file is corrected and uploaded again, and
the import itself (`services.participants_import`, run as a background job) checks the rows again inside one
transaction, so a list is never imported half-way.

Columns (first row; the order does not matter, names are not case-sensitive):
    name (required), country (ISO code or English name, required), organisation (name or acronym),
    organisation type (only to add an organisation not known yet), email, gender, role (default: delegate).
"""

from __future__ import annotations

import csv
import io
import zipfile
from contextlib import closing
from dataclasses import dataclass, field
from datetime import date
from xml.parsers import expat

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext as _

from projects.models import Country, Organisation, Person

from .models import Event, Registration

MAX_ROWS = 5000  # participants in one file
MAX_COLUMNS = 30  # the known columns are 7: a few more are ignored, a sheet of hundreds is not a participant list
MAX_SHEET_ROWS = 2 * MAX_ROWS  # rows read at most, blank ones included
MAX_CELL_CHARS = 1000  # longer than any name, organisation or e-mail address the portal keeps
MAX_BYTES = 5 * 1024 * 1024
MAX_XLSX_UNPACKED_BYTES = 20 * 1024 * 1024  # the parts of a workbook once uncompressed (a 5,000-row list: ~2 MB)
MAX_ROW_CELLS = 200  # cells one row of a sheet may hold, empty ones included
MAX_SHEET_CELLS = 100_000  # cells a sheet may hold (5,000 participants in 20 columns); reading costs ~35 µs a cell

HEADERS = {
    "name": "name",
    "full name": "name",
    "participant": "name",
    "country": "country",
    "organisation": "organisation",
    "organization": "organisation",
    "organisation type": "organisation_type",
    "organization type": "organisation_type",
    "organisation_type": "organisation_type",
    "type": "organisation_type",
    "email": "email",
    "e-mail": "email",
    "gender": "gender",
    "role": "role",
}
GENDERS = {"f": "female", "female": "female", "m": "male", "male": "male", "other": "other", "x": "other"}


class ImportFileError(Exception):
    """The file as a whole cannot be read (wrong format, no header, too large)."""


@dataclass
class CheckedRow:
    number: int  # the row number in the file, header = 1
    raw: dict
    name: str = ""
    country: Country | None = None
    organisation: Organisation | None = None
    new_organisation: dict | None = None
    email: str = ""
    gender: str = ""
    role: str = Registration.Role.DELEGATE
    reason: str = ""  # every problem of the row, one sentence each; empty when the row can be imported

    @property
    def organisation_label(self) -> str:
        if self.organisation is not None:
            return str(self.organisation)
        return self.new_organisation["name"] if self.new_organisation else ""


@dataclass
class ImportReport:
    accepted: list[CheckedRow] = field(default_factory=list)
    rejected: list[CheckedRow] = field(default_factory=list)

    @property
    def can_import(self) -> bool:
        return bool(self.accepted) and not self.rejected


# --- reading -------------------------------------------------------------------------------------------------------
# A file is read row by row and refused as soon as it passes a limit (rows, columns, a cell's length): what a sheet
# declares about its own size is never trusted, so a small file that claims a million rows allocates nothing.


def read_rows(uploaded) -> list[dict]:
    """The rows of an uploaded CSV or XLSX file as dicts with the canonical column names.

    Raises `ImportFileError` with a message for the user when the file cannot be read or passes a limit.
    """
    name = (getattr(uploaded, "name", "") or "").lower()
    if getattr(uploaded, "size", 0) > MAX_BYTES:
        raise ImportFileError(_("The file is larger than 5 MB."))
    if name.endswith(".xlsx"):
        table = _xlsx_rows(uploaded.read(MAX_BYTES + 1))
    elif name.endswith(".csv") or name.endswith(".txt"):
        table = _csv_rows(uploaded.read(MAX_BYTES + 1))
    else:
        raise ImportFileError(_("Upload a .csv or .xlsx file."))
    header = None
    rows = []
    with closing(table):  # the workbook is closed even when a limit stops the reading
        for number, cells in table:
            if len(cells) > MAX_COLUMNS:
                raise ImportFileError(
                    _("Row %(row)s has more than %(n)s columns: keep only the participant columns.")
                    % {"row": number, "n": MAX_COLUMNS}
                )
            if any(len(cell) > MAX_CELL_CHARS for cell in cells):
                raise ImportFileError(
                    _("Row %(row)s has a cell longer than %(n)s characters.") % {"row": number, "n": MAX_CELL_CHARS}
                )
            if header is None:
                header = [HEADERS.get(" ".join(cell.lower().split())) for cell in cells]
                missing = [column for column in ("name", "country") if column not in header]
                if missing:
                    raise ImportFileError(
                        _("The first row must name the columns; missing: %(columns)s.")
                        % {"columns": ", ".join(missing)}
                    )
                continue
            if len(rows) == MAX_ROWS:
                raise ImportFileError(_("A file can hold at most %(n)s participants.") % {"n": MAX_ROWS})
            rows.append({key: value for key, value in zip(header, cells, strict=False) if key})
    if header is None:
        raise ImportFileError(_("The file is empty."))
    return rows


def _cells(values) -> list[str]:
    """A row's cells as stripped text, without the empty ones at its end; [] for a blank row."""
    cells = ["" if value is None else str(value).strip() for value in values]
    while cells and not cells[-1]:
        cells.pop()
    return cells


def _numbered(rows, *, first: int = 1):
    """(row number, cells) of each row that is not blank, refusing a file longer than MAX_SHEET_ROWS."""
    for number, values in enumerate(rows, start=first):
        if number > MAX_SHEET_ROWS:
            raise ImportFileError(
                _("The file has more than %(n)s rows: a list holds at most %(max)s participants.")
                % {"n": MAX_SHEET_ROWS, "max": MAX_ROWS}
            )
        cells = _cells(values)
        if cells:
            yield number, cells


def _csv_rows(data: bytes):
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ImportFileError(_("The CSV file is not in UTF-8: save it again as “CSV UTF-8”.")) from None
    if "\x00" in text:
        raise ImportFileError(_("This is not a CSV file (it holds binary data): save the list as “CSV UTF-8”."))
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text), dialect)
    while True:
        try:
            values = next(reader)
        except StopIteration:
            return
        except csv.Error:  # a cell beyond the csv module's limit (128 KB), an unclosed quote...
            raise ImportFileError(
                _(
                    "Line %(line)s cannot be read as CSV: check its quotes, and that no cell is longer than %(n)s "
                    "characters."
                )
                % {"line": reader.line_num, "n": MAX_CELL_CHARS}
            ) from None
        yield from _numbered([values], first=reader.line_num)


def _xlsx_rows(data: bytes):
    """The rows of the first sheet, streamed from the file (openpyxl's read-only mode) and never padded beyond
    MAX_COLUMNS + 1 columns, whatever size the sheet declares.

    Before openpyxl opens the workbook (which already reads a sheet whole when it does not declare its size), the
    archive's uncompressed size is checked, and every worksheet in it is counted as a stream: its rows, and the
    cells of each row (openpyxl builds a row whole, so one row of a million cells, a few kilobytes compressed,
    would exhaust memory)."""
    from openpyxl import load_workbook

    unreadable = _("This is not an Excel workbook (.xlsx) that can be read.")
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            infos = archive.infolist()
            # zipfile never inflates a part beyond its declared size, so the declared sizes bound what is read
            if sum(info.file_size for info in infos) > MAX_XLSX_UNPACKED_BYTES:
                raise ImportFileError(
                    _("This workbook unpacks to more than %(n)s MB: save only the participant list in a new workbook.")
                    % {"n": MAX_XLSX_UNPACKED_BYTES // (1024 * 1024)}
                )
            for info in infos:  # every XML part, whatever its name: the workbook's relations may call any a sheet
                with archive.open(info) as part:
                    if _may_be_xml(part.peek(512)[:512]):
                        _check_sheet_shape(part)
    except ImportFileError:
        raise
    except Exception:  # not a ZIP archive, a damaged part (zlib, CRC), malformed XML...
        raise ImportFileError(unreadable) from None
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:
        raise ImportFileError(unreadable) from None
    try:
        if not workbook.worksheets:
            raise ImportFileError(unreadable)
        yield from _numbered(workbook.worksheets[0].iter_rows(max_col=MAX_COLUMNS + 1, values_only=True))
    except ImportFileError:
        raise
    except Exception:  # a malformed sheet (bad XML, a bad cell reference) found while reading it
        raise ImportFileError(unreadable) from None
    finally:
        workbook.close()


def _may_be_xml(head: bytes) -> bool:
    """Whether a part's first bytes may start an XML document (images and other binary parts are left alone)."""
    head = head.lstrip(b" \t\r\n")
    return not head or head.startswith((b"<", b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff"))


class _NotASheet(Exception):
    """The part's first element is not a worksheet: nothing more to count."""


def _check_sheet_shape(part) -> None:
    """Refuse a worksheet part (an XML part whose root is `worksheet`) with more than MAX_SHEET_ROWS rows, a row of
    more than MAX_ROW_CELLS cells or more than MAX_SHEET_CELLS cells in all, counting as the XML streams by; other
    parts are left after their first tag. A document type declaration is refused in any part: a workbook never has
    one, and entities are how XML bombs expand."""
    parser = expat.ParserCreate(namespace_separator=" ")
    counts = {"elements": 0, "rows": 0, "cells": 0, "total": 0}

    def start(name: str, _attributes) -> None:
        tag = name.rsplit(" ", 1)[-1]
        counts["elements"] += 1
        if counts["elements"] == 1 and tag != "worksheet":
            raise _NotASheet
        if tag == "row":
            counts["rows"], counts["cells"] = counts["rows"] + 1, 0
            if counts["rows"] > MAX_SHEET_ROWS:
                raise ImportFileError(
                    _("The file has more than %(n)s rows: a list holds at most %(max)s participants.")
                    % {"n": MAX_SHEET_ROWS, "max": MAX_ROWS}
                )
        elif tag == "c":
            counts["cells"], counts["total"] = counts["cells"] + 1, counts["total"] + 1
            if counts["total"] > MAX_SHEET_CELLS:
                raise ImportFileError(
                    _("The sheet has more than %(n)s cells: save only the participant list in a new workbook.")
                    % {"n": MAX_SHEET_CELLS}
                )
            if counts["cells"] > MAX_ROW_CELLS:
                raise ImportFileError(
                    _("Row %(row)s of the sheet has more than %(n)s cells: keep only the participant columns.")
                    % {"row": counts["rows"], "n": MAX_ROW_CELLS}
                )

    def no_doctype(*_args) -> None:
        raise ImportFileError(_("This is not an Excel workbook (.xlsx) that can be read."))

    parser.StartElementHandler = start
    parser.StartDoctypeDeclHandler = no_doctype
    try:
        while chunk := part.read(64 * 1024):
            parser.Parse(chunk, False)
        parser.Parse(b"", True)
    except _NotASheet:
        pass


# --- checking ------------------------------------------------------------------------------------------------------


def _key(name: str, country_id: int | None, organisation_id: int | None) -> tuple:
    return (" ".join(name.split()).lower(), country_id, organisation_id)


def check_rows(*, event: Event, rows: list[dict], today: date) -> ImportReport:
    """Check every row against the reference data and the registration rules, in a fixed number of queries."""
    countries = {}
    for country in Country.objects.all():
        countries[country.code.lower()] = countries[country.name.lower()] = country
    organisations = {}
    for organisation in Organisation.objects.all():
        organisations[organisation.name.lower()] = organisation
        if organisation.acronym:
            organisations.setdefault(organisation.acronym.lower(), organisation)
    roles = {value: value for value in Registration.Role.values}
    roles.update({str(label).lower(): value for value, label in Registration.Role.choices})
    kinds = {value: value for value in Organisation.Kind.values}
    kinds.update({str(label).lower(): value for value, label in Organisation.Kind.choices})
    registered = {
        _key(name, country_id, organisation_id)
        for name, country_id, organisation_id in Registration.objects.filter(event=event).values_list(
            "person__name", "person__country_id", "person__organisation_id"
        )
    }
    taken = Registration.objects.filter(event=event, role__in=Registration.PARTICIPANT_ROLES).count()

    report = ImportReport()
    seen: dict[tuple, int] = {}
    for number, raw in enumerate(rows, start=2):
        row = CheckedRow(number=number, raw=raw)
        problems = _check_row(row, raw, countries, organisations, roles, kinds)
        key = None
        if row.name and row.country is not None:
            key = _key(row.name, row.country.pk, row.organisation.pk if row.organisation else None)
            if row.new_organisation:
                key = (*key[:2], "new:" + row.new_organisation["name"].lower())
            if key in registered:
                problems.append(_("%(name)s is already registered for this event.") % {"name": row.name})
            elif key in seen:
                problems.append(_("The same person as in row %(row)s.") % {"row": seen[key]})
        problems += [
            str(message)
            for message in event.registration_problems(role=row.role, places_taken=taken, today=today).values()
        ]
        row.reason = " ".join(problems)
        if problems:
            report.rejected.append(row)
        else:
            seen[key] = number
            taken += row.role in Registration.PARTICIPANT_ROLES
            report.accepted.append(row)
    return report


def _check_row(row: CheckedRow, raw: dict, countries, organisations, roles, kinds) -> list[str]:
    """Every problem of the row's own values (all of them, so that the file is corrected in one go)."""
    problems = []
    row.name = " ".join(raw.get("name", "").split())
    if not row.name:
        problems.append(_("The name is missing."))
    elif len(row.name) > Person._meta.get_field("name").max_length:
        problems.append(_("The name is too long."))
    country = raw.get("country", "")
    row.country = countries.get(country.lower())
    if row.country is None:
        problems.append(
            _("Unknown country “%(value)s”: use its ISO code (for example RO) or English name.") % {"value": country}
            if country
            else _("The country is missing.")
        )
    organisation = " ".join(raw.get("organisation", "").split())
    if organisation:
        row.organisation = organisations.get(organisation.lower())
        if row.organisation is None:
            kind = kinds.get(raw.get("organisation_type", "").strip().lower())
            if kind is None:
                problems.append(
                    _("Unknown organisation “%(value)s”: correct it, or give its type (%(kinds)s) to add it.")
                    % {"value": organisation, "kinds": ", ".join(Organisation.Kind.values)}
                )
            else:
                row.new_organisation = {"name": organisation, "kind": kind}
    row.email = raw.get("email", "")
    if row.email:
        try:
            validate_email(row.email)
        except ValidationError:
            problems.append(_("“%(value)s” is not an e-mail address.") % {"value": row.email})
    gender = raw.get("gender", "").lower()
    if gender:
        row.gender = GENDERS.get(gender, "")
        if not row.gender:
            problems.append(
                _("Unknown gender “%(value)s”: use female, male or other, or leave it empty.")
                % {"value": raw["gender"]}
            )
    role = raw.get("role", "").lower()
    if role:
        if role in roles:
            row.role = roles[role]
        else:
            row.role = ""  # unknown: the limits of a role (deadline, capacity) cannot be checked
            problems.append(
                _("Unknown role “%(value)s”: use one of %(roles)s.")
                % {"value": raw["role"], "roles": ", ".join(Registration.Role.values)}
            )
    return problems
