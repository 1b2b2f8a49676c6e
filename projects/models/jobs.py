"""Background jobs: long work run by Celery, with the progress and result the user follows."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from ..access import Action, role_allows
from .projects import Project, ProjectScopedQuerySet


def job_result_upload_to(instance: BackgroundJob, filename: str) -> str:
    return f"jobs/{instance.pk}/{filename}"


class BackgroundJobQuerySet(ProjectScopedQuerySet):
    def of_project_for(self, project: Project) -> BackgroundJobQuerySet:
        """The project's jobs whose audience the user's role (`project.user_role`, see `project_for_user`) reaches:
        the one rule of who may follow a job and download its result."""
        role = getattr(project, "user_role", None)
        audiences = [action for action in BackgroundJob.Audience.values if role_allows(role, Action(action))]
        return self.filter(project=project, audience__in=audiences)


class BackgroundJob(models.Model):
    """Long work (a report, an import) run by Celery, with its progress and result, for the user to follow.

    The kind names a handler registered in `projects.jobs.handlers`; the task claims the job with a
    conditional UPDATE, so a job runs once even if its task is delivered twice. The claim lasts until
    `claimed_until` (each progress report extends it); a claim that ran out, its worker dead, is swept back to
    the queue, and `attempts` counts the claims (see `projects.jobs`).
    """

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        SUCCEEDED = "succeeded", _("Done")
        FAILED = "failed", _("Failed")

    class Audience(models.TextChoices):
        """Who may follow the job and download its result: a file made by one who sees sensitive records may name
        them, so it is for those who see them too (the project's managers)."""

        EVERYONE = Action.VIEW.value, _("Everyone in the project")
        MANAGERS = Action.MANAGE.value, _("The project's managers")

    BADGE_COLOURS = {"status": {Status.SUCCEEDED: "success", Status.FAILED: "danger"}}  # the others grey

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    kind = models.CharField(_("kind"), max_length=60)
    title = models.CharField(_("title"), max_length=200)
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="jobs", verbose_name=_("project"))
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, verbose_name=_("requested by")
    )
    params = models.JSONField(_("parameters"), default=dict, blank=True)
    audience = models.CharField(_("audience"), max_length=10, choices=Audience.choices, default=Audience.EVERYONE)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.QUEUED)
    progress = models.PositiveSmallIntegerField(_("progress (%)"), default=0)
    message = models.CharField(_("message"), max_length=300, blank=True)
    result = models.FileField(_("result"), upload_to=job_result_upload_to, blank=True)
    result_data = models.JSONField(_("result data"), default=dict, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    claimed_until = models.DateTimeField(_("claimed until"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)

    project_path = "project"
    objects = BackgroundJobQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("background job")
        verbose_name_plural = _("background jobs")
        indexes = [
            models.Index(fields=["project", "kind", "-created_at"]),
            models.Index(fields=["created_at"], name="job_created_idx"),  # the admin's list and drill-down
            models.Index(fields=["status", "claimed_until"], name="job_claim_idx"),  # the sweep
        ]

    def __str__(self) -> str:
        return f"{self.title} ({self.get_status_display()})"

    def get_absolute_url(self) -> str:
        return reverse("projects:job-detail", kwargs={"code": self.project.code, "pk": self.pk})

    @property
    def sees_sensitive(self) -> bool:
        """Whether the job's file may name sensitive records: only when it is for the managers."""
        return self.audience == self.Audience.MANAGERS

    @property
    def is_finished(self) -> bool:
        return self.status in (self.Status.SUCCEEDED, self.Status.FAILED)

    @property
    def has_result(self) -> bool:
        """Whether there is a file to download: the job succeeded and wrote one."""
        return self.status == self.Status.SUCCEEDED and bool(self.result)

    @property
    def retry_note(self) -> str:
        """The note "Retrying, attempt 2 of 3" while a job runs again after its worker stopped; empty otherwise."""
        attempt = self.attempts if self.status == self.Status.RUNNING else self.attempts + 1
        if self.is_finished or attempt < 2:
            return ""
        return _("Retrying, attempt %(attempt)s of %(max)s") % {
            "attempt": attempt,
            "max": settings.PORTAL_JOB_MAX_ATTEMPTS,
        }
