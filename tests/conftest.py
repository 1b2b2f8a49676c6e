"""The suite's shared world: the SELEC reference data and one set of users with every role.

Users (all members of ATHENA2 unless said otherwise):
- `admin`: a superuser;
- `manager`, `staff`, `viewer`: the three project roles in ATHENA2;
- `outsider`: staff of IMOBEX only, who must never see ATHENA2.

With PORTAL_REQUIRE_SERVICES=1 (as `make test` sets) a missing PostgreSQL or Redis fails the run at once.
"""

from __future__ import annotations

import os
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings

from projects.models import Membership, Project
from projects.services import membership_set, reference_data_load

PASSWORD = "correct-horse-battery-staple"
# Managers and admins must use a second factor (accounts.policy): the fixtures give them an authenticator app with
# this secret; `accounts.forms.totp_current_code(TOTP_SECRET)` is the code it shows now.
TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


def enrol_second_factor(user):
    """Give `user` the tests' authenticator app (and recovery codes), as a manager or an admin must have. Straight
    through allauth, as create_user is straight through Django: a fixture, not an event of the audit trail."""
    from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
    from allauth.mfa.totp.internal.auth import TOTP

    TOTP.activate(user, TOTP_SECRET)
    RecoveryCodes.activate(user)
    return user


# Property-based tests (hypothesis): `ci` (the default) runs a bounded number of examples with no deadline, as the
# pages under test hit the database; `HYPOTHESIS_PROFILE=dev` runs many more.
_HYPOTHESIS = {
    "deadline": None,
    "suppress_health_check": [HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
    "print_blob": True,
}
hypothesis_settings.register_profile("ci", max_examples=15, database=None, **_HYPOTHESIS)
hypothesis_settings.register_profile("dev", max_examples=200, **_HYPOTHESIS)
hypothesis_settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


def _require_services() -> None:
    from django.conf import settings

    problems = []
    engine = settings.DATABASES["default"]["ENGINE"]
    if "postgresql" not in engine:
        problems.append(f"DATABASE_URL must point at PostgreSQL (engine is {engine})")
    if not settings.REDIS_URL:
        problems.append("REDIS_URL is not set")
    else:
        import redis

        try:
            redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=3).ping()
        except redis.RedisError as exc:
            problems.append(f"Redis at {settings.REDIS_URL} does not answer: {exc}")
    if problems:
        pytest.exit("Required services are missing: " + "; ".join(problems), returncode=3)


def pytest_sessionstart(session):
    if os.environ.get("PORTAL_REQUIRE_SERVICES") == "1":
        _require_services()


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        reference_data_load()


@pytest.fixture
def selec(db) -> dict[str, Project]:
    """The three projects by code (reloaded if a transactional test flushed them)."""
    if not Project.objects.exists():
        reference_data_load()
    return {p.code: p for p in Project.objects.all()}


@pytest.fixture
def athena(selec) -> Project:
    return selec["ATHENA2"]


@pytest.fixture
def imobex(selec) -> Project:
    return selec["IMOBEX"]


def make_user(django_user_model, username: str, **extra):
    return django_user_model.objects.create_user(
        username=username, password=PASSWORD, email=f"{username}@example.org", **extra
    )


@pytest.fixture
def admin_user(django_user_model, selec):
    user = django_user_model.objects.create_superuser(username="admin", password=PASSWORD, email="admin@example.org")
    return enrol_second_factor(user)


@pytest.fixture
def manager(django_user_model, athena):
    user = make_user(django_user_model, "manager", first_name="Mara", last_name="Manager")
    membership_set(user=user, project=athena, role=Membership.Role.MANAGER)
    return enrol_second_factor(user)


@pytest.fixture
def staff(django_user_model, athena):
    user = make_user(django_user_model, "staff", first_name="Stefan", last_name="Staff")
    membership_set(user=user, project=athena, role=Membership.Role.STAFF)
    return user


@pytest.fixture
def viewer(django_user_model, athena):
    user = make_user(django_user_model, "viewer")
    membership_set(user=user, project=athena, role=Membership.Role.VIEWER)
    return user


@pytest.fixture
def outsider(django_user_model, imobex):
    user = make_user(django_user_model, "outsider")
    membership_set(user=user, project=imobex, role=Membership.Role.STAFF)
    return user


@pytest.fixture
def client_for(client):
    """client_for(user) -> a test client logged in as that user."""

    def login(user):
        client.force_login(user)
        return client

    return login


@pytest.fixture
def demo_data(db):
    call_command("seed_demo", activities=20, force=True, stdout=StringIO())


@pytest.fixture
def celery_worker_running(transactional_db):
    """A real Celery worker consuming from the real Redis broker, in threads of this process."""
    from tests.celery_utils import running_worker

    with running_worker():
        yield


@pytest.fixture
def celery_eager():
    """Tasks sent during the test run at once, in this process (pair with django_capture_on_commit_callbacks)."""
    from selec_portal.celery import app

    saved = app.conf.task_always_eager, app.conf.task_eager_propagates
    app.conf.task_always_eager = app.conf.task_eager_propagates = True
    yield
    app.conf.task_always_eager, app.conf.task_eager_propagates = saved


# --- browser tests (Playwright drives Debian's Chromium; `playwright install` cannot download here) ---------------
# Shared by the browser tests of every app: one Chromium per run, as two sync Playwright sessions cannot coexist.

# Playwright's sync API runs an event loop in this thread; the ORM calls of the fixtures are still synchronous.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.environ.get("PORTAL_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium is not installed at {CHROMIUM} (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


def _totp_secret_of(username: str) -> str:
    """The secret of the user's authenticator app as allauth keeps it (the tests' users' or the demo accounts')."""
    from allauth.mfa.adapter import get_adapter
    from allauth.mfa.models import Authenticator

    authenticator = Authenticator.objects.get(user__username=username, type=Authenticator.Type.TOTP)
    return get_adapter().decrypt(authenticator.data["secret"])


@pytest.fixture
def login(page, live_server):
    """Log in through the real flow: username and password, then the authenticator app's code when asked."""
    import time

    from accounts.forms import totp_current_code

    def do_login(username: str, password: str):
        page.goto(f"{live_server.url}/")
        page.fill("input[name=login]", username)
        page.fill("input[name=password]", password)
        page.click("main button[type=submit]")
        page.wait_for_load_state()
        for _attempt in range(2):
            if "/2fa/authenticate/" not in page.url:
                break
            if _attempt:  # this step's code was used by an earlier login: wait for the next one
                time.sleep(30 - time.time() % 30 + 1)
            page.fill("input[name=code]", totp_current_code(_totp_secret_of(username)))
            page.click("main form button[type=submit]")
            page.wait_for_load_state()
        page.wait_for_url(f"{live_server.url}/")
        return page

    return do_login
