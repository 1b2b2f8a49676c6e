"""Private calendar feeds: `/calendars/<token>.ics` parsed back with `icalendar`, and Account → Calendar feeds."""

from __future__ import annotations

import re
from datetime import UTC, time, timedelta

import pytest
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar

from api.calendars.services import feed_create, feed_revoke
from api.models import CalendarFeed, FeedFetch
from conferences.models import Event, Session
from projects.models import AuditEvent, Country, Deliverable, Membership, Milestone, Workstream
from projects.services import membership_set
from reporting.models import ReportingPeriod
from tests.conferences.conftest import make_event
from tests.operations import conftest as operations_fixtures
from tests.test_csp import inline_code

pytestmark = pytest.mark.django_db
country, make_activity = operations_fixtures.country, operations_fixtures.make_activity  # the activities' builders
PAGE = "/account/calendars/"
TODAY = timezone.localdate()


def feed_url(plaintext: str) -> str:
    return f"/calendars/{plaintext}.ics"


def fetch(plaintext: str, client: Client | None = None, **headers) -> Calendar:
    response = (client or Client()).get(feed_url(plaintext), headers=headers)
    assert response.status_code == 200, response.status_code
    return Calendar.from_ical(response.content)


def by_uid(calendar: Calendar) -> dict[str, object]:
    return {str(event["UID"]): event for event in calendar.walk("VEVENT")}


@pytest.fixture
def plan(athena):
    """A milestone, a deliverable and a reporting period of ATHENA2 due in the coming weeks."""
    workstream = Workstream.objects.filter(project=athena).order_by("number").first()
    milestone = Milestone.objects.create(workstream=workstream, title="Feed milestone", due_date=TODAY + timedelta(7))
    deliverable = Deliverable.objects.create(
        workstream=workstream, title="Feed deliverable", due_date=TODAY + timedelta(14)
    )
    period = ReportingPeriod.objects.create(
        project=athena, title="Feed period", start=TODAY - timedelta(60), end=TODAY - timedelta(1), due_date=TODAY
    )
    return {"milestone": milestone, "deliverable": deliverable, "report": period}


@pytest.fixture
def istanbul_event(athena):
    """A two-day event in Istanbul with a morning session on its first day."""
    event = make_event(
        athena,
        title="Istanbul workshop",
        start_date=TODAY + timedelta(days=20),
        days=2,
        city="Istanbul",
        country=Country.objects.get(code="TR"),
    )
    session = Session.objects.create(
        event=event, title="Opening", day=event.start_date, starts_at=time(9, 0), ends_at=time(10, 30), room="Hall A"
    )
    return event, session


# --- the feed --------------------------------------------------------------------------------------------------------


def test_the_feed_is_a_calendar_without_session_or_cookie(staff, athena):
    feed, plaintext = feed_create(user=staff, project=athena, name="Outlook")
    response = Client().get(feed_url(plaintext))

    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert response["Cache-Control"] == "private, max-age=300"
    assert response["ETag"].startswith('"') and response["Referrer-Policy"] == "no-referrer"
    assert not response.cookies
    calendar = Calendar.from_ical(response.content)
    assert calendar.name == "VCALENDAR"
    assert str(calendar["VERSION"]) == "2.0" and str(calendar["CALSCALE"]) == "GREGORIAN"
    assert "SELEC portal" in str(calendar["PRODID"])
    assert str(calendar["X-WR-CALNAME"]).startswith(athena.acronym or athena.code)
    assert b"\r\nREFRESH-INTERVAL;VALUE=DURATION:PT1H\r\n" in response.content
    assert b"\r\nX-PUBLISHED-TTL:PT1H\r\n" in response.content


