"""What a token is: its text, its digest and its prefix (no database here)."""

import hashlib
import secrets

TOKEN_PREFIX = "selec_"  # a token is recognisable (in a leaked log, by a secret scanner)
SHOWN_PREFIX_LENGTH = len(TOKEN_PREFIX) + 6


def new_token() -> str:
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def token_digest(token: str) -> str:
    """The SHA-256 hex digest the database keeps; a token is looked up by it, so no comparison of secrets is timed."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def shown_prefix(token: str) -> str:
    return token[:SHOWN_PREFIX_LENGTH]
