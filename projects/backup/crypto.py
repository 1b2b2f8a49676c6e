"""Encryption of backup archives: AES-256-GCM over 1 MiB chunks, streamed (an archive never sits in memory).

The layout follows the STREAM construction (Hoang, Reyhanitabar, Rogaway, Vizár 2015): a header, then chunks each
sealed with a nonce made of a random prefix, the chunk's number and a flag marking the last chunk. A chunk moved,
dropped, repeated or altered, or an archive cut short, fails authentication; the header (with the key's id) is
authenticated with every chunk. The last chunk is always shorter than a full one (possibly empty), so a reader
knows it is the last without looking ahead.

The key is 32 random bytes in URL-safe base64 (`manage.py backup --generate-key`), read from `PORTAL_BACKUP_KEY`.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

MAGIC = b"SELECBAK"
VERSION = 1
CHUNK = 1024 * 1024
TAG = 16
_PREFIX = 7
_KEY_ID = 8
HEADER_SIZE = len(MAGIC) + 1 + _KEY_ID + _PREFIX


class BackupKeyError(Exception):
    """The archive cannot be decrypted: no key, another key, or damaged or altered ciphertext."""


def generate_key() -> str:
    return base64.urlsafe_b64encode(os.urandom(32)).decode()


def parse_key(text: str) -> bytes:
    """The 32 bytes of a key written as `generate_key` writes it; ValueError on anything else."""
    try:
        key = base64.urlsafe_b64decode(text.strip().encode("ascii"))
    except (ValueError, UnicodeEncodeError):
        raise ValueError("PORTAL_BACKUP_KEY is not URL-safe base64") from None
    if len(key) != 32:
        raise ValueError(f"PORTAL_BACKUP_KEY must decode to 32 bytes, not {len(key)} (manage.py backup --generate-key)")
    return key


def key_id(key: bytes) -> str:
    """A short public name of a key (never the key): told in messages, so an operator sees which key is which."""
    return hmac.new(key, b"selec-portal backup key id", hashlib.sha256).hexdigest()[: _KEY_ID * 2]


def is_encrypted(head: bytes) -> bool:
    return head.startswith(MAGIC)


def _nonce(prefix: bytes, counter: int, last: bool) -> bytes:
    return prefix + counter.to_bytes(4, "big") + (b"\x01" if last else b"\x00")


class EncryptingWriter:
    """A write-only file object: what is written to it goes encrypted to `raw`; `finish` seals the last chunk
    (`raw` stays open, for the caller to flush and close)."""

    def __init__(self, raw, key: bytes):
        self.raw, self.aead = raw, AESGCM(key)
        self.prefix = os.urandom(_PREFIX)
        self.header = MAGIC + bytes([VERSION]) + bytes.fromhex(key_id(key)) + self.prefix
        self.raw.write(self.header)
        self.buffer, self.counter = bytearray(), 0

    def write(self, data) -> int:
        self.buffer += data
        while len(self.buffer) > CHUNK:  # keep at least one byte back: the last chunk must be short
            self._seal(bytes(self.buffer[:CHUNK]), last=False)
            del self.buffer[:CHUNK]
        return len(data)

    def _seal(self, chunk: bytes, *, last: bool) -> None:
        if self.counter >= 2**32:
            raise OverflowError("archive too large for one key stream")
        self.raw.write(self.aead.encrypt(_nonce(self.prefix, self.counter, last), chunk, self.header))
        self.counter += 1

    def finish(self) -> None:
        if len(self.buffer) == CHUNK:  # a full last chunk would be taken for a middle one
            self._seal(bytes(self.buffer), last=False)
            self.buffer.clear()
        self._seal(bytes(self.buffer), last=True)
        self.buffer.clear()


class DecryptingReader:
    """A read-only file object over an encrypted archive; raises BackupKeyError at the first chunk that does not
    authenticate (wrong key, altered or truncated archive)."""

    def __init__(self, raw, key: bytes | None):
        self.raw = raw
        self.header = raw.read(HEADER_SIZE)
        if len(self.header) < HEADER_SIZE or not is_encrypted(self.header) or self.header[len(MAGIC)] != VERSION:
            raise BackupKeyError("not an encrypted portal archive (or an unknown version of one)")
        archive_key = self.header[len(MAGIC) + 1 : len(MAGIC) + 1 + _KEY_ID].hex()
        if key is None:
            raise BackupKeyError(
                f"the archive is encrypted (key id {archive_key}) and PORTAL_BACKUP_KEY is not set: set it to the key "
                "the archive was written with"
            )
        if key_id(key) != archive_key:
            raise BackupKeyError(
                f"wrong key: the archive was encrypted with key id {archive_key}, PORTAL_BACKUP_KEY has id "
                f"{key_id(key)}"
            )
        self.aead, self.prefix = AESGCM(key), self.header[-_PREFIX:]
        self.buffer, self.offset, self.counter, self.finished = b"", 0, 0, False

    def _next_chunk(self) -> bytes:
        sealed = self._read_exactly(CHUNK + TAG)
        last = len(sealed) < CHUNK + TAG
        if last and self.raw.read(1):
            raise BackupKeyError("the archive is damaged: data after its last chunk")
        try:
            chunk = self.aead.decrypt(_nonce(self.prefix, self.counter, last), sealed, self.header)
        except InvalidTag:
            raise BackupKeyError(
                f"the archive is damaged or was altered: chunk {self.counter} does not authenticate"
                + (" (the archive may be cut short)" if last else "")
            ) from None
        self.counter += 1
        self.finished = last
        return chunk

    def _read_exactly(self, size: int) -> bytes:
        parts, missing = [], size
        while missing:
            part = self.raw.read(missing)
            if not part:
                break
            parts.append(part)
            missing -= len(part)
        return b"".join(parts)

    def read(self, size: int = -1) -> bytes:
        parts = []
        while size != 0:
            if self.offset == len(self.buffer):
                if self.finished:
                    break
                self.buffer, self.offset = self._next_chunk(), 0
                continue
            end = len(self.buffer) if size < 0 else min(len(self.buffer), self.offset + size)
            parts.append(self.buffer[self.offset : end])
            if size > 0:
                size -= end - self.offset
            self.offset = end
        return b"".join(parts)

    def close(self) -> None:
        self.raw.close()
