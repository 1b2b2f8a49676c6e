"""The demo accounts log in through the real form; demo-manager and demo-admin with the documented code."""

from io import StringIO

import pytest
from allauth.mfa.models import Authenticator
from django.contrib.auth.password_validation import validate_password
from django.core.management import CommandError, call_command
from django.test import Client

from accounts.forms import totp_current_code
from tests.accounts.conftest import log_in, logged_in


def test_the_demo_password_passes_the_password_rules(settings, django_user_model):
    assert settings.DEMO_PASSWORD == "selec-demo-2026"
    validate_password(settings.DEMO_PASSWORD, django_user_model(username="demo-manager"))


def test_demo_manager_and_admin_have_the_documented_authenticator_the_others_none(demo_data, settings):
    enrolled = set(Authenticator.objects.filter(type="totp").values_list("user__username", flat=True))
    assert enrolled == {"demo-admin", "demo-manager"}


@pytest.mark.parametrize("username", ["demo-admin", "demo-manager", "demo-staff", "demo-viewer"])
def test_each_demo_account_logs_in_through_the_form(demo_data, settings, username):
    settings.DEBUG = True  # as in `make run` (pytest-django runs the tests with it off)
    client = Client()
    response = log_in(client, username, settings.DEMO_PASSWORD)
    if username in ("demo-admin", "demo-manager"):
        assert response.url == "/accounts/2fa/authenticate/"
        out = StringIO()
        call_command("demo_totp", username, stdout=out)
        assert out.getvalue().strip() == totp_current_code(settings.DEMO_TOTP_SECRET)
        response = client.post(response.url, {"code": out.getvalue().strip()})
    assert response.status_code == 302 and response.url == "/" and logged_in(client)
    assert client.get("/").status_code == 200


def test_demo_totp_refuses_an_account_without_the_demo_authenticator(demo_data, settings):
    settings.DEBUG = True
    with pytest.raises(CommandError, match="no authenticator app"):
        call_command("demo_totp", "demo-staff", stdout=StringIO())


def test_demo_totp_refuses_with_debug_off(demo_data, settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="development only"):
        call_command("demo_totp", "demo-manager", stdout=StringIO())
