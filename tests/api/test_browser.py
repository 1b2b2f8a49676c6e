"""In Chromium, under the portal's Content Security Policy: the API's documentation runs (Swagger UI from the
portal's own files, its init script from the split view) and a token is created and copied on the account page."""

import pytest

from tests.browser.test_csp import Watch
from tests.conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_documentation_runs_without_a_policy_violation(page, login, live_server, staff):
    watch = Watch(page, live_server.url)
    login("staff", PASSWORD)
    assert watch.visit("/api/v1/docs/") == []
    page.wait_for_selector("text=/api/v1/projects/", timeout=15_000)
    assert page.locator(".opblock-summary-path").count() >= 2
    assert watch.problems() == []


def test_a_token_is_created_shown_once_and_copied(page, login, live_server, staff):
    watch = Watch(page, live_server.url)
    login("staff", PASSWORD)
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    assert watch.visit("/account/api-tokens/") == []
    page.fill("input[name=name]", "Phone")
    page.click("main form button[type=submit], main form input[type=submit]")
    page.wait_for_selector("[data-testid=new-token]")
    token = page.input_value("#new-token-value")
    assert token.startswith("selec_")
    page.click("[data-copy=new-token-value]")
    page.wait_for_function("() => document.querySelector('[data-copy]').textContent.includes('Copied')")
    assert page.evaluate("() => navigator.clipboard.readText()") == token
    assert watch.problems() == []
