import zoneinfo

from django.conf import settings
from django.utils import timezone

SESSION_TIME_ZONE_KEY = "time_zone"


class UserTimezoneMiddleware:
    """Show times in the user's own time zone (stored in UTC, as always)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        name = settings.PORTAL_DEFAULT_USER_TIME_ZONE
        if hasattr(request, "session"):
            name = request.session.get(SESSION_TIME_ZONE_KEY, name)
        try:
            timezone.activate(zoneinfo.ZoneInfo(name))
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            timezone.deactivate()
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()
