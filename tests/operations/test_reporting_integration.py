"""Joint activities on the reporting app: monthly series, timeline, breakdowns, reminders; sensitive records, the
audited consultation and the searched "related joint activity" box; the pages' query counts."""

from __future__ import annotations

import calendar
from datetime import date, timedelta

import pytest
from django.utils import timezone

from operations.models import ActivityOfficer, Evaluation, JointActivity
from projects import rollups
from projects.models import Indicator, Person
from projects.registry import PeopleSource, registry
from projects.registry.people import distinct_people_by_project, first_people_by_project_month
from reporting import cache
from reporting import services as reporting_services
from reporting.models import ReminderDelivery
from tests.utils import count_queries, get_ok

LIST = "/projects/ATHENA2/activities/"
DASHBOARD = "/projects/ATHENA2/dashboard/"
OPERATIONS_METRICS = [
    "cross_border_observations",
    "joint_operations",
    "joint_investigations",
    "joint_patrols",
    "bilateral_meetings",
    "joint_activities",
    "officers_involved",
]


def detail(activity: JointActivity) -> str:
    return f"/projects/ATHENA2/activities/{activity.pk}/"


def month_end(day: date) -> date:
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


@pytest.fixture(autouse=True)
def fresh_cache_version():
    cache.bump()


@pytest.fixture
def operations_people_only(monkeypatch):
    """Only the operations people source (dated), as when every source can date its rows."""
    operations = {"operations": registry._items["people_sources"]["operations"]}
    monkeypatch.setitem(registry._items, "people_sources", operations)


@pytest.fixture
def known(make_activity, country):
    """Six activities of 2025; four count (validated and done): two patrols (RO-led in March, BG-led in May), a
    sensitive BG-led operation (May) and a meeting (July). Officers: O1 RO (March), O2 BG (March, again in July),
    O3 BG (May), O4 MD (May, sensitive operation); O5 is only in a draft and does not count.
    """

    def make(lead: str, **kwargs) -> JointActivity:
        activity = make_activity(**kwargs)
        JointActivity.objects.filter(pk=activity.pk).update(lead_country=country(lead))
        return activity

    return {
        "a1": make(
            "RO",
            type="joint_patrol",
            validation_state="validated",
            start=date(2025, 3, 8),
            end=date(2025, 3, 10),
            officers=[("O1", "RO", "field_officer"), ("O2", "BG", "spoc")],
        ),
        "a2": make(
            "BG",
            type="joint_patrol",
            status="evaluated",
            validation_state="validated",
            start=date(2025, 5, 18),
            end=date(2025, 5, 20),
            officers=[("O1", "RO", "team_leader"), ("O3", "BG", "field_officer")],
        ),
        "a3": make(
            "BG",
            type="joint_operation",
            validation_state="validated",
            start=date(2025, 4, 28),
            end=date(2025, 5, 2),
            is_sensitive=True,
            title="Operation Nightjar",
            officers=[("O4", "MD", "analyst")],
        ),
        "a4": make(
            "RO", type="joint_patrol", start=date(2025, 4, 1), end=date(2025, 4, 1), officers=[("O5", "RO", "spoc")]
        ),
        "a5": make(
            "RO",
            type="bilateral_meeting",
            validation_state="validated",
            start=date(2025, 7, 15),
            end=date(2025, 7, 15),
            officers=[("O2", "BG", "spoc")],
        ),
        "a6": make(
            "RO",
            type="cross_border_observation",
            status="ongoing",
            validation_state="validated",
            start=date(2025, 6, 1),
            end=timezone.localdate() + timedelta(days=5),
        ),
    }


# --- monthly series -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("key", OPERATIONS_METRICS)
def test_the_monthly_series_adds_up_to_the_value_at_each_month_end(athena, known, key):
    metric = registry.metric(key)
    assert metric is not None and metric.has_monthly
    monthly = metric.monthly_values([athena.pk]).get(athena.pk, {})
    running = 0
    month = date(2025, 1, 1)
    while month <= date(2025, 12, 1):
        running += monthly.get(month, 0)
        assert running == metric.values([athena.pk], month_end(month)).get(athena.pk, 0), (key, month)
        month = month_end(month) + timedelta(days=1)


