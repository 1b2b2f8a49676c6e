"""Uploaded files are checked by their content, not only by their name: a program renamed .pdf is refused."""

import pytest

from projects.validators import content_matches_extension


@pytest.mark.parametrize(
    ("extension", "head", "accepted"),
    [
        ("pdf", b"%PDF-1.7", True),
        ("pdf", b"MZ\x90\x00", False),
        ("docx", b"PK\x03\x04rest", True),
        ("docx", b"%PDF-1.7", False),
        ("xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", True),
        ("png", b"\x89PNG\r\n\x1a\nrest", True),
        ("jpg", b"\xff\xd8\xff\xe0", True),
        ("jpeg", b"GIF89a", False),
        ("txt", b"plain minutes\n", True),
        ("csv", b"a,b\n1,2\n", True),
        ("txt", b"MZ\x90\x00\x03\x00", False),
    ],
)
def test_the_content_of_a_file_must_match_its_extension(extension, head, accepted):
    assert content_matches_extension(head, extension) is accepted
