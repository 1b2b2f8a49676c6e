import time

from django.contrib import messages
from django.shortcuts import redirect
from django.urls import Resolver404, resolve
from django.utils.translation import gettext as _

from . import services

# What a user who must set up a second factor may still reach: the set-up itself, logging out, the health check.
ENROLMENT_URL_NAMES = frozenset(
    {
        "mfa_index",
        "mfa_activate_totp",
        "mfa_view_recovery_codes",
        "mfa_generate_recovery_codes",
        "mfa_download_recovery_codes",
        "mfa_reauthenticate",
        "account_reauthenticate",
        "account_logout",
        "logout",
        "healthz",
        "favicon",
    }
)


class SecondFactorRequiredMiddleware:
    """Administrators and managers (accounts.policy) reach nothing but the set-up of their second factor until they
    have one. Whether the user must still set one up is kept in the session, worked out at login and every few
    minutes, so a page costs no query; while it is due it is worked out at every request (the set-up's own pages)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.user.is_authenticated and self._due(request):
            try:
                name = resolve(request.path_info).url_name
            except Resolver404:
                name = None
            if name not in ENROLMENT_URL_NAMES:
                messages.warning(
                    request,
                    _("Your role needs two-factor authentication: set up an authenticator app to continue."),
                )
                return redirect("mfa_activate_totp")
        return self.get_response(request)

    @staticmethod
    def _due(request) -> bool:
        checked = request.session.get(services.SECOND_FACTOR_CHECKED)
        due = request.session.get(services.SECOND_FACTOR_DUE)
        if due or not isinstance(checked, int) or time.time() - checked >= services.RECHECK_EVERY:
            return services.second_factor_recheck(request, request.user)
        return False
