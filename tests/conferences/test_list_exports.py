"""The events list and the best-practices library export as CSV and XLSX, with the page's filters and access."""

import csv
import io

import pytest
from openpyxl import load_workbook

from conferences.models import BestPractice, Event
from projects.models import AuditEvent, Country
from tests.utils import count_queries

from .conftest import make_event, make_person, register

EVENTS = "/projects/ATHENA2/events/"


def _csv(response) -> list[list[str]]:
    assert response.status_code == 200 and response.streaming
    assert response["Content-Type"].startswith("text/csv")
    return list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))


def _xlsx(response) -> list[tuple]:
    assert response.status_code == 200
    return list(load_workbook(io.BytesIO(b"".join(response.streaming_content))).active.iter_rows(values_only=True))


@pytest.fixture
def events(athena):
    patrols = make_event(athena, title="Workshop on joint patrols", kind=Event.Kind.WORKSHOP)
    register(patrols, make_person("Ana Pop"))
    conference = make_event(athena, title="=Annual conference", kind=Event.Kind.CONFERENCE, city="Vienna")
    return patrols, conference


@pytest.fixture
def practices(athena, dtp, events):
    patrols, conference = events
    other = make_event(dtp, title="DTP workshop")
    ro = Country.objects.get(code="RO")
    return [
        BestPractice.objects.create(event=patrols, title="Mixed patrols", summary="s", crime_area="thb", country=ro),
        BestPractice.objects.create(event=conference, title="Crypto tracing", summary="s", crime_area="cyber"),
        BestPractice.objects.create(event=other, title="DTP secret practice", summary="s", crime_area="drugs"),
    ]


def test_the_events_csv_has_the_filtered_rows(client_for, viewer, events):
    rows = _csv(client_for(viewer).get(f"{EVENTS}export.csv?kind=workshop"))
    assert rows[0][:3] == ["Title", "Kind", "First day"]
    assert [row[0] for row in rows[1:]] == ["Workshop on joint patrols"]
    assert rows[1][rows[0].index("Registered")] == "1"
    event = AuditEvent.objects.get(action="export")
    assert event.details["format"] == "csv" and event.details["filters"] == {"kind": "workshop"}


def test_the_events_xlsx_reads_back_and_neutralises_formulas(client_for, viewer, events):
    rows = _xlsx(client_for(viewer).get(f"{EVENTS}export.xlsx?q=conference"))
    assert len(rows) == 2 and rows[1][:2] == ("'=Annual conference", "Conference")


def test_the_events_list_has_export_buttons_with_its_filters(client_for, viewer, events):
    page = client_for(viewer).get(f"{EVENTS}?kind=workshop").content.decode()
    assert f'href="{EVENTS}export.csv?kind=workshop"' in page
    assert f'href="{EVENTS}export.xlsx?kind=workshop"' in page


@pytest.mark.parametrize("year", ["abc", "0", "-1", "10000", "2025.5", "99999999999", "9223372036854775808"])
def test_invalid_event_filters_export_nothing(client_for, viewer, events, year):
    client = client_for(viewer)
    for fmt in ("csv", "xlsx"):
        response = client.get(f"{EVENTS}export.{fmt}?year={year}")
        assert response.status_code == 400 and f'href="{EVENTS}?year={year}"' in response.content.decode()
    assert not AuditEvent.objects.filter(action="export").exists()
    page = client.get(f"{EVENTS}?year={year}")  # the list itself says what is wrong with the year
    assert page.status_code == 200 and page.context["filter"].form.errors["year"]


def test_events_export_outsider_and_unknown_format_are_404(client_for, outsider, viewer, events):
    assert client_for(outsider).get(f"{EVENTS}export.csv").status_code == 404
    assert client_for(viewer).get(f"{EVENTS}export.pdf").status_code == 404


def test_the_events_export_queries_do_not_grow(client_for, viewer, athena):
    client = client_for(viewer)
    for i in range(3):
        register(make_event(athena), make_person(f"P{i}"))
    small = count_queries(lambda: b"".join(client.get(f"{EVENTS}export.csv").streaming_content))
    for i in range(3, 30):
        register(make_event(athena), make_person(f"P{i}"))
    large = count_queries(lambda: b"".join(client.get(f"{EVENTS}export.csv").streaming_content))
    assert small == large


def test_the_project_library_exports_its_filtered_practices(client_for, viewer, practices):
    rows = _csv(client_for(viewer).get(f"{EVENTS}best-practices/export.csv?crime_area=thb"))
    assert rows[0][:3] == ["Title", "Summary", "Crime area"]
    assert [row[0] for row in rows[1:]] == ["Mixed patrols"]
    rows = _xlsx(client_for(viewer).get(f"{EVENTS}best-practices/export.xlsx"))
    assert {row[0] for row in rows[1:]} == {"Mixed patrols", "Crypto tracing"}


def test_the_cross_project_library_exports_only_the_users_projects(client_for, viewer, practices):
    rows = _csv(client_for(viewer).get("/best-practices/export.csv"))
    assert {row[0] for row in rows[1:]} == {"Mixed patrols", "Crypto tracing"}
    rows = _csv(client_for(viewer).get("/best-practices/export.csv?q=crypto"))
    assert [row[0] for row in rows[1:]] == ["Crypto tracing"]


def test_the_library_pages_have_export_buttons(client_for, viewer, practices):
    client = client_for(viewer)
    assert 'href="/best-practices/export.csv?q=x"' in client.get("/best-practices/?q=x").content.decode()
    page = client.get(f"{EVENTS}best-practices/").content.decode()
    assert f"{EVENTS}best-practices/export.xlsx" in page


def test_invalid_library_filters_export_nothing(client_for, viewer, practices):
    client = client_for(viewer)
    response = client.get(f"{EVENTS}best-practices/export.csv?country=999999")
    assert response.status_code == 400 and f'href="{EVENTS}best-practices/?country=999999"' in response.content.decode()
    response = client.get("/best-practices/export.xlsx?crime_area=nonsense")
    assert response.status_code == 400 and 'href="/best-practices/?crime_area=nonsense"' in response.content.decode()
    assert not AuditEvent.objects.filter(action="export").exists()


def test_library_export_outsider_and_unknown_format_are_404(client_for, outsider, viewer, practices):
    assert client_for(outsider).get(f"{EVENTS}best-practices/export.csv").status_code == 404
    assert client_for(viewer).get(f"{EVENTS}best-practices/export.pdf").status_code == 404
    assert client_for(viewer).get("/best-practices/export.json").status_code == 404


def test_the_library_export_queries_do_not_grow(client_for, viewer, athena):
    client = client_for(viewer)
    url = "/best-practices/export.csv"

    def grow(n):
        for i in range(n):
            event = make_event(athena)
            BestPractice.objects.create(event=event, title=f"p{i}", summary="s", crime_area="drugs")

    grow(3)
    small = count_queries(lambda: b"".join(client.get(url).streaming_content))
    grow(27)
    large = count_queries(lambda: b"".join(client.get(url).streaming_content))
    assert small == large
