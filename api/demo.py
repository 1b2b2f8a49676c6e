"""Demo calendar feeds: one of ATHENA 2 for demo-staff and one for demo-viewer, each fetched a few times (their
tokens are unknown to anyone: the demo shows the pages and the admin, not a live feed)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from django.contrib.auth import get_user_model
from django.utils import timezone

DEMO_NAME = "Demo calendar"
DEMO_USERS = ("demo-staff", "demo-viewer")
AGENTS = ("Microsoft Outlook 16.0", "Google-Calendar-Importer", "iOS/18.1 dataaccessd/1.0")


def seed(*, activities: int, rng, today: date) -> dict[str, int]:
    from projects.models import Project

    from .models import CalendarFeed, FeedFetch
    from .tokens import shown_prefix, token_digest

    CalendarFeed.objects.filter(name=DEMO_NAME, user__username__in=DEMO_USERS).delete()
    project = Project.objects.filter(code="ATHENA2").first()
    users = list(get_user_model().objects.filter(username__in=DEMO_USERS).order_by("username"))
    if project is None:
        return {"calendar feeds": 0}
    created = timezone.make_aware(datetime.combine(today - timedelta(days=30), time(9)))
    feeds, fetches = [], []
    for user in users:
        token = f"selec_demo-{user.username}-{rng.getrandbits(64):016x}"
        feeds.append(
            CalendarFeed(user=user, project=project, name=DEMO_NAME, digest=token_digest(token),
                         prefix=shown_prefix(token), created_at=created)
        )  # fmt: skip
    CalendarFeed.objects.bulk_create(feeds)
    for feed in feeds:
        for n in range(3):
            at = created + timedelta(days=10 * n, hours=rng.randrange(24))
            fetches.append(FeedFetch(feed=feed, at=at, ip=f"192.0.2.{rng.randrange(1, 255)}", user_agent=AGENTS[n]))
        CalendarFeed.objects.filter(pk=feed.pk).update(fetch_count=3, last_fetched_at=fetches[-1].at)
    FeedFetch.objects.bulk_create(fetches)
    return {"calendar feeds": len(feeds), "calendar feed fetches": len(fetches)}
