"""What the views of every app share: a service's refusal on a form, list exports, audited file downloads.

A view checks access (`projects.queries.project_for_user`), calls a query or a service, and renders; these helpers
are the few steps that would otherwise be copied from app to app:

    try:
        services.finding_save(user=request.user, ...)
    except ValidationError as error:
        add_service_errors(form, error)

    return export_list(request, filterset.qs, COLUMNS, fmt=fmt, basename="findings", filters=filterset.form)

    return download(request, version.document, obj=version, project=project)

    audit_consultation(request, project=project, page="spoc-directory", object_type="operations.Spoc")
"""

from __future__ import annotations

import mimetypes
import os
from collections.abc import Iterable

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db.models.fields.files import FieldFile
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _

from .exports import Column, export_response
from .models import AuditEvent, Project
from .services import audit_log


def add_service_errors(form: forms.BaseForm, error: ValidationError) -> None:
    """Put a service's ValidationError on the form: each message next to the field it names, the others (and those
    naming a field the form does not show) at the top of the form, never as a 500."""
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(NON_FIELD_ERRORS, error)


# --- exports of lists --------------------------------------------------------------------------------------------
# One address style: a list at `.../things/` exports at `.../things/export.csv` and `.../things/export.xlsx`, with
# the list's filters in the query string.


def export_list(
    request: HttpRequest,
    rows: Iterable,
    columns: list[Column],
    *,
    fmt: str,
    basename: str,
    project: Project | None = None,
    filters: forms.BaseForm | None = None,
) -> HttpResponse:
    """A list as CSV or XLSX with the filters it is shown with, or a refusal (400) when the filters are invalid.

    A list ignores an invalid filter and says so next to it; an export cannot say so, and would hold more than was
    asked for, so it exports nothing. `rows` are already access-checked and filtered: for a FilterSet, pass
    `filterset.qs` then `filterset.form` (building `qs` runs the FilterSet's own checks, which add to the form).
    """
    if filters is not None and filters.is_bound and filters.errors:
        return _export_refused(request, filters, project)
    return export_response(request, rows, columns, fmt=fmt, basename=basename, project=project)


def _export_refused(request: HttpRequest, filters: forms.BaseForm, project: Project | None) -> HttpResponse:
    # The list lives at the export's folder (one address style), and shows the same filters with their errors.
    back = request.path.rsplit("/", 1)[0] + "/"
    query = request.GET.urlencode()
    problems = [
        (str(filters.fields[name].label or name) if name in filters.fields else "", messages)
        for name, messages in filters.errors.items()
    ]
    context = {"project": project, "problems": problems, "back": back + (f"?{query}" if query else "")}
    return render(request, "projects/export_refused.html", context, status=400)


# --- downloads ---------------------------------------------------------------------------------------------------


def download(
    request: HttpRequest,
    file: FieldFile | bytes,
    *,
    obj,
    project: Project,
    filename: str = "",
    object_type: str = "",
    details: dict | None = None,
) -> HttpResponse:
    """A file handed to the user as an attachment, recorded in the audit trail (a disclosure is logged).

    The caller has checked that the user may see `obj` (recorded with its `project`): files have no public address.
    `file` is a stored file (one missing from the storage is a 404, not a 500) or the bytes of a document made for
    this request (a PDF). The name in Content-Disposition is quoted or encoded safely, whatever characters it holds.
    """
    if isinstance(file, bytes):
        if not filename:
            raise ValueError("Generated content needs a filename.")
        response = HttpResponse(file, content_type=mimetypes.guess_type(filename)[0] or "application/octet-stream")
        response["Content-Disposition"] = content_disposition_header(True, filename)
    else:
        if not file:
            raise Http404(_("There is no file to download."))
        try:
            handle = file.open("rb")
        except FileNotFoundError:
            raise Http404(_("The file is missing.")) from None
        filename = filename or os.path.basename(file.name)
        response = FileResponse(handle, as_attachment=True, filename=filename)
    audit_log(
        user=request.user,
        action=AuditEvent.Action.EXPORT,
        obj=obj,
        project=project,
        object_type=object_type,
        details={"file": filename, **(details or {})},
    )
    return response


# --- consultations -----------------------------------------------------------------------------------------------


def audit_consultation(
    request: HttpRequest,
    *,
    project: Project | None,
    page: str,
    obj=None,
    object_type: str = "",
    details: dict | None = None,
) -> AuditEvent:
    """Record that the user was shown a page that lists people (registrations, check-in, SPOCs, officers) or a
    sensitive record: a consultation, which Directive 2016/680 (Art. 25) asks to log.

    `obj` is the record the page is about (an event, an activity); `object_type` what was consulted when it is not
    `obj` itself (the registrations of an event: "conferences.Registration"). The entry keeps the page's name and
    the query string (a search, a filter, a day). One INSERT: the entry is sealed by the next seal, another write's
    or beat's within the minute, never by a page view.
    """
    query = request.GET.dict()
    return audit_log(
        user=request.user,
        action=AuditEvent.Action.VIEW,
        obj=obj,
        project=project,
        object_type=object_type,
        details={"page": page, **({"query": query} if query else {}), **(details or {})},
        seal=False,
    )
