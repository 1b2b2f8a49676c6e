"""The lockout after failed logins, counted by django-axes in the database (a Redis outage changes nothing).

5 failures (AXES_FAILURE_LIMIT) of one account from one address lock that pair; 20 failures
(PORTAL_LOCKOUT_ADDRESS_FAILURES) from one address, whatever the accounts, lock the address; each for
AXES_COOLOFF_TIME (15 minutes). Wrong second-factor codes count as failures of the account (accounts.signals).
Administrators unlock in the admin (Axes: access attempts, delete the rows).
"""

from __future__ import annotations

from axes.handlers.database import AxesDatabaseHandler
from django.conf import settings
from django.db.models import Sum
from django.utils.translation import gettext_lazy as _

LOCKED_MESSAGE = _(
    "Too many failed logins: this account is locked from your address for %(minutes)s minutes. "
    "Wait, or ask an administrator to unlock it."
)


def username_of(request, credentials: dict | None) -> str | None:
    """The username as axes counts it: usernames are not case-sensitive at login, so neither is the count."""
    raw = (credentials or {}).get("username") or request.POST.get("login") or request.POST.get("username")
    return raw.strip().lower() if isinstance(raw, str) and raw.strip() else None


class PortalAxesHandler(AxesDatabaseHandler):
    """Axes' database handler with two limits: AXES_LOCKOUT_PARAMETERS lists the (username, address) pair first and
    the address alone second; axes compares the larger count with one limit, this compares each with its own."""

    def get_failures(self, request, credentials: dict | None = None) -> int:
        pair, address = (
            attempts.aggregate(total=Sum("failures_since_start"))["total"] or 0
            for attempts in self.get_user_attempts(request, credentials)
        )
        if address >= settings.PORTAL_LOCKOUT_ADDRESS_FAILURES:
            return max(pair, settings.AXES_FAILURE_LIMIT)  # the address is locked, for every account
        return pair

    def reset_user_attempts(self, request, credentials: dict | None = None) -> int:
        """A successful login clears the failures of that account from that address, and no others: axes would
        clear every failure of the address, so logging in to one's own account between guesses at another's would
        keep both counts from ever reaching their limit."""
        pair = self.filter_user_attempts(request, credentials)[0]
        count, _ = pair.delete()
        return count
