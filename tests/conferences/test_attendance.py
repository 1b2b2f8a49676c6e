from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError

from conferences.models import Attendance, Event
from conferences.queries import checkin_counts, event_statistics
from conferences.services import attendance_mark_no_shows, attendance_record, attendance_undo

from .conftest import TODAY, make_event, make_person, register


@pytest.fixture
def running_workshop(athena):
    """A three-day workshop that started yesterday, with four registrations."""
    event = make_event(athena, title="Running workshop", start_date=TODAY - timedelta(days=1), days=3)
    for name, country in (("Ana Popescu", "RO"), ("Ivan Petrov", "BG"), ("Mira Novak", "SI"), ("Luka Horvat", "HR")):
        register(event, make_person(name, country, None))
    return event


def _reg(event, name):
    return event.registrations.get(person__name=name)


def test_attendance_is_recorded_per_day(running_workshop, staff):
    yesterday, today = running_workshop.start_date, TODAY
    ana, ivan = _reg(running_workshop, "Ana Popescu"), _reg(running_workshop, "Ivan Petrov")
    attendance_record(user=staff, registration=ana, day=yesterday)
    attendance_record(user=staff, registration=ana, day=today)
    attendance_record(user=staff, registration=ivan, day=today)
    assert checkin_counts(running_workshop, yesterday) == {"registered": 4, "present": 1, "absent": 0}
    assert checkin_counts(running_workshop, today) == {"registered": 4, "present": 2, "absent": 0}
    assert event_statistics(running_workshop)["totals"]["attended"] == 2  # people, not person-days


def test_checking_in_twice_keeps_one_record(running_workshop, staff):
    ana = _reg(running_workshop, "Ana Popescu")
    attendance_record(user=staff, registration=ana, day=TODAY)
    attendance_record(user=staff, registration=ana, day=TODAY)
    assert Attendance.objects.filter(registration=ana).count() == 1


def test_the_rest_are_marked_no_shows_and_a_mistake_can_be_undone(running_workshop, staff):
    ana = _reg(running_workshop, "Ana Popescu")
    attendance_record(user=staff, registration=ana, day=TODAY)
    assert attendance_mark_no_shows(user=staff, event=running_workshop, day=TODAY) == 3
    assert attendance_mark_no_shows(user=staff, event=running_workshop, day=TODAY) == 0
    assert checkin_counts(running_workshop, TODAY) == {"registered": 4, "present": 1, "absent": 3}
    ivan = _reg(running_workshop, "Ivan Petrov")
    attendance_record(user=staff, registration=ivan, day=TODAY)  # arrived late after all
    attendance_undo(user=staff, registration=ana, day=TODAY)
    assert checkin_counts(running_workshop, TODAY) == {"registered": 4, "present": 1, "absent": 2}


def test_nobody_is_checked_in_before_the_day_or_outside_the_event(running_workshop, staff):
    ana = _reg(running_workshop, "Ana Popescu")
    with pytest.raises(ValidationError) as exc:
        attendance_record(user=staff, registration=ana, day=TODAY + timedelta(days=1))
    assert "from the day itself" in exc.value.messages[0]
    with pytest.raises(ValidationError) as exc:
        attendance_record(user=staff, registration=ana, day=TODAY - timedelta(days=2))
    assert "not a day of this event" in exc.value.messages[0]


def test_nobody_is_checked_in_at_a_cancelled_event(running_workshop, staff):
    running_workshop.status = Event.Status.CANCELLED
    running_workshop.save()
    with pytest.raises(ValidationError):
        attendance_record(user=staff, registration=_reg(running_workshop, "Ana Popescu"), day=TODAY)


def test_the_check_in_page_searches_and_checks_in_with_htmx(client_for, staff, running_workshop):
    client = client_for(staff)
    url = f"/projects/ATHENA2/events/{running_workshop.pk}/check-in/"
    page = client.get(url).content.decode()
    assert "Mira Novak" in page and 'hx-trigger="input changed delay:150ms, search"' in page
    partial = client.get(url, {"q": "petr", "day": TODAY.isoformat()}, headers={"HX-Request": "true"}).content.decode()
    assert "Ivan Petrov" in partial and "Mira Novak" not in partial and "<html" not in partial
    ivan = _reg(running_workshop, "Ivan Petrov")
    response = client.post(
        f"{url}{ivan.pk}/", {"action": "present", "day": TODAY.isoformat()}, headers={"HX-Request": "true"}
    )
    html = response.content.decode()
    assert 'data-testid="checked-in"' in html
    assert 'id="checkin-counts" hx-swap-oob="true"' in html and "<strong>1</strong> of 4" in html
    assert Attendance.objects.get(registration=ivan).present


def test_the_check_in_page_works_without_javascript(client_for, staff, running_workshop):
    client = client_for(staff)
    url = f"/projects/ATHENA2/events/{running_workshop.pk}/check-in/"
    ana = _reg(running_workshop, "Ana Popescu")
    response = client.post(f"{url}{ana.pk}/", {"action": "present", "day": TODAY.isoformat()})
    assert response.status_code == 302
    response = client.post(f"{url}no-shows/", {"day": TODAY.isoformat()}, follow=True)
    assert "3 people were marked as no-shows" in response.content.decode()


def test_a_day_that_is_not_the_events_is_not_found(client_for, staff, running_workshop):
    url = f"/projects/ATHENA2/events/{running_workshop.pk}/check-in/"
    assert client_for(staff).get(url, {"day": "2001-01-01"}).status_code == 404


def test_the_check_in_rule_says_why_nobody_can_be_checked_in(running_workshop):
    event = running_workshop
    assert event.check_in_refusal(TODAY) == "" and event.check_in_refusal(event.start_date) == ""
    assert "from the day itself" in event.check_in_refusal(TODAY + timedelta(days=1))
    assert "not a day of this event" in event.check_in_refusal(TODAY - timedelta(days=2))
    assert event.check_in_refusal(TODAY + timedelta(days=1), today=TODAY + timedelta(days=1)) == ""
    event.status = Event.Status.CANCELLED
    assert event.check_in_refusal(TODAY) == "This event was cancelled."


def test_the_check_in_page_shows_the_refusal_instead_of_the_buttons(client_for, staff, running_workshop):
    url = f"/projects/ATHENA2/events/{running_workshop.pk}/check-in/"
    tomorrow = (TODAY + timedelta(days=1)).isoformat()
    page = client_for(staff).get(f"{url}?day={tomorrow}").content.decode()
    assert 'data-testid="checkin-refusal"' in page and "from the day itself" in page
    assert 'data-testid="check-in"' not in page
    page = client_for(staff).get(url).content.decode()
    assert 'data-testid="checkin-refusal"' not in page and 'data-testid="check-in"' in page