def test_the_activity_series_count_in_the_month_of_the_end_date(athena, known):
    patrols = registry.metric("joint_patrols").monthly_values([athena.pk])
    assert patrols == {athena.pk: {date(2025, 3, 1): 1, date(2025, 5, 1): 1}}
    assert registry.metric("joint_activities").monthly_values([athena.pk])[athena.pk] == {
        date(2025, 3, 1): 1,
        date(2025, 5, 1): 2,  # the sensitive operation counts: numbers are not sensitive
        date(2025, 7, 1): 1,
    }


def test_an_officer_counts_once_in_the_month_first_involved(athena, known, operations_people_only):
    series = registry.metric("officers_involved").monthly_values
    assert series([athena.pk]) == {athena.pk: {date(2025, 3, 1): 2, date(2025, 5, 1): 2}}
    assert count_queries(lambda: series([athena.pk])) == 1


def test_first_months_over_dated_sources_match_the_distinct_count(athena, known):
    firsts = first_people_by_project_month([athena.pk], sources=["operations"])[athena.pk]
    for month in (date(2025, 2, 1), date(2025, 3, 1), date(2025, 5, 1), date(2025, 7, 1)):
        expected = distinct_people_by_project([athena.pk], month_end(month), sources=["operations"]).get(athena.pk, 0)
        assert sum(n for m, n in firsts.items() if m <= month) == expected


def test_a_people_source_declares_its_date_so_first_months_are_always_known():
    with pytest.raises(ValueError):
        PeopleSource(key="undated", records=ActivityOfficer.objects.all, project="activity__project", date="")


# --- breakdowns -----------------------------------------------------------------------------------------------------


def _breakdown(metric: str, dimension: str, project, until=None) -> dict:
    return dict(registry.breakdown(metric, dimension).compute([project.pk], until).get(project.pk, {}))


def test_breakdowns_on_the_known_data_set(athena, known, operations_people_only):
    assert _breakdown("joint_patrols", "country", athena) == {"RO": 1, "BG": 1}
    assert _breakdown("joint_patrols", "country", athena, until=date(2025, 4, 30)) == {"RO": 1}
    assert _breakdown("joint_operations", "country", athena) == {"BG": 1}
    assert _breakdown("joint_activities", "type", athena) == {
        "Joint patrol": 2,
        "Joint operation": 1,
        "Bilateral meeting": 1,
    }
    assert _breakdown("officers_involved", "country", athena) == {"RO": 1, "BG": 2, "MD": 1}
    assert _breakdown("officers_involved", "role", athena) == {
        "Field officer": 2,
        "SPOC": 1,
        "Team leader": 1,
        "Analyst": 1,
    }


def test_each_breakdown_is_one_query(athena, known, operations_people_only):
    for metric, dimension in (("joint_patrols", "country"), ("joint_activities", "type")) + (
        ("officers_involved", "country"),
        ("officers_involved", "role"),
    ):
        assert count_queries(lambda m=metric, d=dimension: _breakdown(m, d, athena)) == 1


def test_the_dashboard_shows_the_breakdowns_and_filters_by_lead_country(client_for, manager, athena, known):
    client = client_for(manager)
    data = get_ok(client, DASHBOARD).context["data"]
    split = {(entry["metric"], entry["dimension"]): dict(entry["values"]) for entry in data["breakdowns"]}
    assert split[("joint_patrols", "country")] == {"Romania": 1, "Bulgaria": 1}
    assert split[("officers_involved", "role")]["Field officer"] == 2
    rows = {row.key: row for row in get_ok(client, f"{DASHBOARD}?country=BG").context["data"]["rows"]}
    assert rows["joint_patrols"].cumulative == 1  # the May patrol, led by Bulgaria
    assert rows["joint_operations"].cumulative == 1
    assert rows["cross_border_observations"].cumulative == 0


