"""Where a webhook may be sent: never to the portal's own networks unless the operator lists them.

A target's host is resolved, and every address it resolves to must be a public one (not loopback, private,
link-local, multicast, reserved, shared or unspecified), unless it lies in a network of
`PORTAL_WEBHOOK_ALLOWED_NETWORKS` (comma-separated CIDRs such as `10.20.0.0/16`, single addresses, or host names
matched exactly). The URL must be https, except for a listed target (an internal receiver on a trusted network)
and in development (DEBUG). Checked when the endpoint is saved and again before each attempt, which then connects
to the address it checked (DNS may have changed in between: `sending` pins it), so a webhook cannot be pointed at
an internal service.
"""

from __future__ import annotations

import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext as _

Address = ipaddress.IPv4Address | ipaddress.IPv6Address


class TargetRefused(Exception):
    """The URL may not receive webhooks; the message says why, for the admin's form and the delivery log."""


@dataclass(frozen=True)
class Target:
    scheme: str
    host: str
    port: int
    path: str  # with the query string
    addresses: tuple[Address, ...]  # what the host resolved to, all allowed: connect to the first


def allow_list() -> tuple[list[ipaddress.IPv4Network | ipaddress.IPv6Network], set[str]]:
    """The setting's networks and host names."""
    networks, hosts = [], set()
    for entry in settings.PORTAL_WEBHOOK_ALLOWED_NETWORKS:
        entry = entry.strip()
        if not entry:
            continue
        try:
            networks.append(ipaddress.ip_network(entry, strict=False))
        except ValueError:
            if "/" in entry or not all(part.isalnum() or part in "-." for part in entry):
                raise ImproperlyConfigured(
                    f"PORTAL_WEBHOOK_ALLOWED_NETWORKS: {entry!r} is no network nor host"
                ) from None
            hosts.add(entry.lower().rstrip("."))
    return networks, hosts


def _public(address: Address) -> bool:
    return address.is_global and not address.is_multicast and not address.is_reserved


def resolve(host: str, port: int) -> list[Address]:
    """The addresses `host` resolves to (an IP literal: itself)."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    found: list[Address] = []
    for info in infos:
        address = ipaddress.ip_address(info[4][0].split("%")[0])
        if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
            address = address.ipv4_mapped
        if address not in found:
            found.append(address)
    return found


def check_target(url: str) -> Target:
    """The target of `url` with its checked addresses, or TargetRefused saying why not."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise TargetRefused(_("Give a full http or https address."))
    if parts.username or parts.password:
        raise TargetRefused(_("The address may not carry a user name or password."))
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        raise TargetRefused(_("The address has an invalid port.")) from None
    host = parts.hostname.lower().rstrip(".")
    networks, hosts = allow_list()
    try:
        addresses = resolve(host, port)
    except (OSError, UnicodeError, ValueError):
        raise TargetRefused(_("The host %(host)s cannot be resolved.") % {"host": host}) from None
    if not addresses:
        raise TargetRefused(_("The host %(host)s cannot be resolved.") % {"host": host})
    listed = host in hosts or all(any(a in network for network in networks) for a in addresses)
    if not listed:
        for address in addresses:
            if not _public(address) and not any(address in network for network in networks):
                raise TargetRefused(
                    _(
                        "%(host)s resolves to %(address)s, an internal address: webhooks are sent there only when "
                        "PORTAL_WEBHOOK_ALLOWED_NETWORKS lists it."
                    )
                    % {"host": host, "address": address}
                )
    if parts.scheme != "https" and not listed and not settings.DEBUG:
        raise TargetRefused(_("Use https: only a target listed in PORTAL_WEBHOOK_ALLOWED_NETWORKS may use http."))
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return Target(scheme=parts.scheme, host=host, port=port, path=path, addresses=tuple(addresses))
