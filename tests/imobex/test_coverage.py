"""The country coverage board: 34 countries, four states, who may move a country where, and the indicator."""

from datetime import date, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from imobex.models import CountryCoverage, scope_countries
from imobex.queries import coverage_board
from imobex.services import coverage_import, coverage_set_state, coverage_states_for
from projects.models import AuditEvent
from projects.queries import indicator_progress
from projects.registry import registry
from tests.utils import count_queries, get_ok

State = CountryCoverage.State
D = date(2021, 9, 1)


def _set(project, country, state, *, validated_on=None, source="questionnaire"):
    """Put a coverage row straight into a state (test data, not the workflow)."""
    return CountryCoverage.objects.create(
        project=project,
        country=country,
        state=state,
        source=source if state in (State.RECEIVED, State.VALIDATED) else "",
        state_date=None if state == State.NOT_STARTED else D,
        validated_on=validated_on if state == State.VALIDATED else None,
    )


@pytest.fixture
def known(imobex, countries):
    """3 validated (RO, BG on 1 Sept 2021, NL on 1 March 2022), 2 received (AL, DE), 4 requested (FR, IT, MD, RS)."""
    for code in ("RO", "BG"):
        _set(imobex, countries[code], State.VALIDATED, validated_on=D)
    _set(imobex, countries["NL"], State.VALIDATED, validated_on=date(2022, 3, 1))
    for code in ("AL", "DE"):
        _set(imobex, countries[code], State.RECEIVED)
    for code in ("FR", "IT", "MD", "RS"):
        _set(imobex, countries[code], State.REQUESTED)
    return imobex


# --- the board and the indicator ------------------------------------------------------------------------------------


def test_the_scope_is_the_27_eu_member_states_and_the_7_southeast_european_third_countries(selec):
    codes = set(scope_countries().values_list("code", flat=True))
    assert len(codes) == 34
    assert {"AL", "BA", "MD", "ME", "MK", "RS", "TR"} <= codes and {"RO", "SE", "MT"} <= codes
    assert "UA" not in codes  # Danube region, but neither EU nor a SELEC third country


def test_the_board_counts_each_state_on_a_known_data_set(known):
    board = coverage_board(known)
    assert board.total == 34
    assert board.counts == {"not_started": 25, "requested": 4, "received": 2, "validated": 3}
    assert board.covered == 3
    groups = dict(board.groups)
    assert len(groups["EU Member States"]) == 27
    assert len(groups["Southeast European third countries"]) == 7
    tile = next(t for t in board.tiles if t.country.code == "AL")
    assert (tile.state, tile.in_eu) == ("received", False)


def test_a_country_outside_the_scope_is_not_on_the_board(known, countries):
    CountryCoverage.objects.create(project=known, country=countries["UA"], state="requested", state_date=D)
    board = coverage_board(known)
    assert board.total == 34 and sum(board.counts.values()) == 34


def test_countries_covered_counts_validated_countries_by_their_validation_date(known):
    assert registry.metric("countries_covered").values([known.pk], None) == {known.pk: 3}
    assert registry.metric("countries_covered").values([known.pk], date(2021, 12, 31)) == {known.pk: 2}
    progress = {p.key: p for p in indicator_progress([known])[known.pk]}
    assert (progress["countries_covered"].achieved, progress["countries_covered"].target) == (3, 34)


# --- states: allowed moves and who may make them ----------------------------------------------------------------------


def test_staff_request_and_receive_then_a_manager_validates(imobex, countries, imobex_staff, imobex_manager):
    ro = countries["RO"]
    coverage_set_state(
        user=imobex_staff, project=imobex, country=ro, state="requested", state_date=D, responsible=imobex_staff
    )
    coverage_set_state(
        user=imobex_staff, project=imobex, country=ro, state="received", state_date=D, source="national_agency"
    )
    with pytest.raises(PermissionDenied):
        coverage_set_state(user=imobex_staff, project=imobex, country=ro, state="validated")
    coverage = coverage_set_state(user=imobex_manager, project=imobex, country=ro, state="validated", state_date=D)
    assert (coverage.state, coverage.source, coverage.validated_on) == ("validated", "national_agency", D)
    transitions = AuditEvent.objects.filter(object_type="imobex.CountryCoverage", action="transition")
    assert [(e.details["from"], e.details["to"]) for e in transitions.order_by("pk")] == [
        ("not_started", "requested"),
        ("requested", "received"),
        ("received", "validated"),
    ]


