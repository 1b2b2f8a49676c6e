"""Modus operandi findings: structured, non-personal, searchable, filterable and exportable."""

import csv
import io

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from openpyxl import load_workbook

from imobex.models import ExploitationIndicator, Finding
from imobex.services import exploitation_indicators_ensure, finding_save
from projects import rollups
from projects.models import AuditEvent
from tests.utils import count_queries, get_ok


@pytest.fixture
def indicators(selec):
    exploitation_indicators_ensure()  # a transactional test may have flushed the migration's rows
    return {i.key: i for i in ExploitationIndicator.objects.all()}


@pytest.fixture
def three(imobex, imobex_staff, countries, indicators):
    """Burglary by groups from RO acting in NL and BE (forced criminality); shoplifting from BG in DE (debt bondage);
    cargo theft from AL in IT (no indicator)."""

    def make(title, crime, origin, action, inds, description):
        return finding_save(
            user=imobex_staff,
            project=imobex,
            title=title,
            crime_type=crime,
            origin_countries=[countries[c] for c in origin],
            action_countries=[countries[c] for c in action],
            indicators=[indicators[i] for i in inds],
            source="interview",
            reliability="B",
            description=description,
        )

    return [
        make(
            "Burglary teams", "burglary", ["RO"], ["NL", "BE"], ["forced-criminality"], "Teams rent flats near ports."
        ),
        make("Shoplifting crews", "shoplifting", ["BG"], ["DE"], ["debt-bondage"], "Coach trips, =cosmetics stolen."),
        make("Cargo theft", "cargo_theft", ["AL"], ["IT"], [], "Curtain-side trucks cut open at rest areas."),
    ]


def test_a_finding_has_no_place_for_names_of_suspects_or_victims():
    names = {field.name for field in Finding._meta.get_fields()}
    assert not {n for n in names if any(word in n for word in ("name", "suspect", "victim", "person", "birth"))}


def test_the_form_says_not_to_enter_names(client_for, imobex_staff):
    page = get_ok(client_for(imobex_staff), "/projects/IMOBEX/findings/add/").content.decode()
    assert 'data-testid="no-personal-data"' in page
    assert "do not enter names of suspects or victims" in page


def test_staff_record_a_finding_through_the_page(client_for, imobex_staff, countries, indicators):
    response = client_for(imobex_staff).post(
        "/projects/IMOBEX/findings/add/",
        {
            "title": "Metal theft from railways",
            "crime_type": "metal_theft",
            "origin_countries": [countries["RO"].pk],
            "action_countries": [countries["AT"].pk, countries["HU"].pk],
            "indicators": [indicators["debt-bondage"].pk, indicators["documents-withheld"].pk],
            "source": "national_agency",
            "reliability": "A",
            "description": "Copper cable cut at night along remote lines.",
        },
    )
    assert response.status_code == 302
    finding = Finding.objects.get()
    assert finding.recorded_by == imobex_staff
    assert sorted(c.code for c in finding.action_countries.all()) == ["AT", "HU"]
    assert finding.indicators.count() == 2
    assert AuditEvent.objects.filter(action="create", object_type="imobex.Finding").count() == 1


def test_a_finding_with_no_crime_type_or_country_of_action_is_answered_next_to_the_field(client_for, imobex_staff):
    response = client_for(imobex_staff).post(
        "/projects/IMOBEX/findings/add/",
        {"title": "Something", "crime_type": "", "source": "interview", "reliability": "B", "description": "x"},
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert page.count("This field is required") == 2  # crime type, countries of action
    assert not Finding.objects.exists()


def test_a_finding_outside_the_34_countries_is_refused(imobex, imobex_staff, countries):
    with pytest.raises(ValidationError) as exc:
        finding_save(
            user=imobex_staff,
            project=imobex,
            title="x",
            crime_type="burglary",
            action_countries=[countries["UA"]],
            source="interview",
            reliability="B",
            description="x",
        )
    assert "action_countries" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        finding_save(
            user=imobex_staff,
            project=imobex,
            title="x",
            crime_type="burglary",
            source="interview",
            reliability="B",
            description="x",
        )
    assert "Name at least one country" in exc.value.message_dict["action_countries"][0]
    assert not Finding.objects.exists()


def test_viewers_read_findings_but_cannot_record_them(client_for, imobex_viewer, imobex, three):
    client = client_for(imobex_viewer)
    page = get_ok(client, "/projects/IMOBEX/findings/").content.decode()
    assert "Burglary teams" in page and "Record a finding" not in page and "/edit/" not in page
    assert client.get("/projects/IMOBEX/findings/add/").status_code == 403
    assert client.get(f"/projects/IMOBEX/findings/{three[0].pk}/edit/").status_code == 403
    with pytest.raises(PermissionDenied):
        finding_save(user=imobex_viewer, project=imobex, finding=three[0], title="changed")


def test_outsiders_get_404(client_for, staff, three):
    client = client_for(staff)
    for url in (
        "/projects/IMOBEX/findings/",
        "/projects/IMOBEX/findings/export.csv",
        f"/projects/IMOBEX/findings/{three[0].pk}/edit/",
    ):
        assert client.get(url).status_code == 404, url


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("", {"Burglary teams", "Shoplifting crews", "Cargo theft"}),
        ("crime_type=burglary", {"Burglary teams"}),
        ("origin={RO}", {"Burglary teams"}),
        ("acting_in={NL}", {"Burglary teams"}),
        ("acting_in={IT}&crime_type=burglary", set()),
        ("indicator={debt}", {"Shoplifting crews"}),
        ("q=rest+areas", {"Cargo theft"}),
        ("q=COACH", {"Shoplifting crews"}),
    ],
)
def test_findings_are_filtered_and_searched(client_for, imobex_viewer, three, countries, indicators, query, expected):
    query = query.format(
        RO=countries["RO"].pk, NL=countries["NL"].pk, IT=countries["IT"].pk, debt=indicators["debt-bondage"].pk
    )
    response = get_ok(client_for(imobex_viewer), f"/projects/IMOBEX/findings/?{query}")
    assert {f.title for f in response.context["page"]} == expected


