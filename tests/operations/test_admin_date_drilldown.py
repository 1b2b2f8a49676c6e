"""The admin's date drill-down lists exactly the periods Django's own query lists, without scanning the table."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from operations.models import JointActivity
from projects.admin_dates import bounded_dates
from projects.models import Person
from projects.services import person_find_or_create

DAYS = [date(2021, 3, 14), date(2021, 3, 30), date(2021, 11, 2), date(2023, 1, 9), date(2023, 1, 10), date(2026, 7, 1)]


@pytest.fixture
def activities(make_activity):
    for day in DAYS:
        make_activity(status="planned", start=day, end=day)
    return JointActivity.objects.all()


@pytest.mark.parametrize("order", ["ASC", "DESC"])
@pytest.mark.parametrize(
    "narrowed",
    [{}, {"start_date__year": 2021}, {"start_date__year": 2021, "start_date__month": 3}, {"start_date__year": 2019}],
    ids=["all", "a-year", "a-month", "nothing"],
)
@pytest.mark.parametrize("kind", ["year", "month", "day"])
def test_the_periods_listed_are_those_that_hold_records(activities, kind, order, narrowed):
    queryset = activities.filter(**narrowed)
    assert list(bounded_dates(queryset).dates("start_date", kind, order)) == list(
        queryset.dates("start_date", kind, order)
    )


def test_an_empty_year_between_two_others_is_not_offered(activities):
    assert [d.year for d in bounded_dates(activities).dates("start_date", "year")] == [2021, 2023, 2026]


def test_no_distinct_scan_and_two_queries_whatever_the_rows(activities):
    with CaptureQueriesContext(connection) as queries:
        bounded_dates(activities).dates("start_date", "year")
    assert len(queries) == 2  # the first and last dates, then one probe per candidate year in one statement
    assert not any("DISTINCT" in q["sql"] for q in queries.captured_queries)


@pytest.mark.parametrize("zone", ["UTC", "Europe/Bucharest"])
def test_datetimes_match_djangos_in_the_current_time_zone(country, zone):
    moments = [datetime(2022, 12, 31, 23, 30, tzinfo=UTC), datetime(2023, 6, 1, 8, 0, tzinfo=UTC)]  # 00:30 in Bucharest
    for i, moment in enumerate(moments):
        person, _ = person_find_or_create(name=f"Officer {i}", country=country("RO"))
        Person.objects.filter(pk=person.pk).update(created_at=moment)
    people = Person.objects.all()
    with timezone.override(zone):
        for kind in ("year", "month", "day"):
            expected = list(people.datetimes("created_at", kind))
            assert list(bounded_dates(people).datetimes("created_at", kind)) == expected