def test_a_country_cannot_skip_a_state(imobex, countries, imobex_manager):
    with pytest.raises(ValidationError) as exc:
        coverage_set_state(user=imobex_manager, project=imobex, country=countries["RO"], state="validated")
    assert "cannot go from “Not started” to “Validated”" in exc.value.message_dict["state"][0]
    assert not CountryCoverage.objects.exists()


def test_only_a_manager_reopens_a_validated_country_and_it_stops_counting(
    known, countries, imobex_staff, imobex_manager
):
    with pytest.raises(PermissionDenied):
        coverage_set_state(user=imobex_staff, project=known, country=countries["RO"], state="received")
    coverage = coverage_set_state(user=imobex_manager, project=known, country=countries["RO"], state="received")
    assert coverage.validated_on is None
    assert registry.metric("countries_covered").values([known.pk], None) == {known.pk: 2}


def test_a_viewer_and_an_outsider_cannot_change_coverage(imobex, countries, imobex_viewer, staff):
    for user in (imobex_viewer, staff):
        with pytest.raises(PermissionDenied):
            coverage_set_state(user=user, project=imobex, country=countries["RO"], state="requested")
    assert not CountryCoverage.objects.exists()


def test_received_information_needs_its_source(imobex, countries, imobex_staff):
    coverage_set_state(user=imobex_staff, project=imobex, country=countries["RO"], state="requested")
    with pytest.raises(ValidationError) as exc:
        coverage_set_state(user=imobex_staff, project=imobex, country=countries["RO"], state="received")
    assert "source" in exc.value.message_dict
    assert CountryCoverage.objects.get().state == "requested"


def test_a_date_in_the_future_is_refused(imobex, countries, imobex_staff):
    tomorrow = timezone.localdate() + timedelta(days=1)
    with pytest.raises(ValidationError) as exc:
        coverage_set_state(
            user=imobex_staff, project=imobex, country=countries["RO"], state="requested", state_date=tomorrow
        )
    assert "state_date" in exc.value.message_dict


def test_coverage_dates_before_the_project_started_are_refused(imobex, countries, imobex_staff):
    with pytest.raises(ValidationError) as exc:
        coverage_set_state(
            user=imobex_staff, project=imobex, country=countries["RO"], state="requested", state_date=date(1990, 1, 1)
        )
    assert "before the project started" in exc.value.message_dict["state_date"][0]
    assert not CountryCoverage.objects.exists()


def test_information_cannot_be_received_before_it_was_requested(imobex, countries, imobex_staff):
    requested = imobex.start_date + timedelta(days=30)
    coverage_set_state(
        user=imobex_staff, project=imobex, country=countries["RO"], state="requested", state_date=requested
    )
    with pytest.raises(ValidationError) as exc:
        coverage_set_state(
            user=imobex_staff,
            project=imobex,
            country=countries["RO"],
            state="received",
            source="interview",
            state_date=requested - timedelta(days=1),
        )
    assert "state_date" in exc.value.message_dict
    stored = CountryCoverage.objects.get()
    assert (stored.state, stored.requested_on) == ("requested", requested)


def test_information_cannot_be_validated_before_it_was_received(imobex, countries, imobex_staff, imobex_manager):
    day = imobex.start_date + timedelta(days=30)
    ro = countries["RO"]
    coverage_set_state(user=imobex_staff, project=imobex, country=ro, state="requested", state_date=day)
    coverage_set_state(
        user=imobex_staff, project=imobex, country=ro, state="received", source="interview", state_date=day
    )
    with pytest.raises(ValidationError) as exc:
        coverage_set_state(
            user=imobex_manager, project=imobex, country=ro, state="validated", state_date=day - timedelta(days=1)
        )
    assert "state_date" in exc.value.message_dict
    coverage = coverage_set_state(user=imobex_manager, project=imobex, country=ro, state="validated", state_date=day)
    assert (coverage.requested_on, coverage.received_on, coverage.validated_on) == (day, day, day)


