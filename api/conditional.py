"""`ETag` on every successful read of the API, and 304 Not Modified when the client's `If-None-Match` matches.

The tag is a digest of the rendered body, so it changes exactly when what the client would receive changes (the
same answer for the same user). A 304 saves the transfer and the client's work of parsing it again. An answer about
one versioned record (a view sets `response.record_version`) carries the version in front of the digest, on reads
and on successful writes alike, for the client's next `If-Match` (api.preconditions).
"""

import hashlib

from django.utils.cache import get_conditional_response, patch_vary_headers
from rest_framework import status
from rest_framework.views import APIView

from .preconditions import record_etag


class ConditionalGetMixin:
    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        patch_vary_headers(response, ("Authorization", "Cookie"))
        version = getattr(response, "record_version", None)
        if version is not None and status.is_success(response.status_code):
            response.render()
            response["ETag"] = record_etag(version, response.content)
        if request.method not in ("GET", "HEAD") or response.status_code != 200:
            return response
        response.render()
        if version is None:
            response["ETag"] = '"' + hashlib.sha256(response.content).hexdigest()[:40] + '"'
        return get_conditional_response(request, etag=response["ETag"], response=response)


class ApiView(ConditionalGetMixin, APIView):
    """The base of the API's views: the settings' authentication, permissions, throttling and problem details."""
