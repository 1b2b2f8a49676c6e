"""In a real browser: the pickers of the activity form search as one types, are driven by the keyboard, tell when
nothing matches, and what was picked is saved."""

import pytest

from conferences.models import Event
from operations.models import JointActivity
from projects.models import Organisation
from tests.browser.conftest import pick, screenshot
from tests.conferences.conftest import make_event
from tests.conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_staff_pick_agencies_and_a_meeting_by_typing_and_the_activity_keeps_them(
    login,
    page,
    live_server,
    staff,
    athena,
    make_activity,  # noqa: F811
):
    activity = make_activity(title="Patrol on the Danube")
    meeting = make_event(athena, title="Steering meeting Giurgiu", kind=Event.Kind.MEETING)
    make_event(athena, title="Steering conference", kind=Event.Kind.CONFERENCE)  # not one to discuss activities at
    igpr = Organisation.objects.get(acronym="IGPR")

    login("staff", PASSWORD)
    page.goto(f"{live_server.url}/projects/ATHENA2/activities/{activity.pk}/edit/")

    # the lead agency: typed, then chosen with the keyboard
    box = page.get_by_role("combobox", name="Lead agency")
    box.fill("igp")
    page.locator('select[name="lead_agency"] + .picker [role="option"]').first.wait_for()
    assert box.get_attribute("aria-expanded") == "true"
    box.press("ArrowDown")
    assert box.get_attribute("aria-activedescendant")
    box.press("Enter")  # picks, does not send the form
    assert page.url.endswith("/edit/")
    assert page.locator('select[name="lead_agency"]').input_value() == str(igpr.pk)
    assert box.input_value() == "General Inspectorate of the Romanian Police (IGPR) – RO"

    # a search that finds nothing says so; Escape closes the list
    box = page.get_by_role("combobox", name="Participating agencies")
    box.fill("zzqx")
    page.locator('select[name="participating_agencies"] + .picker .list-group-item', has_text="No match").wait_for()
    box.press("Escape")
    assert box.get_attribute("aria-expanded") == "false"

    # two participating agencies, then one removed; a meeting (the conference is not offered)
    pick(page, "participating_agencies", "igpr", "IGPR")
    pick(page, "participating_agencies", "interior bulg", "Ministry of Interior of Bulgaria")
    page.get_by_role("button", name="Remove: General Inspectorate of the Romanian Police (IGPR) – RO").click()
    page.get_by_role("combobox", name="Discussed at").fill("steering")
    options = page.locator('select[name="discussed_at"] + .picker [role="option"]')
    options.first.wait_for()
    assert options.all_inner_texts() == [f"Steering meeting Giurgiu ({meeting.start_date:%d %b %Y})"]
    options.first.click()
    screenshot(page, "operations-pickers")
    page.click('[data-testid="save-activity"]')
    page.wait_for_selector('[data-testid="activity-title"]')

    activity.refresh_from_db()
    assert activity.lead_agency == igpr
    assert [a.acronym for a in activity.participating_agencies.all()] == ["MoI BG"]
    assert list(activity.discussed_at.all()) == [meeting]
    assert JointActivity.objects.count() == 1
