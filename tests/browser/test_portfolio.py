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
    page.fill("input[name=login]", "staff")
    page.fill("input[name=password]", "not-the-password")
    page.click("main button[type=submit]")
    refused = page.get_by_text("The username and/or password you specified are not correct")
    refused.wait_for()  # the page answering the post, not the one before it
    assert refused.is_visible() and "/login/" in page.url


def test_a_manager_logs_in_with_the_code_of_the_authenticator_app(page, live_server, manager, selec):
    from accounts.forms import totp_current_code
    from tests.conftest import TOTP_SECRET

    page.goto(f"{live_server.url}/projects/ATHENA2/")
    page.fill("input[name=login]", "manager")
    page.fill("input[name=password]", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url(f"{live_server.url}/accounts/2fa/authenticate/")
    screenshot(page, "login-second-factor")
    page.fill("input[name=code]", totp_current_code(TOTP_SECRET))
    page.click("main form button[type=submit]")
    page.wait_for_url(f"{live_server.url}/projects/ATHENA2/")
    assert page.locator("h1").inner_text() == "ATHENA 2"
