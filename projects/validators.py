"""Validators shared by every app that accepts uploads (operations attachments, IMOBEX road maps, evidence files).

An extension says what a file claims to be; its first bytes say what it is. `validate_file_content` refuses a file
whose content does not match its extension (an executable renamed `.pdf`, for instance). It reads only the first
few kilobytes and puts the file back where it was, so the upload can still be saved afterwards.
"""

from __future__ import annotations

import os

from django.core.exceptions import ValidationError
from django.utils.deconstruct import deconstructible
from django.utils.translation import gettext_lazy as _

PDF = (b"%PDF-",)
ZIP = (b"PK\x03\x04", b"PK\x05\x06")  # a ZIP archive (also docx, xlsx, pptx, odt, ods, odp); the second is empty
OLE = (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",)  # the old binary Office formats (doc, xls, ppt)
PNG = (b"\x89PNG\r\n\x1a\n",)
JPEG = (b"\xff\xd8\xff",)

# What the content of each accepted extension starts with; None: plain text (no NUL byte).
SIGNATURES: dict[str, tuple[bytes, ...] | None] = {
    "pdf": PDF,
    "zip": ZIP,
    "docx": ZIP,
    "xlsx": ZIP,
    "pptx": ZIP,
    "odt": ZIP,
    "ods": ZIP,
    "odp": ZIP,
    "doc": OLE,
    "xls": OLE,
    "ppt": OLE,
    "png": PNG,
    "jpg": JPEG,
    "jpeg": JPEG,
    "txt": None,
    "csv": None,
}
TEXT_SAMPLE_BYTES = 8192


def _head(upload, size: int) -> bytes:
    """The first `size` bytes of an uploaded or stored file, leaving its position unchanged."""
    position = upload.tell() if hasattr(upload, "tell") else None
    try:
        upload.seek(0)
        head = upload.read(size)
    finally:
        if position is not None:
            upload.seek(position)
    return head if isinstance(head, bytes) else head.encode()


def content_matches_extension(head: bytes, extension: str) -> bool:
    """Whether the first bytes of a file are those of its extension (True for an extension not listed here)."""
    extension = extension.lower()
    if extension not in SIGNATURES:
        return True
    signatures = SIGNATURES[extension]
    if signatures is None:
        return b"\x00" not in head
    return head.startswith(signatures)


@deconstructible
class FileContentValidator:
    """Refuse a file whose first bytes do not match its extension (PDF, Office, OpenDocument, ZIP, PNG, JPEG, text)."""

    message = _("This file’s content is not that of a %(extension)s file: save it in that format, or choose another.")
    code = "invalid_content"

    def __call__(self, upload) -> None:
        if not upload:
            return
        if getattr(upload, "_committed", False):
            return  # a file already stored (an unchanged FileField): it was checked when it was uploaded
        extension = os.path.splitext(upload.name or "")[1].lstrip(".").lower()
        if not content_matches_extension(_head(upload, TEXT_SAMPLE_BYTES), extension):
            raise ValidationError(self.message, code=self.code, params={"extension": extension.upper()})

    def __eq__(self, other) -> bool:
        return isinstance(other, FileContentValidator)


validate_file_content = FileContentValidator()


NUL_MESSAGE = _("This text holds a NUL character, which cannot be stored.")


def refuse_nul_characters(**texts) -> None:
    """Refuse texts holding a NUL character (PostgreSQL cannot store or even look one up) with a ValidationError
    naming each field; forms refuse them already, this is for what reaches a service another way (an import)."""
    problems = {name: NUL_MESSAGE for name, text in texts.items() if isinstance(text, str) and "\x00" in text}
    if problems:
        raise ValidationError(problems)
