"""Paging of list pages: the first page for a wrong number, and a count that reads at most the cap's rows."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from projects.models import Country
from projects.pagination import page_of

pytestmark = pytest.mark.django_db


def test_a_missing_or_wrong_page_number_gives_the_first_page():
    countries = Country.objects.order_by("code")
    for number in (None, "", "abc", "0", "-3"):
        assert page_of(countries, number, 5).number == 1


def test_a_list_longer_than_the_cap_is_counted_up_to_the_cap_and_says_so():
    total = Country.objects.count()
    assert total > 10
    page = page_of(Country.objects.order_by("code"), "1", 5, cap=10)
    assert page.paginator.count == 10
    assert page.paginator.capped
    assert page.paginator.count_label == "10+"
    assert page.paginator.num_pages == 2
    assert page_of(Country.objects.order_by("code"), "99", 5, cap=10).number == 2  # past the end: the last page


def test_a_list_within_the_cap_is_counted_exactly():
    total = Country.objects.count()
    page = page_of(Country.objects.order_by("code"), "1", 5, cap=total)
    assert page.paginator.count == total
    assert not page.paginator.capped
    assert page.paginator.count_label == str(total)


def test_the_count_reads_only_the_keys_of_a_bounded_subquery():
    countries = Country.objects.order_by("name").extra(select={"heavy": "upper(name)"})
    with CaptureQueriesContext(connection) as ctx:
        page_of(countries, "1", 5, cap=10).paginator.count  # noqa: B018
    (sql,) = [q["sql"] for q in ctx.captured_queries]
    assert "LIMIT 11" in sql
    assert "upper(name)" not in sql and "ORDER BY" not in sql
