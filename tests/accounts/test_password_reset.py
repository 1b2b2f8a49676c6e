"""Password reset by e-mail: a link valid for PASSWORD_RESET_TIMEOUT, used once; the password rules apply."""

import re
from datetime import datetime, timedelta
from unittest import mock

from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.test import Client

from tests.accounts.conftest import log_in, logged_in

NEW_PASSWORD = "Danube-bridge-patrol-42"


def _reset_link(client, mailoutbox, email="staff@example.org") -> str:
    response = client.post("/accounts/password/reset/", {"email": email})
    assert response.status_code == 302
    assert len(mailoutbox) == 1 and mailoutbox[0].to == [email]
    return re.search(r"https?://[^/\s]+(/accounts/password/reset/key/\S+/)", mailoutbox[0].body).group(1)


def _set(client, link: str, password: str):
    form_url = client.get(link).url  # allauth moves the key from the link into the session, then shows the form
    return client.post(form_url, {"password1": password, "password2": password})


def test_a_reset_link_sent_by_e_mail_sets_a_new_password_once(client, staff, mailoutbox):
    link = _reset_link(client, mailoutbox)
    assert "/login/" not in link
    response = _set(client, link, NEW_PASSWORD)
    assert response.status_code == 302 and not logged_in(client)
    assert log_in(Client(), "staff", NEW_PASSWORD).status_code == 302
    again = Client()
    page = again.get(link, follow=True).content.decode()
    assert "invalid" in page.lower() and 'name="password1"' not in page  # single use


def test_a_reset_link_expires(client, staff, mailoutbox, settings):
    link = _reset_link(client, mailoutbox)
    later = datetime.now() + timedelta(seconds=settings.PASSWORD_RESET_TIMEOUT + 60)
    with mock.patch.object(PasswordResetTokenGenerator, "_now", return_value=later):
        page = client.get(link, follow=True).content.decode()
    assert "invalid" in page.lower() and 'name="password1"' not in page
    assert settings.PASSWORD_RESET_TIMEOUT == 60 * 60


def test_a_reset_refuses_a_short_password(client, staff, mailoutbox):
    response = _set(client, _reset_link(client, mailoutbox), "Short-pw-1")
    assert response.status_code == 200 and "at least 12 characters" in response.content.decode()
    staff.refresh_from_db()
    assert not staff.check_password("Short-pw-1")


def test_an_unknown_address_says_nothing_about_which_accounts_exist(client, staff, mailoutbox):
    response = client.post("/accounts/password/reset/", {"email": "nobody@example.org"})
    assert response.status_code == 302 and response.url == "/accounts/password/reset/done/"
    assert all("reset/key" not in message.body for message in mailoutbox)


def test_nobody_signs_up(client, db):
    page = client.get("/accounts/signup/").content.decode()
    assert "closed" in page.lower() and 'name="password1"' not in page
