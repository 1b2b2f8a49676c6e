"""Every login, failed login, logout, lockout and change of second factor is in the audit trail."""

from django.test import Client

from projects.models import AuditEvent
from tests.accounts.conftest import current_code, log_in
from tests.conftest import PASSWORD


def _events(action: str):
    return list(AuditEvent.objects.filter(action=action).order_by("pk"))


def test_a_login_and_a_logout_are_recorded_with_the_address(client, staff):
    log_in(client, "staff", REMOTE_ADDR="10.1.2.3")
    (login,) = _events("login")
    assert (login.username, login.object_type, login.details["ip"]) == ("staff", "auth.User", "10.1.2.3")
    client.post("/logout/", REMOTE_ADDR="10.1.2.3")
    (logout,) = _events("logout")
    assert logout.username == "staff" and logout.object_repr == "staff"


def test_a_failed_login_is_recorded_with_the_name_typed_and_no_user(client, staff):
    log_in(client, "staff", "not-the-password")
    log_in(client, "no-such-user", "not-the-password")
    known, unknown = _events("login_failed")
    assert known.user is None and known.username == ""
    assert known.details["username"] == "staff" and known.object_repr == "staff" and known.details["ip"] == "127.0.0.1"
    assert unknown.details["username"] == "no-such-user" and unknown.object_id == ""


def test_a_wrong_second_factor_code_is_a_failed_login_and_the_right_one_a_login(client, manager):
    log_in(client, "manager")
    assert not _events("login")  # the password alone logs nobody in
    client.post("/accounts/2fa/authenticate/", {"code": "000000"})
    (failed,) = _events("login_failed")
    assert failed.details == {"username": "manager", "ip": "127.0.0.1", "step": "second factor"}
    client.post("/accounts/2fa/authenticate/", {"code": current_code()})
    assert [event.username for event in _events("login")] == ["manager"]


def test_a_lockout_is_recorded(client, staff):
    for _ in range(5):
        log_in(client, "staff", "not-the-password")
    (lockout,) = _events("lockout")
    assert lockout.details == {"username": "staff", "ip": "127.0.0.1"} and lockout.object_repr == "staff"


def test_each_change_of_second_factor_is_recorded(staff, django_capture_on_commit_callbacks):
    from accounts.forms import totp_current_code

    client = Client()
    log_in(client, "staff")
    client.post("/accounts/reauthenticate/", {"password": PASSWORD})
    client.get("/accounts/2fa/totp/activate/")
    code = totp_current_code(client.session["mfa.totp.secret"])
    for url, data in (
        ("/accounts/2fa/totp/activate/", {"code": code}),
        ("/accounts/2fa/recovery-codes/generate/", {}),
        ("/accounts/2fa/totp/deactivate/", {}),
    ):
        with django_capture_on_commit_callbacks(execute=True):
            assert client.post(url, data).status_code == 302, url
    trail = AuditEvent.objects.filter(object_type="mfa.Authenticator").order_by("pk")
    assert [(e.action, e.username, e.details["second factor"], e.details["change"]) for e in trail] == [
        ("create", "staff", "totp", "added"),
        ("create", "staff", "recovery_codes", "added"),
        ("change", "staff", "recovery_codes", "reset"),
        ("delete", "staff", "totp", "removed"),
        ("delete", "staff", "recovery_codes", "removed"),
    ]


def test_a_password_change_is_recorded_without_the_password(client_for, staff):
    new = "a-new-and-longer-passphrase-2026"
    client_for(staff).post("/account/password/", {"oldpassword": PASSWORD, "password1": new, "password2": new})
    event = AuditEvent.objects.get(action="change", object_type="auth.User")
    assert event.username == "staff" and event.details["password"] == "changed" and new not in str(event.details)
