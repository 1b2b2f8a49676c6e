"""Clients of the API: `api_client(user, scope=...)` sends a fresh personal token of that user."""

import pytest
from django.core.cache import cache
from django.test import Client

from api.services import token_create


def bearer(plaintext: str) -> Client:
    return Client(headers={"Authorization": f"Bearer {plaintext}"})


@pytest.fixture
def api_client(db):
    """api_client(user, scope="read") -> a test client that sends a new token of the user."""

    def make(user, scope: str = "read") -> Client:
        _, plaintext = token_create(user=user, name=f"{user.username} {scope}", scope=scope)
        return bearer(plaintext)

    return make


@pytest.fixture(autouse=True)
def fresh_rate_limits():
    """The throttle counts in the cache: each test starts from zero."""
    cache.clear()


from tests.imobex.conftest import (  # noqa: E402, F401 (IMOBEX's builders)
    countries,
    imobex_demo,
    imobex_manager,
    imobex_staff,
    imobex_viewer,
)
from tests.operations.conftest import country, make_activity  # noqa: E402, F401 (the activities' builders)
