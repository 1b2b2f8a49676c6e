"""One HTTP POST of a webhook, to the address the allow-list checked (`addresses.Target`): the connection goes to
that IP, the Host header and the TLS certificate check use the host name. No redirect is followed (a 3xx is a
failure: a receiver that moved gets its URL changed by an admin), and the answer's body is read only a little."""

from __future__ import annotations

import http.client
import socket
import ssl
import time
from dataclasses import dataclass

from .addresses import Target

TIMEOUT_SECONDS = 10
READ_AT_MOST = 2048  # of the answer's body, for the log
MAX_ADDRESSES = 3  # tried in turn; with the timeout each, the POST stays within its claim (services.SEND_LEASE)


@dataclass(frozen=True)
class Answer:
    status: int | None  # None when no answer came (refused, timed out, TLS failed)
    milliseconds: int
    error: str = ""

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    """HTTPS to a given IP, with SNI and the certificate check on the host name."""

    def __init__(self, address: str, host: str, port: int, timeout: float) -> None:
        super().__init__(host, port, timeout=timeout, context=ssl.create_default_context())
        self._address = address

    def connect(self) -> None:
        sock = socket.create_connection((self._address, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)


def _connect(target: Target, timeout: float) -> http.client.HTTPConnection:
    """A connection to the first of the target's checked addresses that answers (as `socket.create_connection`
    tries a name's addresses in turn)."""
    failure: OSError | None = None
    for address in target.addresses[:MAX_ADDRESSES]:
        if target.scheme == "https":
            connection = _PinnedHTTPSConnection(str(address), target.host, target.port, timeout)
        else:
            connection = http.client.HTTPConnection(str(address), target.port, timeout=timeout)
        try:
            connection.connect()
        except ssl.SSLError:
            raise
        except OSError as exc:
            failure = exc
            continue
        return connection
    raise failure or OSError("no address")


def post(target: Target, body: bytes, headers: dict[str, str], *, timeout: float = TIMEOUT_SECONDS) -> Answer:
    """POST `body` to `target` (at the first of its checked addresses that answers); never raises for a network
    failure."""
    host = target.host if target.port in (80, 443) else f"{target.host}:{target.port}"
    if ":" in target.host:  # an IPv6 literal
        host = f"[{target.host}]" if target.port in (80, 443) else f"[{target.host}]:{target.port}"
    headers = {**headers, "Host": host, "User-Agent": "SELEC-portal-webhooks/1"}
    started = time.monotonic()
    connection = None
    try:
        connection = _connect(target, timeout)
        connection.request("POST", target.path, body=body, headers=headers)
        response = connection.getresponse()
        response.read(READ_AT_MOST)
        status = response.status
        error = "" if 200 <= status < 300 else f"HTTP {status} {response.reason}"[:300]
    except (OSError, http.client.HTTPException) as exc:
        status, error = None, f"{type(exc).__name__}: {exc}"[:300]
    finally:
        if connection is not None:
            connection.close()
    return Answer(status=status, milliseconds=round((time.monotonic() - started) * 1000), error=error)
