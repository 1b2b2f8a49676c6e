"""What the login and account events do besides allauth's and axes' own work: an audit entry each, the end of the
user's other sessions when the password or the second factor changes, and a wrong second-factor code counted as a
failed login (so that the lockout covers the second step too)."""

from __future__ import annotations

from allauth.account import signals as account_signals
from allauth.mfa import signals as mfa_signals
from axes.signals import user_locked_out
from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_logged_in as django_user_logged_in
from django.contrib.auth.signals import user_logged_out, user_login_failed
from django.dispatch import receiver

from projects.models import AuditEvent
from projects.services import audit_log

from . import services
from .network import client_ip

SECOND_FACTOR = "second_factor"  # marks a failure of the code step in user_login_failed's credentials


def _ip(request) -> str:
    return (client_ip(request) if request is not None else None) or ""


def _account(username: str | None):
    if not username:
        return None
    return get_user_model().objects.filter(username__iexact=username).first()


@receiver(account_signals.user_logged_in, dispatch_uid="accounts-audit-login")
def audit_login(sender, request, user, **kwargs):
    """Logins through the portal's door (allauth): not the tests' force_login."""
    audit_log(user=user, action=AuditEvent.Action.LOGIN, obj=user, details={"ip": _ip(request)})


@receiver(django_user_logged_in, dispatch_uid="accounts-second-factor-due")
def second_factor_due_at_login(sender, request, user, **kwargs):
    """Every login (the tests' force_login too) works out whether the user must still set up a second factor."""
    if request is not None and hasattr(request, "session"):
        services.second_factor_recheck(request, user)


@receiver(user_login_failed, dispatch_uid="accounts-audit-login-failed")
def audit_login_failed(sender, credentials, request=None, **kwargs):
    username = credentials.get("username") or ""
    details = {"username": username, "ip": _ip(request)}
    if credentials.get(SECOND_FACTOR):
        details["step"] = "second factor"
    audit_log(user=None, action=AuditEvent.Action.LOGIN_FAILED, obj=_account(username), details=details)


@receiver(user_logged_out, dispatch_uid="accounts-audit-logout")
def audit_logout(sender, request, user, **kwargs):
    if user is not None:
        audit_log(user=user, action=AuditEvent.Action.LOGOUT, obj=user, details={"ip": _ip(request)})


@receiver(user_locked_out, dispatch_uid="accounts-audit-lockout")
def audit_lockout(sender, request, username, ip_address, **kwargs):
    audit_log(
        user=None,
        action=AuditEvent.Action.LOCKOUT,
        obj=_account(username),
        details={"username": username or "", "ip": ip_address or ""},
    )


@receiver(mfa_signals.authentication_failed, dispatch_uid="accounts-second-factor-failed")
def count_a_wrong_code(sender, request, user, **kwargs):
    user_login_failed.send(
        sender=__name__, credentials={"username": user.get_username(), SECOND_FACTOR: True}, request=request
    )


@receiver(mfa_signals.authenticator_added, dispatch_uid="accounts-second-factor-added")
def second_factor_added(sender, request, user, authenticator, **kwargs):
    services.second_factor_changed(request=request, user=user, authenticator=authenticator, change="added")


@receiver(mfa_signals.authenticator_removed, dispatch_uid="accounts-second-factor-removed")
def second_factor_removed(sender, request, user, authenticator, **kwargs):
    services.second_factor_changed(request=request, user=user, authenticator=authenticator, change="removed")


@receiver(mfa_signals.authenticator_reset, dispatch_uid="accounts-second-factor-reset")
def second_factor_reset(sender, request, user, authenticator, **kwargs):
    services.second_factor_changed(request=request, user=user, authenticator=authenticator, change="reset")


@receiver(account_signals.password_changed, dispatch_uid="accounts-password-changed")
@receiver(account_signals.password_set, dispatch_uid="accounts-password-set")
def password_changed(sender, request, user, **kwargs):
    services.password_changed(request=request, user=user)


@receiver(account_signals.password_reset, dispatch_uid="accounts-password-reset")
def password_reset(sender, request, user, **kwargs):
    services.password_changed(request=request, user=user, by_reset=True)
