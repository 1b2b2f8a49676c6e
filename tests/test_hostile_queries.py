"""Whatever a user types into a query string, no page, list, search or export answers a server error.

Each list, search and export is asked with every parameter it reads (its filter form's fields, its pager and its
own parameters) set to hostile values: out-of-range and malformed numbers and dates, markup, a NUL byte, very long
text. The answer is the page with a message, the page without the filter, or a refusal (400/404): never 5xx.
"""

from __future__ import annotations

import pytest

from projects.models import Workstream
from tests.conferences.conftest import make_event

HOSTILE = [
    "0",
    "-1",
    "99999999999999999999",
    "1e309",
    "abc",
    "0001-01-01",
    "9999-12-31",
    "2025-02-30",
    "<script>alert(1)</script>",
    "\x00",
    "' OR 1=1 --",
    "x" * 3000,
]
COMMON = ["page", "q", "sort", "format"]


@pytest.fixture
def pages(athena):
    event = make_event(athena, title="Hostile workshop")
    ws = Workstream.objects.filter(project=athena).order_by("number").first()
    a = "/projects/ATHENA2"
    return {
        "/": [],
        f"{a}/": [],
        f"{a}/timeline/": ["which", "kind"],
        f"{a}/workstreams/{ws.number}/": [],
        f"{a}/dashboard/": ["period", "since", "until", "country"],
        f"{a}/dashboard/export.csv": ["period", "since", "until", "country"],
        f"{a}/dashboard/due/": ["which", "kind", "since", "until", "country", "period"],
        f"{a}/activities/": None,  # None: the filter form's fields
        f"{a}/activities/export.csv": "list:activities",
        f"{a}/activities/export.xlsx": "list:activities",
        "/pick/organisations/": ["q", "exclude"],
        f"{a}/pick/activities/": ["q", "exclude"],
        f"{a}/pick/officers/": ["q", "exclude"],
        f"{a}/pick/participants/": ["q", "exclude"],
        f"{a}/pick/members/": ["q", "exclude"],
        f"{a}/activities/spocs/": [],
        f"{a}/activities/spocs/export.csv": [],
        f"{a}/activities/numbers/": [],
        f"{a}/events/": None,
        f"{a}/events/export.csv": "list:events",
        f"{a}/events/export.xlsx": "list:events",
        f"{a}/events/best-practices/": None,
        f"{a}/events/best-practices/export.csv": "list:events/best-practices",
        "/best-practices/": None,
        f"{a}/events/{event.pk}/": [],
        f"{a}/events/{event.pk}/registrations/": [],
        f"{a}/events/{event.pk}/registrations/export.csv": [],
        f"{a}/events/{event.pk}/check-in/": ["day"],
        f"{a}/events/{event.pk}/statistics/": [],
        f"{a}/events/compare/": [],
        f"{a}/reports/": [],
        "/notifications/": [],
    }


def _parameters(client, url: str, spec) -> list[str]:
    if isinstance(spec, str):  # an export: the fields of its list's filter
        return _parameters(client, f"/projects/ATHENA2/{spec.removeprefix('list:')}/", None)
    if spec is None:
        context = client.get(url).context
        form = context["filter"].form if "filter" in context else context["form"]
        return [*form.fields, *COMMON]
    return [*spec, *COMMON]


def test_no_query_string_makes_a_server_error(client_for, manager, pages):
    client = client_for(manager)
    client.raise_request_exception = False  # a server error is a 500 answer, counted below
    failures = []
    for url, spec in pages.items():
        assert client.get(url).status_code == 200, url
        for name in _parameters(client, url, spec):
            for value in HOSTILE:
                status = client.get(url, {name: value}).status_code
                if status >= 500:
                    failures.append((url, name, value[:20], status))
    assert failures == []


def test_a_nul_character_in_the_query_string_is_a_bad_request(client_for, manager, athena):
    client = client_for(manager)
    assert client.get("/projects/ATHENA2/pick/related-activities/", {"q": "a\x00b"}).status_code == 400
    assert client.get("/projects/ATHENA2/dashboard/export.csv", {"since": "\x00"}).status_code == 400


def test_the_audit_trail_stores_no_nul_character(manager, athena):
    from projects.models import AuditEvent
    from projects.services import audit_log

    event = audit_log(user=manager, action=AuditEvent.Action.EXPORT, project=athena, details={"q": ["a\x00b"]})
    event.refresh_from_db()
    assert event.details == {"q": ["ab"]}
