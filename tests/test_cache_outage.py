"""A Redis outage makes the cache miss, never a page fail (selec_portal.cache.ResilientRedisCache).

The lockout and the one-time codes do not use the cache at all (tests/accounts/test_lockout.py); what does use it
(dashboards' numbers, allauth's rate limits of reset e-mails) must go on without it."""

import logging
import os

import pytest
import redis
from django.core.cache import cache
from django.test import Client

from selec_portal import cache as portal_cache
from tests.accounts.conftest import current_code, log_in

DEAD = "redis://127.0.0.1:1/0"  # nothing listens on port 1


def _resilient(location: str) -> dict:
    return {
        "default": {
            "BACKEND": "selec_portal.cache.ResilientRedisCache",
            "LOCATION": location,
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 1},
        }
    }


@pytest.fixture
def redis_down(settings):
    settings.CACHES = _resilient(DEAD)
    with pytest.raises(redis.exceptions.ConnectionError):  # the server is really unreachable
        redis.Redis.from_url(DEAD, socket_connect_timeout=0.5).ping()


def test_the_cache_works_on_a_live_redis(settings):
    settings.CACHES = _resilient(os.environ["REDIS_URL"])
    cache.set("outage-probe", {"n": 1}, 30)
    assert cache.get("outage-probe") == {"n": 1}
    assert cache.add("outage-probe", 2) is False  # the key is there: a live server answers truly
    cache.set("outage-counter-probe", 1, 30)
    assert cache.incr("outage-counter-probe", 2) == 3
    cache.delete_many(["outage-probe", "outage-counter-probe"])
    assert cache.get("outage-probe", "gone") == "gone"


def test_an_unreachable_cache_misses_and_drops_writes(redis_down, caplog, monkeypatch):
    # a logging set-up made by an earlier test (Celery's, Django's dictConfig) may have disabled existing loggers
    monkeypatch.setattr(portal_cache.logger, "disabled", False)
    caplog.set_level(logging.WARNING, logger=portal_cache.logger.name)
    cache.set("k", 1)
    assert cache.get("k", "default") == "default"
    assert cache.get_many(["k"]) == {}
    assert cache.add("k", 1) is True and cache.incr("k", 3) == 3 and cache.delete("k") is False
    assert "Cache unreachable" in caplog.text


def test_a_password_reset_is_sent_with_the_cache_down(client, staff, mailoutbox, redis_down):
    response = client.post("/accounts/password/reset/", {"email": "staff@example.org"})
    assert response.status_code == 302 and len(mailoutbox) == 1


def test_the_dashboard_renders_with_the_cache_down(manager, athena, redis_down):
    client = Client()
    assert log_in(client, "manager", code=current_code()).status_code == 302
    response = client.get(f"/projects/{athena.code}/dashboard/")
    assert response.status_code == 200 and "ATHENA" in response.content.decode()
