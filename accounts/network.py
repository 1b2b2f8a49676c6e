"""The client's address, as the lockout and the session list see it."""

from __future__ import annotations

import ipaddress

from django.conf import settings
from django.http import HttpRequest


def _valid(address: str) -> str | None:
    try:
        return str(ipaddress.ip_address(address.strip()))
    except ValueError:
        return None


def client_ip(request: HttpRequest) -> str | None:
    """REMOTE_ADDR, or, behind PORTAL_TRUSTED_PROXIES proxies of ours, the address the outermost of them saw.

    Each proxy appends the address it received the request from to X-Forwarded-For, so with N trusted proxies the
    client is the N-th address from the right of [X-Forwarded-For..., REMOTE_ADDR]; whatever stands further left
    was written by the client itself and is never believed. With 0 trusted proxies the header is ignored.
    """
    remote = _valid(request.META.get("REMOTE_ADDR", "")) or None
    trusted = settings.PORTAL_TRUSTED_PROXIES
    if trusted <= 0:
        return remote
    forwarded = [part for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
    chain = [*forwarded, request.META.get("REMOTE_ADDR", "")]
    # Fewer hops than proxies: the request skipped some; the left-most is still one a proxy of ours wrote.
    candidate = chain[-(trusted + 1)] if len(chain) > trusted else chain[0]
    return _valid(candidate) or remote
