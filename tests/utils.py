"""Helpers shared by the test modules."""

from collections.abc import Callable

from django.db import connection
from django.test.utils import CaptureQueriesContext


def count_queries(action: Callable[[], object]) -> int:
    with CaptureQueriesContext(connection) as ctx:
        action()
    return len(ctx.captured_queries)


def get_ok(client, url: str):
    response = client.get(url)
    assert response.status_code == 200, f"{url} answered {response.status_code}"
    return response
