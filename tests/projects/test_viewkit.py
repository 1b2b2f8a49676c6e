"""The view toolkit every app shares (`projects.viewkit`): a service's refusal on its form, the export of a filtered
list or its refusal, and the audited download of a file."""

import csv
import io

import pytest
from django import forms
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.http import Http404
from django.test import RequestFactory

from projects.exports import Column
from projects.models import AuditEvent, Deliverable
from projects.queries import project_for_user
from projects.viewkit import add_service_errors, download, export_list


class ThingFilters(forms.Form):
    title = forms.CharField(required=False, label="Title")
    year = forms.IntegerField(required=False, label="Year")


COLUMNS = [Column("Title", "title")]
ROWS = [Deliverable(title="Kick-off report"), Deliverable(title="=Final report")]


def _get(url: str, user):
    request = RequestFactory().get(url)
    request.user = user
    return request


# --- a service's refusal on the form --------------------------------------------------------------------------------


def test_a_service_error_naming_a_field_is_shown_next_to_it():
    form = ThingFilters({"title": "x"})
    assert form.is_valid()
    add_service_errors(form, ValidationError({"title": "Already taken.", "owner": "Not a member."}))
    assert form.errors["title"] == ["Already taken."]
    assert form.non_field_errors() == ["Not a member."]  # a field the form does not show: at the top, not a 500


def test_a_service_error_without_a_field_is_shown_at_the_top():
    form = ThingFilters({"title": "x"})
    assert form.is_valid()
    add_service_errors(form, ValidationError("This activity is locked."))
    assert form.non_field_errors() == ["This activity is locked."] and "title" not in form.errors


# --- exports of filtered lists --------------------------------------------------------------------------------------


def test_an_export_with_invalid_filters_is_refused_and_not_recorded(athena, viewer):
    request = _get("/projects/ATHENA2/things/export.csv?year=abc&title=x", viewer)
    response = export_list(
        request, ROWS, COLUMNS, fmt="csv", basename="things", project=athena, filters=ThingFilters(request.GET)
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "Nothing was exported" in page and "Year" in page
    assert 'href="/projects/ATHENA2/things/?year=abc&amp;title=x"' in page  # back to the list, filters kept
    assert not AuditEvent.objects.filter(action="export").exists()


def test_an_export_with_valid_filters_holds_the_rows_and_is_recorded(athena, viewer):
    request = _get("/projects/ATHENA2/things/export.csv?year=2026", viewer)
    response = export_list(
        request, ROWS, COLUMNS, fmt="csv", basename="things", project=athena, filters=ThingFilters(request.GET)
    )
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    assert rows == [["Title"], ["Kick-off report"], ["'=Final report"]]
    assert AuditEvent.objects.get(action="export").details["filters"] == {"year": "2026"}


def test_a_list_without_filters_exports_everything(athena, viewer):
    request = _get("/projects/ATHENA2/things/export.xlsx", viewer)
    response = export_list(request, ROWS, COLUMNS, fmt="xlsx", basename="things", project=athena)
    assert response.status_code == 200 and response["Content-Disposition"].startswith("attachment;")


def test_an_unknown_export_format_is_404(athena, viewer):
    with pytest.raises(Http404):
        export_list(_get("/x/export.pdf", viewer), ROWS, COLUMNS, fmt="pdf", basename="things", project=athena)


# --- audited downloads ----------------------------------------------------------------------------------------------


@pytest.fixture
def evidence(athena, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    deliverable = Deliverable.objects.create(
        workstream=athena.workstreams.first(), title="Study", due_date="2025-01-01"
    )
    deliverable.evidence.save("évaluation finale.pdf", ContentFile(b"%PDF-1.4 evidence"))
    return deliverable


def test_a_download_is_recorded_in_the_audit_trail(athena, evidence, viewer):
    response = download(_get("/evidence/", viewer), evidence.evidence, obj=evidence, project=athena)
    assert b"".join(response.streaming_content) == b"%PDF-1.4 evidence"
    # A name that is not plain ASCII is encoded (RFC 6266), never pasted into the header.
    assert response["Content-Disposition"] == "attachment; filename*=utf-8''%C3%A9valuation_finale.pdf"
    event = AuditEvent.objects.get(action="export", user=viewer)
    assert event.object_type == "projects.Deliverable" and event.object_id == str(evidence.pk)
    assert event.project == athena and event.details == {"file": "évaluation_finale.pdf"}


def test_a_file_missing_from_the_storage_is_404_and_not_recorded(athena, evidence, viewer):
    evidence.evidence.storage.delete(evidence.evidence.name)
    with pytest.raises(Http404):
        download(_get("/evidence/", viewer), evidence.evidence, obj=evidence, project=athena)
    with pytest.raises(Http404):
        download(_get("/evidence/", viewer), Deliverable().evidence, obj=evidence, project=athena)  # no file at all
    assert not AuditEvent.objects.exists()


def test_a_generated_document_is_downloaded_with_a_safe_name_and_recorded(athena, viewer):
    response = download(
        _get("/badges.pdf", viewer),
        b"%PDF-1.4",
        filename='badges "all".pdf',
        obj=athena,
        project=athena,
        details={"badges": 3},
    )
    assert response.content == b"%PDF-1.4" and response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'attachment; filename="badges \\"all\\".pdf"'
    assert AuditEvent.objects.get(action="export").details == {"file": 'badges "all".pdf', "badges": 3}


# --- the project of an app's pages ----------------------------------------------------------------------------------


def test_an_apps_pages_exist_only_for_its_projects(athena, viewer):
    assert project_for_user(viewer, "ATHENA2", among=("ATHENA2",)) == athena
    with pytest.raises(Http404):
        project_for_user(viewer, "ATHENA2", among=("IMOBEX",))
