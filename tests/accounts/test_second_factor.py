"""Two-factor authentication: required for managers and admins (accounts.policy), optional for the others."""

import time

from allauth.mfa.models import Authenticator
from django.test import Client

from accounts import services
from accounts.forms import totp_current_code
from accounts.policy import second_factor_required
from projects.models import AuditEvent, Membership
from projects.services import membership_set
from tests.accounts.conftest import CODE_PAGE, current_code, log_in, logged_in
from tests.conftest import PASSWORD, make_user
from tests.utils import get_ok

ACTIVATE = "/accounts/2fa/totp/activate/"


def test_admins_and_managers_of_any_project_need_a_second_factor_the_others_do_not(
    admin_user, manager, staff, viewer, outsider, django_user_model
):
    assert second_factor_required(admin_user) and second_factor_required(manager)
    assert not any(second_factor_required(user) for user in (staff, viewer, outsider))
    assert not second_factor_required(make_user(django_user_model, "no-project"))


def _new_manager(django_user_model, athena, username="new-manager"):
    user = make_user(django_user_model, username)
    membership_set(user=user, project=athena, role=Membership.Role.MANAGER)
    return user


def test_a_manager_without_a_second_factor_reaches_only_its_set_up(client_for, django_user_model, athena):
    client = client_for(_new_manager(django_user_model, athena))
    for url in ("/", "/projects/ATHENA2/", "/account/", "/account/password/", "/accounts/sessions/", "/admin/"):
        response = client.get(url)
        assert response.status_code == 302 and response.url == ACTIVATE, url
    assert client.post("/projects/ATHENA2/").status_code == 302
    assert client.get("/healthz").status_code in (200, 503)
    assert client.get("/accounts/2fa/").status_code == 200
    assert client.post("/logout/").status_code == 302 and not logged_in(client)


def test_an_admin_without_a_second_factor_is_sent_to_its_set_up(client_for, django_user_model):
    admin = django_user_model.objects.create_superuser(username="root2", password="x" * 20, email="r@example.org")
    assert client_for(admin).get("/admin/").url == ACTIVATE


def test_a_manager_sets_up_an_authenticator_app_and_recovery_codes_then_reaches_the_portal(
    client, django_user_model, athena, django_capture_on_commit_callbacks
):
    user = _new_manager(django_user_model, athena)
    response = log_in(client, "new-manager")
    assert response.status_code == 302 and logged_in(client)
    assert client.get(response.url).url == ACTIVATE
    # Setting up (or removing) a factor asks for the password again (allauth's reauthentication), even after login.
    response = client.get(ACTIVATE)
    assert response.status_code == 302 and response.url.startswith("/accounts/reauthenticate/")
    assert client.post(response.url, {"password": PASSWORD}).url == ACTIVATE
    page = get_ok(client, ACTIVATE).content.decode()
    assert "SELEC portal" in page and "<script>" not in page.split("</main>")[0]  # the portal's look, no inline JS
    assert 'data-testid="totp-qr"' in page and "<svg" in page and "data:image" not in page  # no data: image for CSP
    secret = client.session["mfa.totp.secret"]
    response = client.post(ACTIVATE, {"code": "123456" if totp_current_code(secret) != "123456" else "654321"})
    assert response.status_code == 200 and client.get("/").status_code == 302  # a wrong code enrols nothing
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(ACTIVATE, {"code": totp_current_code(secret)})
    assert response.status_code == 302
    assert set(Authenticator.objects.filter(user=user).values_list("type", flat=True)) == {"totp", "recovery_codes"}
    get_ok(client, "/")
    get_ok(client, "/projects/ATHENA2/")
    codes = get_ok(client, "/accounts/2fa/recovery-codes/").context["unused_codes"]
    assert len(codes) == 10
    assert AuditEvent.objects.filter(action="create", object_type="mfa.Authenticator", username="new-manager").exists()


def test_the_login_asks_for_the_code_when_the_user_has_an_authenticator_app(client, manager):
    response = log_in(client, "manager")
    assert response.status_code == 302 and response.url == CODE_PAGE and not logged_in(client)
    page = get_ok(client, CODE_PAGE).content.decode()
    assert "SELEC portal" in page and 'name="code"' in page
    response = client.post(CODE_PAGE, {"code": current_code()})
    assert response.status_code == 302 and response.url == "/" and logged_in(client)
    get_ok(client, "/projects/ATHENA2/")


def test_a_code_works_once(client, manager):
    code = current_code()
    assert log_in(client, "manager", code=code).status_code == 302 and logged_in(client)
    again = Client()
    response = log_in(again, "manager", code=code)
    assert response.status_code == 200 and not logged_in(again)  # the same code again is refused


def test_a_recovery_code_logs_in_once(client, manager):
    from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes

    codes = RecoveryCodes(Authenticator.objects.get(user=manager, type="recovery_codes")).get_unused_codes()
    assert log_in(client, "manager", code=codes[0]).status_code == 302 and logged_in(client)
    again = Client()
    assert log_in(again, "manager", code=codes[0]).status_code == 200 and not logged_in(again)


def test_staff_may_set_up_a_second_factor_from_the_user_menu_but_need_not(client_for, staff):
    client = client_for(staff)
    page = get_ok(client, "/").content.decode()
    assert 'href="/accounts/2fa/"' in page and 'data-testid="security-link"' in page
    get_ok(client, "/projects/ATHENA2/")
    page = get_ok(client, "/accounts/2fa/").content.decode()
    # allauth's pages in the portal's words (locale/en): sentence case
    assert "Authenticator app" in page and "Two-factor authentication" in page
    assert "Authenticator App" not in page and "Two-Factor" not in page


def test_a_role_given_during_a_session_asks_for_the_second_factor_within_minutes(client_for, staff, athena):
    client = client_for(staff)
    get_ok(client, "/")
    membership_set(user=staff, project=athena, role=Membership.Role.MANAGER)
    get_ok(client, "/")  # worked out at login, kept for a few minutes: no query per page
    session = client.session
    session[services.SECOND_FACTOR_CHECKED] = int(time.time()) - services.RECHECK_EVERY - 1
    session.save()
    assert client.get("/").url == ACTIVATE


def test_the_second_factor_check_costs_no_query_per_page(client_for, manager, settings):
    from tests.utils import count_queries

    client = client_for(manager)
    with_check = count_queries(lambda: get_ok(client, "/account/"))
    settings.MIDDLEWARE = [m for m in settings.MIDDLEWARE if m != "accounts.middleware.SecondFactorRequiredMiddleware"]
    assert count_queries(lambda: get_ok(client, "/account/")) == with_check