def test_every_component_is_complete_and_right(staff, athena, make_activity, plan, istanbul_event):
    activity = make_activity(title="Danube patrol", start=TODAY - timedelta(3), end=TODAY - timedelta(1))
    event, session = istanbul_event
    _, plaintext = feed_create(user=staff, project=athena)

    calendar = fetch(plaintext)
    events = by_uid(calendar)
    host = "@" + settings.PORTAL_BASE_URL.split("//")[1].split(":")[0].split("/")[0]
    for component in events.values():  # every VEVENT has what RFC 5545 and the calendars need
        assert str(component["UID"]).endswith(host)
        assert component["DTSTAMP"].dt.tzinfo is not None and component["DTSTAMP"].dt.utcoffset() == timedelta(0)
        assert component["DTSTART"].dt < component["DTEND"].dt
        assert str(component["SUMMARY"])
        assert str(component["URL"]).startswith(settings.PORTAL_BASE_URL.rstrip("/") + "/projects/ATHENA2/")

    # a joint activity: whole days, DTEND the day after its last day, LAST-MODIFIED its updated_at
    patrol = events[f"activity-{activity.pk}{host}"]
    assert patrol["DTSTART"].params.get("VALUE") == "DATE" and patrol["DTSTART"].dt == activity.start_date
    assert patrol["DTEND"].dt == activity.end_date + timedelta(days=1)
    assert str(patrol["SUMMARY"]) == f"{activity.reference} Danube patrol"
    assert patrol["LAST-MODIFIED"].dt == activity.updated_at.astimezone(UTC).replace(microsecond=0)
    assert str(patrol["URL"]).endswith(reverse("operations:activity-detail", args=["ATHENA2", activity.pk]))

    # an event: its days; its session: a time in Istanbul's zone, with the zone's VTIMEZONE
    workshop = events[f"event-{event.pk}{host}"]
    assert workshop["DTSTART"].dt == event.start_date and workshop["DTEND"].dt == event.end_date + timedelta(1)
    assert str(workshop["LOCATION"]) == "Istanbul, Turkey" or "Istanbul" in str(workshop["LOCATION"])
    opening = events[f"session-{session.pk}{host}"]
    assert opening["DTSTART"].params["TZID"] == "Europe/Istanbul"
    start = opening["DTSTART"].dt
    assert (start.hour, start.minute) == (9, 0) and start.utcoffset() == timedelta(hours=3)
    assert opening["DTEND"].dt - start == timedelta(minutes=90)
    assert "Hall A" in str(opening["LOCATION"])
    assert [str(tz["TZID"]) for tz in calendar.walk("VTIMEZONE")] == ["Europe/Istanbul"]
    assert f"registration-deadline-{event.pk}{host}" not in events  # it has none

    # deadlines: one day each
    for kind, record in plan.items():
        deadline = events[f"{kind}-{record.pk}{host}"]
        assert deadline["DTSTART"].dt == record.due_date
        assert deadline["DTEND"].dt == record.due_date + timedelta(days=1)
    assert str(events[f"milestone-{plan['milestone'].pk}{host}"]["SUMMARY"]) == "Milestone: Feed milestone"


def test_a_session_in_rome_is_in_romes_zone_and_an_online_one_in_the_portals(staff, athena):
    rome = make_event(athena, title="Rome meeting")  # make_event: Rome, Italy
    online = make_event(athena, title="Webinar", online=True, city="", country=None)
    for event in (rome, online):
        Session.objects.create(event=event, title="Talk", day=event.start_date, starts_at=time(14), ends_at=time(15))
    _, plaintext = feed_create(user=staff, project=athena)

    calendar = fetch(plaintext)
    zones = {str(e["SUMMARY"]): e["DTSTART"].params["TZID"] for e in calendar.walk("VEVENT") if "Talk" in e["SUMMARY"]}
    assert zones == {"Talk (Rome meeting)": "Europe/Rome", "Talk (Webinar)": settings.PORTAL_DEFAULT_USER_TIME_ZONE}
    assert {str(tz["TZID"]) for tz in calendar.walk("VTIMEZONE")} == set(zones.values())


def test_uids_are_stable_across_fetches_and_edits(staff, athena, make_activity, istanbul_event):
    activity = make_activity(title="Before")
    _, plaintext = feed_create(user=staff, project=athena)
    client = Client()
    first, second = client.get(feed_url(plaintext)), client.get(feed_url(plaintext))
    assert first.content == second.content and first["ETag"] == second["ETag"]  # DTSTAMP is not the fetch's time

    activity.title = "After"
    activity.save()
    Event.objects.filter(pk=istanbul_event[0].pk).update(title="Renamed workshop")
    third = Calendar.from_ical(client.get(feed_url(plaintext)).content)
    before, after = by_uid(Calendar.from_ical(first.content)), by_uid(third)
    assert before.keys() == after.keys()
    changed = next(e for e in after.values() if "After" in str(e["SUMMARY"]))
    assert str(changed["UID"]).startswith(f"activity-{activity.pk}@")
    assert changed["SEQUENCE"] > before[str(changed["UID"])]["SEQUENCE"]


