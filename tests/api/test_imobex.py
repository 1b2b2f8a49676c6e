"""IMOBEX's findings and country coverage over the API: the pages' access rule (IMOBEX's members only), the pages'
forms' and services' rules on every write, the audit trail, If-Match, Idempotency-Key, ETag/304, filters and
ordering, incremental sync with deletions, query counts."""

import json
from datetime import timedelta

import pytest
from django.test import override_settings
from django.utils import timezone

from imobex.models import CountryCoverage, ExploitationIndicator, Finding
from imobex.services import coverage_set_state, exploitation_indicators_ensure, finding_save
from projects.models import AuditEvent
from tests.utils import count_queries

pytestmark = pytest.mark.django_db
FINDINGS = "/api/v1/projects/IMOBEX/findings/"
COVERAGE = "/api/v1/projects/IMOBEX/coverage/"


def post(client, url, body, **headers):
    return client.post(url, json.dumps(body), content_type="application/json", headers=headers)


def patch(client, url, body, **headers):
    return client.patch(url, json.dumps(body), content_type="application/json", headers=headers)


def ids(response) -> list[int]:
    return [row["id"] for row in response.json()["results"]]


def new_finding(**extra) -> dict:
    return {
        "title": "Burglary teams",
        "crime_type": "burglary",
        "origin_countries": ["RO"],
        "action_countries": ["NL", "BE"],
        "indicators": ["forced-criminality"],
        "source": "interview",
        "reliability": "B",
        "description": "Teams rent flats near ports.",
        **extra,
    }


@pytest.fixture
def make_finding(imobex, imobex_staff, countries):
    exploitation_indicators_ensure()  # a transactional test may have flushed the migration's rows

    def make(title="Shoplifting crews", crime_type="shoplifting", action=("DE",), origin=("BG",), inds=()):
        return finding_save(
            user=imobex_staff,
            project=imobex,
            title=title,
            crime_type=crime_type,
            origin_countries=[countries[c] for c in origin],
            action_countries=[countries[c] for c in action],
            indicators=list(ExploitationIndicator.objects.filter(key__in=inds)),
            source="questionnaire",
            reliability="C",
            description="Coach trips.",
        )

    return make


# --- findings: reading -------------------------------------------------------------------------------------------


def test_members_of_imobex_read_findings_and_others_do_not_learn_of_them(
    api_client, imobex_viewer, staff, make_finding
):
    finding = make_finding(inds=("debt-bondage",))
    body = api_client(imobex_viewer).get(f"{FINDINGS}{finding.pk}/").json()
    assert (body["origin_countries"], body["action_countries"], body["indicators"]) == (
        ["BG"],
        ["DE"],
        ["debt-bondage"],
    )
    assert ids(api_client(imobex_viewer).get(FINDINGS)) == [finding.pk]
    assert api_client(staff).get(FINDINGS).status_code == 404  # staff of ATHENA2 only
    assert api_client(staff).get(f"{FINDINGS}{finding.pk}/").status_code == 404
    assert api_client(imobex_viewer).get("/api/v1/projects/ATHENA2/findings/").status_code == 404


def test_the_findings_list_filters_and_orders_as_asked(api_client, imobex_viewer, make_finding):
    shoplifting = make_finding(title="B shoplifting")
    burglary = make_finding(title="A burglary", crime_type="burglary", action=("NL",), inds=("forced-criminality",))
    client = api_client(imobex_viewer)
    assert ids(client.get(FINDINGS, {"crime_type": "burglary"})) == [burglary.pk]
    assert ids(client.get(FINDINGS, {"acting_in": "NL"})) == [burglary.pk]
    assert ids(client.get(FINDINGS, {"indicator": "forced-criminality"})) == [burglary.pk]
    assert ids(client.get(FINDINGS, {"q": "shoplifting"})) == [shoplifting.pk]
    assert ids(client.get(FINDINGS, {"ordering": "title"})) == [burglary.pk, shoplifting.pk]
    assert ids(client.get(FINDINGS)) == [burglary.pk, shoplifting.pk]  # newest first
    refused = client.get(FINDINGS, {"acting_in": "XX"})
    assert refused.status_code == 400 and "acting_in" in refused.json()["errors"]


def test_an_unchanged_findings_list_costs_a_304(api_client, imobex_viewer, make_finding):
    finding = make_finding()
    client = api_client(imobex_viewer)
    first = client.get(FINDINGS)
    assert client.get(FINDINGS, headers={"If-None-Match": first["ETag"]}).status_code == 304
    finding.title = "Renamed"
    finding.save()
    assert client.get(FINDINGS, headers={"If-None-Match": first["ETag"]}).status_code == 200


