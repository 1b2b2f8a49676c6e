"""Reporting periods and progress reports, and the reminders the portal sends (what was sent, to whom, once)."""

from __future__ import annotations

from datetime import date
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from projects.models import Project, ProjectScopedQuerySet, Versioned


def date_range_label(start: date, end: date) -> str:
    """The dates as "1 Jan – 30 Jun 2025" or "1 Dec 2024 – 31 May 2025": the year once when both ends share it."""
    if start.year == end.year:
        return f"{date_format(start, 'j M')} – {date_format(end, 'j M Y')}"
    return f"{date_format(start, 'j M Y')} – {date_format(end, 'j M Y')}"


def period_label(name: str, start: date, end: date) -> str:
    """How a reporting period is named everywhere: "Interim report 7 · 1 Jan – 30 Jun 2025"."""
    return f"{name} · {date_range_label(start, end)}"


class ReportingPeriod(models.Model):
    """A period the project reports on to its funder, with the date the report is due."""

    class Kind(models.TextChoices):
        CONTENT = "content", _("Content report")
        FINANCIAL = "financial", _("Financial report")
        FINAL = "final", _("Final report")

    project = models.ForeignKey(
        Project, on_delete=models.CASCADE, related_name="reporting_periods", verbose_name=_("project")
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.CONTENT)
    title = models.CharField(_("title"), max_length=120, blank=True, help_text=_("For example: Interim report 1."))
    start = models.DateField(_("start"))
    end = models.DateField(_("end"))
    due_date = models.DateField(_("report due"))
    submitted_on = models.DateField(
        _("submitted on"), null=True, blank=True, help_text=_("When the report went to the funder.")
    )

    project_path = "project"
    objects = ProjectScopedQuerySet.as_manager()

    class Meta:
        ordering = ["project", "start", "kind"]
        verbose_name = _("reporting period")
        verbose_name_plural = _("reporting periods")
        constraints = [
            models.CheckConstraint(condition=Q(end__gte=F("start")), name="reporting_period_end_after_start"),
            models.UniqueConstraint(fields=["project", "kind", "start", "end"], name="reporting_period_unique"),
        ]
        indexes = [models.Index(fields=["project", "due_date"])]

    def __str__(self) -> str:
        return period_label(self.title or self.get_kind_display(), self.start, self.end)

    def get_absolute_url(self) -> str:
        return reverse("reporting:report-detail", kwargs={"code": self.project.code, "pk": self.pk})

    def clean(self) -> None:
        if self.start and self.end and self.end < self.start:
            raise ValidationError({"end": _("The end cannot be before the start.")})
        if self.end and self.due_date and self.due_date < self.end:
            raise ValidationError({"due_date": _("A report cannot be due before the period ends.")})

    @property
    def is_submitted(self) -> bool:
        return self.submitted_on is not None


class ProgressReport(Versioned):
    """The narrative a project's managers write for a reporting period; the numbers are computed when rendered."""

    period = models.OneToOneField(
        ReportingPeriod, on_delete=models.CASCADE, related_name="report", verbose_name=_("reporting period")
    )
    narrative = models.TextField(
        _("highlights"), blank=True, help_text=_("What a reader should know first: the results, the changes.")
    )
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, verbose_name=_("updated by")
    )

    project_path = "period__project"
    objects = ProjectScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("progress report")
        verbose_name_plural = _("progress reports")

    def __str__(self) -> str:
        return str(self.period)


class WorkstreamNarrative(models.Model):
    """What the managers write about one workstream in a period's report."""

    report = models.ForeignKey(
        ProgressReport, on_delete=models.CASCADE, related_name="workstream_narratives", verbose_name=_("report")
    )
    workstream = models.ForeignKey(
        "projects.Workstream", on_delete=models.CASCADE, related_name="+", verbose_name=_("workstream")
    )
    text = models.TextField(_("narrative"), blank=True)

    project_path = "report__period__project"
    objects = ProjectScopedQuerySet.as_manager()

    class Meta:
        ordering = ["workstream__number"]
        verbose_name = _("workstream narrative")
        verbose_name_plural = _("workstream narratives")
        constraints = [models.UniqueConstraint(fields=["report", "workstream"], name="workstream_narrative_unique")]

    def __str__(self) -> str:
        return f"{self.report} · {self.workstream}"


class DeviationNote(models.Model):
    """The managers' explanation of a deviation the report found (an indicator behind, something overdue), and the
    corrective measure; `key` names the deviation ("indicator:joint_operations", "milestone:12")."""

    report = models.ForeignKey(
        ProgressReport, on_delete=models.CASCADE, related_name="deviation_notes", verbose_name=_("report")
    )
    key = models.CharField(_("deviation"), max_length=100)
    explanation = models.TextField(_("explanation"), blank=True)
    measure = models.TextField(_("corrective measure"), blank=True)

    project_path = "report__period__project"
    objects = ProjectScopedQuerySet.as_manager()

    class Meta:
        ordering = ["key"]
        verbose_name = _("deviation note")
        verbose_name_plural = _("deviation notes")
        constraints = [models.UniqueConstraint(fields=["report", "key"], name="deviation_note_unique")]

    def __str__(self) -> str:
        return f"{self.report} · {self.key}"


