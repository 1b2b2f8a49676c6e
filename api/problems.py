"""Errors in one format: RFC 9457 problem details (`application/problem+json`).

    {"type": "about:blank", "title": "Not Found", "status": 404, "detail": "...", "instance": "/api/v1/..."}

A validation error (a serializer's, or a service's Django `ValidationError` raised through) has the type
`VALIDATION_TYPE` and an `errors` member: {field: [messages]} (messages that concern no single field under
"non_field_errors"). DRF's own handler runs first, so 401 keeps its WWW-Authenticate header and 429 its Retry-After.
"""

from http import HTTPStatus

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import JsonResponse
from django.utils.translation import gettext as _
from django.views import defaults
from rest_framework import exceptions
from rest_framework.views import exception_handler

from projects.concurrency import StaleRecordError

from .preconditions import PreconditionFailed

PROBLEM_CONTENT_TYPE = "application/problem+json"
VALIDATION_TYPE = "urn:selec-portal:problem:validation"


def _messages(detail) -> list[str]:
    """Messages as flat text, a nested error (a row of a list) prefixed with its field's name."""
    if isinstance(detail, list):
        return [message for item in detail for message in _messages(item)]
    if isinstance(detail, dict):
        return [f"{key}: {message}" for key, value in detail.items() for message in _messages(value)]
    return [str(detail)]


def django_errors(error: DjangoValidationError) -> dict[str, list[str]]:
    """A Django ValidationError's messages by field (the form's `__all__` and a message of no field:
    "non_field_errors")."""
    if not hasattr(error, "error_dict"):
        return {"non_field_errors": list(error.messages)}
    return {("non_field_errors" if name == "__all__" else name): list(m) for name, m in error.message_dict.items()}


def form_field_errors(errors) -> dict[str, list[str]]:
    """A bound form's `errors` in the API's terms."""
    return {("non_field_errors" if name == "__all__" else name): list(messages) for name, messages in errors.items()}


def problem(status: int, *, detail: str, instance: str, **members) -> dict:
    body = {"type": "about:blank", "title": HTTPStatus(status).phrase, "status": status, "detail": detail}
    body["instance"] = instance
    body.update(members)
    return body


def problem_exception_handler(exc, context):
    if isinstance(exc, StaleRecordError):  # the service found the record changed since the If-Match version
        exc = PreconditionFailed()
    elif isinstance(exc, DjangoValidationError):  # a service's refusal: the same 400 as a serializer's
        exc = exceptions.ValidationError(django_errors(exc))
    response = exception_handler(exc, context)
    if response is None:
        return None  # not an API error: Django's 500 page (and its log entry)
    request = context["request"]
    status = response.status_code
    if isinstance(exc, exceptions.ValidationError):
        detail = exc.detail if isinstance(exc.detail, dict) else {"non_field_errors": exc.detail}
        errors = {field: _messages(messages) for field, messages in detail.items()}
        response.data = problem(
            status,
            detail=_("The request has invalid fields."),
            instance=request.get_full_path(),
            errors=errors,
        )
        response.data["type"] = VALIDATION_TYPE
    else:
        detail = getattr(exc, "detail", None)
        response.data = problem(
            status,
            detail=" ".join(_messages(detail)) if detail is not None else HTTPStatus(status).description,
            instance=request.get_full_path(),
        )
    response.content_type = PROBLEM_CONTENT_TYPE
    return response


def _problem_response(request, status: int) -> JsonResponse:
    body = problem(status, detail=str(HTTPStatus(status).description), instance=request.get_full_path())
    return JsonResponse(body, status=status, content_type=PROBLEM_CONTENT_TYPE)


def _for_api(request) -> bool:
    return request.path.startswith("/api/")


# The portal's error handlers (selec_portal.urls): under /api/ an error Django answers itself, before or outside any
# API view (a NUL character refused by a middleware, an address no route matches, a crash), is a problem too.
def bad_request(request, exception):
    return _problem_response(request, 400) if _for_api(request) else defaults.bad_request(request, exception)


def permission_denied(request, exception):
    return _problem_response(request, 403) if _for_api(request) else defaults.permission_denied(request, exception)


def page_not_found(request, exception):
    return _problem_response(request, 404) if _for_api(request) else defaults.page_not_found(request, exception)


def server_error(request):
    return _problem_response(request, 500) if _for_api(request) else defaults.server_error(request)
