"""schemathesis against the API's own OpenAPI schema: every operation, with the write token of a manager of two
projects with records, a bounded number of generated requests each (the hypothesis profile `ci`): no 5xx, and every
status, content type, header and body conforms to the schema; invalid requests are refused.

All of schemathesis's checks run but one, `positive_data_acceptance` (a schema-valid request must not get 400): the
portal's rules reject requests that OpenAPI cannot describe as invalid (an opaque cursor the API did not give, a
cross-border activity in one country, an officer listed twice), and that refusal is the point of those rules."""

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from drf_spectacular.generators import SchemaGenerator
from hypothesis import HealthCheck, given, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

from api.services import token_create
from projects.services import membership_set

pytestmark = pytest.mark.django_db
METHODS = ("get", "post", "put", "patch", "delete")
# Each operation of the schema, known without a database: one test each, named after it.
OPERATIONS = [
    (method.upper(), path)
    for path, item in SchemaGenerator().get_schema(request=None, public=True)["paths"].items()
    for method in item
    if method in METHODS
]


@pytest.fixture
def bearer(manager, imobex, imobex_demo, make_activity) -> dict:
    """A write token of a manager of ATHENA2 (activities, one sensitive) and of IMOBEX (its demo records)."""
    membership_set(user=manager, project=imobex, role="manager")
    make_activity(officers=[("Officer S-1", "RO", "analyst")])
    make_activity(is_sensitive=True)
    _token, plaintext = token_create(user=manager, name="schemathesis", scope="write")
    return {"Authorization": f"Bearer {plaintext}"}


@pytest.fixture
def api_schema(bearer):
    """The schema as the portal serves it, its requests sent to the portal's WSGI application in this process (in the
    test's transaction: as Django's test client does, the requests leave the connection open)."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield schemathesis.openapi.from_wsgi("/api/v1/schema/", get_wsgi_application(), headers=bearer)
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


def test_every_operation_is_tested():
    assert len(OPERATIONS) >= 10
    assert ("POST", "/api/v1/projects/{code}/activities/") in OPERATIONS


@pytest.mark.parametrize(("method", "path"), OPERATIONS, ids=[f"{m} {p}" for m, p in OPERATIONS])
def test_the_api_answers_as_its_schema_says(api_schema, bearer, method, path):
    operation = api_schema[path][method]

    @given(case=operation.as_strategy())
    @settings(suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
    def answers_as_documented(case):
        case.call_and_validate(headers=bearer, excluded_checks=[positive_data_acceptance])

    answers_as_documented()
