"""Every URL of the portal, as every role, with GET and POST, gets the answer `tests/permission_matrix.py` expects.

The patterns come from the URLconf itself (`get_resolver()`), so a new URL without a row in the table fails
`test_every_url_has_a_row`. One data set is built for the module inside a transaction that is rolled back at the
end, and each case runs in a savepoint of its own: a POST that writes leaves nothing for the next case.

A refused POST (403, 404, 405, 400, or the redirect to the login page) must write nothing: PostgreSQL's counters of
the rows this transaction inserted, updated and deleted in each table (`pg_stat_xact_user_tables`, one cheap query)
are the same before and after. They count every write, even one rolled back or one that puts back the same values.

The admin is one rule for all its patterns (`admin_row`): superusers only. Project roles mean nothing there, so
its patterns are requested as a visitor, a manager (the strongest project role), an `is_staff` user and a
superuser; every other URL as every role.

CSRF: every POST without a token, from a client that enforces the checks (`enforce_csrf_checks=True`), is refused
with 403 and changes nothing; with a token the same POST is not refused (so the 403 is CSRF's).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.db import connection, transaction
from django.db.models import F
from django.http import HttpResponseRedirect
from django.shortcuts import resolve_url
from django.test import Client, override_settings
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from tests.permission_matrix import EXCLUDED, LOGIN, LOGOUTS, REFUSALS, ROLES, URLS, Data, Row, admin_row, rows_of

# Tables a request may write without changing anything of the portal's: the session store (a signed-in request
# refreshes the session's last activity, at most once a minute).
UNFINGERPRINTED = ("django_session",)
ADMIN_ROLES = ("anonymous", "manager", "django_staff", "admin")


def url_patterns(patterns=None, prefix: str = "", namespace: str = "") -> dict[str, tuple[str, bool]]:
    """Every pattern of the URLconf: {"namespace:name" (or "namespace:route" when unnamed): (route, named)}."""
    found: dict[str, tuple[str, bool]] = {}
    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            found.update(url_patterns(pattern.url_patterns, prefix + str(pattern.pattern), inner))
        elif isinstance(pattern, URLPattern):
            route = prefix + str(pattern.pattern)
            found.setdefault(namespace + (pattern.name or route), (route, bool(pattern.name)))
    return found


PATTERNS = {key: route for key, (route, _) in url_patterns().items()}
NAMED = {key for key, (_, named) in url_patterns().items() if named}


def is_admin(key: str) -> bool:
    return key.startswith("admin:")


@dataclass(frozen=True)
class Case:
    key: str  # the URL's name (or route)
    index: int  # which row of the URL (a URL may have several: sensitive or not...)
    label: str
    method: str
    role: str

    @property
    def id(self) -> str:
        label = f"[{self.label}]" if self.label else ""
        return f"{self.key}{label}-{self.method}-{self.role}"


def _cases() -> list[Case]:
    cases = []
    for key in sorted(PATTERNS):
        if key in EXCLUDED:
            continue
        if is_admin(key):
            labelled = [(0, "")]
        elif key in URLS:
            labelled = [(i, row.label) for i, row in enumerate(rows_of(key))]
        else:
            continue  # test_every_url_has_a_row names it
        for index, label in labelled:
            for method in ("GET", "POST"):
                for role in ADMIN_ROLES if is_admin(key) else ROLES:
                    cases.append(Case(key, index, label, method, role))
    return cases


CASES = _cases()


# --- the data set, the clients and the fingerprint ------------------------------------------------------------------


@dataclass
class World:
    data: Data
    cookies: dict  # role -> the session cookie of a signed-in client

    def row(self, case_key: str, index: int) -> Row:
        if is_admin(case_key):
            row = admin_row(case_key, self.data)
            assert row is not None, f"the data set gives no arguments for the admin URL {case_key}"
            return row
        return rows_of(case_key)[index]

    def client(self, role: str, **options) -> Client:
        client = Client(**options)
        if self.cookies.get(role):
            client.cookies[settings.SESSION_COOKIE_NAME] = self.cookies[role]
        return client

    def fingerprint(self) -> list[tuple]:
        """The rows this transaction has inserted, updated and deleted so far, per table."""
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT relname, n_tup_ins, n_tup_upd, n_tup_del FROM pg_stat_xact_user_tables"
                " WHERE relname <> ALL(%s) AND n_tup_ins + n_tup_upd + n_tup_del > 0 ORDER BY relname",
                [list(UNFINGERPRINTED)],
            )
            return cursor.fetchall()


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker, tmp_path_factory):
    """The data set and a signed-in session per role, in a transaction rolled back when the module ends."""
    with django_db_blocker.unblock(), override_settings(MEDIA_ROOT=str(tmp_path_factory.mktemp("matrix-media"))):
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            data = build_world_data()
            cookies = {}
            for role, user in data.users.items():
                if user is not None:
                    client = Client()
                    client.force_login(user)
                    cookies[role] = client.cookies[settings.SESSION_COOKIE_NAME].value
            yield World(data=data, cookies=cookies)
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


def build_world_data() -> Data:
    from tests.permission_matrix import build_data_set

    return build_data_set(get_user_model())


@pytest.fixture
def savepoint(world, db):
    """The case's savepoint (pytest-django's transaction of the test, nested in the module's), rolled back after it;
    the cache (allauth's rate limits, cached pages) emptied, so that no case counts against another."""
    cache.clear()
    return world


def _send(client: Client, method: str, url: str, data: dict | None = None, row: Row | None = None, world=None):
    response = client.get(url) if method == "GET" else _post(client, url, data or {}, row, world)
    if response.streaming:
        b"".join(response.streaming_content)  # run the export to its end (errors show up here); the client closes it
    return response


def _answer(response) -> int | str:
    """The status, or LOGIN for a redirect to the login page (the portal's, or the admin's that leads to it)."""
    logins = {resolve_url(settings.LOGIN_URL), reverse("admin:login")}
    if isinstance(response, HttpResponseRedirect) and response["Location"].split("?")[0] in logins:
        return LOGIN
    return response.status_code


def _post(client: Client, url: str, data: dict, row: Row | None, world, headers: dict | None = None):
    """A POST as the row sends it: form fields, or for the API a JSON body with the row's headers (If-Match)."""
    if row is None or not row.json:
        return client.post(url, data)
    headers = {**(row.headers(world.data) if row.headers else {}), **(headers or {})}
    return client.post(url, json.dumps(data), content_type="application/json", headers=headers)


# --- the tests ------------------------------------------------------------------------------------------------------


def test_every_url_has_a_row():
    missing = sorted(key for key in PATTERNS if key not in URLS and key not in EXCLUDED and not is_admin(key))
    assert not missing, f"URLs without a row in tests/permission_matrix.py: {missing}"


def test_every_row_names_a_url():
    gone = sorted(key for key in [*URLS, *EXCLUDED] if key not in PATTERNS)
    assert not gone, f"rows of tests/permission_matrix.py whose URL is gone: {gone}"


def test_the_matrix_covers_every_role_and_method_of_every_url():
    assert {case.key for case in CASES} == {key for key in PATTERNS if key not in EXCLUDED}
    for key in {case.key for case in CASES}:
        roles = ADMIN_ROLES if is_admin(key) else ROLES
        rows = 1 if is_admin(key) else len(rows_of(key))
        assert sum(case.key == key for case in CASES) == rows * len(roles) * 2, key


def test_the_fingerprint_sees_every_write_even_one_that_changes_nothing(world, db):
    from projects.models import Project

    before = world.fingerprint()
    Project.objects.filter(code="ATHENA2").update(name=F("name"))
    assert _changes(before, world.fingerprint()) == ["projects_project"]


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.id)
def test_permission(case: Case, savepoint: World):
    world = savepoint
    row = world.row(case.key, case.index)
    expected = (row.get if case.method == "GET" else row.post)[case.role]
    url = address(case.key, row.kwargs(world.data))
    refused_post = case.method == "POST" and expected in REFUSALS and case.key not in LOGOUTS
    before = world.fingerprint() if refused_post else None

    body = row.data(world.data) if row.data else None
    answer = _answer(_send(world.client(case.role), case.method, url, body, row, world))

    assert answer == expected, f"{case.method} {url} as {case.role}: {answer}, expected {expected}"
    if refused_post:
        assert _changes(before, world.fingerprint()) == [], f"a refused POST to {url} changed the database"


