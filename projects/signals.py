from django.conf import settings
from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver

from .middleware import SESSION_TIME_ZONE_KEY, IdleSessionMiddleware


@receiver(user_logged_in)
def remember_time_zone(sender, request, user, **kwargs):
    """Keep the user's time zone in the session so that pages need no query to find it."""
    from .models import Profile

    profile = Profile.objects.filter(user=user).only("time_zone").first()
    request.session[SESSION_TIME_ZONE_KEY] = profile.time_zone if profile else settings.PORTAL_DEFAULT_USER_TIME_ZONE


@receiver(user_logged_in)
def start_the_idle_clock(sender, request, user, **kwargs):
    """The session's activity starts at login, so the first pages need no session write (see IdleSessionMiddleware)."""
    import time

    request.session[IdleSessionMiddleware.LAST_SEEN] = int(time.time())
