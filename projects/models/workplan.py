"""The work plan of a project: workstreams and their milestones, deliverables and tasks."""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ..validators import validate_document
from .projects import Membership, Project, ProjectScopedQuerySet
from .reference import Organisation
from .versioning import Versioned


class Workstream(models.Model):
    """A work package of a project, with its milestones and deliverables."""

    project = models.ForeignKey(
        Project, on_delete=models.CASCADE, related_name="workstreams", verbose_name=_("project")
    )
    number = models.PositiveSmallIntegerField(_("number"))
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    lead = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="led_workstreams",
        verbose_name=_("lead organisation"),
    )
    start_date = models.DateField(_("start date"), null=True, blank=True)
    end_date = models.DateField(_("end date"), null=True, blank=True)

    project_path = "project"
    objects = ProjectScopedQuerySet.as_manager()

    class Meta:
        ordering = ["project", "number"]
        verbose_name = _("workstream")
        verbose_name_plural = _("workstreams")
        constraints = [models.UniqueConstraint(fields=["project", "number"], name="workstream_unique_number")]

    def __str__(self) -> str:
        return f"WS{self.number} {self.title}"

    def clean(self) -> None:
        if self.start_date and self.end_date and self.end_date < self.start_date:
            raise ValidationError({"end_date": _("The end date cannot be before the start date.")})


def _not_in_future(value: date | None, field: str) -> None:
    if value and value > timezone.localdate():
        raise ValidationError({field: _("This date is in the future.")})


class Milestone(Versioned):
    """A point a workstream must reach by a due date."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        REACHED = "reached", _("Reached")
        MISSED = "missed", _("Missed")

    # The colour of each status on a badge (`{% status_badge %}`, projects/templatetags/badges.py).
    BADGE_COLOURS = {"status": {Status.PENDING: "secondary", Status.REACHED: "success", Status.MISSED: "danger"}}

    workstream = models.ForeignKey(
        Workstream, on_delete=models.CASCADE, related_name="milestones", verbose_name=_("workstream")
    )
    title = models.CharField(_("title"), max_length=200)
    due_date = models.DateField(_("due date"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    reached_on = models.DateField(_("reached on"), null=True, blank=True)

    project_path = "workstream__project"
    objects = ProjectScopedQuerySet.as_manager()

    class Meta:
        ordering = ["due_date", "pk"]
        verbose_name = _("milestone")
        verbose_name_plural = _("milestones")

    def __str__(self) -> str:
        return self.title

    def clean(self) -> None:
        if self.status == self.Status.REACHED and not self.reached_on:
            raise ValidationError({"reached_on": _("Give the date on which the milestone was reached.")})
        if self.status != self.Status.REACHED and self.reached_on:
            raise ValidationError({"reached_on": _("Only a reached milestone has a date of reaching.")})
        _not_in_future(self.reached_on, "reached_on")

    def overdue_on(self, today: date) -> bool:
        return self.status == self.Status.PENDING and self.due_date < today

    @property
    def is_overdue(self) -> bool:
        return self.overdue_on(timezone.localdate())


def deliverable_upload_to(instance: Deliverable, filename: str) -> str:
    return f"deliverables/{instance.workstream.project.code}/{filename}"


class Deliverable(Versioned):
    """Something a workstream hands over (a report, a road map, a training curriculum), with its evidence."""

    class Status(models.TextChoices):
        PLANNED = "planned", _("Planned")
        IN_PROGRESS = "in_progress", _("In progress")
        SUBMITTED = "submitted", _("Submitted")
        APPROVED = "approved", _("Approved")

    DONE_STATUSES = (Status.APPROVED,)
    BADGE_COLOURS = {"status": {Status.SUBMITTED: "info", Status.APPROVED: "success"}}  # the others grey

    workstream = models.ForeignKey(
        Workstream, on_delete=models.CASCADE, related_name="deliverables", verbose_name=_("workstream")
    )
    title = models.CharField(_("title"), max_length=200)
    due_date = models.DateField(_("due date"))
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.PLANNED)
    delivered_on = models.DateField(_("delivered on"), null=True, blank=True)
    evidence = models.FileField(
        _("evidence file"), upload_to=deliverable_upload_to, blank=True, validators=[validate_document]
    )

    project_path = "workstream__project"
    objects = ProjectScopedQuerySet.as_manager()

    class Meta:
        ordering = ["due_date", "pk"]
        verbose_name = _("deliverable")
        verbose_name_plural = _("deliverables")

    def __str__(self) -> str:
        return self.title

    def clean(self) -> None:
        handed_over = self.status in (self.Status.SUBMITTED, self.Status.APPROVED)
        if handed_over and not self.delivered_on:
            raise ValidationError({"delivered_on": _("Give the date on which the deliverable was handed over.")})
        if not handed_over and self.delivered_on:
            raise ValidationError({"delivered_on": _("A deliverable that is not handed over has no delivery date.")})
        _not_in_future(self.delivered_on, "delivered_on")

    @property
    def is_done(self) -> bool:
        return self.status in self.DONE_STATUSES

    def is_approval_change(self, status: str) -> bool:
        """Whether moving to `status` approves the deliverable or withdraws its approval: a manager's call."""
        return self.Status.APPROVED in (status, self.status) and status != self.status

    def overdue_on(self, today: date) -> bool:
        return not self.is_done and self.due_date < today

    @property
    def is_overdue(self) -> bool:
        return self.overdue_on(timezone.localdate())


class Task(Versioned):
    """A piece of work in a workstream, owned by one member of the project and due by a date."""

    class Status(models.TextChoices):
        TODO = "todo", _("To do")
        IN_PROGRESS = "in_progress", _("In progress")
        BLOCKED = "blocked", _("Blocked")
        DONE = "done", _("Done")

    BADGE_COLOURS = {"status": {Status.BLOCKED: "warning", Status.DONE: "success"}}  # the others grey

    workstream = models.ForeignKey(
        Workstream, on_delete=models.CASCADE, related_name="tasks", verbose_name=_("workstream")
    )
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="owned_tasks",
        verbose_name=_("owner"),
        help_text=_("A member of the project."),
    )
    due_date = models.DateField(_("due date"))
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.TODO)
    completed_on = models.DateField(_("completed on"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    project_path = "workstream__project"
    objects = ProjectScopedQuerySet.as_manager()

    class Meta:
        ordering = ["due_date", "pk"]
        verbose_name = _("task")
        verbose_name_plural = _("tasks")
        indexes = [
            models.Index(fields=["workstream", "status", "due_date"]),
            models.Index(fields=["due_date", "id"], name="task_due_idx"),  # the admin's list and drill-down
        ]

    def __str__(self) -> str:
        return self.title

    def clean(self) -> None:
        # The completion date follows the status: set when the task is done, cleared when it is reopened.
        if self.status == self.Status.DONE and not self.completed_on:
            self.completed_on = timezone.localdate()
        elif self.status != self.Status.DONE:
            self.completed_on = None
        _not_in_future(self.completed_on, "completed_on")
        if self.owner_id and self.workstream_id:
            owner = self.owner
            is_member = Membership.objects.filter(user_id=self.owner_id, project_id=self.workstream.project_id)
            if not owner.is_superuser and not is_member.exists():
                raise ValidationError({"owner": _("The owner must be a member of the project.")})

    @property
    def is_done(self) -> bool:
        return self.status == self.Status.DONE

    def overdue_on(self, today: date) -> bool:
        return not self.is_done and self.due_date < today

    @property
    def is_overdue(self) -> bool:
        return self.overdue_on(timezone.localdate())
