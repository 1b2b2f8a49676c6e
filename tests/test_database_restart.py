"""PostgreSQL restarted (its connections cut): the portal reconnects at the next request, without a restart.

Connections are kept between requests (CONN_MAX_AGE) and checked before reuse (CONN_HEALTH_CHECKS). The requests go
through Django's real WSGI handler, as gunicorn calls it (the test client skips the start-of-request check), on the
thread whose connection PostgreSQL terminates."""

from __future__ import annotations

import json
import sys

import psycopg2
import pytest
from django.core.handlers.wsgi import WSGIHandler
from django.db import connection
from django.test import Client
from django.test.client import FakePayload

from tests.redis_server import free_port


def _get(path: str, cookie: str = "") -> int:
    environ = {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": path,
        "HTTP_HOST": "testserver",
        "SERVER_NAME": "testserver",
        "SERVER_PORT": "80",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
        "HTTP_COOKIE": cookie,
        "wsgi.url_scheme": "http",
        "wsgi.input": FakePayload(b""),
        "wsgi.errors": sys.stderr,
    }
    status = []
    response = WSGIHandler()(environ, lambda line, headers, exc_info=None: status.append(int(line.split()[0])))
    b"".join(response)
    response.close()  # request_finished: what the server does after sending the answer
    return status[0]


def _terminate_the_portals_connection() -> int:
    """What a PostgreSQL restart does to the portal's connection: the server ends it. Returns its process id."""
    pid = connection.connection.get_backend_pid()
    db = connection.settings_dict
    with psycopg2.connect(
        dbname=db["NAME"], user=db["USER"], password=db["PASSWORD"], host=db["HOST"], port=db["PORT"]
    ) as admin:
        with admin.cursor() as cursor:
            cursor.execute("SELECT pg_terminate_backend(%s)", [pid])
            assert cursor.fetchone()[0] is True
    admin.close()
    return pid


@pytest.fixture
def signed_in(transactional_db, client, staff) -> str:
    """A signed-in session, on connections kept between requests as production keeps them (the settings' default,
    60 s; `make test` turns keeping off for the rest of the suite with DATABASE_CONN_MAX_AGE=0)."""
    client.force_login(staff)
    connection.close()
    kept = connection.settings_dict["CONN_MAX_AGE"]
    connection.settings_dict["CONN_MAX_AGE"] = 60
    yield f"sessionid={client.cookies['sessionid'].value}"
    connection.close()
    connection.settings_dict["CONN_MAX_AGE"] = kept


def test_after_postgresql_ends_the_portals_connection_the_next_request_succeeds(signed_in):
    assert connection.settings_dict["CONN_MAX_AGE"] > 0 and connection.settings_dict["CONN_HEALTH_CHECKS"]
    assert _get("/", signed_in) == 200
    old = _terminate_the_portals_connection()
    assert _get("/", signed_in) == 200
    assert connection.connection.get_backend_pid() != old  # a new connection, opened by the request


def test_without_health_checks_the_first_request_after_a_restart_fails(signed_in, settings):
    """What CONN_HEALTH_CHECKS saves users from: the request that meets the dead connection answers 500."""
    connection.close()
    connection.settings_dict["CONN_HEALTH_CHECKS"] = False
    try:
        assert _get("/", signed_in) == 200
        _terminate_the_portals_connection()
        assert _get("/", signed_in) == 500
        assert _get("/", signed_in) == 200  # the failed request's end closed the broken connection
    finally:
        connection.close()
        connection.settings_dict["CONN_HEALTH_CHECKS"] = True


def test_healthz_answers_503_when_the_database_is_down(transactional_db):
    port = connection.settings_dict["PORT"]
    connection.close()
    connection.settings_dict["PORT"] = str(free_port())  # nothing listens there: PostgreSQL is down
    try:
        response = Client().get("/healthz")
    finally:
        connection.close()
        connection.settings_dict["PORT"] = port
    body = json.loads(response.content)
    assert response.status_code == 503 and body["status"] == "unavailable"
    assert body["database"].startswith("error") and body["outbox"].startswith("error")
    assert body["cache"] == "ok" and body["broker"] == "ok"
