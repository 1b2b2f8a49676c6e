"""Attachments: the admin checks them as the activity page does, and deleting an activity removes their files after
the commit."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from operations.models import ActivityAttachment
from operations.services import activity_delete, attachment_add
from tests.upload_files import compound_file, docx, upload


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def _stored(media) -> list[str]:
    return sorted(path.name for path in media.rglob("*") if path.is_file())


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("agenda.docx", docx(vba=True), "contains macros"),
        ("agenda.doc", compound_file(["WordDocument", "Macros", "VBA"]), "contains macros"),
        ("agenda.pdf", b"MZ\x90\x00 a program", "not that of a PDF file"),
        ("agenda.exe", b"MZ\x90\x00 a program", "File extension"),
    ],
)
def test_the_admin_refuses_an_attachment_the_page_would_refuse(
    client_for, admin_user, make_activity, media, name, content, message
):
    activity = make_activity(status="planned")
    response = client_for(admin_user).post(
        "/admin/operations/activityattachment/add/",
        {"activity": activity.pk, "kind": "agenda", "file": upload(name, content)},
    )
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not ActivityAttachment.objects.exists()
    assert _stored(media) == []


def test_the_admin_accepts_a_clean_attachment(client_for, admin_user, make_activity, media):
    activity = make_activity(status="planned")
    response = client_for(admin_user).post(
        "/admin/operations/activityattachment/add/",
        {"activity": activity.pk, "kind": "agenda", "file": upload("agenda.docx", docx())},
    )
    assert response.status_code == 302
    assert ActivityAttachment.objects.get().filename == "agenda.docx"


def test_deleting_an_activity_removes_its_attachments_files_after_the_commit(
    manager, make_activity, media, django_capture_on_commit_callbacks
):
    activity = make_activity(status="planned")
    for name in ("agenda.pdf", "minutes.pdf"):
        file = SimpleUploadedFile(name, b"%PDF-1.4 " + name.encode())
        attachment_add(activity=activity, user=manager, kind="agenda", file=file)
    assert _stored(media) == ["agenda.pdf", "minutes.pdf"]
    with django_capture_on_commit_callbacks(execute=True):
        activity_delete(activity=activity, user=manager)
        assert len(_stored(media)) == 2  # not before the commit
    assert _stored(media) == []