# --- the timeline ---------------------------------------------------------------------------------------------------


@pytest.fixture
def dated(make_activity, country):
    today = timezone.localdate()
    ended = {"start": today - timedelta(days=42), "end": today - timedelta(days=40)}
    evaluated = make_activity(title="Patrol evaluated", status="completed", **ended)
    Evaluation.objects.create(activity=evaluated, country=country("RO"), objectives_met="met", rating=4)
    return {
        "today": today,
        "starting": make_activity(title="Patrol soon", status="planned", start=today + timedelta(days=10)),
        "late": make_activity(
            title="Operation late", status="ongoing", start=today - timedelta(days=20), end=today - timedelta(days=3)
        ),
        "unevaluated": make_activity(title="Patrol unevaluated", status="completed", **ended),
        "evaluated": evaluated,
        "secret": make_activity(
            title="Operation Nightjar", status="planned", start=today + timedelta(days=5), is_sensitive=True
        ),
    }


def test_timeline_items_appear_on_the_dashboard_with_their_dates(client_for, viewer, dated):
    today = dated["today"]
    response = get_ok(client_for(viewer), DASHBOARD)
    data = response.context["data"]
    upcoming = {(item.kind, item.title, item.date) for item in data["upcoming"]}
    overdue = {(item.kind, item.title, item.date) for item in data["overdue"]}
    assert ("activity_start", "T-0002 Patrol soon", today + timedelta(days=10)) in upcoming
    # A sensitive activity is left out of a viewer's lists entirely: neither its date nor its status shows.
    assert not any(date_ == today + timedelta(days=5) and kind == "activity_start" for kind, _t, date_ in upcoming)
    assert ("activity_end", "T-0003 Operation late", today - timedelta(days=3)) in overdue
    assert ("activity_evaluation", "T-0004 Patrol unevaluated", today - timedelta(days=10)) in overdue
    assert not any("Patrol evaluated" in title for _kind, title, _date in upcoming | overdue)
    assert "Operation Nightjar" not in response.content.decode()
    assert data["status"] in ("at_risk", "late")  # something is overdue


def test_the_activity_sources_count_and_split_exactly_what_they_list(athena, dated):
    from tests.reporting.test_bounded_lists import assert_sources_agree_with_their_items

    assert_sources_agree_with_their_items([athena.pk], dated["today"])


def test_a_reporting_period_lists_the_activities_of_the_period(athena, dated):
    today = dated["today"]
    items = registry.timeline.items([athena.pk], since=today - timedelta(days=5), until=today, open_only=False)
    assert [(i.kind, i.done) for i in items if i.kind.startswith("activity")] == [("activity_end", False)]


# --- reminders ------------------------------------------------------------------------------------------------------


def _deliveries(kind: str) -> list[tuple[str, str]]:
    return sorted(ReminderDelivery.objects.filter(kind=kind).values_list("recipient__username", "subject"))


def test_each_reminder_kind_is_sent_once_to_staff_and_managers(make_activity, country, manager, staff, viewer):
    today = timezone.localdate()
    make_activity(title="Patrol soon", status="planned", start=today + timedelta(days=3))
    make_activity(title="Patrol far", status="planned", start=today + timedelta(days=30))
    make_activity(title="Operation late", status="ongoing", start=today - timedelta(days=9), end=today - timedelta(2))
    ended = {"start": today - timedelta(days=33), "end": today - timedelta(days=31)}
    make_activity(title="Patrol unevaluated", status="completed", **ended)
    evaluated = make_activity(title="Patrol evaluated", status="completed", **ended)
    Evaluation.objects.create(activity=evaluated, country=country("RO"), objectives_met="met", rating=4)
    kinds = ["activity_starting", "activity_not_completed", "activity_evaluation_missing"]
    reporting_services.reminders_dispatch(kinds=kinds)
    reporting_services.reminders_dispatch(kinds=kinds)  # a second run sends nothing again
    soon, late, ended = (today + timedelta(days=3)), (today - timedelta(days=2)), (today - timedelta(days=31))
    assert _deliveries("activity_starting") == [
        ("manager", f"Activity starting on {soon:%d %b %Y}: T-0001 Patrol soon"),
        ("staff", f"Activity starting on {soon:%d %b %Y}: T-0001 Patrol soon"),
    ]
    assert _deliveries("activity_not_completed") == [
        ("manager", f"Activity not completed: T-0003 Operation late (ended {late:%d %b %Y})"),
        ("staff", f"Activity not completed: T-0003 Operation late (ended {late:%d %b %Y})"),
    ]
    assert _deliveries("activity_evaluation_missing") == [
        ("manager", f"Evaluation missing: T-0004 Patrol unevaluated (ended {ended:%d %b %Y})"),
        ("staff", f"Evaluation missing: T-0004 Patrol unevaluated (ended {ended:%d %b %Y})"),
    ]


