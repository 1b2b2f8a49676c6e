"""Real files for the upload tests, built in memory: Office Open XML and OpenDocument archives, with or without
macros, and compound files (the container of the legacy .doc and .xls) with the storages their macros live in."""

from __future__ import annotations

import io
import math
import struct
import zipfile

from django.core.files.uploadedfile import SimpleUploadedFile

DOCX_TYPES = (
    '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/word/document.xml" ContentType="{main}"/>{extra}</Types>'
)
DOCX_MAIN = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
DOCM_MAIN = "application/vnd.ms-word.document.macroEnabled.main+xml"
VBA_TYPE = '<Override PartName="/word/vbaProject.bin" ContentType="application/vnd.ms-office.vbaProject"/>'


def zip_bytes(parts: dict[str, bytes | str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in parts.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def corrupted(archive: bytes) -> bytes:
    """The archive with the compressed data of its first part damaged (its directory intact)."""
    data = bytearray(archive)
    name_length, extra_length = struct.unpack_from("<HH", data, 26)
    start = 30 + name_length + extra_length
    for offset in range(start + 2, start + 12):
        data[offset] ^= 0xA5
    return bytes(data)


def docx(*, vba: bool = False, macro_content_type: bool = False) -> bytes:
    """A Word document; `vba` adds a VBA project part, `macro_content_type` declares the macro-enabled main part."""
    parts = {
        "[Content_Types].xml": DOCX_TYPES.format(
            main=DOCM_MAIN if macro_content_type else DOCX_MAIN, extra=VBA_TYPE if vba else ""
        ),
        "word/document.xml": "<w:document xmlns:w='http://schemas.openxmlformats.org/wordprocessingml/2006/main'/>",
    }
    if vba:
        parts["word/vbaProject.bin"] = compound_file(["VBA", "_VBA_PROJECT", "dir", "PROJECT"])
    return zip_bytes(parts)


def odt(*, basic_module: bool = False) -> bytes:
    """An OpenDocument text; `basic_module` adds a StarBasic macro module (Basic/Standard/Module1.xml)."""
    parts = {"mimetype": "application/vnd.oasis.opendocument.text", "content.xml": "<office:document-content/>"}
    if basic_module:
        parts["Basic/script-lc.xml"] = "<library:libraries/>"
        parts["Basic/Standard/script-lb.xml"] = "<library:library/>"
        parts["Basic/Standard/Module1.xml"] = '<script:module>Sub Main\nShell("calc")\nEnd Sub</script:module>'
    return zip_bytes(parts)


def compound_file(names: list[str], *, size: int = 512) -> bytes:
    """A compound file (OLE2, the container of .doc/.xls/.ppt) whose directory holds a root entry and one entry per
    name (a storage for the macro storages, a stream otherwise), spread over as many chained sectors as needed."""
    end, free, fat_sector = 0xFFFFFFFE, 0xFFFFFFFF, 0xFFFFFFFD
    entries = [("Root Entry", 5)] + [(n, 1 if n in ("Macros", "VBA", "_VBA_PROJECT_CUR") else 2) for n in names]
    per_sector = size // 128
    directory_sectors = math.ceil(len(entries) / per_sector)
    # sector 0: the FAT; sectors 1..n: the directory, chained
    fat = [fat_sector] + [n + 1 for n in range(1, directory_sectors)] + [end]
    fat += [free] * (size // 4 - len(fat))
    header = bytearray(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 16)
    header += struct.pack("<HHHHH", 0x3E, 3, 0xFFFE, int(math.log2(size)), 6)
    header += b"\x00" * 6 + struct.pack("<III", 0, 1, 1)  # directory sectors (v3: 0), FAT sectors, first directory
    header += struct.pack("<IIIIII", 0, 4096, end, 0, end, 0)  # transaction, cutoff, mini FAT, its count, DIFAT
    header += struct.pack("<109I", 0, *([free] * 108))
    body = bytearray(struct.pack(f"<{size // 4}I", *fat))
    directory = bytearray()
    for name, kind in entries:
        encoded = (name + "\x00").encode("utf-16-le")
        entry = encoded.ljust(64, b"\x00") + struct.pack("<HBB", len(encoded), kind, 1)
        entry += struct.pack("<III", free, free, free) + b"\x00" * 16 + b"\x00" * 4 + b"\x00" * 16
        entry += struct.pack("<IQ", end, 0)
        directory += entry.ljust(128, b"\x00")
    directory = directory.ljust(directory_sectors * size, b"\x00")
    return bytes(header.ljust(size, b"\x00") + body + directory)


def upload(name: str, content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content)