def test_a_sensitive_activity_never_appears_not_even_in_a_managers_feed(
    staff, manager, admin_user, athena, make_activity
):
    shown = make_activity(title="Open patrol")
    hidden = make_activity(title="Covert observation", is_sensitive=True, reference="SECRET-1")
    for user in (staff, manager, admin_user):
        _, plaintext = feed_create(user=user, project=athena)
        body = Client().get(feed_url(plaintext)).content.decode()
        assert f"activity-{shown.pk}@" in body
        assert f"activity-{hidden.pk}@" not in body and "Covert" not in body and "SECRET-1" not in body


def test_a_cancelled_event_stays_as_cancelled(staff, athena):
    event = make_event(athena, title="Called off", status=Event.Status.CANCELLED)
    _, plaintext = feed_create(user=staff, project=athena)
    component = next(e for e in fetch(plaintext).walk("VEVENT") if str(e["UID"]).startswith(f"event-{event.pk}@"))
    assert str(component["STATUS"]) == "CANCELLED"


def test_an_unchanged_feed_is_a_304_and_every_fetch_is_recorded(staff, athena):
    feed, plaintext = feed_create(user=staff, project=athena)
    client = Client(REMOTE_ADDR="192.0.2.7")
    first = client.get(feed_url(plaintext), headers={"User-Agent": "Calendar/1.0 " + "x" * 300})
    again = client.get(feed_url(plaintext), headers={"If-None-Match": first["ETag"]})

    assert again.status_code == 304 and not again.content and again["ETag"] == first["ETag"]
    fetches = list(FeedFetch.objects.filter(feed=feed).order_by("pk"))
    assert [(f.status, f.ip) for f in fetches] == [(200, "192.0.2.7"), (304, "192.0.2.7")]
    assert fetches[0].user_agent.startswith("Calendar/1.0") and len(fetches[0].user_agent) == 200
    feed.refresh_from_db()
    assert feed.fetch_count == 2 and feed.last_fetched_at == fetches[1].at


def _not_found(plaintext: str):
    response = Client().get(feed_url(plaintext))
    assert not response.cookies
    return response.status_code, response.content


def test_a_feed_stops_answering_as_an_unknown_token_does(django_user_model, staff, viewer, athena):
    unknown = _not_found("selec_" + "x" * 43)
    assert unknown[0] == 404
    revoked, revoked_token = feed_create(user=staff, project=athena)
    feed_revoke(user=staff, feed=revoked)
    _, inactive_token = feed_create(user=viewer, project=athena)
    viewer.is_active = False
    viewer.save()
    leaver = django_user_model.objects.create_user(username="leaver", password="x")
    membership_set(user=leaver, project=athena, role=Membership.Role.STAFF)
    _, leaver_token = feed_create(user=leaver, project=athena)
    Membership.objects.filter(user=leaver, project=athena).delete()

    for plaintext in (revoked_token, inactive_token, leaver_token):
        assert _not_found(plaintext) == unknown
    assert not FeedFetch.objects.exists()


def test_post_is_refused(staff, athena):
    _, plaintext = feed_create(user=staff, project=athena)
    assert Client().post(feed_url(plaintext)).status_code == 405


