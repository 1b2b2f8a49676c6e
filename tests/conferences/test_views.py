from datetime import time, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from conferences import services
from conferences.models import BestPractice, Event, FeedbackResponse, Registration, Session
from projects.models import AuditEvent, Country, Membership
from projects.services import membership_set
from tests.utils import get_ok

from .conftest import TODAY, make_event, make_person, register


@pytest.fixture
def held_workshop(athena):
    """A two-day ATHENA 2 workshop held last month: Ana came both days, Ivan the first, Mira not at all."""
    start = TODAY - timedelta(days=30)
    event = make_event(athena, title="Held workshop", start_date=start, days=2, status=Event.Status.HELD)
    Session.objects.create(event=event, day=start, starts_at="09:00", ends_at="10:00", title="Opening session")
    register(event, make_person("Ana Popescu"), email="ana@example.org", attended_days=[start, start + timedelta(1)])
    register(event, make_person("Ivan Petrov", "BG", "MoI BG"), email="ivan@example.org", attended_days=[start])
    register(event, make_person("Mira Novak", "SI", "GPU"), email="mira@example.org")
    BestPractice.objects.create(event=event, title="Joint patrol checklist", summary="A list", crime_area="other")
    return event


def _urls(event):
    code, pk = event.project.code, event.pk
    registration = event.registrations.order_by("pk").first()
    names = [
        ("event-list", {}),
        ("event-create", {}),
        ("event-compare", {}),
        ("practice-library", {}),
        ("event-detail", {"pk": pk}),
        ("event-edit", {"pk": pk}),
        ("event-programme", {"pk": pk}),
        ("session-create", {"pk": pk}),
        ("practice-create", {"pk": pk}),
        ("registration-list", {"pk": pk}),
        ("registration-create", {"pk": pk}),
        ("registration-import", {"pk": pk}),
        ("checkin", {"pk": pk}),
        ("feedback", {"pk": pk}),
        ("event-statistics", {"pk": pk}),
    ]
    urls = [reverse(f"conferences:{name}", kwargs={"code": code, **kw}) for name, kw in names]
    urls.append(reverse("conferences:registration-export", kwargs={"code": code, "pk": pk, "fmt": "csv"}))
    urls.append(reverse("conferences:certificate", kwargs={"code": code, "pk": pk, "registration_pk": registration.pk}))
    urls.append(reverse("conferences:badges", kwargs={"code": code, "pk": pk}))
    return urls


EDIT_PAGES = ("new/", "edit/", "/check-in/", "certificate.pdf", "badges.pdf", "import/")
MANAGE_PAGES = ("compare/", "statistics/")


@pytest.mark.parametrize("who", ["admin_user", "manager", "staff", "viewer"])
def test_members_open_the_pages_their_role_allows(request, client_for, held_workshop, who):
    user = request.getfixturevalue(who)
    client = client_for(user)
    role = {"admin_user": "admin"}.get(who, who)
    for url in _urls(held_workshop):
        response = client.get(url)
        needs_edit = any(part in url for part in EDIT_PAGES)
        needs_manage = any(part in url for part in MANAGE_PAGES)
        allowed = (
            role in ("admin", "manager") or (role == "staff" and not needs_manage) or not (needs_edit or needs_manage)
        )
        assert response.status_code == (200 if allowed else 403), f"{who} {url}: {response.status_code}"


def test_an_outsider_gets_404_everywhere(client_for, outsider, held_workshop):
    client = client_for(outsider)
    for url in _urls(held_workshop):
        assert client.get(url).status_code == 404, url
    # ...nor through a project the outsider does belong to
    assert client.get(f"/projects/IMOBEX/events/{held_workshop.pk}/").status_code == 404


def test_a_viewer_cannot_register_check_in_or_change_the_status(client_for, viewer, held_workshop, romania):
    client = client_for(viewer)
    base = f"/projects/ATHENA2/events/{held_workshop.pk}/"
    registration = held_workshop.registrations.first()
    assert client.post(base + "registrations/new/", {"name": "X", "country": romania.pk}).status_code == 403
    assert client.post(base + f"check-in/{registration.pk}/", {"action": "present"}).status_code == 403
    assert client.post(base + "status/", {"status": "cancelled"}).status_code == 403
    assert client.post(base + f"registrations/{registration.pk}/delete/").status_code == 403
    assert client.post(base + "feedback/remind/").status_code == 403
    assert Registration.objects.filter(event=held_workshop).count() == 3


