"""Standard Webhooks signatures (https://www.standardwebhooks.com/): a secret `whsec_<base64 of 32 random bytes>`,
and three headers on each message:

    webhook-id: <the message's id, the same at every retry>
    webhook-timestamp: <unix seconds of this attempt>
    webhook-signature: v1,<base64 of HMAC-SHA256(key, f"{id}.{timestamp}.{body}")>

where `key` is the base64-decoded part of the secret after `whsec_`. A receiver checks it with `verify` (or any
Standard Webhooks library): the recipe is in docs/DEVELOPING.md, "Webhooks".
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import time
from collections.abc import Mapping

PREFIX = "whsec_"
TOLERANCE_SECONDS = 5 * 60  # a message older or newer than this is refused by `verify` (a replay)


class InvalidSignature(Exception):
    """The message was not signed with this secret, or not recently."""


def new_secret() -> str:
    return PREFIX + base64.b64encode(secrets.token_bytes(32)).decode()


def _key(secret: str) -> bytes:
    return base64.b64decode(secret.removeprefix(PREFIX))


def signature(secret: str, message_id: str, timestamp: int, body: bytes) -> str:
    """The value of `webhook-signature` for this message: `v1,<base64>`."""
    signed = f"{message_id}.{timestamp}.".encode() + body
    digest = hmac.new(_key(secret), signed, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def signed_headers(secret: str, message_id: str, body: bytes, *, timestamp: int | None = None) -> dict[str, str]:
    """The headers of one attempt at sending `body`."""
    timestamp = int(time.time()) if timestamp is None else timestamp
    return {
        "Content-Type": "application/json",
        "webhook-id": message_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": signature(secret, message_id, timestamp, body),
    }


def verify(secret: str, headers: Mapping[str, str], body: bytes, *, now: float | None = None) -> None:
    """What a receiver does: raise InvalidSignature unless `body` carries a valid signature of `secret`, made within
    TOLERANCE_SECONDS. `headers` is looked up case-insensitively; the signature header may list several
    space-separated signatures (a secret being rotated): one match is enough."""
    lowered = {name.lower(): value for name, value in headers.items()}
    try:
        message_id = lowered["webhook-id"]
        timestamp = int(lowered["webhook-timestamp"])
        given = lowered["webhook-signature"].split()
    except (KeyError, ValueError) as exc:
        raise InvalidSignature("missing or malformed webhook headers") from exc
    now = time.time() if now is None else now
    if abs(now - timestamp) > TOLERANCE_SECONDS:
        raise InvalidSignature("timestamp too old or too new")
    expected = signature(secret, message_id, timestamp, body)
    if not any(hmac.compare_digest(expected, candidate) for candidate in given):
        raise InvalidSignature("no matching signature")