def address(key: str, kwargs: dict) -> str:
    """The URL of a pattern: reversed by name, or for an unnamed one (the admin's) its route filled in."""
    if key in NAMED:
        return reverse(key, kwargs=kwargs)
    route = PATTERNS[key]
    if route.endswith("(?P<url>.*)$"):
        return "/" + route.replace("(?P<url>.*)$", kwargs["url"])
    return "/" + re.sub(r"<(?:\w+:)?(\w+)>", lambda m: str(kwargs[m.group(1)]), route)


def _changes(before: list[tuple], after: list[tuple]) -> list[str]:
    """The tables written between two fingerprints."""
    return sorted({row[0] for row in set(after) - set(before)})


# --- CSRF ------------------------------------------------------------------------------------------------------------

# URLs that accept a POST without a CSRF token, with the reason. None: every form and action is protected, the
# survey of the participants (no account) and the login page included.
CSRF_EXEMPT: dict[str, str] = {}


def _csrf_cases() -> list[tuple[str, int]]:
    cases = []
    for key in sorted(PATTERNS):
        if key in EXCLUDED or key in CSRF_EXEMPT or (key not in URLS and not is_admin(key)):
            continue
        if is_admin(key):
            cases.append((key, 0))
        else:
            cases.extend((key, index) for index in range(len(rows_of(key))))
    return cases


