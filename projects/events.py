"""Domain events: what happened, said once by the service that did it, heard by whoever cares (the webhooks).

A service calls `emit("activity.validated", project=activity.project, id=activity.pk)` inside its transaction,
after its write. Receivers run at once, in that transaction: what they write (a webhook delivery, its outbox row)
commits or rolls back with the change, so a rolled-back change announces nothing. The core names no receiver;
an app connects one to `domain_event` from its `AppConfig.ready()`.

`sensitive=True` marks an event about a sensitive record (a sensitive joint activity): a receiver that sends
anything outside the portal (a webhook) drops it.
"""

from __future__ import annotations

from django.dispatch import Signal

# Sent with name="activity.submitted" | "activity.validated" | "event.held" | "report.ready" | "coverage.validated",
# project=<Project or its pk>, sensitive=<bool>, ids={"id": <pk>, ...}.
domain_event = Signal()


def emit(name: str, *, project, sensitive: bool = False, **ids) -> None:
    """Announce the event `name` about the project's record(s) named by `ids` (primary keys only). `project` is the
    Project or its primary key (a service that holds only the id spends no query on it)."""
    domain_event.send(sender=None, name=name, project=project, sensitive=sensitive, ids=ids)
