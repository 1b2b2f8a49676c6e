"""Validators shared by every app that accepts uploads (operations attachments, IMOBEX road maps, evidence files).

An extension says what a file claims to be; its first bytes say what it is. `validate_file_content` refuses a file
whose content does not match its extension (an executable renamed `.pdf`, for instance). It reads only the first
few kilobytes and puts the file back where it was, so the upload can still be saved afterwards.

`validate_no_macros` refuses Office and OpenDocument files that carry macros (the usual way a document runs code
on the reader's machine): the macro-enabled extensions (.docm, .xlsm, .pptm...), an OOXML or ODF archive holding a
VBA project or a Basic library, and a legacy .doc or .xls whose compound file holds a VBA storage. A legacy .ppt is
refused outright: its macros live inside the presentation's own record stream, where only a full parser of the
format could find them, so it must be saved as .pptx or PDF.

`UploadValidator` runs all of these with the extension and size limits of one kind of upload. It sits on the model
field, so the pages' forms, the admin's forms and the services check an upload the same way.
"""

from __future__ import annotations

import os
import struct
import zipfile

from django.core.exceptions import ValidationError
from django.core.validators import FileExtensionValidator
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

# Documents: evidence files of deliverables, road-map versions.
DOCUMENT_EXTENSIONS = ["pdf", "doc", "docx", "odt", "xls", "xlsx", "ods", "ppt", "pptx", "odp", "txt", "csv", "zip"]
DOCUMENT_EXTENSIONS += ["png", "jpg", "jpeg"]


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


def _extension(upload) -> str:
    return os.path.splitext(upload.name or "")[1].lstrip(".").lower()


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
        extension = _extension(upload)
        if not content_matches_extension(_head(upload, TEXT_SAMPLE_BYTES), extension):
            raise ValidationError(self.message, code=self.code, params={"extension": extension.upper()})

    def __eq__(self, other) -> bool:
        return isinstance(other, FileContentValidator)


validate_file_content = FileContentValidator()


# --- macros --------------------------------------------------------------------------------------------------------

MACRO_EXTENSIONS = frozenset(["docm", "dotm", "xlsm", "xltm", "xlam", "xlsb", "pptm", "potm", "ppsm", "ppam", "sldm"])
# Storages of a compound file that hold a VBA project: Word's "Macros", Excel's "_VBA_PROJECT_CUR", and the
# "VBA" storage and "_VBA_PROJECT" stream inside them.
OLE_MACRO_NAMES = frozenset(["macros", "_vba_project_cur", "vba", "_vba_project"])
CONTENT_TYPES_SAMPLE_BYTES = 1024 * 1024

MACROS = _(
    "This file contains macros, which the portal does not accept: save it without macros (as .docx, .xlsx, "
    ".pptx or PDF) and upload it again."
)
UNREADABLE = _("This %(extension)s file is damaged or not what its name says: save it again, or choose another.")
LEGACY_PRESENTATION = _(
    "Old PowerPoint files (.ppt) are not accepted, as they may hide macros: save the presentation as .pptx or PDF."
)


class _Unreadable(Exception):
    """The file is not a well-formed archive or compound file."""


def _zip_has_macros(upload) -> bool:
    """Whether an OOXML or OpenDocument file (or a ZIP archive) carries macros."""
    try:
        with zipfile.ZipFile(upload) as archive:
            infos = archive.infolist()
            for info in infos:
                name = info.filename.lower()
                if name.endswith("vbaproject.bin") or name.rsplit(".", 1)[-1] in MACRO_EXTENSIONS:
                    return True
                # OpenDocument macros: a Basic module (Basic/<library>/<module>.xml) or a script (Scripts/...)
                parts = name.split("/")
                if parts[0] == "basic" and len(parts) == 3 and parts[2] and not parts[2].endswith("-lb.xml"):
                    return True
                if parts[0] == "scripts" and not info.is_dir():
                    return True
            types = next((info for info in infos if info.filename.lower() == "[content_types].xml"), None)
            if types is not None:
                with archive.open(types) as stream:
                    text = stream.read(CONTENT_TYPES_SAMPLE_BYTES).lower()
                if b"macroenabled" in text or b"vbaproject" in text:
                    return True
    except Exception as exc:  # not an archive, a damaged part (zlib, CRC), an encrypted one...
        raise _Unreadable from exc
    return False


_END_OF_CHAIN = 0xFFFFFFFA  # sector numbers from here up mark the end of a chain, a free or a special sector


