"""Participant lists that are too large, malformed or hostile are refused with a clear message, early, with little
memory, and nothing saved; an import whose write fails half-way leaves nothing behind."""

from __future__ import annotations

import io
import time
import tracemalloc
import zipfile
from unittest import mock

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError
from openpyxl import Workbook

from conferences import imports
from conferences.imports import MAX_CELL_CHARS, MAX_COLUMNS, MAX_ROWS, ImportFileError, read_rows
from conferences.jobs import PARTICIPANTS_IMPORT
from conferences.models import Registration
from conferences.services import participants_import
from projects.models import BackgroundJob, Organisation, Person
from projects.services import job_execute
from tests.upload_files import corrupted

from .test_import import GOOD

SHEET_HEAD = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
)
HEADER_ROW = (
    b'<row r="1"><c r="A1" t="inlineStr"><is><t>name</t></is></c>'
    b'<c r="B1" t="inlineStr"><is><t>country</t></is></c></row>'
)


def _workbook_with_sheet(chunks) -> bytes:
    """A real workbook whose first sheet's XML is written from `chunks` as they come (never whole in memory)."""
    workbook = Workbook()
    workbook.active.append(["name", "country"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    source = zipfile.ZipFile(io.BytesIO(buffer.getvalue()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for info in source.infolist():
            if info.filename == "xl/worksheets/sheet1.xml":
                with archive.open("xl/worksheets/sheet1.xml", "w") as sheet:
                    for chunk in chunks:
                        sheet.write(chunk)
            else:
                archive.writestr(info, source.read(info.filename))
    return out.getvalue()


def _sheet_part_renamed(content: bytes) -> bytes:
    """The same workbook with its sheet stored as xl/worksheets/sheet1.dat (openpyxl follows the relations)."""
    source = zipfile.ZipFile(io.BytesIO(content))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename in ("xl/_rels/workbook.xml.rels", "[Content_Types].xml"):
                data = data.replace(b"sheet1.xml", b"sheet1.dat")
            archive.writestr(info.filename.replace("sheet1.xml", "sheet1.dat"), data)
    return out.getvalue()


def _declared_huge_sheet():
    yield SHEET_HEAD + b'<dimension ref="A1:XFD1048576"/><sheetData>' + HEADER_ROW
    yield b'<row r="1048576"><c r="XFD1048576"><v>1</v></c></row></sheetData></worksheet>'


def _one_row_of_a_million_cells():
    yield SHEET_HEAD + b"<sheetData>" + HEADER_ROW + b'<row r="2">'
    for _ in range(200):
        yield b"<c><v>1</v></c>" * 5000
    yield b"</row></sheetData></worksheet>"


def _sheet_of_many_short_rows():
    yield SHEET_HEAD + b"<sheetData>" + HEADER_ROW
    for _ in range(9000):
        yield b"<row>" + b"<c/>" * 12 + b"</row>"
    yield b"</sheetData></worksheet>"


def _utf16_sheet_with_a_wide_row():
    xml = SHEET_HEAD + b"<sheetData>" + HEADER_ROW + b"<row>" + b"<c/>" * 300 + b"</row></sheetData></worksheet>"
    yield "\ufeff".encode("utf-16-le") + xml.decode().replace("UTF-8", "UTF-16").encode("utf-16-le")


def _sheet_unpacking_to_25_mb():
    yield SHEET_HEAD + b"<sheetData>" + HEADER_ROW + b"</sheetData>"
    for _ in range(25):
        yield b" " * (1024 * 1024)
    yield b"</worksheet>"


def _sheet_with_a_doctype():
    yield b'<?xml version="1.0"?><!DOCTYPE worksheet [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;">]>'
    yield SHEET_HEAD[SHEET_HEAD.index(b"<worksheet") :] + b"<sheetData>" + HEADER_ROW + b"</sheetData></worksheet>"


def _broken_sheet_xml():
    yield SHEET_HEAD + b"<sheetData>" + HEADER_ROW + b"<row><c><v>1</c></row></sheetData>"


def _xlsx(rows) -> bytes:
    """A workbook written row by row (openpyxl's write-only mode), the rows generated as they are written."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet()
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _participants(n: int):
    yield ["Name", "Country"]
    for number in range(n):
        yield [f"Participant {number}", "RO"]


CSV_CELL_BEYOND_THE_CSV_LIMIT = b'name,country\n"' + b"x" * 200_000 + b'",RO\n'

HOSTILE_FILES = [
    # (file name, content, the message the user reads)
    ("list.xlsx", _workbook_with_sheet(_declared_huge_sheet()), "more than 10000 rows"),
    ("list.xlsx", _workbook_with_sheet(_one_row_of_a_million_cells()), "Row 2 of the sheet has more than 200 cells"),
    ("list.xlsx", _workbook_with_sheet(_sheet_of_many_short_rows()), "more than 100000 cells"),
    ("list.xlsx", _workbook_with_sheet(_utf16_sheet_with_a_wide_row()), "Row 2 of the sheet has more than 200 cells"),
    ("list.xlsx", _sheet_part_renamed(_workbook_with_sheet(_utf16_sheet_with_a_wide_row())), "more than 200 cells"),
    ("list.xlsx", _workbook_with_sheet(_sheet_unpacking_to_25_mb()), "unpacks to more than 20 MB"),
    ("list.xlsx", _workbook_with_sheet(_sheet_with_a_doctype()), "not an Excel workbook (.xlsx) that can be read"),
    ("list.xlsx", _workbook_with_sheet(_broken_sheet_xml()), "not an Excel workbook (.xlsx) that can be read"),
    ("list.xlsx", _xlsx(_participants(MAX_ROWS + 1)), f"at most {MAX_ROWS} participants"),
    ("list.xlsx", _xlsx([["name", "country", *[f"c{n}" for n in range(MAX_COLUMNS)]]]), "more than 30 columns"),
    ("list.xlsx", b"PK\x03\x04" + b"\x00" * 500, "not an Excel workbook (.xlsx) that can be read"),
    ("list.xlsx", b"PK\x05\x06" + b"\x00" * 18, "not an Excel workbook (.xlsx) that can be read"),
    ("list.xlsx", corrupted(_xlsx(_participants(50))), "not an Excel workbook (.xlsx) that can be read"),
    ("list.csv", ("name,country\n" + "Ana,RO\n" * (MAX_ROWS + 1)).encode(), f"at most {MAX_ROWS} participants"),
    ("list.csv", ("name,country" + ",x" * MAX_COLUMNS + "\n").encode(), "more than 30 columns"),
    ("list.csv", CSV_CELL_BEYOND_THE_CSV_LIMIT, "Line 2 cannot be read as CSV"),
    ("list.csv", b"name,country\n" + b"x" * (MAX_CELL_CHARS + 1) + b",RO\n", "a cell longer than 1000 characters"),
    ("list.csv", "name,country\nAndreea Ştefănescu,RO\n".encode("cp1250"), "not in UTF-8"),
    ("list.csv", b"name,country\n" + b"Ana,RO\n" * 2000 + b"Ana\x00,RO\n", "holds binary data"),
]


@pytest.mark.parametrize(("name", "content", "message"), HOSTILE_FILES)
def test_a_hostile_or_broken_list_is_refused_with_a_clear_message(name, content, message):
    with pytest.raises(ImportFileError, match=message.replace("(", r"\(").replace(")", r"\)")):
        read_rows(SimpleUploadedFile(name, content))


@pytest.mark.parametrize(
    "sheet",
    [_declared_huge_sheet, _one_row_of_a_million_cells, _sheet_of_many_short_rows],
    ids=["a sheet declaring A1:XFD1048576", "a row of a million cells", "108,000 empty cells"],
)
def test_a_small_workbook_declaring_a_huge_sheet_is_refused_fast_and_in_little_memory(sheet):
    content = _workbook_with_sheet(sheet())
    assert len(content) < 100_000
    tracemalloc.start()
    started = time.monotonic()
    try:
        with pytest.raises(ImportFileError):
            read_rows(SimpleUploadedFile("list.xlsx", content))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 10 * 1024 * 1024
    assert time.monotonic() - started < 5


def test_the_rows_are_read_as_a_stream_and_the_reading_stops_at_the_limit(monkeypatch):
    monkeypatch.setattr(imports, "MAX_ROWS", 10)
    read = []

    def rows():
        for number, row in enumerate(_participants(1_000_000)):
            read.append(number)
            yield row

    content = _xlsx(row for _n, row in zip(range(50), rows(), strict=False))
    with pytest.raises(ImportFileError, match="at most 10 participants"):
        read_rows(SimpleUploadedFile("list.xlsx", content))
    csv = "\n".join(",".join(row) for row in _participants(100_000)).encode()
    with pytest.raises(ImportFileError, match="at most 10 participants"):
        read_rows(SimpleUploadedFile("list.csv", csv))


def test_a_list_at_the_limits_is_read():
    renamed = _sheet_part_renamed(_xlsx([["name", "country"], ["Ana", "RO"]]))
    assert read_rows(SimpleUploadedFile("list.xlsx", renamed)) == [{"name": "Ana", "country": "RO"}]
    rows = read_rows(SimpleUploadedFile("list.xlsx", _xlsx(_participants(MAX_ROWS))))
    assert len(rows) == MAX_ROWS and rows[-1] == {"name": f"Participant {MAX_ROWS - 1}", "country": "RO"}
    wide = [["name", "country", *[f"notes {n}" for n in range(MAX_COLUMNS - 2)]], ["Ana", "RO", *["x"] * 28]]
    assert read_rows(SimpleUploadedFile("list.xlsx", _xlsx(wide)))[0]["name"] == "Ana"


@pytest.mark.parametrize(("name", "content", "message"), HOSTILE_FILES)
def test_the_import_page_shows_the_message_and_saves_nothing(client_for, staff, workshop, name, content, message):
    people = Person.objects.count()
    url = f"/projects/ATHENA2/events/{workshop.pk}/registrations/import/"
    response = client_for(staff).post(url, {"file": SimpleUploadedFile(name, content)})
    assert response.status_code == 200
    (error,) = response.context["form"].errors["file"]
    assert message in error
    assert response.context["report"] is None
    assert Person.objects.count() == people and not Registration.objects.exists()
    assert not BackgroundJob.objects.exists()


# --- a write that fails half-way -----------------------------------------------------------------------------------


def _failing_on_the_third_person():
    """`person_find_or_create` that writes the first two people, then fails as the database would."""
    from projects.services import person_find_or_create

    calls = {"n": 0}

    def write(**kwargs):
        calls["n"] += 1
        if calls["n"] == 3:
            WRITTEN_BEFORE_THE_FAILURE.append(Person.objects.filter(name__in=["Ana Popescu", "Ivan Petrov"]).count())
            raise IntegrityError("the database refused row 3")
        return person_find_or_create(**kwargs)

    WRITTEN_BEFORE_THE_FAILURE.clear()
    return mock.patch("conferences.services.person_find_or_create", side_effect=write)


WRITTEN_BEFORE_THE_FAILURE: list[int] = []  # how many of the first two people the import had written


def _import_rows(workshop):
    from conferences.imports import check_rows

    from .conftest import TODAY

    rows = read_rows(SimpleUploadedFile("list.csv", GOOD.encode()))
    assert check_rows(event=workshop, rows=rows, today=TODAY).can_import  # the pre-check passes: the write fails
    return rows


def test_the_participant_import_rolls_back_when_a_row_fails_half_way(staff, workshop):
    rows = _import_rows(workshop)
    people, organisations = Person.objects.count(), Organisation.objects.count()
    with _failing_on_the_third_person(), pytest.raises(IntegrityError):
        participants_import(user=staff, event=workshop, rows=rows)
    assert WRITTEN_BEFORE_THE_FAILURE == [2]
    assert Person.objects.count() == people  # rows 2 and 3 (Ana, Ivan) were written, then taken back
    assert Organisation.objects.count() == organisations  # the new organisation of row 4 too
    assert not Registration.objects.exists()


def test_an_import_job_whose_write_fails_half_way_saves_nothing_and_says_so(
    client_for, staff, workshop, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path / "media"
    client = client_for(staff)
    url = f"/projects/ATHENA2/events/{workshop.pk}/registrations/import/"
    assert (
        "3 rows will be imported"
        in client.post(url, {"file": SimpleUploadedFile("p.csv", GOOD.encode())}).content.decode()
    )
    client.post(url + "confirm/")
    job = BackgroundJob.objects.get(kind=PARTICIPANTS_IMPORT)
    people, organisations = Person.objects.count(), Organisation.objects.count()
    with _failing_on_the_third_person():
        job_execute(job_id=job.pk)  # what the Celery worker does
    assert WRITTEN_BEFORE_THE_FAILURE == [2]
    job.refresh_from_db()
    assert job.status == "failed"
    assert job.message.startswith("Nothing was imported: saving the list failed")
    assert job.params == {"event": workshop.pk, "rows": 3}  # the personal data of the list are not kept
    assert not job.result and not (tmp_path / "media").exists()
    assert Person.objects.count() == people and Organisation.objects.count() == organisations
    assert not Registration.objects.exists()
    page = client.get(job.get_absolute_url()).content.decode()
    assert "Nothing was imported: saving the list failed" in page


def test_an_import_whose_write_fails_half_way_in_a_real_worker_commits_nothing(
    celery_worker_running, selec, manager, client_for
):
    """Real transactions: the worker's import runs in its own, which rolls back."""
    from .conftest import make_event

    event = make_event(selec["ATHENA2"], title="Worker workshop")
    client = client_for(manager)
    url = f"/projects/ATHENA2/events/{event.pk}/registrations/import/"
    client.post(url, {"file": SimpleUploadedFile("p.csv", GOOD.encode())})
    people, organisations = Person.objects.count(), Organisation.objects.count()
    with _failing_on_the_third_person():
        client.post(url + "confirm/")
        job = BackgroundJob.objects.get(kind=PARTICIPANTS_IMPORT)
        for _ in range(200):
            job.refresh_from_db()
            if job.is_finished:
                break
            time.sleep(0.1)
    assert job.status == "failed", job.message
    assert job.message.startswith("Nothing was imported")
    assert Person.objects.count() == people and Organisation.objects.count() == organisations
    assert not Registration.objects.filter(event=event).exists()
