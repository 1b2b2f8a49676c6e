"""The transactional outbox: Celery tasks to send, written in the same transaction as the change that asks for them."""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class OutboxMessage(models.Model):
    """A Celery task waiting to be handed to the broker (`projects.queue`).

    `enqueue` writes the row inside the caller's transaction, so the work is recorded exactly when the change
    commits; the row is deleted once the broker has taken the task. A row that stays here was not sent yet (the
    broker was down, the process died after the commit): the drain sends it later. Its arguments are ids only
    (checked by `enqueue`): no personal data waits here.
    """

    task = models.CharField(_("task"), max_length=200)
    args = models.JSONField(_("arguments"), default=list, blank=True)
    kwargs = models.JSONField(_("keyword arguments"), default=dict, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now, db_index=True)
    attempts = models.PositiveIntegerField(_("failed attempts"), default=0)
    last_error = models.CharField(_("last error"), max_length=500, blank=True)
    last_attempt_at = models.DateTimeField(_("last attempt"), null=True, blank=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("outbox message")
        verbose_name_plural = _("outbox messages")

    def __str__(self) -> str:
        return f"{self.task} #{self.pk}"