def test_a_sensitive_activity_is_reminded_to_managers_only_without_its_title(make_activity, manager, staff):
    today = timezone.localdate()
    make_activity(title="Operation Nightjar", status="planned", start=today + timedelta(days=2), is_sensitive=True)
    reporting_services.reminders_dispatch(kinds=["activity_starting"])
    assert _deliveries("activity_starting") == [
        ("manager", f"Activity starting on {today + timedelta(days=2):%d %b %Y}: a sensitive joint activity")
    ]


# --- query counts ---------------------------------------------------------------------------------------------------


def _grow(make_activity, n: int, today: date) -> None:
    for i in range(n):
        make_activity(
            type=["joint_patrol", "joint_operation", "bilateral_meeting"][i % 3],
            validation_state="validated",
            start=today - timedelta(days=40 + i),
            end=today - timedelta(days=35 + i),
            officers=[(f"Officer {i}", "RO", "field_officer"), (f"Officer {i} bis", "BG", "spoc")],
        )
        make_activity(status="planned", start=today + timedelta(days=1 + i % 20))


def _measure(client, url: str) -> int:
    cache.bump()  # the dashboard is cached: measure the computation
    return count_queries(lambda: get_ok(client, url))


def _dashboard_queries(project) -> int:
    """The dashboard's fixed cost: session, user, project, indicators, countries, reporting periods, targets (7);
    four for the timeline (the overdue and the upcoming lists, each its exact counts and its first items, every
    app's sources in one UNION); three for every metric the rollups keep, however many (values, monthly series,
    breakdowns); and for a metric they do not keep (here the people counted once, its sources monkeypatched) one
    query for its value, one for its series and one per breakdown."""
    metrics = {i.metric for i in Indicator.objects.filter(project=project)} & set(registry.metric_keys())
    assert all(registry.metric(key).has_monthly for key in metrics)
    computed = [key for key in metrics if key not in rollups.tracked()]
    return 7 + 2 * 2 + 3 + sum(2 + len(registry.breakdowns_for([key])) for key in computed)


# List: 7 and detail: 14 (see test_views). Edit: session, user, project, activity, countries (shared choices), the
# formsets' places and countries, officers, the related activity's reference, the chosen workshops and meetings
# (one query), the lead agency's label (the pickers hold only the chosen records), the project's workstreams, ...: 12.
@pytest.mark.parametrize(("page", "expected"), [("list", 7), ("detail", 14), ("edit", 12), ("dashboard", None)])
def test_page_queries_are_pinned_and_constant_when_the_data_grow_tenfold(
    client_for, manager, make_activity, operations_people_only, athena, page, expected
):
    expected = expected or _dashboard_queries(athena)
    today = timezone.localdate()
    client = client_for(manager)
    patrol = make_activity(reference="JP-1")
    first = make_activity(type="bilateral_meeting", related_activity=patrol, meeting_purpose="plan")
    url = {"list": LIST, "detail": detail(first), "edit": detail(first) + "edit/", "dashboard": DASHBOARD}[page]
    _grow(make_activity, 3, today)
    client.get(url)
    small = _measure(client, url)
    _grow(make_activity, 30, today)
    for i in range(20):
        person = Person.objects.create(name=f"P{i}", country=first.lead_country)
        ActivityOfficer.objects.create(activity=first, person=person, role="analyst")
    large = _measure(client, url)
    assert small == large == expected


