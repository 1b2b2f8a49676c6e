"""Webhook endpoints (registered by an admin) and their deliveries (one per event and endpoint, with its log).
Imported by `api.models`, so they are the api app's models."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .links import EVENTS
from .signing import new_secret


class WebhookEndpoint(models.Model):
    """A URL that receives the events it subscribes to, signed with its secret (Standard Webhooks). With projects
    chosen, only their events; with none, every project's. Disabled automatically after
    PORTAL_WEBHOOK_DISABLE_AFTER failed attempts in a row (`disabled_at`, `disabled_reason`); an admin enables it
    again."""

    name = models.CharField(_("name"), max_length=100)
    url = models.URLField(
        _("URL"), max_length=500, help_text=_("https; an internal address only if the settings list it.")
    )
    secret = models.CharField(_("secret"), max_length=80, default=new_secret, editable=False)
    events = models.JSONField(_("events"), default=list, blank=True)
    projects = models.ManyToManyField(
        "projects.Project",
        blank=True,
        related_name="+",
        verbose_name=_("projects"),
        help_text=_("None: the events of every project."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    consecutive_failures = models.PositiveIntegerField(_("failures in a row"), default=0, editable=False)
    disabled_at = models.DateTimeField(_("disabled"), null=True, blank=True, editable=False)
    disabled_reason = models.CharField(_("why disabled"), max_length=300, blank=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, editable=False, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    audit_fields = ("name", "url", "events", "projects", "is_active")  # never the secret

    class Meta:
        verbose_name = _("webhook endpoint")
        verbose_name_plural = _("webhook endpoints")
        ordering = ["name", "pk"]
        indexes = [models.Index(fields=["name", "id"], name="api_webhook_endpoint_name")]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if not isinstance(self.events, list) or not self.events:
            raise ValidationError({"events": _("Choose at least one event.")})
        unknown = [event for event in self.events if event not in EVENTS]
        if unknown:
            raise ValidationError(
                {"events": _("Unknown events: %(events)s.") % {"events": ", ".join(map(str, unknown))}}
            )
        self.events = sorted(set(self.events))

    def wants(self, event_type: str) -> bool:
        return self.is_active and event_type in self.events


class WebhookDelivery(models.Model):
    """One event's message to one endpoint, and the log of its attempts. The message id (`webhook-id`) is the same
    at every attempt, so a receiver recognises a retry. `next_attempt_at` is when it is due (None once finished);
    `queued_until` says a task for it is in the queue, so beat's dispatch does not queue it again before then."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        FAILED = "failed", _("Failed, will retry")
        SUCCEEDED = "succeeded", _("Delivered")
        GAVE_UP = "gave_up", _("Given up")

    OPEN = (Status.PENDING, Status.FAILED)

    endpoint = models.ForeignKey(WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries")
    project = models.ForeignKey(
        "projects.Project",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("project"),
    )
    event_type = models.CharField(_("event"), max_length=40)
    message_id = models.UUIDField(_("message id"), default=uuid.uuid4, editable=False)
    payload = models.JSONField(_("payload"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True)
    queued_until = models.DateTimeField(null=True, blank=True)
    last_status_code = models.PositiveIntegerField(_("last HTTP status"), null=True, blank=True)
    last_response_ms = models.PositiveIntegerField(_("last response time (ms)"), null=True, blank=True)
    last_error = models.CharField(_("last error"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    delivered_at = models.DateTimeField(_("delivered"), null=True, blank=True)

    class Meta:
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["-created_at", "-id"], name="api_webhook_delivery_created"),
            models.Index(fields=["endpoint", "-created_at"], name="api_webhook_delivery_endpoint"),
            models.Index(
                fields=["next_attempt_at"],
                name="api_webhook_delivery_due",
                condition=models.Q(status__in=["pending", "failed"]),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.event_type} #{self.pk}"
