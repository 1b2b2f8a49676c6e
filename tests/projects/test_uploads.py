"""Uploaded files are checked by their content, not only by their name: a program renamed .pdf is refused, and so is
an Office file with macros; a request too large is refused before it is read; the admin checks as the pages do."""

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test.client import FakePayload

from projects.services import deliverable_set_status
from projects.validators import UploadValidator, content_matches_extension, validate_document, validate_no_macros
from tests.upload_files import compound_file, corrupted, docx, odt, upload, zip_bytes


@pytest.fixture
def ws1(athena):
    return athena.workstreams.get(number=1)


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


# --- macros ------------------------------------------------------------------------------------------------------


def _refusal(validator, name: str, content: bytes) -> str | None:
    """The message a validator gives for this file, None when it accepts it."""
    try:
        validator(upload(name, content))
    except ValidationError as error:
        return " ".join(error.messages)
    return None


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("report.docx", docx()),
        ("report.odt", odt()),
        ("minutes.doc", compound_file(["WordDocument", "1Table", "\x05SummaryInformation"])),
        ("figures.xls", compound_file(["Workbook", "\x05DocumentSummaryInformation"])),
        ("many-streams.doc", compound_file(["WordDocument", *[f"ObjectPool{n}" for n in range(12)]])),
        ("evidence.zip", zip_bytes({"minutes.pdf": b"%PDF-1.4", "figures.xlsx": docx()})),
    ],
)
def test_office_files_without_macros_are_accepted(name, content):
    assert _refusal(validate_document, name, content) is None


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("report.docx", docx(vba=True)),  # a VBA project inside
        ("report.docx", docx(macro_content_type=True)),  # a macro-enabled main part, renamed .docx
        ("report.odt", odt(basic_module=True)),  # a StarBasic module
        ("minutes.doc", compound_file(["WordDocument", "1Table", "Macros", "VBA", "_VBA_PROJECT", "dir"])),
        ("figures.xls", compound_file(["Workbook", "_VBA_PROJECT_CUR", "VBA", "dir"])),
        # the macro storage in the directory's fourth sector: the directory's chain is followed
        ("long.doc", compound_file(["WordDocument", *[f"ObjectPool{n}" for n in range(12)], "Macros"])),
        ("evidence.zip", zip_bytes({"budget.xlsm": b"PK\x03\x04"})),  # an archive carrying a macro workbook
    ],
)
def test_office_files_with_macros_are_refused(name, content):
    assert "contains macros" in _refusal(validate_document, name, content)


@pytest.mark.parametrize("name", ["report.docm", "figures.xlsm", "slides.pptm", "addin.xlam", "template.dotm"])
def test_the_macro_enabled_office_formats_are_refused_by_name(name):
    assert "contains macros" in _refusal(validate_no_macros, name, docx())


def test_a_legacy_powerpoint_file_is_refused_with_the_way_out():
    """Its macros live inside the presentation's record stream, where no storage name shows them."""
    message = _refusal(validate_document, "slides.ppt", compound_file(["PowerPoint Document", "Current User"]))
    assert "save the presentation as .pptx or PDF" in message


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("report.docx", b"PK\x03\x04" + b"\x00" * 200),  # a ZIP signature and nothing of an archive
        ("report.docx", corrupted(docx())),  # its compressed data damaged
        ("minutes.doc", compound_file(["WordDocument"])[:700]),  # cut inside its directory
        ("minutes.doc", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\xff" * 600),  # a header of nonsense
    ],
)
def test_a_damaged_office_file_is_refused_with_a_message(name, content):
    assert "is damaged or not what its name says" in _refusal(validate_document, name, content)


def test_the_upload_rules_sit_on_the_model_fields():
    """So that every ModelForm (the pages' and the admin's) and every service checks the same."""
    from imobex.models import RoadMapVersion
    from operations.models import ActivityAttachment
    from projects.models import Deliverable

    for model, name in [(Deliverable, "evidence"), (RoadMapVersion, "document"), (ActivityAttachment, "file")]:
        assert any(isinstance(v, UploadValidator) for v in model._meta.get_field(name).validators), model


# --- the size of a request -----------------------------------------------------------------------------------------


class UnreadablePayload(FakePayload):
    """A request body that fails the test if anything reads it."""

    def read(self, *args, **kwargs):
        raise AssertionError("the body was read")

    readline = read


