"""The events on the reporting app's dashboards and reminders: monthly series, timeline, breakdowns, reminder kinds.

Dates are fixed: `NOW` is the clock of the dashboard and reminder tests (patched `timezone.localdate`).
"""

from datetime import date, timedelta
from unittest import mock

import pytest
from django.utils import timezone

from conferences.models import Attendance, Event, FeedbackResponse, Registration
from conferences.services import feedback_remind
from projects.models import Indicator, Membership, Project
from projects.registry import TimelineQuery, registry
from projects.services import membership_set
from reporting import cache, queries, services
from reporting.models import Notification, ReminderDelivery
from reporting.series import month_end, months_between
from tests.utils import count_queries, get_ok

from .conftest import make_event, make_person, register

NOW = date(2025, 10, 20)
EVENT_METRICS = [
    "conferences_held",
    "thematic_workshops",
    "expert_workshops",
    "field_labs",
    "participants_reached",
    "countries_reached",
    "officers_trained",
    "trainings_held",
]


def at(day: date):
    """Fix the portal's clock (timezone.localdate) for a view, a timeline source or a dispatch."""
    return mock.patch("django.utils.timezone.localdate", return_value=day)


@pytest.fixture(autouse=True)
def fresh_cache_version():
    """Dashboards are cached: each test starts from a new version (earlier tests' values are unreachable)."""
    cache.bump()


def _held(project, kind, start, days=1, **extra):
    return make_event(project, kind=kind, start_date=start, days=days, status=Event.Status.HELD, **extra)


@pytest.fixture
def reached(selec):
    """People first reached in known months (ATHENA 2 and DTP-TOC, 2025).

    ATHENA 2: workshop 18–19 Mar (Ana RO, Luka HR attend; Mira is a no-show); training 31 Mar–1 Apr (trainees Ana
    and Ivan BG, trainer Luka); workshop 6 May (Ana again, Eva RO, Mira SI); a cancelled workshop in June (Nika came:
    not counted); training 1 Sep (trainees Ivan again and Nika SI); a workshop planned in December.
    DTP-TOC: conference 14–16 Oct (Ana and Ivan).
    """
    athena, dtp = selec["ATHENA2"], selec["DTP-TOC"]
    ana = make_person("Ana", "RO", "IGPR", gender="female")
    luka = make_person("Luka", "HR", None, gender="male")
    mira = make_person("Mira", "SI", "GPU", gender="female")
    ivan = make_person("Ivan", "BG", "MoI BG", gender="male")
    eva = make_person("Eva", "RO", "UU")
    nika = make_person("Nika", "SI", "SELEC", gender="female")

    w1 = _held(athena, "workshop", date(2025, 3, 18), days=2)
    register(w1, ana, attended_days=[date(2025, 3, 18)])
    register(w1, luka, attended_days=[date(2025, 3, 19)])
    register(w1, mira)
    t1 = _held(athena, "training", date(2025, 3, 31), days=2)
    register(t1, ana, "trainee", attended_days=[date(2025, 3, 31)])
    register(t1, ivan, "trainee", attended_days=[date(2025, 4, 1)])
    register(t1, luka, "trainer", attended_days=[date(2025, 3, 31)])
    w2 = _held(athena, "workshop", date(2025, 5, 6))
    for person in (ana, eva, mira):
        register(w2, person, attended_days=[date(2025, 5, 6)])
    w3 = make_event(athena, kind="workshop", start_date=date(2025, 6, 10), status=Event.Status.CANCELLED)
    register(w3, nika, attended_days=[date(2025, 6, 10)])
    t2 = _held(athena, "training", date(2025, 9, 1))
    register(t2, ivan, "trainee", attended_days=[date(2025, 9, 1)])
    register(t2, nika, "trainee", attended_days=[date(2025, 9, 1)])
    make_event(athena, kind="workshop", start_date=date(2025, 12, 1), status=Event.Status.PLANNED)

    c1 = _held(dtp, "conference", date(2025, 10, 14), days=3, edition=1)
    register(c1, ana, attended_days=[date(2025, 10, 14)])
    register(c1, ivan, attended_days=[date(2025, 10, 16)])
    return {"ATHENA2": athena.pk, "DTP-TOC": dtp.pk}


# --- monthly series -------------------------------------------------------------------------------------------------


def test_every_event_metric_has_a_monthly_series():
    for key in EVENT_METRICS:
        assert registry.metric(key).has_monthly, key


