"""The query budget: every page any role can reach runs at most 20 SQL queries, and the same number whatever the data.

A GET of every URL of the permission matrix (`tests/permission_matrix.py`), as every role the matrix answers with
200, is counted with the cache emptied first (cold: every number computed afresh, as after any save):
- at most `BUDGET` (15) queries of the page's own, beyond the fixed per-request overhead (`OVERHEAD`, at most 5),
  so at most 20 in all;
- the same count on the matrix's small data set (10 demo activities) and on a big one (`BIG_ACTIVITIES` demo
  activities, and every list grown past its first page: events, registrations, people, tasks, deliverables,
  findings, jobs, audit entries...).

The fixed overhead of a signed-in request, counted on a trivial page (`test_the_fixed_overhead...`):
- the session (1 query) and the user (1);
- the session's write, at most once a minute (`IdleSessionMiddleware`'s last activity; 1);
- the second factor's re-check, every few minutes (`SecondFactorRequiredMiddleware`: the user's roles and
  authenticators; up to 2);
- an audit entry of a consultation, on the pages that list people or show a sensitive record (1 INSERT).
The writes and the re-check happen on some requests only: the budget test counts requests in the steady state
(the session was written and the second factor checked just before), where the overhead is the session and the
user (2 queries); the consultation's INSERT is part of the page's count. Axes reads nothing outside the login.

Savepoint statements (`SAVEPOINT`, `RELEASE SAVEPOINT`) are not counted: they are transaction control, and the
tests' transaction turns the `BEGIN`/`COMMIT` of production into them.

Not here: the Django admin's URLs; tests/test_admin_scale.py pins every changelist, add and change form and
autocomplete answer of every registered admin with the same budget, at 20 and at 2,000 activities.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.sessions.backends.db import SessionStore
from django.core.cache import cache
from django.db import connection, transaction
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext

from tests.permission_matrix import ROLES, URLS, Data, rows_of
from tests.test_permission_matrix import EXCLUDED, PATTERNS, address, is_admin

pytestmark = pytest.mark.django_db

BUDGET = 15  # the page's own queries
OVERHEAD = 5  # the fixed per-request overhead, at most (see the module's docstring)
STEADY_OVERHEAD = 2  # the session and the user, on every signed-in request
BIG_ACTIVITIES = 2000

TIMES = {}
SKIPPED_STATEMENTS = ("SAVEPOINT", "RELEASE SAVEPOINT", "ROLLBACK TO SAVEPOINT")


@dataclass(frozen=True)
class Page:
    key: str
    index: int
    label: str
    role: str

    @property
    def id(self) -> str:
        label = f"[{self.label}]" if self.label else ""
        return f"{self.key}{label}-{self.role}"


def _pages() -> list[Page]:
    pages = []
    for key in sorted(PATTERNS):
        if key in EXCLUDED or is_admin(key) or key not in URLS:
            continue
        for index, row in enumerate(rows_of(key)):
            for role in ROLES:
                if row.get[role] == 200:
                    pages.append(Page(key, index, row.label, role))
    return pages


PAGES = _pages()


def queries_of(captured: list[dict]) -> list[str]:
    return [q["sql"] for q in captured if not q["sql"].startswith(SKIPPED_STATEMENTS)]


# The fixed overhead's queries, as they start (see the module's docstring).
OVERHEAD_STATEMENTS = {
    "session": 'SELECT "django_session"',
    "session write": 'UPDATE "django_session"',
    "user": 'SELECT "auth_user"."id", "auth_user"."password"',
    "audit entry": 'INSERT INTO "projects_auditevent"',
}


def is_overhead(sql: str) -> bool:
    return sql.startswith(tuple(OVERHEAD_STATEMENTS.values()))


def own(sql: list[str]) -> list[str]:
    """The page's own queries: without the fixed overhead."""
    return [q for q in sql if not is_overhead(q)]


def steady(cookie: str | None) -> None:
    """Put a signed-in session in the steady state: last activity and the second factor's check just done."""
    if not cookie:
        return
    from accounts import services
    from projects.middleware import IdleSessionMiddleware

    session = SessionStore(session_key=cookie)
    now = int(time.time())
    session[IdleSessionMiddleware.LAST_SEEN] = now
    session[services.SECOND_FACTOR_CHECKED] = now
    session.save()


def measure(data: Data, cookies: dict, pages: list[Page]) -> dict[Page, list[str]]:
    """The SQL of a cold GET of each page."""
    found = {}
    for page in pages:
        row = rows_of(page.key)[page.index]
        url = address(page.key, row.kwargs(data))
        client = Client()
        if cookies.get(page.role):
            client.cookies[settings.SESSION_COOKIE_NAME] = cookies[page.role]
        steady(cookies.get(page.role))
        cache.clear()
        started = time.monotonic()
        with transaction.atomic():  # each page in a savepoint of its own: what it writes is rolled back
            with CaptureQueriesContext(connection) as ctx:
                response = client.get(url)
                if response.streaming:
                    b"".join(response.streaming_content)
            transaction.set_rollback(True)
        assert response.status_code == 200, f"GET {url} as {page.role}: {response.status_code}"
        found[page] = queries_of(ctx.captured_queries)
        TIMES[page] = time.monotonic() - started
    return found


