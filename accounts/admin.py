"""Axes' lockouts and allauth's authenticators in the admin (superusers only), writing through the services: an
administrator unlocks an account by deleting its access attempts, or removes a lost authenticator app (the user
then sets up a new one at the next login); both are recorded."""

from allauth.mfa.admin import AuthenticatorAdmin
from allauth.mfa.models import Authenticator
from axes.admin import AccessAttemptAdmin, AccessFailureLogAdmin, AccessLogAdmin, IsLockedOutFilter
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.contrib import admin

from projects.admin_base import ServiceAdminMixin
from projects.services import record_delete

from .services import sessions_end_others

admin.site.unregister(AccessAttempt)
admin.site.unregister(AccessLog)
admin.site.unregister(AccessFailureLog)
admin.site.unregister(Authenticator)

# axes filters its logs on every path ever tried (a DISTINCT over the whole log, as long as an attacker likes): the
# paths are searched instead. The logs are ordered newest first along the index of their time (accounts.0001).


@admin.register(AccessAttempt)
class LockoutAdmin(ServiceAdminMixin, AccessAttemptAdmin):
    """Delete the attempts of an account or an address to unlock it."""

    list_filter = ["attempt_time", IsLockedOutFilter]
    ordering = ["-attempt_time", "-pk"]


@admin.register(AccessLog)
class LoginLogAdmin(ServiceAdminMixin, AccessLogAdmin):
    list_filter = ["attempt_time", "logout_time"]
    ordering = ["-attempt_time", "-pk"]


@admin.register(AccessFailureLog)
class FailedLoginLogAdmin(ServiceAdminMixin, AccessFailureLogAdmin):
    list_filter = ["attempt_time", "locked_out"]
    ordering = ["-attempt_time", "-pk"]


@admin.register(Authenticator)
class SecondFactorAdmin(ServiceAdminMixin, AuthenticatorAdmin):
    def has_add_permission(self, request) -> bool:
        return False  # users set up their own (the secret is theirs alone)

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def delete_record(self, request, obj) -> None:
        record_delete(user=request.user, obj=obj)
        sessions_end_others(request=None, user=obj.user)
