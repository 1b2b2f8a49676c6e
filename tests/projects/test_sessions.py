"""Sessions end after a while without activity and when the browser closes."""

import time

from django.conf import settings

from tests.utils import get_ok


def _idle_for(client, seconds: int) -> None:
    session = client.session
    session["last_seen"] = int(time.time()) - seconds
    session.save()


def test_a_session_ends_after_the_idle_minutes_and_the_login_page_says_why(client_for, viewer):
    client = client_for(viewer)
    get_ok(client, "/")
    _idle_for(client, settings.PORTAL_SESSION_IDLE_MINUTES * 60 + 5)
    response = client.get("/projects/ATHENA2/")
    assert response.status_code == 302 and response.url.startswith("/login/?next=/projects/ATHENA2/")
    assert "_auth_user_id" not in client.session
    page = client.get(response.url).content.decode()
    assert "without activity" in page


def test_an_active_session_goes_on(client_for, viewer):
    client = client_for(viewer)
    get_ok(client, "/")
    _idle_for(client, settings.PORTAL_SESSION_IDLE_MINUTES * 60 - 60)
    get_ok(client, "/projects/ATHENA2/")
    assert client.session["last_seen"] >= int(time.time()) - 5  # the request counted as activity


def test_sessions_end_when_the_browser_closes_and_expire_with_the_idle_time():
    assert settings.SESSION_EXPIRE_AT_BROWSER_CLOSE
    assert settings.SESSION_COOKIE_AGE == settings.PORTAL_SESSION_IDLE_MINUTES * 60 == 30 * 60
