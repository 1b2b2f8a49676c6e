"""The events, registrations and check-in answer as the schema says with real records (schemathesis's generated
requests rarely name an event that exists): every operation once with valid data, each answer checked by
schemathesis against the schema (status, content type, headers, body)."""

from datetime import timedelta

import pytest

from conferences.models import Session
from tests.api.test_schemathesis import api_schema, bearer  # noqa: F401 (the fixtures)
from tests.conferences.conftest import TODAY, make_event, make_person, register

pytestmark = pytest.mark.django_db
EVENTS = "/api/v1/projects/{code}/events/"
EVENT = EVENTS + "{id}/"  # drf-spectacular names a pk `id`
REGISTRATION = EVENT + "registrations/{rid}/"


def test_every_operation_answers_as_documented_with_real_records(api_schema, bearer, athena):  # noqa: F811
    event = make_event(athena, start_date=TODAY - timedelta(days=1), days=2, capacity=10)
    Session.objects.create(event=event, title="Opening", day=event.start_date, starts_at="09:00", ends_at="10:00")
    registration = register(event, make_person("A. Present"), attended_days=[event.start_date])
    register(event, make_person("B. Absent"))
    ids = {"code": "ATHENA2", "id": event.pk, "rid": registration.pk}
    day = str(event.start_date)
    new_event = {"kind": "workshop", "title": "Planned", "start_date": day, "end_date": day, "online": True}
    calls = [
        ("GET", EVENTS, {"query": {"kind": "workshop", "ordering": "title"}}),
        ("GET", EVENT, {}),
        ("GET", EVENTS + "changes/", {}),
        ("GET", EVENT + "registrations/", {"query": {"attended": "true"}}),
        ("GET", REGISTRATION, {}),
        ("POST", REGISTRATION + "attendance/", {"body": {"day": day, "present": False}}),
        ("DELETE", REGISTRATION + "attendance/", {"query": {"day": day}}),
        ("POST", EVENT + "no-shows/", {"body": {"day": day}}),
        ("POST", EVENT + "registrations/", {"body": {"name": "C. New", "country": "BG", "role": "speaker"}}),
        ("PATCH", EVENT, {"body": {"title": "Renamed"}, "headers": {"If-Match": '"0"'}}),
        ("POST", EVENT + "transition/", {"body": {"status": "cancelled"}, "headers": {"If-Match": '"1"'}}),
        ("POST", EVENTS, {"body": new_event, "headers": {"Idempotency-Key": "plan-1"}}),
        ("DELETE", REGISTRATION, {}),
    ]
    for method, path, parts in calls:
        operation = api_schema[path][method]
        names = [p.name for p in operation.path_parameters]
        case = operation.Case(path_parameters={name: ids[name] for name in names}, **parts)
        response = case.call_and_validate(headers=bearer)
        assert response.status_code < 300, (method, path, response.status_code, response.text)