@pytest.mark.parametrize("activities", [2, 20])
def test_the_feed_costs_the_same_queries_whatever_the_data(
    activities, staff, athena, make_activity, plan, django_assert_max_num_queries
):
    for n in range(activities):
        make_activity(title=f"Patrol {n}", is_sensitive=n % 5 == 0)
    for n in range(activities // 2):
        event = make_event(athena, title=f"Event {n}", start_date=TODAY + timedelta(days=n))
        Session.objects.create(event=event, title="Talk", day=event.start_date, starts_at=time(9), ends_at=time(10))
    _, plaintext = feed_create(user=staff, project=athena)
    client = Client()
    with django_assert_max_num_queries(10):
        response = client.get(feed_url(plaintext))
    assert response.status_code == 200
    assert len(Calendar.from_ical(response.content).walk("VEVENT")) >= activities * 4 // 5 + activities // 2 * 2


# --- the pages and the services -------------------------------------------------------------------------------------


def test_the_user_menu_and_the_tokens_page_link_to_the_feeds(client_for, viewer):
    client = client_for(viewer)
    assert f'href="{PAGE}"' in client.get("/").content.decode() and reverse("api:calendar-list") == PAGE
    assert f'href="{PAGE}"' in client.get("/account/api-tokens/").content.decode()


@pytest.mark.parametrize("role", ["viewer", "staff", "manager"])
def test_each_role_creates_a_feed_of_its_project_shown_once(role, request, client_for, athena):
    user = request.getfixturevalue(role)
    client = client_for(user)
    response = client.post(PAGE, {"project": "ATHENA2", "name": "My phone"})

    assert response.status_code == 200
    html = response.content.decode()
    [address] = re.findall(r'id="new-feed-address" type="text" value="([^"]+)"', html)
    assert address.startswith(settings.PORTAL_BASE_URL.rstrip("/") + "/calendars/selec_") and address.endswith(".ics")
    feed = CalendarFeed.objects.get(user=user)
    assert (feed.project, feed.name) == (athena, "My phone")
    assert Client().get(address.removeprefix(settings.PORTAL_BASE_URL.rstrip("/"))).status_code == 200
    again = client.get(PAGE).content.decode()
    assert address not in again and feed.prefix in again and "My phone" in again
    assert inline_code(again) == []
    event = AuditEvent.objects.get(object_type="api.CalendarFeed", object_id=str(feed.pk))
    assert (event.action, event.user, event.project_code) == (AuditEvent.Action.CREATE, user, "ATHENA2")


def test_nobody_creates_a_feed_of_a_project_they_may_not_view(client_for, outsider, athena):
    response = client_for(outsider).post(PAGE, {"project": "ATHENA2"})
    assert response.status_code == 200 and "project" in response.context["form"].errors
    assert [p.code for p in response.context["form"].fields["project"].queryset] == ["IMOBEX"]
    with pytest.raises(PermissionDenied):
        feed_create(user=outsider, project=athena)
    assert not CalendarFeed.objects.exists()


def test_revoking_asks_first_is_audited_and_stops_the_feed(client_for, staff, athena):
    feed, plaintext = feed_create(user=staff, project=athena)
    client = client_for(staff)
    html = client.get(PAGE).content.decode()
    assert f'action="/account/calendars/{feed.pk}/revoke/"' in html and html.count("data-confirm=") == 1

    response = client.post(reverse("api:calendar-revoke", args=[feed.pk]))
    assert response.status_code == 302 and response["Location"] == PAGE
    feed.refresh_from_db()
    assert feed.revoked_at is not None
    assert Client().get(feed_url(plaintext)).status_code == 404
    assert "Revoked" in client.get(PAGE).content.decode()
    entries = AuditEvent.objects.filter(object_type="api.CalendarFeed", object_id=str(feed.pk)).order_by("pk")
    assert [(e.action, e.details.get("revoked")) for e in entries] == [("create", None), ("change", True)]
    client.post(reverse("api:calendar-revoke", args=[feed.pk]))  # twice: nothing more
    assert entries.count() == 2


def test_nobody_revokes_another_users_feed(client_for, staff, viewer, athena):
    feed, _ = feed_create(user=staff, project=athena)
    assert client_for(viewer).post(reverse("api:calendar-revoke", args=[feed.pk])).status_code == 404
    feed.refresh_from_db()
    assert feed.revoked_at is None


def test_visitors_are_sent_to_the_login(client):
    assert client.get(PAGE).status_code == 302


def test_an_admin_revokes_feeds_from_the_list_audited_and_reads_the_fetch_log(client_for, admin_user, staff, athena):
    feed, plaintext = feed_create(user=staff, project=athena)
    Client(REMOTE_ADDR="192.0.2.9").get(feed_url(plaintext))
    client = client_for(admin_user)
    changelist = reverse("admin:api_calendarfeed_changelist")
    assert feed.prefix in client.get(changelist).content.decode()
    assert plaintext not in client.get(reverse("admin:api_calendarfeed_change", args=[feed.pk])).content.decode()
    assert "192.0.2.9" in client.get(reverse("admin:api_feedfetch_changelist")).content.decode()

    response = client.post(changelist, {"action": "revoke", "_selected_action": [feed.pk]})
    assert response.status_code == 302
    feed.refresh_from_db()
    assert feed.revoked_at is not None and Client().get(feed_url(plaintext)).status_code == 404
    revoked = AuditEvent.objects.get(object_type="api.CalendarFeed", object_id=str(feed.pk), action="change")
    assert revoked.user == admin_user