def _ole_entry_names(upload) -> set[str]:
    """The names of every storage and stream in a compound file (the container of .doc, .xls and .ppt).

    Reads the header, the sector allocation table and the directory's chain of sectors, and nothing else.
    """
    upload.seek(0)
    header = upload.read(512)
    if len(header) < 512 or not header.startswith(OLE[0]):
        raise _Unreadable
    (sector_shift,) = struct.unpack_from("<H", header, 30)
    if sector_shift not in (9, 12):
        raise _Unreadable
    size = 1 << sector_shift
    fat_count, first_directory = struct.unpack_from("<II", header, 44)
    first_difat, difat_count = struct.unpack_from("<II", header, 68)
    total_sectors = max(0, (upload.size - 512) // size) if hasattr(upload, "size") else 1 << 24

    def sector(number: int) -> bytes:
        if number >= total_sectors:
            raise _Unreadable
        upload.seek((number + 1) * size)
        data = upload.read(size)
        if len(data) < size:
            raise _Unreadable
        return data

    if fat_count > total_sectors // (size // 4) + 1:  # more allocation table than the file has sectors to allocate
        raise _Unreadable
    fat_sectors = [n for n in struct.unpack_from("<109I", header, 76) if n < _END_OF_CHAIN]
    number, seen = first_difat, 0
    while number < _END_OF_CHAIN and len(fat_sectors) < fat_count:
        seen += 1
        if seen > difat_count or seen > total_sectors:
            raise _Unreadable
        entries = struct.unpack(f"<{size // 4}I", sector(number))
        fat_sectors += [n for n in entries[:-1] if n < _END_OF_CHAIN]
        number = entries[-1]
    per_fat_sector = size // 4

    def next_sector(number: int) -> int:
        """The sector after `number` in its chain, read from the one FAT sector that holds it."""
        index, offset = divmod(number, per_fat_sector)
        if index >= min(len(fat_sectors), fat_count):
            raise _Unreadable
        return struct.unpack_from("<I", sector(fat_sectors[index]), offset * 4)[0]

    names, number, visited = set(), first_directory, set()
    while number < _END_OF_CHAIN:
        if number in visited:
            raise _Unreadable
        visited.add(number)
        data = sector(number)
        for offset in range(0, size, 128):
            (length,) = struct.unpack_from("<H", data, offset + 64)
            kind = data[offset + 66]
            if kind in (1, 2, 5) and 2 <= length <= 64:  # a storage, a stream, the root
                names.add(data[offset : offset + length - 2].decode("utf-16-le", "replace"))
        number = next_sector(number)
    return names


@deconstructible
class MacroValidator:
    """Refuse an Office or OpenDocument file that carries macros (see the module's docstring)."""

    code = "macros"

    def __call__(self, upload) -> None:
        if not upload or getattr(upload, "_committed", False):
            return
        extension = _extension(upload)
        if extension in MACRO_EXTENSIONS:
            raise ValidationError(MACROS, code=self.code)
        if extension == "ppt":
            raise ValidationError(LEGACY_PRESENTATION, code=self.code)
        kind = SIGNATURES.get(extension)
        if kind not in (ZIP, OLE):
            return
        position = upload.tell()
        try:
            if kind is ZIP:
                upload.seek(0)
                found = _zip_has_macros(upload)
            else:
                found = bool({name.lower() for name in _ole_entry_names(upload)} & OLE_MACRO_NAMES)
        except (_Unreadable, struct.error):
            raise ValidationError(UNREADABLE, code="unreadable", params={"extension": extension.upper()}) from None
        finally:
            upload.seek(position)
        if found:
            raise ValidationError(MACROS, code=self.code)

    def __eq__(self, other) -> bool:
        return isinstance(other, MacroValidator)


validate_no_macros = MacroValidator()


# --- one kind of upload --------------------------------------------------------------------------------------------


@deconstructible
class UploadValidator:
    """An upload of one kind: one of `extensions`, at most `max_mb` megabytes, content that matches its extension,
    no macros. Put it on the model field, so that every form and service that saves the field checks the same."""

    def __init__(self, extensions: list[str], max_mb: int):
        self.extensions = list(extensions)
        self.max_mb = max_mb

    def __call__(self, upload) -> None:
        if not upload or getattr(upload, "_committed", False):
            return  # a file already stored: it was checked when it was uploaded
        if _extension(upload) in MACRO_EXTENSIONS:  # said before "extension not allowed": it says what to do
            raise ValidationError(MACROS, code="macros")
        FileExtensionValidator(self.extensions)(upload)
        if upload.size > self.max_mb * 1024 * 1024:
            raise ValidationError(_("The file is larger than %(mb)s MB."), code="too_large", params={"mb": self.max_mb})
        validate_file_content(upload)
        validate_no_macros(upload)

    def __eq__(self, other) -> bool:
        return (
            isinstance(other, UploadValidator) and self.extensions == other.extensions and self.max_mb == other.max_mb
        )


validate_document = UploadValidator(DOCUMENT_EXTENSIONS, 25)


NUL_MESSAGE = _("This text holds a NUL character, which cannot be stored.")


def refuse_nul_characters(**texts) -> None:
    """Refuse texts holding a NUL character (PostgreSQL cannot store or even look one up) with a ValidationError
    naming each field; forms refuse them already, this is for what reaches a service another way (an import)."""
    problems = {name: NUL_MESSAGE for name, text in texts.items() if isinstance(text, str) and "\x00" in text}
    if problems:
        raise ValidationError(problems)
