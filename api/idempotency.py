"""`Idempotency-Key` on POST: a client on a flaky network sends the same request again without creating twice.

The first request with a key inserts its row (`IdempotentRequest`) in the request's transaction, before the work; a
second request with the same key waits on that row's unique index until the first commits, then finds it and gets
the stored answer again (with `Idempotent-Replayed: true`), never a second record. Only a success is stored: a
refused request (invalid fields, a stale version) saved nothing, so sending it again simply runs it again. The same
key with another method, path or body is refused (422): a key names one request. Keys are kept
`IDEMPOTENCY_HOURS` (then purged by `api.tasks.api_purge`).
"""

from __future__ import annotations

import hashlib
import json
import re
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.utils.encoders import JSONEncoder

from .models import IdempotentRequest

HEADER = "Idempotency-Key"
IDEMPOTENCY_HOURS = 24
KEY_MAX_LENGTH = 255

# Visible ASCII, spaces inside: what an HTTP header carries safely (a UUID is the usual key).
KEY_PATTERN = r"^[!-~]([ -~]{0,253}[!-~])?$"
IDEMPOTENCY_KEY = OpenApiParameter(
    HEADER,
    {"type": "string", "minLength": 1, "maxLength": KEY_MAX_LENGTH, "pattern": KEY_PATTERN},
    OpenApiParameter.HEADER,
    required=False,
    description=(
        "A unique key of this request (a UUID): sent again with the same key and body, the request is answered as the "
        f"first time (header Idempotent-Replayed: true) and nothing is created twice. Kept {IDEMPOTENCY_HOURS} hours."
    ),
)


class KeyReused(exceptions.APIException):
    status_code = status.HTTP_422_UNPROCESSABLE_ENTITY
    default_detail = "This Idempotency-Key was used for another request: use a new key for each request."
    default_code = "idempotency_key_reused"


def _fingerprint(request) -> str:
    digest = hashlib.sha256()
    for part in (request.method.encode(), request.path.encode(), request.body):
        digest.update(part)
        digest.update(b"\0")
    return digest.hexdigest()


def _key(request) -> str | None:
    key = request.headers.get(HEADER)
    if key is None:
        return None
    if not re.fullmatch(KEY_PATTERN, key):
        raise exceptions.ValidationError({HEADER: [_("Give a key of 1 to 255 visible ASCII characters (a UUID).")]})
    return key


def _replay(stored: IdempotentRequest) -> Response:
    response = Response(json.loads(stored.body) if stored.body else None, status=stored.status_code)
    response["Idempotent-Replayed"] = "true"
    if stored.location:
        response["Location"] = stored.location
    if stored.etag:
        response.record_version = int(stored.etag)  # the same ETag as the first answer (api.conditional)
    return response


class IdempotentPostMixin:
    """For an APIView: POST with an `Idempotency-Key` runs once per key (see the module's docstring)."""

    def post(self, request, *args, **kwargs):
        key = _key(request)
        if key is None:
            return self.create(request, *args, **kwargs)
        fingerprint = _fingerprint(request)
        fresh = timezone.now() - timedelta(hours=IDEMPOTENCY_HOURS)
        with transaction.atomic():
            IdempotentRequest.objects.filter(user=request.user, key=key, created_at__lt=fresh).delete()
            try:
                with transaction.atomic():
                    record = IdempotentRequest.objects.create(user=request.user, key=key, fingerprint=fingerprint)
            except IntegrityError:
                stored = IdempotentRequest.objects.get(user=request.user, key=key)
                if stored.fingerprint != fingerprint:
                    raise KeyReused from None
                return _replay(stored)
            response = self.create(request, *args, **kwargs)
            if not status.is_success(response.status_code):
                transaction.set_rollback(True)  # nothing was created: the same key may be sent again
                return response
            record.status_code = response.status_code
            record.body = "" if response.data is None else json.dumps(response.data, cls=JSONEncoder)
            record.location = response.get("Location", "")
            version = getattr(response, "record_version", None)
            record.etag = "" if version is None else str(version)
            record.save(update_fields=["status_code", "body", "location", "etag"])
            return response
