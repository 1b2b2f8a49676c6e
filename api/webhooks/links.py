"""The events a webhook may subscribe to, and the API address of the record each one is about (the payload's
`url`: the receiver fetches the record there, with its own token and the API's access rules). Change an address in
`RESOURCES`, in one place."""

from __future__ import annotations

from django.conf import settings
from django.utils.translation import gettext_lazy as _

EVENTS = {
    "activity.submitted": _("A joint activity was submitted for validation"),
    "activity.validated": _("A joint activity was validated"),
    "event.held": _("An event was marked held"),
    "report.ready": _("A progress report file is ready"),
    "coverage.validated": _("A country's coverage was validated"),
}
EVENT_CHOICES = list(EVENTS.items())
PING = "webhook.ping"  # the admin's test message; not an event one subscribes to

# The API address of each event's record, under /api/v1/projects/{code}/, filled with the event's ids (a country's
# coverage is addressed by the country's code, as the API's coverage endpoints are).
RESOURCES = {
    "activity.submitted": "activities/{id}/",
    "activity.validated": "activities/{id}/",
    "event.held": "events/{id}/",
    "report.ready": "reporting-periods/{id}/",
    "coverage.validated": "coverage/{country}/",
}


def api_url(event_type: str, project_code: str, ids: dict) -> str:
    """The absolute API URL of the record an event is about (PORTAL_BASE_URL + /api/v1/projects/...)."""
    base = settings.PORTAL_BASE_URL.rstrip("/")
    return f"{base}/api/v1/projects/{project_code}/" + RESOURCES[event_type].format(**ids)
