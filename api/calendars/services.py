"""Writes of the calendar feeds: created and revoked by their owner (audited), and each fetch recorded."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from projects.access import Action
from projects.audit import audit_log
from projects.models import AuditEvent, Project
from projects.queries import require_action

from ..models import CalendarFeed, FeedFetch
from ..tokens import new_token, shown_prefix, token_digest


@transaction.atomic
def feed_create(*, user, project: Project, name: str = "") -> tuple[CalendarFeed, str]:
    """A new feed of `project` for `user`, who must be allowed to view it: the row, and the token's text, shown once
    and never stored."""
    require_action(user=user, project=project, action=Action.VIEW)
    name = (name or "").strip()
    if len(name) > CalendarFeed._meta.get_field("name").max_length:
        raise ValidationError({"name": _("The name is too long.")})
    plaintext = new_token()
    feed = CalendarFeed.objects.create(
        user=user, project=project, name=name, digest=token_digest(plaintext), prefix=shown_prefix(plaintext)
    )
    audit_log(user=user, action=AuditEvent.Action.CREATE, obj=feed, project=project, details={"prefix": feed.prefix})
    return feed, plaintext


@transaction.atomic
def feed_revoke(*, user, feed: CalendarFeed) -> CalendarFeed:
    """Revoke one of the user's own feeds (another user's is refused, but for a superuser in the admin); revoking
    twice changes nothing."""
    feed = CalendarFeed.objects.select_for_update().select_related("project").filter(pk=feed.pk).first()
    if feed is None or (feed.user_id != user.pk and not user.is_superuser):
        raise ValidationError(_("No such calendar feed."))
    if feed.revoked_at is None:
        feed.revoked_at = timezone.now()
        feed.save(update_fields=["revoked_at"])
        audit_log(user=user, action=AuditEvent.Action.CHANGE, obj=feed, project=feed.project, details={"revoked": True})
    return feed


def feed_fetched(*, feed: CalendarFeed, ip: str | None, user_agent: str, status: int = 200) -> None:
    """Record a fetch: a row of the fetch log, and the feed's count and time (a conditional-free UPDATE, so two
    fetches at once both count). Bookkeeping, not audited: the log is the record."""
    now = timezone.now()
    FeedFetch.objects.create(
        feed=feed,
        at=now,
        ip=ip,
        user_agent=(user_agent or "").replace("\x00", "")[: FeedFetch.USER_AGENT_LENGTH],
        status=status,
    )
    CalendarFeed.objects.filter(pk=feed.pk).update(last_fetched_at=now, fetch_count=F("fetch_count") + 1)