class ReportSnapshot(models.Model):
    """A submitted version of a period's report, frozen: the content of both audiences as it was on the day it was
    submitted (`reporting.content`), so the files rendered from it keep those numbers whatever changes later."""

    period = models.ForeignKey(
        ReportingPeriod, on_delete=models.CASCADE, related_name="snapshots", verbose_name=_("reporting period")
    )
    number = models.PositiveSmallIntegerField(_("version"))
    submitted_on = models.DateField(_("submitted on"))
    content = models.JSONField(_("content"), default=dict, editable=False)
    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, verbose_name=_("submitted by")
    )

    project_path = "period__project"
    objects = ProjectScopedQuerySet.as_manager()

    class Meta:
        ordering = ["period", "-number"]
        verbose_name = _("submitted report version")
        verbose_name_plural = _("submitted report versions")
        constraints = [models.UniqueConstraint(fields=["period", "number"], name="report_snapshot_unique")]

    def __str__(self) -> str:
        return _("%(period)s, version %(number)s") % {"period": self.period, "number": self.number}


class NotificationPreference(models.Model):
    """A user's choice for one kind of reminder; without a row the kind's default applies."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_preferences"
    )
    kind = models.CharField(_("kind"), max_length=60)
    enabled = models.BooleanField(_("receive"), default=True)

    class Meta:
        verbose_name = _("notification preference")
        verbose_name_plural = _("notification preferences")
        constraints = [models.UniqueConstraint(fields=["user", "kind"], name="notification_preference_unique")]

    def __str__(self) -> str:
        return f"{self.user}: {self.kind} {'on' if self.enabled else 'off'}"


class ReminderDelivery(models.Model):
    """The record of one reminder to one person: its unique key claims the work, so it goes out once.

    A dispatcher inserts the row (a second dispatcher hits the unique constraint and does nothing); the sender
    moves it from PENDING to SENDING with a conditional UPDATE (only one sender wins), then to SENT. The claim
    lasts until `claimed_until`: a sender that died leaves it SENDING, and the sweep puts it back to PENDING to be
    sent again, with the same Message-ID (`message_id`), so a copy sent just before the crash is recognisable.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")

    kind = models.CharField(_("kind"), max_length=60)
    object_type = models.CharField(_("record type"), max_length=100)
    object_id = models.CharField(_("record id"), max_length=64)
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reminder_deliveries"
    )
    occasion = models.DateField(_("occasion"), help_text=_("The due date (or other date) the reminder is about."))
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="+", verbose_name=_("project"))
    subject = models.CharField(_("subject"), max_length=200)
    body = models.TextField(_("body"), blank=True)
    url = models.CharField(_("link"), max_length=300, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    error = models.CharField(_("last error"), max_length=300, blank=True)
    claimed_until = models.DateTimeField(_("claimed until"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)

    project_path = "project"
    objects = ProjectScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("reminder sent")
        verbose_name_plural = _("reminders sent")
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "object_type", "object_id", "recipient", "occasion"], name="reminder_sent_once"
            )
        ]
        indexes = [
            models.Index(fields=["status", "created_at"]),
            models.Index(fields=["created_at", "id"], name="reminder_created_idx"),  # the admin's list
        ]

    def __str__(self) -> str:
        return f"{self.kind} → {self.recipient}: {self.subject}"

    @property
    def message_id(self) -> str:
        """The e-mail's Message-ID, the same at every attempt: derived from this row (its id and creation time) and
        the portal's host name, so two copies of one reminder carry the same id and those of two never do."""
        host = urlsplit(settings.PORTAL_BASE_URL).hostname or "localhost"
        return f"<reminder.{self.pk}.{self.created_at:%Y%m%d%H%M%S%f}@{host}>"


class NotificationQuerySet(models.QuerySet):
    def unread(self) -> NotificationQuerySet:
        return self.filter(read_at__isnull=True)


class Notification(models.Model):
    """A reminder as the portal's notification list shows it to its recipient."""

    delivery = models.OneToOneField(
        ReminderDelivery, on_delete=models.CASCADE, related_name="notification", null=True, blank=True
    )
    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    project = models.ForeignKey(
        Project, on_delete=models.CASCADE, null=True, blank=True, related_name="+", verbose_name=_("project")
    )
    kind = models.CharField(_("kind"), max_length=60)
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("text"), blank=True)
    url = models.CharField(_("link"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    read_at = models.DateTimeField(_("read"), null=True, blank=True)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        indexes = [
            models.Index(fields=["recipient", "read_at", "-created_at"]),
            models.Index(fields=["recipient", "-created_at"], name="notification_newest_idx"),  # the list
            models.Index(fields=["created_at", "id"], name="notification_created_idx"),  # the admin's list
        ]

    def __str__(self) -> str:
        return self.title