def test_the_events_tab_shows_on_every_project_page(client_for, manager):
    page = get_ok(client_for(manager), "/projects/ATHENA2/").content.decode()
    assert 'href="/projects/ATHENA2/events/"' in page


def test_a_staff_member_plans_an_event_and_opens_registration(client_for, staff, athena):
    client = client_for(staff)
    start = TODAY + timedelta(days=40)
    data = {
        "kind": "training",
        "title": "SPOC training",
        "start_date": start.isoformat(),
        "end_date": (start + timedelta(days=2)).isoformat(),
        "online": "on",
        "capacity": "25",
        "training_provider": str(athena.organisations.get(acronym="CEPOL").pk),
    }
    response = client.post("/projects/ATHENA2/events/new/", data)
    assert response.status_code == 302, response.context["form"].errors
    event = Event.objects.get(title="SPOC training")
    assert (event.status, event.place, event.training_provider.acronym) == ("planned", "Online", "CEPOL")
    client.post(f"/projects/ATHENA2/events/{event.pk}/status/", {"status": "open"})
    event.refresh_from_db()
    assert event.status == "open"
    response = client.post(f"/projects/ATHENA2/events/{event.pk}/status/", {"status": "held"}, follow=True)
    assert "cannot be marked held before" in response.content.decode()


def test_the_message_after_a_change_of_status_names_the_new_status(client_for, staff, athena):
    event = make_event(athena, start_date=TODAY - timedelta(days=1), status=Event.Status.OPEN)
    response = client_for(staff).post(f"/projects/ATHENA2/events/{event.pk}/status/", {"status": "held"}, follow=True)
    page = response.content.decode()
    assert "The event is now Held." in page
    assert "The event is now Open" not in page and "now Planned" not in page


def test_a_session_is_added_to_the_agenda_and_printed(client_for, staff, workshop):
    client = client_for(staff)
    url = f"/projects/ATHENA2/events/{workshop.pk}/sessions/new/"
    day = workshop.end_date.isoformat()
    data = {"day": day, "starts_at": "10:00", "ends_at": "09:00", "title": "Patrol planning", "speakers": "A, B"}
    response = client.post(url, data)
    assert response.context["form"].errors["ends_at"] == ["A session ends after it starts."]
    data["ends_at"] = "11:30"
    assert client.post(url, data).status_code == 302
    programme = get_ok(client, f"/projects/ATHENA2/events/{workshop.pk}/programme/").content.decode()
    assert "Patrol planning" in programme and "10:00–11:30" in programme


def _session(event, starts, ends, room="Plenary", title="Talk") -> Session:
    return Session(event=event, day=event.start_date, starts_at=starts, ends_at=ends, title=title, room=room)


def test_two_sessions_cannot_overlap_in_the_same_room_on_the_same_day(staff, workshop):
    services.session_save(user=staff, session=_session(workshop, time(9), time(10, 30), title="Opening"))
    with pytest.raises(ValidationError) as exc:
        services.session_save(user=staff, session=_session(workshop, time(10), time(11), room=" plenary "))
    assert exc.value.message_dict["room"] == [
        "Plenary is already used from 09:00 to 10:30 that day, by “Opening”. Choose another room or time."
    ]
    # back to back, another room, no room, or another day: all allowed
    services.session_save(user=staff, session=_session(workshop, time(10, 30), time(11)))
    services.session_save(user=staff, session=_session(workshop, time(10), time(11), room="Room B"))
    services.session_save(user=staff, session=_session(workshop, time(10), time(11), room=""))
    other_day = _session(workshop, time(10), time(11))
    other_day.day = workshop.end_date
    services.session_save(user=staff, session=other_day)
    # a session does not clash with itself when it is edited
    opening = Session.objects.get(title="Opening")
    opening.ends_at = time(10, 15)
    services.session_save(user=staff, session=opening)


