from dataclasses import replace
from datetime import date
from unittest import mock

import pytest
from django.db.models import CharField, Count, DateField, Q, Value

from projects import rollups
from projects.models import AuditEvent, Deliverable, Milestone, Project, Workstream
from projects.registry import Breakdown, Contributions, Metric, TimelineItem, TimelineSource, registry
from reporting import queries
from reporting.status import Status, project_status
from tests.reporting.conftest import TODAY
from tests.utils import count_queries, get_ok

AFTER_THE_END = date(2026, 1, 15)  # REP ran from 2024-01-01 to 2025-12-31


def at(day: date):
    """Fix the portal's clock (timezone.localdate) for a view."""
    return mock.patch("django.utils.timezone.localdate", return_value=day)


# --- the status rule ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("elapsed", "progress", "overdue", "ended", "expected"),
    [
        (50, 45, 0, False, Status.ON_TRACK),  # 5 points behind
        (50, 40, 0, False, Status.ON_TRACK),  # exactly 10 behind is still on track
        (50, 39, 0, False, Status.AT_RISK),  # more than 10 behind
        (50, 25, 0, False, Status.AT_RISK),  # exactly 25 behind
        (50, 24, 0, False, Status.LATE),  # more than 25 behind
        (50, 80, 1, False, Status.AT_RISK),  # ahead, but something is overdue
        (100, 99, 0, True, Status.LATE),  # ended short of the targets
        (100, 100, 0, True, Status.ON_TRACK),
        (30, None, 0, False, Status.ON_TRACK),  # nothing measured, nothing overdue
        (30, None, 2, False, Status.AT_RISK),
        (100, None, 2, True, Status.LATE),
    ],
)
def test_the_status_rule(elapsed, progress, overdue, ended, expected):
    assert project_status(elapsed=elapsed, progress=progress, overdue=overdue, ended=ended) == expected


def test_the_portfolio_shows_status_progress_and_what_is_due_on_a_fixed_day(client_for, manager, known):
    with at(TODAY):
        page = get_ok(client_for(manager), "/").content.decode()
    # 40 % of the time elapsed, 50 % progress, but D4 overdue: at risk
    assert 'data-testid="status-REP"' in page
    card = page[page.index('data-project="REP"') :]
    assert "At risk" in card[: card.index("card-footer")]
    assert ">1 overdue<" in page.replace("\n", "")
    assert "2 due in 30 days" in page
    overdue = page[page.index('data-testid="portfolio-overdue"') : page.index('data-testid="portfolio-due"')]
    assert "D4 Interim review" in overdue and "D5" not in overdue
    due = page[page.index('data-testid="portfolio-due"') :]
    due = due[: due.index("</section>")]  # the card alone: the rest of the page holds a random CSRF token
    assert "D5 Field lab design" in due and "M2 Mid-term" in due and "D6" not in due


def test_the_same_project_is_on_track_early_at_risk_today_and_late_after_its_end(known):
    from projects.queries import indicator_progress

    progress = indicator_progress([known])[known.pk]
    statuses = []
    for day in (date(2024, 2, 1), TODAY, date(2026, 1, 15)):
        row = {"project": known, "indicators": progress, "elapsed": known.time_elapsed_percent(day)}
        queries.portfolio_extend(None, [known], [row], day)
        statuses.append(row["status"])
    assert statuses == [Status.ON_TRACK, Status.AT_RISK, Status.LATE]


@pytest.mark.parametrize(
    ("progress", "overdue"),
    [(100, 0), (50, 0), (50, 3), (None, 2)],  # met its targets, fell short, left items open, measured nothing
)
def test_a_closed_project_is_closed_whatever_its_numbers(progress, overdue):
    assert project_status(elapsed=100, progress=progress, overdue=overdue, ended=True, closed=True) == Status.CLOSED


def test_a_project_past_its_end_but_not_closed_is_still_late_when_short_of_its_targets():
    assert project_status(elapsed=100, progress=50, overdue=0, ended=True, closed=False) == Status.LATE


