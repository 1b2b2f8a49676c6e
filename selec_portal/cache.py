"""The cache in Redis, never fatal: when Redis cannot be reached, a read is a miss and a write is dropped.

The cache only ever holds what can be computed again (dashboards' numbers, allauth's rate-limit counters); the
doors that must hold during an outage (the login lockout, used one-time codes) are kept in the database. So a Redis
outage makes pages slower, never answers 500: each failing call is logged, and short socket timeouts keep a dead
server from holding requests.
"""

from __future__ import annotations

import logging

from django.core.cache.backends.redis import RedisCache
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)

UNREACHABLE = (RedisConnectionError, RedisTimeoutError, OSError)


def _tolerant(name: str, fallback):
    method = getattr(RedisCache, name)

    def call(self, *args, **kwargs):
        try:
            return method(self, *args, **kwargs)
        except UNREACHABLE as exc:
            logger.warning("Cache unreachable (%s: %s); %s goes without it", type(exc).__name__, exc, name)
            return fallback(*args, **kwargs) if callable(fallback) else fallback

    call.__name__ = name
    call.__doc__ = method.__doc__
    return call


def _default(key, default=None, *args, **kwargs):
    return default


class ResilientRedisCache(RedisCache):
    """django's RedisCache whose calls survive an unreachable server (see the module's docstring).

    `add` answers True, as if the key were new (allauth's rate limiter takes its lock with it and would otherwise
    wait for it); `incr` answers the delta, what a fresh counter would hold.
    """

    get = _tolerant("get", _default)
    get_many = _tolerant("get_many", {})
    has_key = _tolerant("has_key", False)
    set = _tolerant("set", None)
    set_many = _tolerant("set_many", [])
    add = _tolerant("add", True)
    touch = _tolerant("touch", False)
    delete = _tolerant("delete", False)
    delete_many = _tolerant("delete_many", None)
    incr = _tolerant("incr", lambda key, delta=1, *args, **kwargs: delta)
    clear = _tolerant("clear", None)

    def ping(self) -> None:
        """Raise when the server cannot be reached (for /healthz: the other calls hide it)."""
        self._cache.get_client(write=True).ping()