@pytest.mark.parametrize("url", [FINDINGS, f"{FINDINGS}changes/"])
def test_the_findings_lists_run_a_fixed_number_of_queries(api_client, imobex_viewer, make_finding, url):
    client = api_client(imobex_viewer)
    client.get(url)  # the token's first use is stamped once
    for _ in range(2):
        make_finding(inds=("debt-bondage",))
    with override_settings(PORTAL_API_SYNC_SETTLE_SECONDS=0):
        few = count_queries(lambda: client.get(url, {"page_size": 100}))
        for _ in range(20):
            make_finding(inds=("debt-bondage", "forced-criminality"), origin=("RO", "BG"))
        many = count_queries(lambda: client.get(url, {"page_size": 100}))
    assert few == many <= 12


# --- findings: writing -------------------------------------------------------------------------------------------


def test_staff_record_a_finding_and_it_is_audited(api_client, imobex_staff, make_finding):
    response = post(api_client(imobex_staff, "write"), FINDINGS, new_finding())
    assert response.status_code == 201, response.json()
    finding = Finding.objects.get(pk=response.json()["id"])
    assert response["Location"] == response.json()["url"] and response["ETag"].startswith('"0-')
    assert (
        sorted(c.code for c in finding.action_countries.all()) == ["BE", "NL"] and finding.recorded_by == imobex_staff
    )
    entry = AuditEvent.objects.get(action=AuditEvent.Action.CREATE, object_id=str(finding.pk))
    assert entry.username == imobex_staff.username and entry.details["crime_type"] == "burglary"


def test_a_viewer_or_a_read_token_may_not_record(api_client, imobex_viewer, imobex_staff):
    assert post(api_client(imobex_viewer, "write"), FINDINGS, new_finding()).status_code == 403
    assert post(api_client(imobex_staff, "read"), FINDINGS, new_finding()).status_code == 403
    assert not Finding.objects.exists()


def test_the_forms_rules_answer_with_the_fields_at_fault(api_client, imobex_staff, make_finding):
    client = api_client(imobex_staff, "write")
    empty = post(client, FINDINGS, {})
    assert empty.status_code == 400
    assert {"title", "crime_type", "action_countries", "source", "reliability", "description"} <= set(
        empty.json()["errors"]
    )
    outside = post(client, FINDINGS, new_finding(action_countries=["US"]))
    assert outside.status_code == 400 and "action_countries" in outside.json()["errors"]
    assert post(client, FINDINGS, new_finding(indicators=["no-such"])).json()["errors"].keys() == {"indicators"}
    assert post(client, FINDINGS, new_finding(suspect="Name")).json()["errors"] == {"suspect": ["Unknown field."]}
    assert post(client, FINDINGS, new_finding(crime_type="arson")).json()["errors"].keys() == {"crime_type"}
    assert post(client, FINDINGS, new_finding(title=["A", "B"])).json()["errors"].keys() == {"title"}  # not as text
    assert post(client, FINDINGS, new_finding(indicators="debt-bondage")).json()["errors"].keys() == {"indicators"}
    assert not Finding.objects.exists()


def test_a_retried_create_with_its_idempotency_key_records_once(api_client, imobex_staff, make_finding):
    client = api_client(imobex_staff, "write")
    first = post(client, FINDINGS, new_finding(), **{"Idempotency-Key": "finding-1"})
    again = post(client, FINDINGS, new_finding(), **{"Idempotency-Key": "finding-1"})
    assert first.status_code == again.status_code == 201 and again["Idempotent-Replayed"] == "true"
    assert again.json() == first.json() and Finding.objects.count() == 1
    assert post(client, FINDINGS, new_finding(title="Other"), **{"Idempotency-Key": "finding-1"}).status_code == 422