def test_the_csv_export_streams_the_filtered_findings(client_for, imobex_viewer, three, countries):
    response = client_for(imobex_viewer).get(f"/projects/IMOBEX/findings/export.csv?origin={countries['BG'].pk}")
    assert response.status_code == 200 and response.streaming
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    assert rows[0][:3] == ["Id", "Summary", "Crime type"]
    assert len(rows) == 2
    assert rows[1][1:6] == ["Shoplifting crews", "Shoplifting", "Bulgaria", "Germany", "Debt bondage"]
    assert rows[1][8] == "Coach trips, =cosmetics stolen."
    event = AuditEvent.objects.get(action="export")
    assert event.details["format"] == "csv" and event.details["filters"] == {"origin": str(countries["BG"].pk)}


def test_the_xlsx_export_has_the_filtered_findings(client_for, imobex_viewer, three):
    response = client_for(imobex_viewer).get("/projects/IMOBEX/findings/export.xlsx?crime_type=burglary")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    rows = list(sheet.iter_rows(values_only=True))
    assert len(rows) == 2
    assert rows[1][1:5] == ("Burglary teams", "Burglary", "Romania", "Belgium, Netherlands")


def test_an_unknown_export_format_is_404(client_for, imobex_viewer):
    assert client_for(imobex_viewer).get("/projects/IMOBEX/findings/export.pdf").status_code == 404


@rollups.batch(everything=True)  # set-up data in bulk: the rollups rebuilt once, at the end
def _grow(project, user, countries, indicators, n):
    for i in range(n):
        finding = Finding.objects.create(
            project=project,
            title=f"f{i}",
            crime_type="burglary",
            source="interview",
            reliability="B",
            description="d",
            recorded_by=user,
        )
        finding.origin_countries.set([countries["RO"], countries["BG"]])
        finding.action_countries.set([countries["NL"]])
        finding.indicators.set(list(indicators.values())[:2])


# session, user, project, count, the page of findings (with who recorded them), their origin and action countries
# and indicators, and the choices of the filters: origin countries, action countries, indicators.
def test_the_findings_list_queries_are_pinned_and_do_not_grow(client_for, imobex_staff, imobex, countries, indicators):
    client = client_for(imobex_staff)
    url = "/projects/IMOBEX/findings/"
    client.get(url)
    _grow(imobex, imobex_staff, countries, indicators, 4)
    small = count_queries(lambda: get_ok(client, url))
    _grow(imobex, imobex_staff, countries, indicators, 40)
    large = count_queries(lambda: get_ok(client, url))
    assert small == large == 11


def test_the_csv_export_queries_do_not_grow(client_for, imobex_staff, imobex, countries, indicators):
    client = client_for(imobex_staff)
    url = "/projects/IMOBEX/findings/export.csv"

    def export():
        b"".join(client.get(url).streaming_content)

    export()
    _grow(imobex, imobex_staff, countries, indicators, 4)
    small = count_queries(export)
    _grow(imobex, imobex_staff, countries, indicators, 40)
    assert count_queries(export) == small


def test_nonsense_filter_values_are_ignored_not_a_500(client_for, imobex_viewer, three):
    client = client_for(imobex_viewer)
    response = get_ok(client, "/projects/IMOBEX/findings/?crime_type=zzz&origin=abc&acting_in=999999&page=x")
    assert len(response.context["page"]) == 3
    # An export never ignores a filter: it is refused, with a way back to the list that names the bad filter.
    response = client.get("/projects/IMOBEX/findings/export.csv?indicator=abc")
    assert response.status_code == 400
    assert 'href="/projects/IMOBEX/findings/?indicator=abc"' in response.content.decode()
