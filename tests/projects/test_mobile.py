"""The portal on a phone (390 px wide, an iPhone 12-15): no page of the portfolio scrolls sideways."""

import pytest
from django.core.management import call_command

from tests.conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}

# The elements wider than the window (for the assertion's message: what to fix).
OFFENDERS = """() => [...document.querySelectorAll('body *')]
  .filter(e => e.getBoundingClientRect().right > document.documentElement.clientWidth + 1)
  .filter(e => !e.closest('.table-responsive, .dropdown-menu, .collapse:not(.show)'))
  .slice(0, 8).map(e => e.tagName + '.' + e.className + ' ' + (e.innerText || '').slice(0, 40))"""


def test_the_portfolio_does_not_scroll_sideways_on_a_phone(browser, live_server, django_user_model):
    from io import StringIO

    from django.conf import settings

    from accounts.forms import totp_current_code

    call_command("seed_demo", activities=20, force=True, stdout=StringIO())
    user = django_user_model.objects.get(username="demo-manager")
    user.set_password(PASSWORD)
    user.save()
    context = browser.new_context(viewport=PHONE)
    page = context.new_page()
    try:
        page.goto(f"{live_server.url}/")
        page.fill("input[name=login]", "demo-manager")
        page.fill("input[name=password]", PASSWORD)
        page.click("main button[type=submit]")
        page.wait_for_url(f"{live_server.url}/accounts/2fa/authenticate/")  # demo-manager's second factor
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], page.evaluate(OFFENDERS)
        page.fill("input[name=code]", totp_current_code(settings.DEMO_TOTP_SECRET))
        page.click("main form button[type=submit]")
        page.wait_for_url(f"{live_server.url}/")
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= PHONE["width"], page.evaluate(OFFENDERS)
    finally:
        context.close()
