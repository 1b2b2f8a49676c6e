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
from dataclasses import dataclass, field
from datetime import date

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext as _

from projects.models import Country, Organisation, Person

from .models import Event, Registration

MAX_ROWS = 5000
MAX_BYTES = 5 * 1024 * 1024

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


def read_rows(uploaded) -> list[dict]:
    """The rows of an uploaded CSV or XLSX file as dicts with the canonical column names."""
    name = (getattr(uploaded, "name", "") or "").lower()
    if getattr(uploaded, "size", 0) > MAX_BYTES:
        raise ImportFileError(_("The file is larger than 5 MB."))
    data = uploaded.read()
    if name.endswith(".xlsx"):
        table = _xlsx_table(data)
    elif name.endswith(".csv") or name.endswith(".txt"):
        table = _csv_table(data)
    else:
        raise ImportFileError(_("Upload a .csv or .xlsx file."))
    table = [row for row in table if any(str(cell or "").strip() for cell in row)]
    if not table:
        raise ImportFileError(_("The file is empty."))
    header = [HEADERS.get(" ".join(str(cell or "").strip().lower().split())) for cell in table[0]]
    missing = [column for column in ("name", "country") if column not in header]
    if missing:
        raise ImportFileError(
            _("The first row must name the columns; missing: %(columns)s.") % {"columns": ", ".join(missing)}
        )
    if len(table) - 1 > MAX_ROWS:
        raise ImportFileError(_("A file can hold at most %(n)s participants.") % {"n": MAX_ROWS})
    rows = []
    for cells in table[1:]:
        row = {key: str(value).strip() for key, value in zip(header, cells, strict=False) if key and value is not None}
        rows.append(row)
    return rows


def _csv_table(data: bytes) -> list[list[str]]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ImportFileError(_("The CSV file is not in UTF-8: save it again as “CSV UTF-8”.")) from None
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    return list(csv.reader(io.StringIO(text), dialect))


def _xlsx_table(data: bytes) -> list[list]:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:
        raise ImportFileError(_("This is not an Excel workbook (.xlsx) that can be read.")) from None
    sheet = workbook.worksheets[0]
    table = [list(row) for row in sheet.iter_rows(values_only=True)]
    workbook.close()
    return table


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