def test_the_agenda_form_shows_the_room_clash_on_the_room_field(client_for, staff, workshop):
    client = client_for(staff)
    url = f"/projects/ATHENA2/events/{workshop.pk}/sessions/new/"
    day = workshop.start_date.isoformat()
    data = {"day": day, "starts_at": "09:00", "ends_at": "10:00", "title": "Opening", "room": "Plenary"}
    assert client.post(url, data).status_code == 302
    response = client.post(url, {**data, "starts_at": "09:30", "ends_at": "10:30", "title": "Panel"})
    assert "Plenary is already used from 09:00 to 10:00" in response.context["form"].errors["room"][0]


def test_the_statistics_break_participation_down(client_for, manager, held_workshop):
    response = get_ok(client_for(manager), f"/projects/ATHENA2/events/{held_workshop.pk}/statistics/")
    context = response.context
    assert context["totals"] == {"registered": 3, "places_taken": 3, "attended": 2}
    assert context["no_shows"] == 1
    by_country = {row["label"]: (row["registered"], row["attended"]) for row in context["by_country"]}
    assert by_country == {"Romania": (1, 1), "Bulgaria": (1, 1), "Slovenia": (1, 0)}
    assert {row["label"]: row["registered"] for row in context["by_kind"]} == {"Law enforcement agency": 3}
    assert context["by_gender"][0]["label"] == "Not given"


def test_the_participants_export_lists_attendance(client_for, staff, held_workshop):
    response = client_for(staff).get(f"/projects/ATHENA2/events/{held_workshop.pk}/registrations/export.csv")
    text = b"".join(response.streaming_content).decode()
    assert "Ana Popescu,General Inspectorate of the Romanian Police" in text
    assert text.splitlines()[1].endswith(",yes,no")
    assert AuditEvent.objects.filter(action="export", object_type="conferences.Registration").exists()
    xlsx = client_for(staff).get(f"/projects/ATHENA2/events/{held_workshop.pk}/registrations/export.xlsx")
    assert xlsx.status_code == 200


def test_the_best_practices_library_searches_only_what_the_user_may_see(client_for, staff, held_workshop, imobex):
    hidden = make_event(imobex, title="IMOBEX workshop", city="Utrecht", country=Country.objects.get(code="NL"))
    BestPractice.objects.create(event=hidden, title="Joint patrol secrets", summary="Hidden", crime_area="property")
    client = client_for(staff)
    page = get_ok(client, "/best-practices/?q=patrol").content.decode()
    assert "Joint patrol checklist" in page and "Joint patrol secrets" not in page
    page = get_ok(client, "/projects/ATHENA2/events/best-practices/?q=checklist").content.decode()
    assert "Joint patrol checklist" in page
    assert "Joint patrol checklist" not in get_ok(client, "/best-practices/?q=nothing-like-it").content.decode()


def test_the_conferences_are_compared_side_by_side(client_for, django_user_model, dtp):
    from tests.conftest import enrol_second_factor, make_user

    boss = make_user(django_user_model, "dtp-manager")
    membership_set(user=boss, project=dtp, role=Membership.Role.MANAGER)
    enrol_second_factor(boss)
    themes = ["Financial and Computer Crime", "Antidrug Trafficking", "Trafficking in Human Beings"]
    for edition, theme in enumerate(themes, start=1):
        event = make_event(
            dtp,
            kind="conference",
            edition=edition,
            theme=theme,
            title=f"Conference {edition}",
            start_date=TODAY - timedelta(days=400 - 150 * edition),
            status="held",
        )
        for n in range(edition * 2):
            country = ["RO", "BG", "HU", "RS", "MD", "AL"][n]
            registration = register(
                event, make_person(f"P{edition}-{n}", country, None), attended_days=[event.start_date]
            )
            FeedbackResponse.objects.create(
                registration=registration, overall=3 + edition % 3, content=4, organisation=4, usefulness=4
            )
    response = get_ok(client_for(boss), "/projects/DTP-TOC/events/compare/")
    rows = response.context["rows"]
    assert [row["event"].edition for row in rows] == [1, 2, 3]
    assert [row["attended"] for row in rows] == [2, 4, 6]
    assert [row["countries"] for row in rows] == [2, 4, 6]
    assert [row["overall"] for row in rows] == [4, 5, 3]
    assert "Antidrug Trafficking" in response.content.decode()
