"""The accounts' writes besides allauth's own: each records an audit entry."""

from __future__ import annotations

import time

from allauth.mfa.models import Authenticator
from allauth.usersessions.adapter import get_adapter as get_sessions_adapter
from allauth.usersessions.models import UserSession
from django.contrib.auth.base_user import AbstractBaseUser
from django.db import transaction
from django.http import HttpRequest

from projects.models import AuditEvent
from projects.services import audit_log

from .policy import second_factor_missing

SECOND_FACTOR_DUE = "accounts.second_factor_due"  # session: True while the user must still set up a second factor
SECOND_FACTOR_CHECKED = "accounts.second_factor_checked"  # session: when that was last worked out (epoch seconds)
RECHECK_EVERY = 5 * 60  # seconds: a role given during a session applies within this time


def second_factor_recheck(request: HttpRequest, user: AbstractBaseUser) -> bool:
    """Work out again whether the signed-in user must still set up a second factor; kept in the session."""
    due = second_factor_missing(user)
    request.session[SECOND_FACTOR_DUE] = due
    request.session[SECOND_FACTOR_CHECKED] = int(time.time())
    return due


def sessions_end_others(*, request: HttpRequest | None, user: AbstractBaseUser) -> int:
    """End every session of the user but the one of this request (all of them without one)."""
    current = request.session.session_key if request is not None and hasattr(request, "session") else None
    others = list(UserSession.objects.filter(user_id=user.pk).exclude(session_key=current or ""))
    get_sessions_adapter().end_sessions(others)
    return len(others)


_CHANGES = {
    "added": AuditEvent.Action.CREATE,
    "removed": AuditEvent.Action.DELETE,
    "reset": AuditEvent.Action.CHANGE,
}


@transaction.atomic
def second_factor_changed(
    *, request: HttpRequest | None, user: AbstractBaseUser, authenticator: Authenticator, change: str
) -> None:
    """A second factor was added, removed or reset (new recovery codes): recorded, and the other sessions end."""
    ended = sessions_end_others(request=request, user=user)
    audit_log(
        user=user,
        action=_CHANGES[change],
        obj=authenticator,
        object_type="mfa.Authenticator",
        details={"second factor": authenticator.type, "change": change, "other sessions ended": ended},
    )
    if request is not None and getattr(request, "user", None) == user:
        second_factor_recheck(request, user)


@transaction.atomic
def password_changed(*, request: HttpRequest | None, user: AbstractBaseUser, by_reset: bool = False) -> None:
    """The password was changed (or reset by e-mail, when no session of the user is kept): the others end."""
    ended = sessions_end_others(request=None if by_reset else request, user=user)
    audit_log(
        user=user,
        action=AuditEvent.Action.CHANGE,
        obj=user,
        details={"password": "reset by e-mail" if by_reset else "changed", "other sessions ended": ended},
    )


@transaction.atomic
def second_factor_enrol(*, user: AbstractBaseUser, secret: str) -> Authenticator:
    """Give the user an authenticator app with a known secret, and recovery codes (demo accounts, tests).

    Replaces the user's authenticator app if there is one. Real users enrol themselves (allauth's pages)."""
    from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
    from allauth.mfa.totp.internal.auth import TOTP

    Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).delete()
    authenticator = TOTP.activate(user, secret).instance
    RecoveryCodes.activate(user)
    audit_log(
        user=None,
        action=AuditEvent.Action.CREATE,
        obj=authenticator,
        object_type="mfa.Authenticator",
        details={"second factor": authenticator.type, "change": "added", "account": user.get_username()},
    )
    return authenticator


@transaction.atomic
def bench_account_set(*, username: str, password: str, roles: dict, secret: str) -> AbstractBaseUser:
    """A load-test account (`manage.py bench_accounts`, bench/load.py): created if missing, then given this password,
    exactly these roles ({project: role}) and an authenticator app with `secret`, so that it logs in through the
    real form and second factor. Development databases only (the command refuses with debug off)."""
    from django.contrib.auth import get_user_model

    from projects.models import Membership

    user, created = get_user_model().objects.get_or_create(
        username=username, defaults={"email": f"{username}@bench.example", "first_name": "Load", "last_name": username}
    )
    user.set_password(password)
    user.is_active = True
    user.save()
    Membership.objects.filter(user=user).exclude(project__in=list(roles)).delete()
    for project, role in roles.items():
        Membership.objects.update_or_create(user=user, project=project, defaults={"role": role})
    audit_log(
        user=None,
        action=AuditEvent.Action.CREATE if created else AuditEvent.Action.CHANGE,
        obj=user,
        details={"bench account": username, "roles": {p.code: role for p, role in roles.items()}},
    )
    second_factor_enrol(user=user, secret=secret)
    return user