def test_the_portfolio_and_the_dashboard_show_a_closed_project_as_closed_not_late(client_for, manager, known):
    client = client_for(manager)
    with at(AFTER_THE_END):  # ended at 50 % of its targets with D4 overdue: late while it is not closed
        page = get_ok(client, "/").content.decode()
    badge = page[page.index('data-testid="status-REP"') :]
    assert badge[badge.index(">") + 1 : badge.index("</span>")] == "Late"
    Project.objects.filter(pk=known.pk).update(status=Project.Status.CLOSED)
    with at(AFTER_THE_END):
        page = get_ok(client, "/").content.decode()
        dashboard = get_ok(client, "/projects/REP/dashboard/").content.decode()
    badge = page[page.index('data-testid="status-REP"') :]
    assert badge[badge.index(">") + 1 : badge.index("</span>")] == "Closed"
    assert "text-bg-secondary" in page[page.rindex("<span", 0, page.index('data-testid="status-REP"')) :][:200]
    status = dashboard[dashboard.index('data-testid="dashboard-status"') :]
    assert status[status.index(">") + 1 : status.index("</span>")] == "Closed"
    known.refresh_from_db()
    assert queries.project_dashboard(known, today=AFTER_THE_END)["status"] == Status.CLOSED


# --- the project dashboard --------------------------------------------------------------------------------------------


def test_dashboard_numbers_on_the_known_data_set(known):
    data = queries.project_dashboard(known, today=TODAY)
    rows = {row.key: row for row in data["rows"]}
    assert (rows["deliverables"].cumulative, rows["deliverables"].target, rows["deliverables"].percent) == (3, 6, 50)
    assert (rows["milestones"].cumulative, rows["milestones"].percent) == (1, 50)
    assert (data["elapsed"], data["progress"], data["status"]) == (40, 50, Status.AT_RISK)
    assert [item.title for item in data["overdue"]] == ["D4 Interim review"]
    assert [item.title for item in data["upcoming"]] == ["D5 Field lab design", "M2 Mid-term"]
    by_ws = {entry["metric"]: dict(entry["values"]) for entry in data["breakdowns"]}
    assert by_ws == {"deliverables_done": {"WS1": 3}, "milestones_reached": {"WS1": 1}}


def test_a_period_filter_splits_start_period_and_cumulative(known):
    data = queries.project_dashboard(known, today=TODAY, since=date(2024, 3, 1), until=date(2024, 6, 30))
    rows = {row.key: (row.at_start, row.in_period, row.cumulative) for row in data["rows"]}
    assert rows == {"deliverables": (0, 2, 2), "milestones": (0, 1, 1)}
    data = queries.project_dashboard(known, today=TODAY, since=date(2024, 3, 18), until=date(2024, 12, 31))
    rows = {row.key: (row.at_start, row.in_period, row.cumulative) for row in data["rows"]}
    assert rows == {"deliverables": (1, 2, 3), "milestones": (0, 1, 1)}
    # the items due in the period, done or not: the overdue ones and the others, both lists by date
    items = sorted(data["overdue"] + data["upcoming"], key=lambda i: (i.date, i.kind))
    assert data["overdue_count"] + data["upcoming_count"] == len(items)
    titles = [i.title for i in items]
    assert titles == [
        "D1 Baseline study",
        "D2 Training plan",
        "M1 Kick-off done",
        "D3 Handbook",  # due 31 Jul 2024, like the report (same day: by kind)
        "Interim report 1 · 1 Mar – 30 Jun 2024",
        "D4 Interim review",
        "D5 Field lab design",
        "M2 Mid-term",
    ]
    assert "D6 Final report" not in titles


def test_the_burnup_series_is_cumulative_per_month_against_a_straight_line(known):
    series = queries.project_dashboard(known, today=TODAY)["series"]["deliverables"]
    assert len(series["labels"]) == 24 and series["labels"][0] == "2024-01" and series["labels"][-1] == "2025-12"
    # Jan..Oct 2024 measured, nothing after the current month
    assert series["achieved"][:10] == [0, 0, 2, 2, 2, 2, 3, 3, 3, 3]
    assert series["achieved"][10:] == [None] * 14
    line = series["target_line"]
    assert line[0] == round(6 * 30 / 730, 2) and line[-1] == 6
    assert line == sorted(line)


def test_a_metric_without_monthly_series_is_computed_month_by_month(known):
    def planned(project_ids, until):  # milestones by due date: an opaque `compute`, no monthly series
        qs = Milestone.objects.filter(workstream__project_id__in=project_ids)
        if until:
            qs = qs.filter(due_date__lte=until)
        return dict(qs.values_list("workstream__project_id").annotate(n=Count("pk")))

    metric = Metric(key="test_planned", label="Planned milestones", compute=planned)
    with registry.contributed("tests", Contributions(metrics=[metric])):
        known.indicators.create(key="planned", label="Planned", target=2, metric="test_planned", order=5)
        series = queries.project_dashboard(known, today=TODAY)["series"]["planned"]
        assert series["achieved"][:10] == [0, 0, 0, 0, 0, 1, 1, 1, 1, 1]


