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


class RejectNullCharactersMiddleware:
    """Refuse (400) a query string holding a NUL character: no page means one, and PostgreSQL refuses it in any text,
    so a value read straight from `request.GET` would otherwise end in a server error."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if any("\x00" in key or any("\x00" in value for value in values) for key, values in request.GET.lists()):
            from django.core.exceptions import BadRequest

            raise BadRequest("A NUL character in the query string.")
        return self.get_response(request)
