"""In a real browser: a staff member logs a joint patrol, a manager validates it, the indicator goes up by one."""

from datetime import timedelta

import pytest
from django.utils import timezone

from operations.models import JointActivity
from tests.browser.conftest import screenshot
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
    page.select_option("#id_lead_country", label="Romania")
    page.fill("#id_start_date", (today - timedelta(days=2)).isoformat())
    page.fill("#id_end_date", (today - timedelta(days=1)).isoformat())
    page.select_option("#id_status", "completed")
    page.fill("#id_places-0-city", "Giurgiu")
    page.select_option("#id_places-0-country", label="Romania")
    page.fill("#id_places-1-city", "Ruse")
    page.select_option("#id_places-1-country", label="Bulgaria")
    page.select_option("#id_countries-0-country", label="Romania")
    page.fill("#id_countries-0-officers_deployed", "6")
    page.fill("#id_officers-0-name", "RO-FO-0042")
    page.select_option("#id_officers-0-country", label="Romania")
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
