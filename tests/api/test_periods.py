"""A project's reporting periods over the API: every member reads them with their report's due date and state; the
submitted versions of a report are for the project's managers, as on the period's page."""

from datetime import date, timedelta

import pytest
from django.utils import timezone

from reporting.models import ReportingPeriod, ReportSnapshot
from tests.utils import count_queries

pytestmark = pytest.mark.django_db
LIST = "/api/v1/projects/ATHENA2/reporting-periods/"


def ids(response) -> list[int]:
    return [row["id"] for row in response.json()["results"]]


@pytest.fixture
def periods(athena):
    """Three of ATHENA2's periods: one submitted, one overdue, one not due yet (the reference data's removed)."""
    ReportingPeriod.objects.filter(project=athena).delete()
    today = timezone.localdate()
    submitted = ReportingPeriod.objects.create(
        project=athena, title="Report 1", start=date(2024, 1, 1), end=date(2024, 6, 30), due_date=date(2024, 8, 31)
    )
    submitted.submitted_on = date(2024, 8, 1)
    submitted.save()
    overdue = ReportingPeriod.objects.create(
        project=athena,
        kind="financial",
        start=date(2024, 7, 1),
        end=today - timedelta(days=40),
        due_date=today - timedelta(days=1),
    )
    open_ = ReportingPeriod.objects.create(
        project=athena,
        title="Report 3",
        start=today - timedelta(days=10),
        end=today,
        due_date=today + timedelta(days=30),
    )
    return submitted, overdue, open_


def test_members_read_the_periods_with_their_state(api_client, viewer, periods):
    submitted, overdue, open_ = periods
    response = api_client(viewer).get(LIST)
    assert response.status_code == 200
    rows = response.json()["results"]
    assert [row["id"] for row in rows] == [submitted.pk, overdue.pk, open_.pk]
    assert [row["state"] for row in rows] == ["submitted", "overdue", "open"]
    assert rows[0]["label"] == "Report 1 · 1 Jan – 30 Jun 2024" and rows[0]["due_date"] == "2024-08-31"


def test_outsiders_do_not_learn_of_the_periods(api_client, outsider, periods):
    assert api_client(outsider).get(LIST).status_code == 404
    assert api_client(outsider).get(f"{LIST}{periods[0].pk}/").status_code == 404


def test_a_period_of_another_project_is_not_found(api_client, viewer, imobex):
    other = ReportingPeriod.objects.create(
        project=imobex, start=date(2024, 1, 1), end=date(2024, 6, 30), due_date=date(2024, 8, 31)
    )
    assert api_client(viewer).get(f"{LIST}{other.pk}/").status_code == 404


def test_the_submitted_versions_are_for_the_managers(api_client, viewer, staff, manager, periods):
    submitted = periods[0]
    ReportSnapshot.objects.create(period=submitted, number=1, submitted_on=date(2024, 8, 1), created_by=manager)
    url = f"{LIST}{submitted.pk}/"
    versions = api_client(manager).get(url).json()["submitted_versions"]
    assert [(v["number"], v["submitted_on"], v["submitted_by"]) for v in versions] == [
        (1, "2024-08-01", "Mara Manager")
    ]
    assert api_client(staff).get(url).json()["submitted_versions"] is None
    assert api_client(viewer).get(url).json()["submitted_versions"] is None


def test_the_list_filters_and_orders(api_client, viewer, periods):
    submitted, overdue, open_ = periods
    client = api_client(viewer)
    assert ids(client.get(LIST, {"submitted": "true"})) == [submitted.pk]
    assert ids(client.get(LIST, {"submitted": "false"})) == [overdue.pk, open_.pk]
    assert ids(client.get(LIST, {"kind": "financial"})) == [overdue.pk]
    assert ids(client.get(LIST, {"ordering": "-due_date"})) == [open_.pk, overdue.pk, submitted.pk]
    assert ids(client.get(LIST, {"due_after": timezone.localdate().isoformat()})) == [open_.pk]
    refused = client.get(LIST, {"kind": "annual"})
    assert refused.status_code == 400 and "kind" in refused.json()["errors"]
    default = [submitted.pk, overdue.pk, open_.pk]
    assert ids(client.get(LIST, {"ordering": "title"})) == default  # not an allowed field: the default order


def test_an_unchanged_list_costs_a_304(api_client, viewer, periods):
    client = api_client(viewer)
    first = client.get(LIST)
    assert client.get(LIST, headers={"If-None-Match": first["ETag"]}).status_code == 304
    periods[1].submitted_on = timezone.localdate()
    periods[1].save()
    assert client.get(LIST, headers={"If-None-Match": first["ETag"]}).status_code == 200


def test_a_period_is_only_read(api_client, manager, periods):
    client = api_client(manager, "write")
    assert client.post(LIST, {}, content_type="application/json").status_code == 405
    assert client.patch(f"{LIST}{periods[0].pk}/", {}, content_type="application/json").status_code == 405


def test_the_list_runs_a_fixed_number_of_queries(api_client, viewer, athena, periods):
    client = api_client(viewer)
    client.get(LIST)
    few = count_queries(lambda: client.get(LIST))
    for month in range(1, 13):
        ReportingPeriod.objects.create(
            project=athena,
            kind="financial",
            start=date(2020, month, 1),
            end=date(2020, month, 28),
            due_date=date(2020, month, 28),
        )
    many = count_queries(lambda: client.get(LIST))
    assert few == many <= 6
