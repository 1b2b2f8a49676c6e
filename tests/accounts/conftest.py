"""Logging in through the real flow (allauth's form, then the second factor when asked) with the test client."""

from __future__ import annotations

import pytest
from django.core.cache import cache

from accounts.forms import totp_current_code
from tests.conftest import PASSWORD, TOTP_SECRET

CODE_PAGE = "/accounts/2fa/authenticate/"


def log_in(client, username: str, password: str = PASSWORD, *, code: str | None = None, **meta):
    """POST the login form (and the code when asked and given); `meta` sets REMOTE_ADDR, X-Forwarded-For..."""
    response = client.post("/login/", {"login": username, "password": password}, **meta)
    if code is not None and response.status_code == 302 and response.url.startswith(CODE_PAGE):
        response = client.post(CODE_PAGE, {"code": code}, **meta)
    return response


def logged_in(client) -> bool:
    return "_auth_user_id" in client.session


def current_code() -> str:
    return totp_current_code(TOTP_SECRET)


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()  # allauth's remaining rate limits (e-mails) start from nothing in every test