def test_correcting_the_received_date_cannot_put_it_before_the_request(imobex, countries, imobex_staff):
    day = imobex.start_date + timedelta(days=30)
    ro = countries["RO"]
    coverage_set_state(user=imobex_staff, project=imobex, country=ro, state="requested", state_date=day)
    coverage_set_state(
        user=imobex_staff, project=imobex, country=ro, state="received", source="interview", state_date=day
    )
    with pytest.raises(ValidationError) as exc:
        coverage_set_state(
            user=imobex_staff, project=imobex, country=ro, state="received", state_date=day - timedelta(days=5)
        )
    assert "cannot be received" in exc.value.message_dict["state_date"][0]


def test_the_model_refuses_dates_out_of_order_for_the_admin_too(imobex, countries):
    day = imobex.start_date + timedelta(days=30)
    coverage = CountryCoverage(
        project=imobex,
        country=countries["RO"],
        state=State.VALIDATED,
        source="interview",
        state_date=day,
        requested_on=day + timedelta(days=2),
        received_on=day + timedelta(days=1),
        validated_on=day,
    )
    with pytest.raises(ValidationError) as exc:
        coverage.full_clean()
    assert "cannot be received" in exc.value.message_dict["state_date"][0]


def test_a_country_outside_the_scope_is_refused(imobex, countries, imobex_staff):
    with pytest.raises(ValidationError) as exc:
        coverage_set_state(user=imobex_staff, project=imobex, country=countries["UA"], state="requested")
    assert "country" in exc.value.message_dict


def test_the_states_offered_depend_on_the_role(known, imobex_staff, imobex_manager):
    assert coverage_states_for(imobex_staff, known, "received") == ["requested", "received"]
    assert coverage_states_for(imobex_manager, known, "received") == ["requested", "received", "validated"]
    assert coverage_states_for(imobex_staff, known, "validated") == []
    assert coverage_states_for(imobex_manager, known, "not_started") == ["requested"]


# --- pages ------------------------------------------------------------------------------------------------------------


def test_the_board_shows_every_country_coloured_by_state(client_for, imobex_viewer, known):
    page = get_ok(client_for(imobex_viewer), "/projects/IMOBEX/coverage/").content.decode()
    assert page.count('class="coverage-tile coverage-') == 34
    assert 'data-country="RO" data-state="validated"' in page
    assert 'data-country="AL" data-state="received"' in page
    assert '<span class="fw-semibold" data-testid="countries-covered">3</span>' in page
    assert "/coverage/RO/" not in page and "Import a CSV" not in page  # a viewer reads only


def test_a_viewer_cannot_open_the_edit_page(client_for, imobex_viewer, known):
    client = client_for(imobex_viewer)
    assert client.get("/projects/IMOBEX/coverage/RO/").status_code == 403
    assert client.post("/projects/IMOBEX/coverage/FR/", {"state": "received", "source": "interview"}).status_code == 403
    assert CountryCoverage.objects.get(country__code="FR").state == "requested"


def test_outsiders_get_404_and_other_projects_have_no_board(client_for, staff, admin_user, known):
    for url in ("/projects/IMOBEX/coverage/", "/projects/IMOBEX/coverage/RO/", "/projects/IMOBEX/coverage/import/"):
        assert client_for(staff).get(url).status_code == 404, url
    assert client_for(admin_user).get("/projects/ATHENA2/coverage/").status_code == 404
    assert client_for(admin_user).get("/projects/IMOBEX/coverage/UA/").status_code == 404