def test_a_country_filter_uses_the_country_breakdown_and_says_which_metrics_cannot(known, monkeypatch):
    by_country = Breakdown("country", "By country", compute=lambda ids, until: {pk: {"RO": 2, "BG": 1} for pk in ids})
    deliverables = registry.metric("deliverables_done")
    with_country = replace(deliverables, breakdowns=[*deliverables.breakdowns, by_country])
    monkeypatch.setitem(registry._items["metrics"], "deliverables_done", with_country)
    data = queries.project_dashboard(known, today=TODAY, country="RO")
    rows = {row.key: row for row in data["rows"]}
    assert rows["deliverables"].cumulative == 2
    assert rows["milestones"].cumulative is None and not rows["milestones"].filterable
    split = [e for e in data["breakdowns"] if e["dimension"] == "country"][0]
    assert split["values"] == [("Romania", 2), ("Bulgaria", 1)]


def test_another_apps_timeline_source_shows_on_the_dashboard_and_portfolio(client_for, manager, known):
    events = TimelineSource(  # one event a project, on 25 October 2024
        key="test-event",
        label="Events",
        records=lambda: Project.objects.annotate(
            test_day=Value(date(2024, 10, 25), output_field=DateField()),
            test_title=Value("Antidrug conference", output_field=CharField()),
        ),
        project="pk",
        date="test_day",
        open=lambda today: Q(pk__isnull=False),
        title="test_title",
        status="",
        item=lambda row: TimelineItem(
            project_id=row.project_id, kind="test-event", kind_label="Event", title=row.title, date=row.date
        ),
    )
    with registry.contributed("tests", Contributions(timeline=[events])):
        data = queries.project_dashboard(known, today=TODAY)
        assert "Antidrug conference" in [item.title for item in data["upcoming"]]
        with at(TODAY):
            page = get_ok(client_for(manager), "/").content.decode()
        assert "Antidrug conference" in page


def test_the_dashboard_page_shows_bars_charts_data_and_filters(client_for, viewer, known):
    with at(TODAY):
        page = get_ok(client_for(viewer), "/projects/REP/dashboard/").content.decode()
    assert 'data-testid="achieved-deliverables">3<' in page
    assert 'aria-valuemax="6"' in page
    assert 'id="burnup-data"' in page and "vendor/chartjs/chart.umd.min.js" in page
    assert 'canvas data-series="deliverables"' in page
    assert "Interim report 1" in page  # the period filter offers the reporting periods
    assert 'data-testid="dashboard-status">At risk<' in page
    with at(TODAY):
        page = get_ok(client_for(viewer), "/projects/REP/dashboard/?period=2024-03-01:2024-06-30").content.decode()
    assert 'data-testid="in-period-deliverables">2<' in page


def test_the_dashboard_tab_is_on_the_project_page(client_for, viewer, known):
    assert "/projects/REP/dashboard/" in get_ok(client_for(viewer), "/projects/REP/").content.decode()


def test_outsiders_do_not_see_a_dashboard(client_for, outsider, known):
    assert client_for(outsider).get("/projects/REP/dashboard/").status_code == 404


def test_the_dashboard_table_exports_with_its_filters(client_for, manager, known):
    import csv
    import io

    from openpyxl import load_workbook

    client = client_for(manager)
    response = client.get("/projects/REP/dashboard/export.csv?since=2024-03-01&until=2024-06-30")
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    assert rows[0][:5] == ["Indicator", "Unit", "At start", "In period", "Cumulative"]
    assert rows[1][0] == "Deliverables handed over" and rows[1][3] == "2"
    response = client.get("/projects/REP/dashboard/export.xlsx")
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    row = [cell.value for cell in next(sheet.iter_rows(min_row=2, max_row=2))]
    assert row == ["Deliverables handed over", None, 0, 3, 3, 6, 50]


# --- cache and query counts -----------------------------------------------------------------------------------------


