"""In a real browser: an IMOBEX manager moves a country from "requested" to "validated" and sees it counted."""

from datetime import date

import pytest

from imobex.models import CountryCoverage
from tests.browser.conftest import screenshot
from tests.conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_manager_validates_a_requested_country_and_countries_covered_goes_up(
    login, imobex_manager, imobex, countries, live_server
):
    for code in ("BG", "HU"):
        CountryCoverage.objects.create(
            project=imobex,
            country=countries[code],
            state="validated",
            source="questionnaire",
            state_date=date(2021, 9, 1),
            validated_on=date(2021, 9, 1),
        )
    CountryCoverage.objects.create(
        project=imobex, country=countries["RO"], state="requested", state_date=date(2021, 8, 1)
    )

    page = login("imobex-manager", PASSWORD)
    page.goto(f"{live_server.url}/projects/IMOBEX/coverage/")
    assert page.get_by_test_id("countries-covered").inner_text() == "2"
    assert page.locator('[data-country="RO"]').get_attribute("data-state") == "requested"

    page.click('[data-country="RO"]')
    page.select_option("select[name=state]", "received")
    page.select_option("select[name=source]", "national_agency")
    page.click("input[type=submit][name=save]")
    page.wait_for_url(f"{live_server.url}/projects/IMOBEX/coverage/")
    assert page.locator('[data-country="RO"]').get_attribute("data-state") == "received"
    assert page.get_by_test_id("countries-covered").inner_text() == "2"

    page.click('[data-country="RO"]')
    page.select_option("select[name=state]", "validated")
    page.click("input[type=submit][name=save]")
    page.wait_for_url(f"{live_server.url}/projects/IMOBEX/coverage/")
    assert page.locator('[data-country="RO"]').get_attribute("data-state") == "validated"
    assert "coverage-validated" in page.locator('[data-country="RO"]').get_attribute("class")
    assert page.get_by_test_id("countries-covered").inner_text() == "3"
    screenshot(page, "imobex-coverage-manager")

    page.goto(f"{live_server.url}/projects/IMOBEX/")
    assert page.locator('[data-testid="achieved-countries_covered"] .achieved').inner_text() == "3"
