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


@pytest.fixture
def receiver(settings):
    """A real HTTP receiver on 127.0.0.1 (tests.api.webhook_receiver), allow-listed for the test."""
    from tests.api.webhook_receiver import Receiver

    settings.PORTAL_WEBHOOK_ALLOWED_NETWORKS = ["127.0.0.1/32"]
    running = Receiver().start()
    yield running
    running.stop()


@pytest.fixture
def endpoint(receiver, admin_user):
    """An endpoint of the receiver for every event of every project."""
    from api.webhooks.links import EVENTS
    from api.webhooks.models import WebhookEndpoint

    return WebhookEndpoint.objects.create(
        name="Partner CMS", url=receiver.url, events=sorted(EVENTS), created_by=admin_user
    )