def test_people_and_countries_count_in_the_month_they_were_first_reached(reached):
    athena, dtp = reached["ATHENA2"], reached["DTP-TOC"]
    ids = [athena, dtp]

    def monthly(key):
        return {pk: dict(months) for pk, months in registry.metric(key).monthly_values(ids).items()}

    assert monthly("participants_reached") == {
        athena: {date(2025, 3, 1): 2, date(2025, 4, 1): 1, date(2025, 5, 1): 2, date(2025, 9, 1): 1},
        dtp: {date(2025, 10, 1): 2},
    }
    assert monthly("countries_reached") == {
        athena: {date(2025, 3, 1): 2, date(2025, 4, 1): 1, date(2025, 5, 1): 1},  # Eva's Romania was reached in March
        dtp: {date(2025, 10, 1): 2},
    }
    assert monthly("officers_trained") == {athena: {date(2025, 4, 1): 2, date(2025, 9, 1): 1}}
    assert monthly("trainings_held") == {athena: {date(2025, 4, 1): 1, date(2025, 9, 1): 1}}  # by the last day
    assert monthly("thematic_workshops") == {athena: {date(2025, 3, 1): 1, date(2025, 5, 1): 1}}
    assert monthly("conferences_held") == {dtp: {date(2025, 10, 1): 1}}


@pytest.mark.parametrize("key", EVENT_METRICS)
def test_the_cumulative_monthly_series_equals_the_metric_at_each_month_end(reached, key):
    metric = registry.metric(key)
    ids = list(reached.values())
    monthly = metric.monthly_values(ids)
    for project_id in ids:
        running = 0
        for month in months_between(date(2025, 1, 1), date(2026, 1, 31)):
            running += monthly.get(project_id, {}).get(month, 0)
            assert running == metric.values(ids, month_end(month)).get(project_id, 0), (key, project_id, month)
        assert running == metric.values(ids, None).get(project_id, 0)


@pytest.mark.parametrize("key", EVENT_METRICS)
def test_a_monthly_series_is_one_query(reached, key):
    assert count_queries(lambda: registry.metric(key).monthly_values(list(reached.values()))) == 1


# --- breakdowns -----------------------------------------------------------------------------------------------------


def _split(metric, dimension, project_id, until=None):
    return dict(registry.breakdown(metric, dimension).compute([project_id], until).get(project_id, {}))


def test_participants_split_by_country_organisation_type_role_and_gender(reached):
    athena = reached["ATHENA2"]
    assert _split("participants_reached", "country", athena) == {"RO": 2, "HR": 1, "BG": 1, "SI": 2}
    assert _split("participants_reached", "organisation_type", athena) == {
        "Law enforcement agency": 3,  # Ana, Mira, Ivan
        "University or research institute": 1,  # Eva
        "International organisation": 1,  # Nika
        "Not given": 1,  # Luka
    }
    # A person counts under each role they had: Ana was a delegate and a trainee, Luka a delegate and a trainer.
    assert _split("participants_reached", "role", athena) == {"Delegate": 4, "Trainee": 3, "Trainer": 1}
    assert _split("participants_reached", "gender", athena) == {"Female": 3, "Male": 2, "Not given": 1}
    assert _split("officers_trained", "country", athena) == {"RO": 1, "BG": 1, "SI": 1}
    assert _split("countries_reached", "country", athena) == {"RO": 1, "HR": 1, "BG": 1, "SI": 1}


def test_a_breakdown_counts_only_what_was_reached_by_its_date(reached):
    athena = reached["ATHENA2"]
    assert _split("participants_reached", "country", athena, until=date(2025, 4, 30)) == {"RO": 1, "HR": 1, "BG": 1}
    assert _split("officers_trained", "country", athena, until=date(2025, 3, 31)) == {}  # the training ended 1 Apr


def test_the_country_splits_add_up_to_the_metric(reached):
    athena = [reached["ATHENA2"]]
    for metric in ("participants_reached", "officers_trained", "countries_reached"):
        split = registry.breakdown(metric, "country").compute(athena, None)[athena[0]]
        assert sum(split.values()) == registry.metric(metric).values(athena, None)[athena[0]], metric


def test_each_breakdown_is_one_query(reached):
    ids = list(reached.values())
    for breakdown in registry.breakdowns_for(EVENT_METRICS):
        assert count_queries(lambda b=breakdown: b.compute(ids, None)) == 1, breakdown


