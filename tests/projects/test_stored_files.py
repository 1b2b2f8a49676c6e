"""Stored files follow the database: a replaced or deleted record's file is removed after the commit (never before,
never while another record names it), and a file written by a transaction that rolls back is removed."""

from unittest import mock

import pytest
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction

from projects.files import TransactionalFileSystemStorage, discard_uncommitted
from projects.models import Deliverable
from projects.services import deliverable_set_status, record_delete


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def deliverable(athena) -> Deliverable:
    return athena.workstreams.get(number=1).deliverables.first()


def _pdf(name: str, text: str = "evidence") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, f"%PDF-1.4 {text}".encode(), content_type="application/pdf")


def _stored(media) -> list[str]:
    return sorted(str(path.relative_to(media)) for path in media.rglob("*") if path.is_file())


def test_the_portal_stores_files_through_the_transactional_storage():
    assert isinstance(default_storage, TransactionalFileSystemStorage)


def test_replaced_evidence_is_deleted_after_the_commit_never_before(
    staff, deliverable, media, django_capture_on_commit_callbacks
):
    deliverable_set_status(user=staff, deliverable=deliverable, status="in_progress", evidence=_pdf("first.pdf"))
    first = deliverable.evidence.name
    with django_capture_on_commit_callbacks() as callbacks:
        deliverable = Deliverable.objects.get(pk=deliverable.pk)
        deliverable_set_status(user=staff, deliverable=deliverable, status="in_progress", evidence=_pdf("second.pdf"))
        second = deliverable.evidence.name
        assert _stored(media) == sorted([first, second])  # not before the commit
    for callback in callbacks:
        callback()  # the commit
    assert _stored(media) == [second]


def test_a_rolled_back_replacement_keeps_the_old_file(staff, deliverable, media, django_capture_on_commit_callbacks):
    deliverable_set_status(user=staff, deliverable=deliverable, status="in_progress", evidence=_pdf("first.pdf"))
    first = deliverable.evidence.name
    with django_capture_on_commit_callbacks() as callbacks:
        with pytest.raises(RuntimeError), transaction.atomic():
            deliverable = Deliverable.objects.get(pk=deliverable.pk)
            deliverable_set_status(
                user=staff, deliverable=deliverable, status="in_progress", evidence=_pdf("second.pdf")
            )
            raise RuntimeError("the transaction fails after the save")
    for callback in callbacks:
        callback()
    assert Deliverable.objects.get(pk=deliverable.pk).evidence.name == first
    assert first in _stored(media)  # the row still names it


def test_a_deleted_record_takes_its_file_with_it_after_the_commit(
    admin_user, staff, deliverable, media, django_capture_on_commit_callbacks
):
    deliverable_set_status(user=staff, deliverable=deliverable, status="in_progress", evidence=_pdf("first.pdf"))
    with django_capture_on_commit_callbacks(execute=True):
        record_delete(user=admin_user, obj=Deliverable.objects.get(pk=deliverable.pk))
        assert len(_stored(media)) == 1  # still there until the commit
    assert _stored(media) == []


def test_a_file_another_record_names_is_kept_until_the_last_one_goes(
    admin_user, staff, athena, deliverable, media, django_capture_on_commit_callbacks
):
    deliverable_set_status(user=staff, deliverable=deliverable, status="in_progress", evidence=_pdf("shared.pdf"))
    shared = deliverable.evidence.name
    other = Deliverable.objects.filter(workstream__project=athena).exclude(pk=deliverable.pk).first()
    Deliverable.objects.filter(pk=other.pk).update(evidence=shared)  # as a road map's approved document is
    with django_capture_on_commit_callbacks(execute=True):
        record_delete(user=admin_user, obj=Deliverable.objects.get(pk=deliverable.pk))
    assert _stored(media) == [shared]
    with django_capture_on_commit_callbacks(execute=True):
        record_delete(user=admin_user, obj=Deliverable.objects.get(pk=other.pk))
    assert _stored(media) == []


# --- rollbacks: real transactions ---------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_a_file_written_by_a_transaction_that_rolls_back_is_removed(media):
    with pytest.raises(RuntimeError), transaction.atomic():
        name = default_storage.save("notes/rolled-back.txt", ContentFile(b"x"))
        raise RuntimeError
    assert _stored(media) == [name]  # Django has no rollback hook: the end of the request or task removes it
    assert str(media / name) in discard_uncommitted()
    assert _stored(media) == []


@pytest.mark.django_db(transaction=True)
def test_a_committed_file_is_kept_and_a_rolled_back_savepoint_s_file_is_removed(media):
    with transaction.atomic():
        kept = default_storage.save("notes/kept.txt", ContentFile(b"x"))
        with pytest.raises(RuntimeError), transaction.atomic():
            default_storage.save("notes/savepoint.txt", ContentFile(b"x"))
            raise RuntimeError
        assert discard_uncommitted() == []  # nothing decided while the transaction is open
    discard_uncommitted()
    assert _stored(media) == [kept]


@pytest.mark.django_db(transaction=True)
def test_an_upload_refused_after_it_was_stored_leaves_no_file(client_for, staff, athena, media):
    """The page's service stores the file, then fails: the request's end removes what the rollback left."""
    deliverable = athena.workstreams.get(number=1).deliverables.first()
    refusal = ValidationError("The audit trail is unavailable.")
    with mock.patch("projects.services.audit_log", side_effect=refusal):
        response = client_for(staff).post(
            f"/projects/ATHENA2/deliverables/{deliverable.pk}/status/",
            {"status": "in_progress", "evidence": _pdf("evidence.pdf")},
        )
    assert response.status_code == 200
    assert "The audit trail is unavailable." in response.content.decode()
    deliverable.refresh_from_db()
    assert not deliverable.evidence and deliverable.status == "planned"
    assert _stored(media) == []


@pytest.mark.django_db(transaction=True)
def test_a_committed_upload_is_kept_and_its_replacement_deletes_it(client_for, staff, athena, media):
    deliverable = athena.workstreams.get(number=1).deliverables.first()
    url = f"/projects/ATHENA2/deliverables/{deliverable.pk}/status/"
    client = client_for(staff)
    assert client.post(url, {"status": "in_progress", "evidence": _pdf("first.pdf")}).status_code == 302
    first = Deliverable.objects.get(pk=deliverable.pk).evidence.name
    assert _stored(media) == [first]
    assert client.post(url, {"status": "in_progress", "evidence": _pdf("second.pdf")}).status_code == 302
    second = Deliverable.objects.get(pk=deliverable.pk).evidence.name
    assert _stored(media) == [second]