def test_a_body_over_the_limit_is_refused_before_it_is_read(client_for, staff, settings):
    settings.PORTAL_MAX_UPLOAD_MB = 30
    response = client_for(staff).post(
        "/projects/ATHENA2/deliverables/1/status/",
        data=b"",
        content_type="multipart/form-data; boundary=x",
        CONTENT_LENGTH=str(31 * 1024 * 1024),
        **{"wsgi.input": UnreadablePayload(b"")},
    )
    assert response.status_code == 413
    assert response["Connection"] == "close"
    page = response.content.decode()
    assert "Too large" in page and "30 MB at most" in page and "Nothing was saved" in page
    assert "<nav" in page  # the portal's look


def test_a_file_over_the_limit_is_refused_and_nothing_is_written(client_for, staff, ws1, settings, tmp_path):
    settings.PORTAL_MAX_UPLOAD_MB = 1
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.FILE_UPLOAD_TEMP_DIR = tmp_path
    deliverable = ws1.deliverables.first()
    big = SimpleUploadedFile("evidence.pdf", b"%PDF-1.4 " + b"x" * (2 * 1024 * 1024))
    response = client_for(staff).post(
        f"/projects/ATHENA2/deliverables/{deliverable.pk}/status/", {"status": "in_progress", "evidence": big}
    )
    assert response.status_code == 413
    deliverable.refresh_from_db()
    assert deliverable.status == "planned" and not deliverable.evidence
    assert list(tmp_path.iterdir()) == []  # neither stored nor spooled to a temporary file


def test_a_body_within_the_limit_reaches_the_page(client_for, staff, ws1, settings, tmp_path):
    settings.PORTAL_MAX_UPLOAD_MB = 1
    settings.MEDIA_ROOT = tmp_path / "media"
    deliverable = ws1.deliverables.first()
    upload_ = SimpleUploadedFile("evidence.pdf", b"%PDF-1.4 " + b"x" * 1000)
    response = client_for(staff).post(
        f"/projects/ATHENA2/deliverables/{deliverable.pk}/status/", {"status": "in_progress", "evidence": upload_}
    )
    assert response.status_code == 302
    deliverable.refresh_from_db()
    assert deliverable.evidence.name.endswith("evidence.pdf")


# --- the admin checks uploads as the pages do --------------------------------------------------------------------


def test_the_admin_refuses_evidence_with_macros_with_a_message(client_for, admin_user, ws1, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    deliverable = ws1.deliverables.first()
    url = f"/admin/projects/deliverable/{deliverable.pk}/change/"
    form = {
        "workstream": deliverable.workstream_id,
        "title": deliverable.title,
        "due_date": deliverable.due_date.isoformat(),
        "status": deliverable.status,
        "delivered_on": "",
        "evidence": upload("evidence.docx", docx(vba=True)),
    }
    response = client_for(admin_user).post(url, form)
    assert response.status_code == 200
    assert "contains macros" in response.content.decode()
    deliverable.refresh_from_db()
    assert not deliverable.evidence
    assert not (tmp_path / "media").exists()

    form["evidence"] = upload("tool.pdf", b"MZ\x90\x00 a program")
    assert "not that of a PDF file" in client_for(admin_user).post(url, form).content.decode()

    form["evidence"] = upload("evidence.docx", docx())
    assert client_for(admin_user).post(url, form).status_code == 302
    deliverable.refresh_from_db()
    assert deliverable.evidence.name.endswith(".docx")


def test_the_evidence_service_checks_the_file_itself(staff, ws1, settings, tmp_path):
    """A caller that skips the form (a script, a task) meets the same rules."""
    settings.MEDIA_ROOT = tmp_path / "media"
    deliverable = ws1.deliverables.first()
    with pytest.raises(ValidationError) as refusal:
        deliverable_set_status(
            user=staff, deliverable=deliverable, status="in_progress", evidence=upload("e.xlsx", docx(vba=True))
        )
    assert "contains macros" in " ".join(refusal.value.message_dict["evidence"])
    assert not (tmp_path / "media").exists()


def test_an_anonymous_body_over_the_limit_gets_the_same_page(client, settings):
    settings.PORTAL_MAX_UPLOAD_MB = 1
    response = client.post("/login/", data=b"", content_type="text/plain", CONTENT_LENGTH=str(2 * 1024 * 1024))
    assert response.status_code == 413 and "1 MB at most" in response.content.decode()
