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


class IdleSessionMiddleware:
    """End the session of a user who made no request for PORTAL_SESSION_IDLE_MINUTES: they are logged out and sent
    to the login page, which says why. The time of the last request is written at most once a minute, so a page
    costs no session write while the user is active."""

    LAST_SEEN = "last_seen"
    WRITE_EVERY = 60  # seconds

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        import time

        from django.contrib import messages
        from django.contrib.auth import logout
        from django.contrib.auth.views import redirect_to_login
        from django.utils.translation import gettext as _

        if request.user.is_authenticated:
            now = int(time.time())
            last = request.session.get(self.LAST_SEEN)
            idle = settings.PORTAL_SESSION_IDLE_MINUTES * 60
            if isinstance(last, int) and now - last > idle:
                logout(request)
                messages.info(
                    request,
                    _("Your session ended after %(minutes)s minutes without activity. Please sign in again.")
                    % {"minutes": settings.PORTAL_SESSION_IDLE_MINUTES},
                )
                return redirect_to_login(request.get_full_path())
            if not isinstance(last, int) or now - last >= self.WRITE_EVERY:
                request.session[self.LAST_SEEN] = now
        return self.get_response(request)


class RequestBodyLimitMiddleware:
    """Refuse (413, in the portal's look) a request whose declared body is over PORTAL_MAX_UPLOAD_MB, before
    anything reads it: nothing of it is written to a temporary file or held in memory. Django reads no more than
    the declared Content-Length, so the declared size is the size. The connection is closed, as the unread body
    cannot be followed by another request."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0  # what Django reads of a body with an invalid length: nothing
        if length > settings.PORTAL_MAX_UPLOAD_MB * 1024 * 1024:
            from django.shortcuts import render

            response = render(request, "413.html", {"limit_mb": settings.PORTAL_MAX_UPLOAD_MB}, status=413)
            response["Connection"] = "close"
            return response
        return self.get_response(request)
