"""A staff member registers a participant and checks her in on the day, in a real browser (tablet-sized)."""

import pytest

from conferences.models import Attendance
from tests.browser.conftest import pick, screenshot
from tests.conftest import PASSWORD

from .conftest import TODAY, make_event, make_person, register

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_staff_member_registers_and_checks_in_a_participant(page, login, staff, athena, live_server):
    event = make_event(athena, title="Workshop on cross-border observation", start_date=TODAY, capacity=30)
    register(event, make_person("Ivan Petrov", "BG", "MoI BG"))
    page.set_viewport_size({"width": 1024, "height": 768})
    login("staff", PASSWORD)

    page.goto(f"{live_server.url}/projects/ATHENA2/events/")
    page.click("text=Workshop on cross-border observation")
    page.click("text=Participants")
    page.click('[data-testid="register"]')
    page.fill("input[name=name]", "Ana Popescu")
    pick(page, "organisation", "IGPR", "General Inspectorate of the Romanian Police (IGPR)")  # searched as typed
    pick(page, "country", "Rom", "Romania")
    page.select_option("select[name=role]", "speaker")
    page.click('[data-testid="register-submit"]')
    page.wait_for_url(f"{live_server.url}/projects/ATHENA2/events/{event.pk}/registrations/")
    assert page.get_by_text("Ana Popescu is registered.").is_visible()
    screenshot(page, "event-participants")

    page.click("text=Check-in")
    page.wait_for_load_state()  # htmx binds the search box once the page has loaded; typing earlier sends nothing
    counts = page.locator('[data-testid="checkin-counts"]')
    assert "0 of 2 checked in" in counts.inner_text()
    page.fill("#checkin-search", "popes")
    page.wait_for_function("() => document.querySelectorAll('#checkin-list [data-person]').length === 1")
    row = page.locator('#checkin-list [data-person="Ana Popescu"]')
    row.locator('[data-testid="check-in"]').click()
    row.locator('[data-testid="checked-in"]').wait_for()
    assert "1 of 2 checked in" in counts.inner_text()
    screenshot(page, "event-checkin")
    assert Attendance.objects.get(registration__person__name="Ana Popescu", day=TODAY).present
