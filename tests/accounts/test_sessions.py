"""Sessions: a user sees and ends their other sessions; a new password or a change of second factor ends them."""

import time

from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.usersessions.models import UserSession
from django.conf import settings
from django.test import Client

from tests.accounts.conftest import current_code, log_in, logged_in
from tests.conftest import PASSWORD
from tests.utils import get_ok

NEW_PASSWORD = "a-new-and-longer-passphrase-2026"


def _two_sessions(username: str) -> tuple[Client, Client]:
    here, there = Client(), Client(HTTP_USER_AGENT="Another browser")
    assert log_in(here, username).status_code == 302 and log_in(there, username).status_code == 302
    assert logged_in(here) and logged_in(there)
    return here, there


def _still_in(client) -> bool:
    return client.get("/account/").status_code == 200


def test_a_user_sees_their_sessions_and_ends_the_others(staff):
    here, there = _two_sessions("staff")
    page = get_ok(here, "/accounts/sessions/").content.decode()
    assert "Another browser" in page and "SELEC portal" in page
    table = page.split('data-testid="sessions"')[1].split("</table>")[0]
    rows = table.split("<tbody>")[1].split("</tr>")[:-1]
    assert len(rows) == 2 and all(row.count("<td") == table.count("<th ") for row in rows)  # a header per column
    assert here.post("/accounts/sessions/").status_code == 302
    assert _still_in(here) and not _still_in(there)


def test_changing_the_password_ends_the_other_sessions_and_keeps_this_one(staff):
    here, there = _two_sessions("staff")
    assert UserSession.objects.filter(user=staff).count() == 2
    new = {"oldpassword": PASSWORD, "password1": NEW_PASSWORD, "password2": NEW_PASSWORD}
    assert here.post("/account/password/", new).status_code == 302
    assert UserSession.objects.filter(user=staff).count() == 1  # ended, not merely unusable
    assert _still_in(here) and not _still_in(there)


def test_setting_up_and_removing_a_second_factor_end_the_other_sessions(staff, django_capture_on_commit_callbacks):
    from accounts.forms import totp_current_code

    here, there = _two_sessions("staff")
    here.post("/accounts/reauthenticate/", {"password": PASSWORD})  # allauth asks for it before any factor change
    get_ok(here, "/accounts/2fa/totp/activate/")
    with django_capture_on_commit_callbacks(execute=True):
        code = totp_current_code(here.session["mfa.totp.secret"])
        assert here.post("/accounts/2fa/totp/activate/", {"code": code}).status_code == 302
    assert _still_in(here) and not _still_in(there)

    third = Client()
    assert log_in(third, "staff").url == "/accounts/2fa/authenticate/"
    # The activation used this time step's code: a recovery code logs the third browser in.
    code = RecoveryCodes(Authenticator.objects.get(user=staff, type="recovery_codes")).get_unused_codes()[0]
    assert third.post("/accounts/2fa/authenticate/", {"code": code}).status_code == 302 and _still_in(third)
    with django_capture_on_commit_callbacks(execute=True):
        assert here.post("/accounts/2fa/recovery-codes/generate/").status_code == 302
    assert _still_in(here) and not _still_in(third)


def test_removing_the_authenticator_app_ends_the_other_sessions_and_a_manager_must_set_one_up_again(manager):
    here, there = Client(), Client()
    assert log_in(here, "manager", code=current_code()).status_code == 302 and _still_in(here)
    there.force_login(manager)  # a second session, listed as allauth lists those opened through the form
    UserSession.objects.create(user=manager, session_key=there.session.session_key, ip="10.0.0.1", user_agent="x")
    here.post("/accounts/reauthenticate/", {"password": PASSWORD})
    response = here.post("/accounts/2fa/totp/deactivate/")
    assert response.status_code == 302
    assert not _still_in(there)
    assert here.get("/account/").url == "/accounts/2fa/totp/activate/"


def test_the_idle_timeout_still_ends_a_session_opened_through_the_login_form(staff):
    client = Client()
    log_in(client, "staff")
    get_ok(client, "/")
    session = client.session
    session["last_seen"] = int(time.time()) - settings.PORTAL_SESSION_IDLE_MINUTES * 60 - 5
    session.save()
    response = client.get("/projects/ATHENA2/")
    assert response.status_code == 302 and response.url.startswith("/login/?next=")
    assert "without activity" in client.get(response.url).content.decode()