def _world(build, pages):
    """Build a data set, sign the roles in, measure the pages; all in a transaction rolled back at the end."""
    atomic = transaction.atomic()
    atomic.__enter__()
    try:
        started = time.monotonic()
        data = build()
        print(f"built in {time.monotonic() - started:.0f}s")
        cookies = {}
        for role, user in data.users.items():
            if user is not None:
                client = Client()
                client.force_login(user)
                cookies[role] = client.cookies[settings.SESSION_COOKIE_NAME].value
        return measure(data, cookies, pages)
    finally:
        transaction.set_rollback(True)
        atomic.__exit__(None, None, None)


def build_small() -> Data:
    from tests.permission_matrix import build_data_set

    return build_data_set(get_user_model())


def build_big() -> Data:
    from tests.permission_matrix import build_data_set
    from tests.query_budget_growth import grow

    data = build_data_set(get_user_model(), activities=BIG_ACTIVITIES)
    grow(data)
    return data


@pytest.fixture(scope="module")
def counts(django_db_setup, django_db_blocker, tmp_path_factory):
    """{page: (SQL on the small data set, SQL on the big one)}."""
    # Incremental sync lists a change once it is PORTAL_API_SYNC_SETTLE_SECONDS old (production's guard against a
    # transaction committing late): here the data were written a moment ago, and the sync pages must list them.
    media = str(tmp_path_factory.mktemp("budget-media"))
    with django_db_blocker.unblock(), override_settings(MEDIA_ROOT=media, PORTAL_API_SYNC_SETTLE_SECONDS=0):
        started = time.monotonic()
        small = _world(build_small, PAGES)
        print(f"small: {time.monotonic() - started:.0f}s")
        big = _world(build_big, PAGES)
        print(f"big: {time.monotonic() - started:.0f}s")
    measured = {page: (small[page], big[page]) for page in PAGES}
    _write_report(measured)
    return measured


def _write_report(counts: dict) -> None:
    """With QUERY_BUDGET_REPORT=path, the counts of every page as a table (small, big), then every page's SQL."""
    import os

    path = os.environ.get("QUERY_BUDGET_REPORT")
    if not path:
        return
    with open(path, "w") as out:
        for page, (small, big) in counts.items():
            out.write(f"{page.id}\t{len(small)}\t{len(big)}\t{len(own(small))}\t{len(own(big))}\t{TIMES[page]:.2f}\n")
        out.write("\n")
        for page, (small, big) in counts.items():
            out.write(f"## {page.id} {len(small)} {len(big)}\nsmall:\n{_listing(small)}\nbig:\n{_listing(big)}\n")


def _listing(sql: list[str]) -> str:
    return "\n".join(f"  {n}. {q[:300]}" for n, q in enumerate(sql, 1))


def check(page: Page, small: list[str], big: list[str]) -> None:
    for sql in (small, big):
        assert len(sql) - len(own(sql)) <= OVERHEAD, f"{page.id}: overhead over {OVERHEAD}:\n{_listing(sql)}"
        assert len(own(sql)) <= BUDGET, f"{page.id}: {len(own(sql))} queries (budget {BUDGET}):\n{_listing(sql)}"
    assert len(own(big)) == len(own(small)), (
        f"{page.id}: {len(own(small))} queries on the small data set, {len(own(big))} on the big one:\n"
        f"small:\n{_listing(small)}\nbig:\n{_listing(big)}"
    )


@pytest.mark.parametrize("page", PAGES, ids=lambda page: page.id)
def test_page_stays_within_the_query_budget_whatever_the_data(page: Page, counts):
    small, big = counts[page]
    check(page, small, big)


# --- the fixed overhead --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["staff", "manager"])
def test_the_fixed_overhead_of_a_signed_in_request_is_at_most_five_queries(role, request, client):
    """A page that reads nothing of its own (allauth's password change), at the first request of a session (the
    session written, the second factor checked) and in the steady state (the session and the user only)."""
    from django.urls import reverse

    client.force_login(request.getfixturevalue(role))
    url = reverse("account_change_password")
    with CaptureQueriesContext(connection) as first:
        assert client.get(url).status_code == 200
    with CaptureQueriesContext(connection) as then:
        assert client.get(url).status_code == 200

    first, then = queries_of(first.captured_queries), queries_of(then.captured_queries)
    assert len(first) <= OVERHEAD, _listing(first)
    assert len(then) == STEADY_OVERHEAD and not own(then), _listing(then)
    assert len(first) + 1 <= OVERHEAD, "no room left for a consultation's audit entry:\n" + _listing(first)