def test_a_change_needs_the_current_version(api_client, imobex_staff, make_finding):
    finding = make_finding(inds=("debt-bondage",))
    client = api_client(imobex_staff, "write")
    url = f"{FINDINGS}{finding.pk}/"
    etag = client.get(url)["ETag"]
    assert patch(client, url, {"title": "New"}).status_code == 428
    changed = patch(client, url, {"title": "New", "action_countries": ["AT"]}, **{"If-Match": etag})
    assert changed.status_code == 200, changed.json()
    assert changed.json()["title"] == "New" and changed.json()["action_countries"] == ["AT"]
    assert changed.json()["indicators"] == ["debt-bondage"]  # what is not sent is kept
    stale = patch(client, url, {"title": "Newer"}, **{"If-Match": etag})
    assert stale.status_code == 412
    finding.refresh_from_db()
    assert finding.title == "New"
    entry = AuditEvent.objects.get(action=AuditEvent.Action.CHANGE, object_id=str(finding.pk))
    assert set(entry.details["changes"]) == {"title", "action_countries"}
    refused = patch(client, url, {"action_countries": []}, **{"If-Match": changed["ETag"]})
    assert refused.status_code == 400 and "action_countries" in refused.json()["errors"]


# --- findings: incremental sync ----------------------------------------------------------------------------------


@override_settings(PORTAL_API_SYNC_SETTLE_SECONDS=0)
def test_findings_sync_reports_changes_then_a_deletion(api_client, imobex_viewer, make_finding):
    client = api_client(imobex_viewer)
    kept, dropped = make_finding(), make_finding()
    first = client.get(f"{FINDINGS}changes/").json()
    assert [row["id"] for row in first["results"]] == [kept.pk, dropped.pk] and first["deleted"] == []
    dropped_pk = dropped.pk
    dropped.delete()
    kept.title = "Changed"
    kept.save()
    later = client.get(f"{FINDINGS}changes/", {"cursor": first["next_cursor"]}).json()
    assert later["deleted"] == [dropped_pk] and [row["title"] for row in later["results"]] == ["Changed"]


# --- coverage ----------------------------------------------------------------------------------------------------


def _move(client, country, body, version):
    return post(client, f"{COVERAGE}{country}/state/", body, **{"If-Match": f'"{version}"'})


def test_the_coverage_list_is_the_34_countries_of_the_scope(api_client, imobex, imobex_viewer, imobex_staff, countries):
    coverage_set_state(user=imobex_staff, project=imobex, country=countries["RO"], state="requested")
    client = api_client(imobex_viewer)
    rows = client.get(COVERAGE).json()
    assert (
        len(rows) == 34
        and {row["country"] for row in rows} >= {"RO", "AL", "DE"}
        and "US" not in [row["country"] for row in rows]
    )
    romania = next(row for row in rows if row["country"] == "RO")
    assert (romania["state"], romania["version"]) == ("requested", 0) and romania["id"] is not None
    assert [row["country"] for row in client.get(COVERAGE, {"state": "requested"}).json()] == ["RO"]
    assert client.get(COVERAGE, {"state": "lost"}).status_code == 400
    assert client.get(f"{COVERAGE}US/").status_code == 404
    untouched = client.get(f"{COVERAGE}AL/")
    assert untouched.json()["id"] is None and untouched.json()["allowed_states"] == []
    assert untouched["ETag"].startswith('"0-')


def test_an_unchanged_coverage_list_costs_a_304(api_client, imobex, imobex_viewer, imobex_staff, countries):
    client = api_client(imobex_viewer)
    first = client.get(COVERAGE)
    assert client.get(COVERAGE, headers={"If-None-Match": first["ETag"]}).status_code == 304
    coverage_set_state(user=imobex_staff, project=imobex, country=countries["RO"], state="requested")
    assert client.get(COVERAGE, headers={"If-None-Match": first["ETag"]}).status_code == 200


def test_staff_request_and_receive_a_manager_validates(api_client, imobex_staff, imobex_manager, imobex):
    staff, manager = api_client(imobex_staff, "write"), api_client(imobex_manager, "write")
    today = timezone.localdate().isoformat()
    requested = _move(staff, "RO", {"state": "requested"}, 0)
    assert requested.status_code == 200, requested.json()
    assert (requested.json()["state"], requested.json()["state_date"]) == ("requested", today)
    assert requested.json()["allowed_states"] == ["not_started", "requested", "received"]
    no_source = _move(staff, "RO", {"state": "received"}, 0)
    assert no_source.status_code == 400 and "source" in no_source.json()["errors"]
    received = _move(staff, "RO", {"state": "received", "source": "questionnaire", "notes": "By post"}, 0)
    assert received.status_code == 200 and received["ETag"].startswith('"1-')
    refused = _move(staff, "RO", {"state": "validated"}, 1)
    assert refused.status_code == 400 and "state" in refused.json()["errors"]  # not a state staff may choose
    assert _move(manager, "RO", {"state": "validated"}, 0).status_code == 412
    validated = _move(manager, "RO", {"state": "validated"}, 1)
    assert validated.json()["state"] == "validated" and validated.json()["notes"] == "By post"  # details kept
    steps = AuditEvent.objects.filter(action=AuditEvent.Action.TRANSITION, object_type="imobex.CountryCoverage")
    assert sorted(steps.values_list("details__to", flat=True)) == ["received", "requested", "validated"]


