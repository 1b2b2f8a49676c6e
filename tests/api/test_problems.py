"""Every error of the API is an RFC 9457 problem (application/problem+json), validation errors with `errors`."""

import pytest
from django.core.exceptions import PermissionDenied
from rest_framework import exceptions
from rest_framework.test import APIRequestFactory

from api.problems import PROBLEM_CONTENT_TYPE, VALIDATION_TYPE, problem_exception_handler

pytestmark = pytest.mark.django_db


def handle(exc):
    request = APIRequestFactory().post("/api/v1/things/?x=1")
    return problem_exception_handler(exc, {"request": request, "view": None})


def test_a_validation_error_names_each_field_with_its_messages():
    response = handle(exceptions.ValidationError({"title": ["This field is required."], "end": ["Before start."]}))
    assert response.status_code == 400 and response.content_type == PROBLEM_CONTENT_TYPE
    assert response.data == {
        "type": VALIDATION_TYPE,
        "title": "Bad Request",
        "status": 400,
        "detail": "The request has invalid fields.",
        "instance": "/api/v1/things/?x=1",
        "errors": {"title": ["This field is required."], "end": ["Before start."]},
    }


def test_a_validation_error_of_no_field_is_under_non_field_errors():
    response = handle(exceptions.ValidationError(["The dates overlap."]))
    assert response.data["errors"] == {"non_field_errors": ["The dates overlap."]}


def test_nested_validation_messages_are_flattened_to_text():
    response = handle(exceptions.ValidationError({"officers": [{"person": ["Unknown."]}]}))
    assert response.data["errors"] == {"officers": ["person: Unknown."]}


def test_a_services_validation_error_is_the_same_400_problem():
    from django.core.exceptions import ValidationError

    response = handle(ValidationError({"end_date": ["The end comes before the start."]}))
    assert response.status_code == 400 and response.data["type"] == VALIDATION_TYPE
    assert response.data["errors"] == {"end_date": ["The end comes before the start."]}
    assert handle(ValidationError("Already validated.")).data["errors"] == {"non_field_errors": ["Already validated."]}


@pytest.mark.parametrize(
    ("exc", "status", "title"),
    [
        (exceptions.NotAuthenticated(), 401, "Unauthorized"),
        (PermissionDenied(), 403, "Forbidden"),
        (exceptions.MethodNotAllowed("PUT"), 405, "Method Not Allowed"),
        (exceptions.Throttled(wait=12), 429, "Too Many Requests"),
    ],
)
def test_other_errors_have_the_plain_http_type_and_title(exc, status, title):
    response = handle(exc)
    assert response.status_code == status
    assert (response.data["type"], response.data["title"], response.data["status"]) == ("about:blank", title, status)
    assert response.data["detail"] and "errors" not in response.data
    if status == 429:
        assert response["Retry-After"] == "12"


def test_an_unexpected_error_is_left_to_django():
    assert handle(ValueError("bug")) is None


def test_errors_django_answers_itself_are_problems_under_the_api(api_client, staff):
    client = api_client(staff)
    nul = client.get("/api/v1/projects/", {"cursor": "a\x00b"})  # refused by a middleware, before any view
    assert nul.status_code == 400 and nul["Content-Type"] == "application/problem+json"
    assert nul.json()["status"] == 400
    unroutable = client.get("/api/v1/projects/A%0AB/activities/-1/evaluations/")  # no route matches
    assert unroutable.status_code == 404 and unroutable["Content-Type"] == "application/problem+json"


def test_the_pages_keep_their_own_error_pages(client_for, staff):
    response = client_for(staff).get("/projects/", {"q": "a\x00b"})
    assert response.status_code == 400 and response["Content-Type"].startswith("text/html")
