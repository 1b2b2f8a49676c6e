"""In a real browser: a staff member logs a joint patrol, a manager validates it, the indicator goes up by one."""

from datetime import timedelta

import pytest
from django.utils import timezone

from operations.models import ActivityOfficer, JointActivity
from projects.models import Person
from tests.browser.conftest import pick, screenshot
from tests.conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def achieved(tab, live_server, key: str) -> int:
    """The achieved value of an indicator on the project page."""
    tab.goto(f"{live_server.url}/projects/ATHENA2/")
    return int(tab.locator(f'[data-testid="achieved-{key}"] .achieved').inner_text())


def test_staff_log_a_patrol_a_manager_validates_it_and_the_indicator_goes_up(
    login,
    page,
    live_server,
    staff,
    manager,
    make_activity,  # noqa: F811
):
    make_activity(type="joint_patrol", validation_state="validated")  # one patrol already counted
    today = timezone.localdate()

    login("staff", PASSWORD)
    before = achieved(page, live_server, "joint_patrols")
    assert before == 1
    page.click('[data-testid="project-tabs"] a:has-text("Joint activities")')
    page.click("text=Log an activity")
    page.select_option("#id_type", "joint_patrol")
    page.fill("#id_title", "Night patrol on the Friendship Bridge")
    page.fill("#id_reference", "JP-BR-7")
    pick(page, "lead_country", "Rom", "Romania")
    page.fill("#id_start_date", (today - timedelta(days=2)).isoformat())
    page.fill("#id_end_date", (today - timedelta(days=1)).isoformat())
    page.select_option("#id_status", "completed")
    page.fill("#id_places-0-city", "Giurgiu")
    pick(page, "places-0-country", "RO", "Romania")
    page.fill("#id_places-1-city", "Ruse")
    pick(page, "places-1-country", "Bulg", "Bulgaria")
    pick(page, "countries-0-country", "Rom", "Romania")
    page.fill("#id_countries-0-officers_deployed", "6")
    pick(page, "officers-0-person", "RO-FO-0042", "Add “RO-FO-0042” as a new officer")
    assert page.locator("#id_officers-0-name").input_value() == "RO-FO-0042"
    pick(page, "officers-0-country", "Rom", "Romania")
    page.select_option("#id_officers-0-role", "field_officer")
    screenshot(page, "operations-log-activity")
    page.click('[data-testid="save-activity"]')
    page.wait_for_selector('[data-testid="activity-title"]')
    assert page.locator('[data-testid="activity-title"]').inner_text() == "Night patrol on the Friendship Bridge"
    page.click('[data-testid="action-submit"]')
    assert page.locator('[data-testid="validation-state"]').first.inner_text() == "Submitted"
    assert page.locator('[data-testid="action-validate"]').count() == 0
    assert achieved(page, live_server, "joint_patrols") == before

    page.context.clear_cookies()
    login("manager", PASSWORD)
    activity = JointActivity.objects.get(reference="JP-BR-7")
    page.goto(f"{live_server.url}/projects/ATHENA2/activities/{activity.pk}/")
    page.click('[data-testid="action-validate"]')
    assert page.locator('[data-testid="validation-state"]').first.inner_text() == "Validated"
    assert "validate" in page.locator('[data-testid="history"]').inner_text()
    screenshot(page, "operations-validated-activity")
    assert achieved(page, live_server, "joint_patrols") == before + 1
    page.click('[data-testid="project-tabs"] a:has-text("ATHENA 2 numbers")')
    assert page.locator('[data-testid="achieved-joint_patrols"]').inner_text() == str(before + 1)


# Whether no box that clips (overflow other than visible) around the element cuts it off.
UNCLIPPED = """(selector) => {
  const list = document.querySelector(selector);
  const shown = list.getBoundingClientRect();
  for (let box = list.parentElement; box && box !== document.body; box = box.parentElement) {
    const style = getComputedStyle(box);
    if (style.overflowX === "visible" && style.overflowY === "visible") continue;
    const clip = box.getBoundingClientRect();
    if (clip.bottom < shown.bottom - 1 || clip.right < shown.right - 1) return false;
  }
  return true;
}"""


