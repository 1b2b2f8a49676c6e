"""The SPOC directory exports as CSV and XLSX: the page's rows, read access, audited."""

import csv
import io

import pytest
from openpyxl import load_workbook

from operations.models import Spoc
from projects.models import AuditEvent, Organisation, Person, PersonContact
from tests.utils import count_queries

URL = "/projects/ATHENA2/activities/spocs/export.{fmt}"


def _spoc(athena, country, name, code="RO", area="drugs", active=True):
    person = Person.objects.create(name=name, country=country(code))
    PersonContact.objects.create(person=person, project=athena, email=f"{name.split()[0].lower()}@example.org")
    agency = Organisation.objects.get(acronym="IGPR")
    return Spoc.objects.create(
        project=athena, person=person, country=country(code), agency=agency, area=area, active=active
    )


@pytest.fixture
def spocs(athena, country):
    return [_spoc(athena, country, "Ioana Spoc"), _spoc(athena, country, "Ion Old", area="=cmd", active=False)]


def test_the_spoc_csv_has_the_directory(client_for, viewer, spocs):
    response = client_for(viewer).get(URL.format(fmt="csv"))
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    assert rows[0] == ["Country", "Agency", "SPOC", "Area of competence", "E-mail", "Active"]
    assert sorted(row[2] for row in rows[1:]) == ["Ioana Spoc", "Ion Old"]
    old = next(row for row in rows if row[2] == "Ion Old")
    assert old[3] == "'=cmd" and old[5] == "False"
    assert AuditEvent.objects.get(action="export").details["format"] == "csv"


def test_the_spoc_xlsx_reads_back(client_for, viewer, spocs):
    response = client_for(viewer).get(URL.format(fmt="xlsx"))
    assert response.status_code == 200
    rows = list(load_workbook(io.BytesIO(b"".join(response.streaming_content))).active.iter_rows(values_only=True))
    assert len(rows) == 3 and {row[2] for row in rows[1:]} == {"Ioana Spoc", "Ion Old"}


def test_the_directory_page_has_export_buttons(client_for, viewer, spocs):
    page = client_for(viewer).get("/projects/ATHENA2/activities/spocs/").content.decode()
    assert URL.format(fmt="csv") in page and URL.format(fmt="xlsx") in page
    assert 'data-testid="jump-add-spoc"' not in page  # a viewer adds no SPOC


def test_staff_jump_from_the_top_of_the_directory_to_its_form(client_for, staff, spocs):
    page = client_for(staff).get("/projects/ATHENA2/activities/spocs/").content.decode()
    assert 'href="#add-spoc" data-testid="jump-add-spoc"' in page and 'id="add-spoc"' in page


def test_spoc_export_outsider_other_project_and_unknown_format_are_404(client_for, outsider, viewer, spocs):
    assert client_for(outsider).get(URL.format(fmt="csv")).status_code == 404
    assert client_for(viewer).get(URL.format(fmt="pdf")).status_code == 404
    assert client_for(viewer).get("/projects/DTP-TOC/activities/spocs/export.csv").status_code == 404


def test_the_spoc_export_queries_do_not_grow(client_for, viewer, athena, country):
    client = client_for(viewer)
    url = URL.format(fmt="csv")
    for i in range(3):
        _spoc(athena, country, f"Small {i}")
    small = count_queries(lambda: b"".join(client.get(url).streaming_content))
    for i in range(27):
        _spoc(athena, country, f"Large {i}", code="BG" if i % 2 else "RO")
    large = count_queries(lambda: b"".join(client.get(url).streaming_content))
    assert small == large