def test_staff_move_a_country_through_the_page(client_for, imobex_staff, known):
    client = client_for(imobex_staff)
    page = get_ok(client, "/projects/IMOBEX/coverage/FR/").content.decode()
    assert 'value="received"' in page and 'value="validated"' not in page
    response = client.post(
        "/projects/IMOBEX/coverage/FR/", {"state": "received", "state_date": D.isoformat(), "source": "interview"}
    )
    assert response.status_code == 302
    assert CountryCoverage.objects.get(country__code="FR").state == "received"


def test_staff_posting_validated_are_refused_next_to_the_field(client_for, imobex_staff, known):
    response = client_for(imobex_staff).post("/projects/IMOBEX/coverage/AL/", {"state": "validated"})
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    assert CountryCoverage.objects.get(country__code="AL").state == "received"


def test_receiving_without_a_source_is_answered_next_to_the_field(client_for, imobex_staff, known):
    response = client_for(imobex_staff).post(
        "/projects/IMOBEX/coverage/FR/", {"state": "received", "state_date": D.isoformat(), "source": ""}
    )
    assert response.status_code == 200
    assert "Say where the information came from" in response.content.decode()
    assert CountryCoverage.objects.get(country__code="FR").state == "requested"


def test_the_page_answers_a_date_out_of_order_next_to_the_date(client_for, imobex, countries, imobex_staff):
    day = imobex.start_date + timedelta(days=30)
    coverage_set_state(user=imobex_staff, project=imobex, country=countries["FR"], state="requested", state_date=day)
    response = client_for(imobex_staff).post(
        "/projects/IMOBEX/coverage/FR/",
        {"state": "received", "source": "interview", "state_date": (day - timedelta(days=3)).isoformat()},
    )
    assert response.status_code == 200
    assert response.context["form"].errors["state_date"]
    assert CountryCoverage.objects.get().state == "requested"


def test_an_empty_date_does_not_move_a_country(client_for, imobex, imobex_staff):
    response = client_for(imobex_staff).post("/projects/IMOBEX/coverage/RO/", {"state": "requested", "state_date": ""})
    assert response.status_code == 200
    assert "Give the date of this state" in response.content.decode()
    assert not CountryCoverage.objects.exists()


def test_the_edit_page_offers_todays_date(client_for, imobex, imobex_staff):
    response = client_for(imobex_staff).get("/projects/IMOBEX/coverage/RO/")
    assert f'value="{timezone.localdate().isoformat()}"' in response.content.decode()


def test_the_tabs_are_only_on_imobex(client_for, admin_user, selec):
    imobex_page = get_ok(client_for(admin_user), "/projects/IMOBEX/").content.decode()
    athena_page = get_ok(client_for(admin_user), "/projects/ATHENA2/").content.decode()
    for url in ("/projects/IMOBEX/coverage/", "/projects/IMOBEX/findings/", "/projects/IMOBEX/road-map/"):
        assert f'href="{url}"' in imobex_page
    assert "/coverage/" not in athena_page and "/road-map/" not in athena_page


# --- the CSV import ---------------------------------------------------------------------------------------------------

GOOD_CSV = "country,state,source,date,notes\nRO,validated,national_agency,2021-09-01,\nAL,requested,,2021-08-01,sent\n"


def test_a_manager_imports_coverage_from_a_csv(imobex, imobex_manager):
    assert coverage_import(user=imobex_manager, project=imobex, text=GOOD_CSV) == 2
    assert registry.metric("countries_covered").values([imobex.pk], None) == {imobex.pk: 1}
    assert CountryCoverage.objects.get(country__code="AL").notes == "sent"
    assert AuditEvent.objects.get(action="import").details["countries"] == ["RO", "AL"]


