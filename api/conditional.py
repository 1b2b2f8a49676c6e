"""`ETag` on every successful read of the API, and 304 Not Modified when the client's `If-None-Match` matches.

The tag is a digest of the rendered body, so it changes exactly when what the client would receive changes (the
same answer for the same user). A 304 saves the transfer and the client's work of parsing it again.
"""

import hashlib

from django.utils.cache import get_conditional_response, patch_vary_headers
from rest_framework.views import APIView


class ConditionalGetMixin:
    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        patch_vary_headers(response, ("Authorization", "Cookie"))
        if request.method not in ("GET", "HEAD") or response.status_code != 200:
            return response
        response.render()
        etag = '"' + hashlib.sha256(response.content).hexdigest()[:40] + '"'
        response["ETag"] = etag
        return get_conditional_response(request, etag=etag, response=response)


class ApiView(ConditionalGetMixin, APIView):
    """The base of the API's views: the settings' authentication, permissions, throttling and problem details."""