CSRF_CASES = _csrf_cases()
LEAST_PRIVILEGED = ("anonymous", "viewer", "other", "staff", "manager", "admin", "django_staff")


def _allowed_role(row: Row) -> str | None:
    """The least privileged role whose POST the matrix does not refuse (None: nobody may POST here)."""
    return next((role for role in LEAST_PRIVILEGED if row.post[role] not in REFUSALS), None)


@pytest.mark.parametrize(("key", "index"), CSRF_CASES, ids=lambda v: str(v))
def test_post_without_csrf_token_is_refused(key: str, index: int, savepoint: World):
    world = savepoint
    row = world.row(key, index)
    role = _allowed_role(row)
    if role is None:
        pytest.skip("no role may POST here (the matrix proves every POST is refused)")
    url = address(key, row.kwargs(world.data))
    before = world.fingerprint()

    response = _post(
        world.client(role, enforce_csrf_checks=True), url, row.data(world.data) if row.data else {}, row, world
    )

    assert response.status_code == 403, f"POST {url} as {role} without a CSRF token: {response.status_code}"
    assert b"CSRF" in response.content or b"csrf" in response.content.lower()
    assert _changes(before, world.fingerprint()) == []

    token = "a" * 32  # a valid secret: the cookie and the form carry the same one
    client = world.client(role, enforce_csrf_checks=True)
    client.cookies[settings.CSRF_COOKIE_NAME] = token
    response = _send_with_token(client, url, token, row.data(world.data) if row.data else {}, row, world)
    assert response.status_code != 403, f"POST {url} as {role} with a CSRF token is still refused"


def _send_with_token(client: Client, url: str, token: str, data: dict, row: Row, world):
    if row.json:  # the API takes the token in its header (REST framework's check for a session)
        response = _post(client, url, data, row, world, headers={"X-CSRFToken": token})
    else:
        response = client.post(url, {**data, "csrfmiddlewaretoken": token})
    if response.streaming:
        b"".join(response.streaming_content)
    return response