def test_coverage_moves_refuse_viewers_outsiders_and_missing_versions(api_client, imobex_viewer, staff, imobex_staff):
    assert _move(api_client(imobex_viewer, "write"), "RO", {"state": "requested"}, 0).status_code == 403
    assert _move(api_client(staff, "write"), "RO", {"state": "requested"}, 0).status_code == 404
    client = api_client(imobex_staff, "write")
    assert post(client, f"{COVERAGE}RO/state/", {"state": "requested"}).status_code == 428
    assert _move(client, "RO", {"state": "requested", "notes": {"a": 1}}, 0).json()["errors"].keys() == {"notes"}
    assert _move(client, "RO", {"state": "requested", "colour": "red"}, 0).json()["errors"] == {
        "colour": ["Unknown field."]
    }
    tomorrow = (timezone.localdate() + timedelta(days=1)).isoformat()
    future = _move(client, "RO", {"state": "requested", "state_date": tomorrow}, 0)
    assert future.status_code == 400 and "state_date" in future.json()["errors"]
    assert not CountryCoverage.objects.exists()


def test_a_retried_move_with_its_key_is_made_once(api_client, imobex_staff):
    client = api_client(imobex_staff, "write")
    headers = {"If-Match": '"0"', "Idempotency-Key": "move-1"}
    first = post(client, f"{COVERAGE}RO/state/", {"state": "requested"}, **headers)
    again = post(client, f"{COVERAGE}RO/state/", {"state": "requested"}, **headers)
    assert first.status_code == again.status_code == 200 and again["Idempotent-Replayed"] == "true"
    assert again["ETag"] == first["ETag"]
    assert AuditEvent.objects.filter(object_type="imobex.CountryCoverage").count() == 1


@override_settings(PORTAL_API_SYNC_SETTLE_SECONDS=0)
def test_coverage_sync_reports_moves_then_a_deletion(api_client, imobex, imobex_viewer, imobex_staff, countries):
    client = api_client(imobex_viewer)
    assert client.get(f"{COVERAGE}changes/").json()["results"] == []
    romania = coverage_set_state(user=imobex_staff, project=imobex, country=countries["RO"], state="requested")
    first = client.get(f"{COVERAGE}changes/").json()
    assert [(row["id"], row["country"]) for row in first["results"]] == [(romania.pk, "RO")]
    romania_pk = romania.pk
    romania.delete()  # the admin's way back to "not started"
    later = client.get(f"{COVERAGE}changes/", {"cursor": first["next_cursor"]}).json()
    assert later["deleted"] == [romania_pk] and later["results"] == []


@pytest.mark.parametrize("url", [COVERAGE, f"{COVERAGE}changes/"])
def test_the_coverage_lists_run_a_fixed_number_of_queries(
    api_client, imobex, imobex_viewer, imobex_staff, countries, url
):
    client = api_client(imobex_viewer)
    client.get(url)
    codes = ["RO", "BG", "AL", "DE", "FR", "IT", "NL", "BE", "AT", "PL"]
    with override_settings(PORTAL_API_SYNC_SETTLE_SECONDS=0):
        for code in codes[:2]:
            coverage_set_state(user=imobex_staff, project=imobex, country=countries[code], state="requested")
        few = count_queries(lambda: client.get(url))
        for code in codes[2:]:
            coverage_set_state(user=imobex_staff, project=imobex, country=countries[code], state="requested")
        many = count_queries(lambda: client.get(url))
    assert few == many <= 10


def test_deleting_the_project_leaves_no_tombstone_behind(imobex, imobex_staff, countries, make_finding):
    """Its records go with it: no tombstone is written for a project that is gone (it could not refer to it)."""
    from django.db import connection

    from api.models import Tombstone

    make_finding()
    coverage_set_state(user=imobex_staff, project=imobex, country=countries["RO"], state="requested")
    imobex.delete()
    connection.check_constraints()  # the deferred foreign keys, as at a commit
    assert not Tombstone.objects.exists()