def test_the_dashboard_shows_the_breakdowns_and_filters_by_country(reached, selec):
    athena = selec["ATHENA2"]
    Indicator.objects.create(
        project=athena, key="participants", label="Participants", target=50, metric="participants_reached", order=99
    )
    data = queries.project_dashboard(athena, today=NOW)
    split = {(e["metric"], e["dimension"]): dict(e["values"]) for e in data["breakdowns"]}
    assert split[("participants_reached", "country")] == {"Romania": 2, "Croatia": 1, "Bulgaria": 1, "Slovenia": 2}
    assert split[("participants_reached", "gender")] == {"Female": 3, "Male": 2, "Not given": 1}
    rows = {row.key: row for row in queries.project_dashboard(athena, today=NOW, country="SI")["rows"]}
    assert rows["participants"].cumulative == 2 and rows["participants"].filterable


# --- the timeline ---------------------------------------------------------------------------------------------------


@pytest.fixture
def calendar(selec):
    """ATHENA 2 events around NOW (20 Oct 2025)."""
    athena = selec["ATHENA2"]
    d = lambda n: NOW + timedelta(days=n)  # noqa: E731
    make_event(athena, title="Soon workshop", start_date=d(10), registration_deadline=d(5))
    make_event(athena, title="Far workshop", start_date=d(60), registration_deadline=d(40))
    make_event(athena, title="Closed registration", start_date=d(3), registration_deadline=d(-2))
    make_event(athena, title="Running training", kind="training", start_date=d(-1), days=3)
    make_event(athena, title="Forgotten workshop", start_date=d(-6), days=2, status=Event.Status.PLANNED)
    make_event(athena, title="Held conference", kind="conference", start_date=d(-20), status=Event.Status.HELD)
    make_event(athena, title="Cancelled workshop", start_date=d(-10), status=Event.Status.CANCELLED)
    return athena


def _events_of(items):
    return [(item.kind, item.title, item.date) for item in items if item.kind in ("event", "registration_deadline")]


def test_upcoming_and_overdue_events_are_on_the_dashboard_with_their_dates(calendar):
    with at(NOW):
        data = queries.project_dashboard(calendar, today=NOW)
    assert _events_of(data["overdue"]) == [("event", "Forgotten workshop", date(2025, 10, 14))]
    assert _events_of(data["upcoming"]) == [
        ("event", "Running training", date(2025, 10, 19)),  # running: not overdue before its last day
        ("event", "Closed registration", date(2025, 10, 23)),
        ("registration_deadline", "Soon workshop", date(2025, 10, 25)),
        ("event", "Soon workshop", date(2025, 10, 30)),
    ]
    # The held and cancelled events are done, the far one and its deadline are more than 30 days away.


def test_the_dashboard_page_lists_the_events_with_links(client_for, manager, calendar):
    with at(NOW):
        page = get_ok(client_for(manager), "/projects/ATHENA2/dashboard/").content.decode()
    soon = Event.objects.get(title="Soon workshop")
    assert f"/projects/ATHENA2/events/{soon.pk}/" in page
    assert "30 Oct 2025" in page and "25 Oct 2025" in page and "Registration closes" in page
    assert "Forgotten workshop" in page and "Far workshop" not in page


def test_the_portfolio_shows_the_overdue_event(client_for, manager, calendar):
    with at(NOW):
        page = get_ok(client_for(manager), "/").content.decode()
    assert "Forgotten workshop" in page


def test_a_report_period_lists_its_events_held_or_not(calendar):
    with at(NOW):
        items = registry.timeline.items(
            [calendar.pk], since=date(2025, 9, 1), until=date(2025, 10, 31), open_only=False
        )
    events = {item.title: item for item in items if item.kind == "event"}
    assert set(events) == {
        "Held conference",
        "Cancelled workshop",
        "Forgotten workshop",
        "Running training",
        "Closed registration",
        "Soon workshop",
    }
    assert events["Held conference"].done and str(events["Held conference"].status) == "Held"
    assert not events["Forgotten workshop"].done
    deadlines = {item.title: (item.done, str(item.status)) for item in items if item.kind == "registration_deadline"}
    assert deadlines == {"Closed registration": (True, "Closed"), "Soon workshop": (False, "Open for registration")}


def test_the_event_sources_count_and_split_exactly_what_they_list(calendar):
    from tests.reporting.test_bounded_lists import assert_sources_agree_with_their_items

    assert_sources_agree_with_their_items([calendar.pk], NOW)


