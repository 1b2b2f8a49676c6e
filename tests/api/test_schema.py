"""The OpenAPI 3 schema and its documentation page, served by the portal itself within its Content Security Policy."""

import json
import subprocess
import sys
from io import StringIO

import pytest
import yaml
from django.contrib.staticfiles import finders
from django.core.management import call_command

from tests.projects.test_settings import PRODUCTION, _env
from tests.test_csp import assert_strict, inline_code

pytestmark = pytest.mark.django_db


def test_the_schema_generates_and_validates_without_warnings(tmp_path):
    path = tmp_path / "schema.yaml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(path), stdout=StringIO())
    schema = yaml.safe_load(path.read_text())
    assert schema["openapi"].startswith("3.")
    assert {"/api/v1/projects/", "/api/v1/projects/{code}/"} <= set(schema["paths"])


def test_the_schema_documents_tokens_problems_and_rate_limits(api_client, staff):
    response = api_client(staff).get("/api/v1/schema/?format=json")
    assert response.status_code == 200
    schema = json.loads(response.content)
    assert schema["components"]["securitySchemes"]["bearerAuth"] == {
        "type": "http",
        "scheme": "bearer",
        "description": schema["components"]["securitySchemes"]["bearerAuth"]["description"],
    }
    for path in ("/api/v1/projects/", "/api/v1/projects/{code}/"):
        responses = schema["paths"][path]["get"]["responses"]
        assert {"200", "304", "401", "403", "429"} <= set(responses), path
        assert "If-None-Match" in {p["name"] for p in schema["paths"][path]["get"]["parameters"]}
        assert "application/problem+json" in responses["429"]["content"]
    assert "404" in schema["paths"]["/api/v1/projects/{code}/"]["get"]["responses"]
    assert "cursor" in {p["name"] for p in schema["paths"]["/api/v1/projects/"]["get"]["parameters"]}


def test_the_schema_needs_a_token_or_a_session(client):
    assert client.get("/api/v1/schema/").status_code == 401


def test_the_documentation_page_loads_within_the_policy(client_for, staff):
    client = client_for(staff)
    response = client.get("/api/v1/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    assert inline_code(html) == []
    assert_strict(response["Content-Security-Policy"])
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in html
    for asset in ("swagger-ui-bundle.js", "swagger-ui-standalone-preset.js", "swagger-ui.css"):
        assert finders.find(f"drf_spectacular_sidecar/swagger-ui-dist/{asset}"), asset  # served by the portal
    assert "cdn" not in html and "https://" not in html

    script = client.get("/api/v1/docs/?script=")
    assert script.status_code == 200 and script["Content-Type"].startswith("application/javascript")
    assert "SwaggerUIBundle" in script.content.decode() and "/api/v1/schema/" in script.content.decode()


def test_visitors_log_in_before_reading_the_documentation(client):
    response = client.get("/api/v1/docs/")
    assert response.status_code == 302 and response["Location"].startswith("/login/")


def test_the_browsable_api_is_for_development_only():
    snippet = (
        "import django; django.setup(); from django.conf import settings; "
        "print(settings.REST_FRAMEWORK['DEFAULT_RENDERER_CLASSES'])"
    )
    result = subprocess.run([sys.executable, "-c", snippet], env=_env(**PRODUCTION), capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "['rest_framework.renderers.JSONRenderer']"


@pytest.mark.parametrize(
    ("path", "filters"),
    [
        ("/api/v1/projects/{code}/activities/", {"type", "country", "q"}),
        ("/api/v1/projects/{code}/findings/", {"crime_type", "acting_in", "indicator", "q"}),
        ("/api/v1/projects/{code}/reporting-periods/", {"kind", "submitted"}),
        ("/api/v1/notifications/", {"unread"}),
    ],
)
def test_a_list_documents_its_filters_ordering_and_cursor(api_client, staff, path, filters):
    schema = json.loads(api_client(staff).get("/api/v1/schema/?format=json").content)
    names = {parameter["name"] for parameter in schema["paths"][path]["get"]["parameters"]}
    assert {"cursor", "page_size", "ordering", *filters} <= names