def test_the_cache_is_invalidated_by_an_edit(client_for, manager, known):
    client = client_for(manager)
    page = get_ok(client, "/projects/REP/dashboard/").content.decode()
    assert 'data-testid="achieved-deliverables">3<' in page
    cached = count_queries(lambda: get_ok(client, "/projects/REP/dashboard/"))
    assert cached == 3  # session, user, project: the numbers come from the cache
    d4 = Deliverable.objects.get(title="D4 Interim review")
    d4.status, d4.delivered_on = Deliverable.Status.APPROVED, date(2024, 10, 12)
    d4.save()
    page = get_ok(client, "/projects/REP/dashboard/").content.decode()
    assert 'data-testid="achieved-deliverables">4<' in page
    d4.delete()
    assert 'data-testid="achieved-deliverables">3<' in get_ok(client, "/projects/REP/dashboard/").content.decode()


@rollups.batch(everything=True)  # set-up data in bulk: the rollups rebuilt once, at the end
def _grow(project, n: int) -> None:
    ws = Workstream.objects.create(
        project=project, number=10 + Workstream.objects.filter(project=project).count(), title="More"
    )
    for i in range(n):
        day = date(2024, 1 + i % 9, 1 + i % 27)
        Deliverable.objects.create(workstream=ws, title=f"X{i}", due_date=day, status="approved", delivered_on=day)
        Milestone.objects.create(workstream=ws, title=f"Y{i}", due_date=day, status="reached", reached_on=day)
        Milestone.objects.create(workstream=ws, title=f"Z{i}", due_date=date(2024, 10, 1 + i % 30))


def test_dashboard_queries_are_pinned_and_do_not_grow_with_the_data(client_for, manager, known):
    # session, user, project; indicators, intermediate targets, countries, reporting periods; the metrics, from the
    # rollups, however many: their values (at the end and at the start of a period, in one query), their monthly
    # series, their breakdowns; two lists (overdue, upcoming) of two queries each (the exact counts, the first
    # DASHBOARD_ITEMS items; every source in one UNION).
    expected = 3 + 4 + 3 + 2 * 2
    client = client_for(manager)
    _grow(known, 3)
    small = count_queries(lambda: get_ok(client, "/projects/REP/dashboard/?since=2024-01-01"))
    _grow(known, 30)
    large = count_queries(lambda: get_ok(client, "/projects/REP/dashboard/?since=2024-01-01"))
    assert small == large == expected  # the value at the start of the period comes with the value at its end
    assert count_queries(lambda: get_ok(client, "/projects/REP/dashboard/")) == expected


def test_portfolio_queries_do_not_grow_with_the_data(client_for, manager, known):
    client = client_for(manager)
    _grow(known, 3)
    small = count_queries(lambda: get_ok(client, "/"))
    _grow(known, 30)
    assert count_queries(lambda: get_ok(client, "/")) == small


def test_the_dashboard_export_with_invalid_filters_is_refused_not_unfiltered(client_for, manager, known):
    response = client_for(manager).get("/projects/REP/dashboard/export.csv?since=2024-06-30&until=2024-03-01")
    assert response.status_code == 400
    assert 'href="/projects/REP/dashboard/?since=2024-06-30&amp;until=2024-03-01"' in response.content.decode()
    assert not AuditEvent.objects.filter(action="export").exists()


def test_each_project_status_is_drawn_in_its_own_colour(client_for, manager, known):
    assert {status: status.colour for status in Status} == {
        Status.ON_TRACK: "success",
        Status.AT_RISK: "warning",
        Status.LATE: "danger",
        Status.CLOSED: "secondary",
    }
    with at(TODAY):
        page = get_ok(client_for(manager), "/projects/REP/dashboard/").content.decode()
    assert 'class="badge fs-6 text-bg-warning" data-testid="dashboard-status">At risk<' in page


@pytest.mark.parametrize(
    "query", ["since=0001-01-01", "until=9999-12-31", "period=0001-01-01:0001-01-31", "country=ZZ", "country=hr"]
)
def test_dates_out_of_range_and_unknown_countries_are_refused_with_a_message(client_for, manager, known, query):
    client = client_for(manager)
    page = get_ok(client, f"/projects/REP/dashboard/?{query}").content.decode()
    assert "The filters were ignored." in page
    assert get_ok(client, f"/projects/REP/dashboard/due/?which=overdue&{query}").status_code == 200
    assert client.get(f"/projects/REP/dashboard/export.csv?{query}").status_code == 400