def test_each_timeline_source_is_one_query_for_every_item_and_two_for_counts_and_the_first_items(calendar):
    every = TimelineQuery(today=NOW, until=NOW, open_only=True)
    first = TimelineQuery(today=NOW, until=NOW, open_only=True, limit=1)
    for key in ("event", "registration_deadline"):

        def items(query, key=key):
            return registry.timeline.page([calendar.pk], query, kinds=[key])

        assert count_queries(lambda: items(every)) == 1
        assert count_queries(lambda: items(first)) == 2
        everything, page = items(every), items(first)
        assert page.counts == everything.counts and page.items == everything.items[:1]


# --- reminders ------------------------------------------------------------------------------------------------------


def _deliveries(kind):
    return sorted(
        ReminderDelivery.objects.filter(kind=kind).values_list("recipient__username", "object_id", "occasion")
    )


def test_the_event_reminder_kinds_are_registered_for_the_users_to_choose():
    assert registry.reminder_kind("event_registration_closing").app_label == "conferences"
    assert registry.reminder_kind("event_feedback_missing").app_label == "conferences"


def test_registration_closing_is_reminded_to_managers_and_staff_once(athena, manager, staff, viewer):
    deadline = NOW + timedelta(days=5)
    soon = make_event(
        athena, title="Soon workshop", start_date=NOW + timedelta(days=12), capacity=20, registration_deadline=deadline
    )
    register(soon, make_person("Ana", "RO"))
    register(soon, make_person("Luka", "HR"), Registration.Role.SPEAKER)  # takes no place
    make_event(athena, title="Later", start_date=NOW + timedelta(days=40), registration_deadline=NOW + timedelta(20))
    make_event(
        athena,
        title="Planned only",
        status=Event.Status.PLANNED,
        start_date=NOW + timedelta(days=9),
        registration_deadline=NOW + timedelta(3),
    )
    kind = ["event_registration_closing"]
    assert len(services.reminders_dispatch(today=NOW, kinds=kind)) == 2
    assert services.reminders_dispatch(today=NOW, kinds=kind) == []
    assert services.reminders_dispatch(today=NOW + timedelta(days=1), kinds=kind) == []
    assert _deliveries("event_registration_closing") == [
        ("manager", str(soon.pk), deadline),
        ("staff", str(soon.pk), deadline),
    ]
    note = Notification.objects.get(recipient=manager, kind="event_registration_closing")
    assert note.title == "Registration closes on 25 Oct 2025: Soon workshop"
    assert "1 of 20 places are taken" in note.body and note.url == soon.get_absolute_url()
    # A new deadline is a new occasion: reminded again, once.
    Event.objects.filter(pk=soon.pk).update(registration_deadline=NOW + timedelta(days=6))
    assert len(services.reminders_dispatch(today=NOW + timedelta(days=1), kinds=kind)) == 2
    assert services.reminders_dispatch(today=NOW + timedelta(days=1), kinds=kind) == []


@pytest.fixture
def after_events(athena):
    """Held ATHENA 2 events: one ended 5 days before NOW with attendees to remind, one too recent, one too old."""
    ended = make_event(athena, title="Ended workshop", start_date=NOW - timedelta(days=6), days=2, status="held")
    day = ended.start_date
    register(ended, make_person("Ana"), email="ana@example.org", attended_days=[day])
    register(ended, make_person("Nika", "SI"), email="nika@example.org", attended_days=[day])
    answered = register(ended, make_person("Ivan", "BG"), email="ivan@example.org", attended_days=[day])
    FeedbackResponse.objects.create(registration=answered, overall=5, content=5, organisation=4, usefulness=5)
    register(ended, make_person("Luka", "HR"), attended_days=[day])  # no e-mail address
    register(ended, make_person("Mira", "SI"), email="mira@example.org")  # did not come
    reminded = register(ended, make_person("Eva"), email="eva@example.org", attended_days=[day])
    Registration.objects.filter(pk=reminded.pk).update(feedback_reminded_at=timezone.now())
    for title, start in (("Yesterday's", NOW - timedelta(days=1)), ("Old", NOW - timedelta(days=60))):
        event = make_event(athena, title=title, start_date=start, status="held")
        register(event, make_person(f"Someone at {title}"), email="x@example.org", attended_days=[start])
    return ended


