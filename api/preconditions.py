"""Optimistic locking over HTTP: a record's `ETag` carries its version, a write sends it back in `If-Match`.

A versioned record (`projects.models.Versioned`) is answered with `ETag: "<version>-<digest>"`: the version the
client read, then a digest of the body (so that `If-None-Match` on a read gives a 304 only when nothing shown
changed, even a related row). A write to the record (PUT, PATCH, DELETE, a transition) must send that tag in
`If-Match`: the version goes to the service as `expected_version`, and the service, which locks the row, refuses a
stale one (`projects.concurrency.StaleRecordError`) as it refuses a stale form: here with 412 Precondition Failed.
A write without `If-Match` is refused with 428 Precondition Required: a client must say which version it changes.
"""

from __future__ import annotations

import hashlib
import re

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter
from rest_framework import exceptions, status

IF_MATCH = OpenApiParameter(
    "If-Match",
    str,
    OpenApiParameter.HEADER,
    required=True,
    description="The ETag of the record as the client last read it: a write based on an older version gets 412.",
)
_TAG = re.compile(r'^\s*(?:W/)?"(\d+)(?:-[0-9a-f]*)?"\s*$')


class PreconditionRequired(exceptions.APIException):
    status_code = status.HTTP_428_PRECONDITION_REQUIRED
    default_detail = "Send the record's ETag in If-Match: a write must say which version of the record it changes."
    default_code = "precondition_required"


class PreconditionFailed(exceptions.APIException):
    status_code = status.HTTP_412_PRECONDITION_FAILED
    default_detail = "The record changed since this version was read: read it again, then send the write again."
    default_code = "precondition_failed"


def record_etag(version: int, body: bytes = b"") -> str:
    return f'"{version}-{hashlib.sha256(body).hexdigest()[:16]}"'


def expected_version(request) -> int:
    """The version named by the request's If-Match (428 without one, 412 when it is not a tag of this API)."""
    header = request.headers.get("If-Match")
    if header is None:
        raise PreconditionRequired
    match = _TAG.match(header)
    if match is None:
        raise PreconditionFailed(_("If-Match must be an ETag this API gave for the record."))
    return int(match.group(1))
