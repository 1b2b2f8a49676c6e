"""What the schema says of every endpoint's errors and headers, written once (the views' `extend_schema`)."""

import django_filters
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema_field

from .problems import PROBLEM_CONTENT_TYPE
from .serializers import ProblemSerializer


def problem(status: int, description: str) -> dict:
    return {(status, PROBLEM_CONTENT_TYPE): OpenApiResponse(ProblemSerializer, description=description)}


# The errors every endpoint may answer with.
ERRORS = {
    **problem(400, "Invalid parameters or fields: `errors` says which, with what to do."),
    **problem(401, "No valid token nor session (the answer carries WWW-Authenticate: Bearer)."),
    **problem(403, "The user's role, or a read token on a write, does not allow it."),
    **problem(429, "Too many requests for this token: wait the seconds of the Retry-After header."),
}
NOT_FOUND = problem(404, "No such record among those the user may see.")
# A write's own refusals: a version (If-Match) missing or stale, an Idempotency-Key used for another request.
WRITE_ERRORS = {
    **ERRORS,
    **problem(412, "The record changed since the version sent in If-Match: read it again."),
    **problem(422, "The Idempotency-Key was used for another request."),
    **problem(428, "If-Match is missing: send the record's ETag."),
}
# Every read carries an ETag (api.conditional): sent back in If-None-Match, an unchanged answer is a bodiless 304.
NOT_MODIFIED = {304: OpenApiResponse(description="Unchanged since the ETag given in If-None-Match.")}
IF_NONE_MATCH = OpenApiParameter(
    "If-None-Match", str, OpenApiParameter.HEADER, description="The ETag of an earlier answer.", required=False
)
GONE = problem(410, "The cursor is older than the deletions the portal remembers: sync again without a cursor.")


def closed_request_bodies(result, generator, request, public):
    """drf-spectacular's postprocessing hook: a request body takes only the fields it declares (the API refuses
    others with 400, so a client's typo is told, not silently dropped): `additionalProperties: false` on every request
    component (COMPONENT_SPLIT_REQUEST names them `...Request`)."""
    for name, component in result.get("components", {}).get("schemas", {}).items():
        if name.endswith("Request") and component.get("type") == "object":
            component["additionalProperties"] = False
    return result


HEADERS = {
    "401": {"WWW-Authenticate": ("string", "Bearer: send a personal token.", True)},
    "429": {"Retry-After": ("integer", "Seconds to wait before the next request.", True)},
    "201": {
        "Location": ("string", "The address of the record created.", False),
        "ETag": ("string", "The record's version, for If-Match.", False),
    },
    "200": {"ETag": ("string", "Send it back in If-None-Match (a read) or If-Match (a change).", False)},
}


def document_headers(result, generator, request, public):
    """drf-spectacular's postprocessing hook: the headers the API sends with some answers (`HEADERS`), in every
    operation's responses: WWW-Authenticate with a 401, Retry-After with a 429, ETag and Location."""
    for item in result.get("paths", {}).values():
        for operation in item.values():
            for status, response in operation.get("responses", {}).items():
                for name, (kind, description, required) in HEADERS.get(status, {}).items():
                    header = {"schema": {"type": kind}, "description": description, "required": required}
                    response.setdefault("headers", {})[name] = header
    return result


class ApiSchema(AutoSchema):
    """The API's schema generator: a list is recognised by its 200 answer, so that its filters, ordering and cursor
    are documented (drf-spectacular looks at the smallest key of `responses`, which is an error's (status, media
    type) as `problem` writes them)."""

    def _is_list_view(self, serializer=None) -> bool:
        if serializer is None:
            responses = self.get_response_serializers()
            if isinstance(responses, dict) and 200 in responses:
                serializer = responses[200]
        return super()._is_list_view(serializer)


@extend_schema_field(OpenApiTypes.STR)
class CodeFilter(django_filters.ModelChoiceFilter):
    """A filter on a record named by its code or key (`to_field_name`): a string in the schema."""
