"""The overdue and upcoming lists are bounded: exact counts, the first items by date, the rest on paged pages."""

from collections import Counter
from datetime import date, timedelta

import pytest

from projects.models import Milestone
from projects.registry import TimelineQuery, registry
from reporting import queries
from tests.reporting.conftest import TODAY
from tests.reporting.test_dashboard import at
from tests.utils import count_queries, get_ok


def _late_milestones(project, n: int) -> None:
    ws = project.workstreams.get(number=1)
    Milestone.objects.bulk_create(
        Milestone(workstream=ws, title=f"Late {i:03}", due_date=date(2024, 9, 1) + timedelta(days=i % 30))
        for i in range(n)
    )


def assert_sources_agree_with_their_items(project_ids, today: date) -> None:
    """For every source: the counts and the first items equal those of the full list, and the SQL's overdue / not
    overdue split is exactly the items' `overdue_on(today)`."""
    for key in registry.timeline.keys():

        def items(ids, query, key=key):
            return registry.timeline.page(ids, query, kinds=[key])

        for open_only in (False, True):
            everything = items(project_ids, TimelineQuery(today=today, open_only=open_only)).items
            for overdue in (None, True, False):
                query = TimelineQuery(today=today, open_only=open_only, overdue=overdue)
                full = items(project_ids, query)
                expected = [i for i in everything if overdue is None or i.overdue_on(today) == overdue]
                assert sorted(full.items, key=repr) == sorted(expected, key=repr), (key, open_only, overdue)
                assert full.counts == dict(Counter(i.project_id for i in full.items))
                first = TimelineQuery(today=today, open_only=open_only, overdue=overdue, limit=2, offset=1)
                assert count_queries(lambda q=first: items(project_ids, q)) == 2
                page = items(project_ids, first)
                assert page.counts == full.counts and page.items == full.items[1:3], (key, open_only, overdue)
                assert [i.date for i in full.items] == sorted(i.date for i in full.items)


def test_every_source_counts_and_slices_what_it_lists_in_full(known):
    _late_milestones(known, 5)
    assert_sources_agree_with_their_items([known.pk], TODAY)


def test_the_registry_merges_the_sources_by_date_and_pages_across_them(known):
    _late_milestones(known, 12)
    query = TimelineQuery(today=TODAY, open_only=True, overdue=True)
    everything = registry.timeline.page([known.pk], query)
    assert everything.total == 13 and everything.by_source["deliverable"] == 1 and everything.by_source["milestone"]
    dates = [item.date for item in everything.items]
    assert dates == sorted(dates)
    for offset in (0, 5, 10):
        page = registry.timeline.page([known.pk], TimelineQuery(**{**query.__dict__, "limit": 5, "offset": offset}))
        assert page.items == everything.items[offset : offset + 5] and page.total == 13


def test_the_dashboard_shows_the_first_items_the_exact_count_and_a_link_to_all(client_for, viewer, known):
    _late_milestones(known, 40)
    with at(TODAY):
        response = get_ok(client_for(viewer), "/projects/REP/dashboard/")
    data, page = response.context["data"], response.content.decode()
    assert data["overdue_count"] == 41 and len(data["overdue"]) == queries.DASHBOARD_ITEMS
    assert 'data-testid="dashboard-overdue">41<' in page
    assert "/projects/REP/dashboard/due/?which=overdue" in page and 'data-testid="upcoming-all"' not in page
    assert data["status"] == "at_risk"


def test_the_full_list_is_paged_by_date_and_split_by_kind(client_for, viewer, known):
    _late_milestones(known, 60)
    client = client_for(viewer)
    with at(TODAY):
        first = get_ok(client, "/projects/REP/dashboard/due/?which=overdue")
        second = get_ok(client, "/projects/REP/dashboard/due/?which=overdue&page=2")
        milestones = get_ok(client, "/projects/REP/dashboard/due/?which=overdue&kind=milestone&page=2")
    assert first.context["page"].paginator.count == 61
    shown = list(first.context["page"].object_list) + list(second.context["page"].object_list)
    assert len(shown) == 61 and [i.date for i in shown] == sorted(i.date for i in shown)
    assert "D4 Interim review" in first.content.decode() + second.content.decode()
    assert milestones.context["page"].paginator.count == 60
    assert {item.kind for item in milestones.context["page"].object_list} == {"milestone"}
    assert ("deliverable", "Deliverables", 1) in first.context["kinds"]


def test_the_full_list_keeps_the_dashboard_period(client_for, viewer, known):
    with at(TODAY):
        response = get_ok(
            client_for(viewer), "/projects/REP/dashboard/due/?which=upcoming&since=2024-03-01&until=2024-06-30"
        )
    titles = [item.title for item in response.context["page"].object_list]
    assert titles == ["D1 Baseline study", "D2 Training plan", "M1 Kick-off done"]


def test_outsiders_do_not_see_the_full_lists(client_for, outsider, known):
    assert client_for(outsider).get("/projects/REP/dashboard/due/?which=overdue").status_code == 404


def test_the_full_list_queries_do_not_grow_with_the_data(client_for, viewer, known):
    client = client_for(viewer)
    url = "/projects/REP/dashboard/due/?which=overdue&page=2"
    _late_milestones(known, 60)
    with at(TODAY):
        small = count_queries(lambda: get_ok(client, url))
    _late_milestones(known, 600)
    with at(TODAY):
        large = count_queries(lambda: get_ok(client, url))
    # session, user, project; the counts of every source (the tabs and the pager), then the page's items: the
    # sources are one UNION, whatever their number
    assert small == large == 3 + 2


@pytest.mark.parametrize("n", [3, 30])
def test_the_portfolio_lists_the_first_items_with_the_exact_totals(client_for, manager, known, n):
    _late_milestones(known, n)
    with at(TODAY):
        response = get_ok(client_for(manager), "/")
    context, page = response.context, response.content.decode()
    assert context["overdue_total"] == n + 1
    assert len(context["overdue"]) == min(n + 1, queries.PORTFOLIO_ITEMS)
    assert f">{n + 1} overdue<" in page.replace("\n", "")
    assert ('data-testid="show-all-overdue"' in page) == (n + 1 > queries.PORTFOLIO_ITEMS)