def test_an_unknown_country_code_in_an_import_is_named_and_nothing_is_saved(client_for, imobex_manager):
    text = GOOD_CSV + "XX,requested,,2021-08-01,\nUA,requested,,2021-08-01,\n"
    with pytest.raises(ValidationError) as exc:
        coverage_import(user=imobex_manager, project=imobex_manager.memberships.get().project, text=text)
    assert exc.value.messages == [
        "Line 4: unknown country code “XX” (use one of the 34 ISO codes).",
        "Line 5: unknown country code “UA” (use one of the 34 ISO codes).",
    ]
    response = client_for(imobex_manager).post(
        "/projects/IMOBEX/coverage/import/", {"file": SimpleUploadedFile("coverage.csv", text.encode())}
    )
    assert response.status_code == 200
    assert "Line 4: unknown country code “XX”" in response.content.decode()
    assert not CountryCoverage.objects.exists()


def test_an_import_with_a_bad_row_saves_nothing(imobex, imobex_manager):
    text = GOOD_CSV + "BG,received,,2021-08-01,\n"  # received without a source
    with pytest.raises(ValidationError) as exc:
        coverage_import(user=imobex_manager, project=imobex, text=text)
    assert "Line 4" in exc.value.messages[0] and "Say where the information came from" in exc.value.messages[0]
    assert not CountryCoverage.objects.exists()


def test_a_file_that_is_not_a_coverage_csv_is_refused(imobex, imobex_manager):
    with pytest.raises(ValidationError) as exc:
        coverage_import(user=imobex_manager, project=imobex, text="name,age\nx,1\n")
    assert "no column country, state, source, date" in exc.value.messages[0]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b'country,state,source,date,notes\nRO,requested,,2021-08-01,"' + b"x" * 200_000 + b'"\n', "Line 2 cannot be"),
        (b"country,state,source,date,notes\nRO,requested,,2021-08-01,sent\x00\n", "holds binary data"),
        (b"country,state,source,date,notes\n" + b"RO,requested,,2021-08-01,\n" * 201, "more than 200 lines"),
        ("country,state\nRO,requested,Ştefan\n".encode("cp1250"), "Save the file as CSV in UTF-8."),
    ],
)
def test_a_broken_coverage_csv_is_refused_with_a_message_and_nothing_saved(
    client_for, imobex_manager, content, message
):
    response = client_for(imobex_manager).post(
        "/projects/IMOBEX/coverage/import/", {"file": SimpleUploadedFile("coverage.csv", content)}
    )
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not CountryCoverage.objects.exists()


def test_staff_cannot_import(client_for, imobex_staff):
    response = client_for(imobex_staff).post(
        "/projects/IMOBEX/coverage/import/", {"file": SimpleUploadedFile("c.csv", GOOD_CSV.encode())}
    )
    assert response.status_code == 403
    assert not CountryCoverage.objects.exists()


# --- query counts -----------------------------------------------------------------------------------------------------


# Board: session, user, project, countries, coverage rows (with the person responsible), counts per state.
# Edit page: session, user, project, country, its coverage row with the person responsible (whom the picker of
# members shows; the members are searched, not listed).
@pytest.mark.parametrize(("url", "expected"), [("/projects/IMOBEX/coverage/", 6), ("/projects/IMOBEX/coverage/RO/", 5)])
def test_coverage_pages_queries_are_pinned_and_do_not_grow(
    client_for, imobex_manager, imobex, countries, url, expected
):
    """The board's data are bounded by the 34 countries; growth here is every country moved on, with its person."""
    client = client_for(imobex_manager)
    client.get(url)
    codes = sorted(scope_countries().values_list("code", flat=True))
    for code in codes[:3]:
        _set(imobex, countries[code], State.REQUESTED).responsible = imobex_manager
    small = count_queries(lambda: get_ok(client, url))
    for code in codes[3:30]:
        _set(imobex, countries[code], State.VALIDATED, validated_on=D)
    CountryCoverage.objects.update(responsible=imobex_manager)
    large = count_queries(lambda: get_ok(client, url))
    assert small == large == expected


def test_staff_opening_a_validated_country_are_told_only_a_manager_may_change_it(client_for, imobex_staff, known):
    page = get_ok(client_for(imobex_staff), "/projects/IMOBEX/coverage/RO/").content.decode()
    assert "Only a manager of the project may change a validated country" in page
    assert 'name="state"' not in page