def test_the_dashboard_with_every_people_source_stays_constant(client_for, manager, make_activity):
    """With every app's people sources registered (activities and events), the officers counted once and their
    monthly series cost the same whatever the number of activities."""
    today = timezone.localdate()
    client = client_for(manager)
    _grow(make_activity, 3, today)
    small = _measure(client, DASHBOARD)
    _grow(make_activity, 30, today)
    assert _measure(client, DASHBOARD) == small


def test_officers_involved_counts_each_person_once_across_activities_and_events(athena, known):
    """An officer at an ATHENA 2 workshop in February and in a patrol in March is one person, first involved in
    February; with every people source dated, the monthly series is one query and adds up to the value."""
    from conferences.models import Attendance, Event, Registration
    from projects.models import Country

    o1 = Person.objects.get(name="O1")
    workshop = Event.objects.create(
        project=athena,
        kind=Event.Kind.WORKSHOP,
        title="Workshop on joint patrols",
        start_date=date(2025, 2, 11),
        end_date=date(2025, 2, 12),
        city="Rome",
        country=Country.objects.get(code="IT"),
        status=Event.Status.HELD,
    )
    registration = Registration.objects.create(event=workshop, person=o1, role=Registration.Role.DELEGATE)
    Attendance.objects.create(registration=registration, day=date(2025, 2, 11), present=True)

    metric = registry.metric("officers_involved")
    series = metric.monthly_values([athena.pk])[athena.pk]
    assert series[date(2025, 2, 1)] == 1  # O1, at the workshop
    assert series[date(2025, 3, 1)] == 1  # O2 (O1 already counted)
    assert count_queries(lambda: metric.monthly_values([athena.pk])) == 1
    running, month = 0, date(2025, 1, 1)
    while month <= date(2025, 12, 1):
        running += series.get(month, 0)
        assert running == metric.values([athena.pk], month_end(month)).get(athena.pk, 0), month
        month = month_end(month) + timedelta(days=1)
    assert metric.values([athena.pk], None)[athena.pk] == running


# --- the progress report's section ----------------------------------------------------------------------------------


def _period(project, since: date, until: date):
    from reporting.models import ReportingPeriod

    return ReportingPeriod.objects.create(project=project, start=since, end=until, due_date=until)


def test_the_report_has_a_table_of_the_joint_activities_that_counted_in_the_period(athena, imobex, known):
    from reporting.content import reader_content

    period = _period(athena, date(2025, 1, 1), date(2025, 6, 30))

    def table(include_sensitive: bool) -> dict:
        data = reader_content(period, sees_sensitive=include_sensitive)
        [section] = [s for s in data["annexes"] if s["key"] == "joint-activities"]
        return {str(row[0]): row[1:] for row in section["rows"]}

    # For a manager: patrols a1 and a2 (officers O1, O2, O3), the sensitive operation a3 (O4); the July meeting is
    # outside the period and the draft patrol a4 does not count.
    rows = table(include_sensitive=True)
    assert rows["Joint patrol"] == [2, 3] and rows["Joint operation"] == [1, 1] and rows["Bilateral meeting"] == [0, 0]
    # For a viewer, the sensitive operation is not in a period's table.
    assert table(include_sensitive=False)["Joint operation"] == [0, 0]
    section = registry.report_sections()[0]
    assert (
        count_queries(lambda: section.table(athena, date(2025, 1, 1), date(2025, 6, 30), include_sensitive=True)) == 2
    )
    imobex_data = reader_content(_period(imobex, date(2021, 4, 1), date(2021, 9, 30)), sees_sensitive=True)
    assert [s["key"] for s in imobex_data["annexes"] if not s["key"].startswith("items-")] == []
