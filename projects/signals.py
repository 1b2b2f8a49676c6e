import logging

from celery.signals import task_postrun, worker_ready
from django.conf import settings
from django.contrib.auth.signals import user_logged_in
from django.core.signals import request_finished
from django.db import models
from django.db.models.signals import pre_save
from django.dispatch import receiver

from .files import discard_uncommitted
from .middleware import SESSION_TIME_ZONE_KEY, IdleSessionMiddleware
from .queue import outbox_connection_release
from .validators import refuse_nul_characters

logger = logging.getLogger(__name__)

# Files written by a transaction that rolled back are deleted when the request or the task that wrote them ends.
request_finished.connect(discard_uncommitted, dispatch_uid="files-discard-uncommitted-request")
task_postrun.connect(discard_uncommitted, dispatch_uid="files-discard-uncommitted-task", weak=False)
# The outbox's sending connection (projects.queue) lives as long as the request or the task that opened it.
request_finished.connect(outbox_connection_release, dispatch_uid="outbox-connection-release-request")
task_postrun.connect(outbox_connection_release, dispatch_uid="outbox-connection-release-task", weak=False)


@worker_ready.connect(dispatch_uid="outbox-drain-on-worker-start", weak=False)
def drain_outbox_on_start(sender=None, **kwargs):
    """A worker that starts sends what waited in the outbox (queued while the broker was away), without waiting for
    beat's next minute; a failure is logged and left to beat, never stops the worker."""
    from django.db import connections

    from .queue import outbox_drain

    try:
        outbox_drain()
    except Exception:
        logger.exception("The outbox could not be drained as the worker started")
    finally:
        connections.close_all()  # the worker's main process keeps no connection (its pool's children have theirs)


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


@receiver(pre_save)
def no_nul_characters_in_records(sender, instance, raw=False, **kwargs):
    """No text of any record holds a NUL character: PostgreSQL refuses it with an error that is no message for
    anyone. Forms already refuse it; this is the same rule for every other way in (a service called by an import,
    a task, the admin), as a ValidationError the caller shows next to the field."""
    if raw:
        return
    refuse_nul_characters(
        **{
            field.name: getattr(instance, field.attname, None)
            for field in sender._meta.concrete_fields
            if isinstance(field, (models.CharField, models.TextField))
        }
    )