def test_staff_log_an_activity_picking_two_known_officers_and_adding_a_new_one(
    login,
    page,
    live_server,
    staff,
    make_activity,  # noqa: F811
):
    """Officers already known in the project are picked (shown with their country), not retyped: the activity lists
    the same two people, and the one new officer becomes one new person."""
    make_activity(officers=[("Ana Popescu", "RO", "field_officer"), ("Boris Ivanov", "BG", "spoc")])
    # known only from a sensitive activity, which staff do not see: never offered
    make_activity(officers=[("Ana Popovici", "RO", "spoc")], is_sensitive=True)
    known = {p.name: p.pk for p in Person.objects.all()}
    today = timezone.localdate()

    login("staff", PASSWORD)
    page.goto(f"{live_server.url}/projects/ATHENA2/activities/new/")
    page.select_option("#id_type", "joint_operation")
    page.fill("#id_title", "Operation Three Rivers")
    # the keyboard alone: Enter never sends the form; it searches at once, highlights the first suggestion, picks it
    lead = page.locator('select[name="lead_country"] + .picker input[role="combobox"]')
    lead.fill("Rom")
    lead.press("Enter")
    page.locator('select[name="lead_country"] + .picker [role="option"]', has_text="Romania").wait_for()
    lead.press("Enter")
    lead.press("Enter")
    assert page.locator("#id_lead_country").input_value() != "" and lead.input_value() == "Romania"
    assert page.url.endswith("/activities/new/") and page.get_by_text("Nothing was saved").count() == 0
    page.fill("#id_start_date", (today - timedelta(days=3)).isoformat())
    page.fill("#id_places-0-city", "Vidin")
    pick(page, "places-0-country", "BG", "Bulgaria")
    pick(page, "countries-0-country", "Bulg", "Bulgaria")
    page.fill("#id_countries-0-officers_deployed", "3")

    # on a phone, the suggestions of a picker in a formset row show whole, over what follows (not cut by the row)
    page.set_viewport_size({"width": 390, "height": 844})
    second = page.locator('select[name="places-1-country"] + .picker input[role="combobox"]')
    second.fill("b")
    page.locator('select[name="places-1-country"] + .picker [data-index="3"]').wait_for()
    whole = page.evaluate(UNCLIPPED, 'select[name="places-1-country"] + .picker .picker-results')
    assert whole and page.evaluate("() => document.documentElement.scrollWidth") <= 390
    second.press("Escape")
    page.set_viewport_size({"width": 1280, "height": 900})

    # the new officer's fields stay closed until "add new" is chosen
    assert page.locator("#id_officers-0-name").is_hidden()
    box = page.locator('select[name="officers-0-person"] + .picker input[role="combobox"]')
    box.fill("Ana Pop")
    offered = page.locator('select[name="officers-0-person"] + .picker [role="option"]')
    offered.last.wait_for()
    assert offered.all_inner_texts() == ["Ana Popescu (RO)", "Add “Ana Pop” as a new officer"]
    offered.first.click()
    page.select_option("#id_officers-0-role", "field_officer")
    pick(page, "officers-1-person", "Ivanov", "Boris Ivanov (BG)")
    page.select_option("#id_officers-1-role", "spoc")
    # text typed and left without picking is not silently dropped: the box says it was not chosen
    third = page.locator('select[name="officers-2-person"] + .picker input[role="combobox"]')
    third.fill("Mirela Dobre")
    page.locator('select[name="officers-2-person"] + .picker [role="option"]', has_text="Add").wait_for()
    third.press("Tab")
    unpicked = page.locator(".picker .form-text", has_text="“Mirela Dobre” was not chosen")
    assert unpicked.is_visible()
    # up from the box goes to the last suggestion: "Add … as a new officer"
    third.fill("Mirela Dobre")
    page.locator('select[name="officers-2-person"] + .picker [role="option"]', has_text="Add").wait_for()
    assert unpicked.is_hidden()
    third.press("ArrowUp")
    third.press("Enter")
    assert page.locator("#id_officers-2-name").input_value() == "Mirela Dobre"  # not retyped
    # the focus moved on to the first empty field of the new officer: their country
    assert page.evaluate("() => document.activeElement.closest('.picker') !== null")
    pick(page, "officers-2-country", "Rom", "Romania")
    page.select_option("#id_officers-2-role", "field_officer")
    screenshot(page, "operations-officers-picked")
    page.click('[data-testid="save-activity"]')
    page.wait_for_selector('[data-testid="activity-title"]')

    activity = JointActivity.objects.get(title="Operation Three Rivers")
    listed = {
        o.person.name: o.person_id for o in ActivityOfficer.objects.filter(activity=activity).select_related("person")
    }
    assert listed["Ana Popescu"] == known["Ana Popescu"] and listed["Boris Ivanov"] == known["Boris Ivanov"]
    assert set(listed) == {"Ana Popescu", "Boris Ivanov", "Mirela Dobre"}
    assert Person.objects.count() == len(known) + 1  # one new person, no duplicate of a known one

    # typing the exact name of a known officer, "add" says it would be another person
    page.goto(f"{live_server.url}/projects/ATHENA2/activities/new/")
    box = page.locator('select[name="officers-0-person"] + .picker input[role="combobox"]')
    box.fill("Mirela Dobre")
    offered = page.locator('select[name="officers-0-person"] + .picker [role="option"]')
    offered.last.wait_for()
    assert offered.all_inner_texts() == [
        "Mirela Dobre (RO)",
        "Add another “Mirela Dobre” (not the one above) as a new officer",
    ]

    # the edit page shows the officers as picked people, and keeps them when saved unchanged
    page.goto(f"{live_server.url}/projects/ATHENA2/activities/{activity.pk}/edit/")
    assert page.locator("#id_officers-0-name").is_hidden()
    page.click('[data-testid="save-activity"]')
    page.wait_for_selector('[data-testid="activity-title"]')
    assert set(ActivityOfficer.objects.filter(activity=activity).values_list("person_id", flat=True)) == set(
        listed.values()
    )