def test_missing_feedback_is_a_digest_to_the_staff_once(after_events, manager, staff, viewer):
    kind = ["event_feedback_missing"]
    assert len(services.reminders_dispatch(today=NOW, kinds=kind)) == 2
    assert services.reminders_dispatch(today=NOW, kinds=kind) == []
    assert _deliveries("event_feedback_missing") == [
        ("manager", str(after_events.pk), after_events.end_date),
        ("staff", str(after_events.pk), after_events.end_date),
    ]
    note = Notification.objects.get(recipient=staff, kind="event_feedback_missing")
    assert note.title == "Feedback missing: 2 attendees of Ended workshop"  # Ana and Nika
    assert note.url == f"/projects/ATHENA2/events/{after_events.pk}/feedback/"
    # The next days nothing new, and nothing at all once the staff have sent the survey links.
    assert services.reminders_dispatch(today=NOW + timedelta(days=1), kinds=kind) == []
    feedback_remind(user=staff, event=after_events)
    from conferences.reminders import feedback_missing

    later = {r.object_id: r.subject for r in feedback_missing(NOW + timedelta(days=2))}
    assert after_events.pk not in later
    assert list(later.values()) == ["Feedback missing: 1 attendee of Yesterday's"]  # three days after its end


def test_the_reminder_collectors_are_one_query_each(after_events):
    for key in ("event_registration_closing", "event_feedback_missing"):
        assert count_queries(lambda k=key: list(registry.reminder_kind(k).collect(NOW))) == 1, key


def test_reminder_emails_go_out_through_the_reporting_machinery(after_events, manager, staff, mailoutbox):
    for delivery_id in services.reminders_dispatch(today=NOW, kinds=["event_feedback_missing"]):
        assert services.delivery_send(delivery_id=delivery_id)
        assert not services.delivery_send(delivery_id=delivery_id)  # claimed once
    assert sorted(m.to[0] for m in mailoutbox) == sorted([manager.email, staff.email])
    assert mailoutbox[0].subject == "[SELEC ATHENA2] Feedback missing: 2 attendees of Ended workshop"


# --- query counts ---------------------------------------------------------------------------------------------------


@pytest.fixture
def events_project(db, manager):
    project = Project.objects.create(
        code="EVT",
        name="Events project",
        funding_programme="Fund",
        start_date=date(2025, 1, 1),
        end_date=date(2026, 12, 31),
    )
    membership_set(user=manager, project=project, role=Membership.Role.MANAGER)
    for order, metric in enumerate(
        ("conferences_held", "participants_reached", "countries_reached", "officers_trained")
    ):
        Indicator.objects.create(project=project, key=metric, label=metric, target=10, metric=metric, order=order)
    return project


def _grow(project, n: int) -> None:
    """n held events with three attendees each, n trainings, n events to come with a deadline, n overdue events."""
    for i in range(n):
        start = date(2025, 1 + i % 9, 1 + i % 27)
        for kind in ("workshop", "training"):
            event = _held(project, kind, start)
            for j, role in enumerate(("delegate", "trainee", "trainer")):
                person = make_person(f"{kind} {event.pk}-{j}", ("RO", "BG", "SI")[j], gender=("female", "male", "")[j])
                register(event, person, role, attended_days=[start])
        make_event(project, start_date=NOW + timedelta(days=1 + i % 25), registration_deadline=NOW)
        make_event(project, start_date=NOW - timedelta(days=2 + i % 50), status=Event.Status.PLANNED)


def test_dashboard_queries_are_pinned_and_do_not_grow_with_the_events(client_for, manager, events_project):
    # session, user, project; indicators, intermediate targets, countries, reporting periods; the metrics (4 in
    # use, 6 breakdowns), from the rollups: their values, their monthly series, their breakdowns (one query each);
    # two timeline lists, each its counts and its first items (every source in one UNION).
    expected = 3 + 4 + 3 + 2 * 2
    client = client_for(manager)
    _grow(events_project, 3)
    with at(NOW):
        small = count_queries(lambda: get_ok(client, "/projects/EVT/dashboard/"))
    _grow(events_project, 30)
    assert Attendance.objects.filter(registration__event__project=events_project).count() == 33 * 6
    with at(NOW):
        large = count_queries(lambda: get_ok(client, "/projects/EVT/dashboard/"))
        page = get_ok(client, "/projects/EVT/dashboard/").content.decode()
    assert small == large == expected
    assert 'data-testid="achieved-participants_reached">198<' in page  # 33 × 2 events × 3 people
