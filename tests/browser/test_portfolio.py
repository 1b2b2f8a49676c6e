import pytest

from tests.browser.conftest import screenshot
from tests.conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_staff_member_logs_in_and_opens_a_project(login, staff, selec, live_server):
    page = login("staff", PASSWORD)
    assert page.locator('[data-project="ATHENA2"]').is_visible()
    assert page.locator('[data-project="IMOBEX"]').count() == 0
    screenshot(page, "portfolio-staff")

    page.click('[data-project="ATHENA2"] a:has-text("Open project")')
    page.wait_for_url(f"{live_server.url}/projects/ATHENA2/")
    assert page.locator("h1").inner_text() == "ATHENA 2"
    assert page.get_by_text("Joint operational activities").is_visible()
    assert page.get_by_text("Central Directorate of Criminal Police (Italy)").is_visible()
    screenshot(page, "project-staff")


def test_a_wrong_password_keeps_the_user_out(page, live_server, staff):
    page.goto(f"{live_server.url}/projects/ATHENA2/")
    assert "/login/" in page.url
    page.fill("input[name=username]", "staff")
    page.fill("input[name=password]", "not-the-password")
    page.click("button[type=submit]")
    assert page.get_by_text("Please enter a correct username and password").is_visible()
