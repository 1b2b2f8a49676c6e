"""The second-factor step of the login, with the portal's two changes to allauth's form:

- a used TOTP code is remembered in the database (the authenticator's last time step), not in the cache, so a code
  cannot be replayed and a Redis outage does not stop anyone from logging in;
- a wrong code counts as a failed login of the account (axes, accounts.signals), and a locked-out account is
  refused here too, so the second factor cannot be guessed either.
"""

from __future__ import annotations

import time

from allauth.core import context
from allauth.core.internal.cryptokit import compare_user_code
from allauth.mfa import app_settings
from allauth.mfa.adapter import get_adapter
from allauth.mfa.base.forms import AuthenticateForm, ReauthenticateForm
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value, yield_hotp_counters_from_time
from allauth.mfa.utils import decrypt
from axes.handlers.proxy import AxesProxyHandler
from django import forms
from django.conf import settings
from django.db import transaction

from .lockout import LOCKED_MESSAGE


def totp_current_code(secret: str) -> str:
    """The code an authenticator app with this secret shows now (the demo command, the tests)."""
    return format_hotp_value(hotp_value(secret, int(time.time()) // app_settings.TOTP_PERIOD))


def totp_code_accept(authenticator: Authenticator, code: str) -> bool:
    """True when `code` is the authenticator's code of a time step after the last one used (then remembered)."""
    with transaction.atomic():
        locked = Authenticator.objects.select_for_update().get(pk=authenticator.pk)
        secret = decrypt(locked.data["secret"])
        last = locked.data.get("last_counter", -1)
        for counter in yield_hotp_counters_from_time():
            expected = format_hotp_value(hotp_value(secret, counter))
            if counter > last and compare_user_code(actual=code, expected=expected):
                locked.data["last_counter"] = counter
                locked.save(update_fields=["data"])
                return True
    return False


class SecondFactorCheck:
    def clean_code(self) -> str:
        request = context.request
        credentials = {"username": self.user.get_username()}
        if not AxesProxyHandler.is_allowed(request, credentials):
            minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
            raise forms.ValidationError(LOCKED_MESSAGE % {"minutes": minutes}, code="locked")
        code = self.cleaned_data["code"]
        main = None
        for authenticator in Authenticator.objects.filter(user=self.user).exclude(type=Authenticator.Type.WEBAUTHN):
            if main is None or authenticator.type == Authenticator.Type.TOTP:
                main = authenticator
            if authenticator.type == Authenticator.Type.TOTP:
                accepted = totp_code_accept(authenticator, code)
            else:
                accepted = authenticator.wrap().validate_code(code)  # recovery codes: single use, in the database
            if accepted:
                authenticator.user = self.user
                self.authenticator = authenticator
                return code
        if main is not None:
            self._emit_authentication_failed(main)
        raise get_adapter().validation_error("incorrect_code")


class PortalAuthenticateForm(SecondFactorCheck, AuthenticateForm):
    pass


class PortalReauthenticateForm(SecondFactorCheck, ReauthenticateForm):
    pass
