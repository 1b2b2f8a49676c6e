"""Demo data of the webhooks: two endpoints of partners' systems (neither active: the demo sends nothing out), one
disabled after repeated failures, and a log of their deliveries."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from django.utils import timezone

DEMO_PREFIX = "Demo: "


def seed(*, activities: int, rng, today: date) -> dict[str, int]:
    from django.contrib.auth import get_user_model

    from projects.models import Project

    from .links import EVENTS, api_url
    from .models import WebhookDelivery, WebhookEndpoint

    WebhookEndpoint.objects.filter(name__startswith=DEMO_PREFIX).delete()
    admin = get_user_model().objects.filter(username="demo-admin").first()
    now = timezone.make_aware(datetime.combine(today, datetime.min.time())) + timedelta(hours=9)
    cms = WebhookEndpoint.objects.create(
        name=f"{DEMO_PREFIX}national case management system",
        url="https://cms.partner.example.org/selec/webhooks",
        events=sorted(EVENTS),
        is_active=False,
        created_by=admin,
        created_at=now - timedelta(days=40),
    )
    calendar = WebhookEndpoint.objects.create(
        name=f"{DEMO_PREFIX}mobile app back end",
        url="https://app.athena2.example.org/hooks/selec",
        events=["activity.submitted", "activity.validated", "event.held"],
        is_active=False,
        consecutive_failures=20,
        disabled_at=now - timedelta(days=2),
        disabled_reason="20 failed attempts in a row; the last: HTTP 503 Service Unavailable",
        created_by=admin,
        created_at=now - timedelta(days=30),
    )
    projects = list(Project.objects.order_by("pk").values_list("pk", "code"))
    rows = []
    for i in range(12):
        endpoint = cms if i % 3 else calendar
        event = rng.choice(endpoint.events)
        project_id, code = rng.choice(projects)
        record = rng.randint(1, max(activities, 1))
        at = now - timedelta(hours=6 * (12 - i))
        ok = endpoint is cms
        rows.append(
            WebhookDelivery(
                endpoint=endpoint,
                project_id=project_id,
                event_type=event,
                payload={
                    "type": event,
                    "timestamp": at.strftime("%Y-%m-%dT%H:%M:%SZ"),
                    "data": {
                        "project": code,
                        "id": record,
                        "url": api_url(event, code, {"id": record, "country": "RO"}),
                    },
                },
                status=WebhookDelivery.Status.SUCCEEDED if ok else WebhookDelivery.Status.GAVE_UP,
                attempts=1 if ok else 6,
                last_status_code=204 if ok else 503,
                last_response_ms=rng.randint(40, 400),
                last_error="" if ok else "HTTP 503 Service Unavailable",
                created_at=at,
                delivered_at=at + timedelta(seconds=1) if ok else None,
            )
        )
    WebhookDelivery.objects.bulk_create(rows)
    return {"webhook endpoints": 2, "webhook deliveries": len(rows)}
