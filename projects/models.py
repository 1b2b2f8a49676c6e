"""The core of the portal: the SELEC portfolio, its partners, workstreams, indicators and who may see what.

Other apps (conferences, operations, ...) hang their records under a `Project` and report their numbers to the
indicators through the metric registry (`projects.metrics`), so this module never imports them.
"""

from __future__ import annotations

import uuid
import zoneinfo
from datetime import date

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Exists, OuterRef, Q, Subquery, Value
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .access import Action, role_allows, roles_allowed


class CountryGroup(models.Model):
    """A named set of countries (SELEC Member States, EU Member States, Danube region, ...)."""

    key = models.SlugField(_("key"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=120, unique=True)
    description = models.TextField(_("description"), blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("country group")
        verbose_name_plural = _("country groups")

    def __str__(self) -> str:
        return self.name


class Country(models.Model):
    """A country by its ISO 3166-1 alpha-2 code; it may belong to several groups at once."""

    code = models.CharField(
        _("ISO code"),
        max_length=2,
        unique=True,
        validators=[RegexValidator(r"^[A-Z]{2}$", _("Use the two capital letters of ISO 3166-1 (for example RO)."))],
    )
    name = models.CharField(_("name"), max_length=80, unique=True)
    groups = models.ManyToManyField(CountryGroup, related_name="countries", blank=True, verbose_name=_("groups"))

    class Meta:
        ordering = ["name"]
        verbose_name = _("country")
        verbose_name_plural = _("countries")

    def __str__(self) -> str:
        return self.name


class Organisation(models.Model):
    """An agency, international organisation, company or university that takes part in the projects."""

    class Kind(models.TextChoices):
        LAW_ENFORCEMENT = "law_enforcement", _("Law enforcement agency")
        INTERNATIONAL = "international", _("International organisation")
        GOVERNMENT = "government", _("Government body")
        PRIVATE = "private", _("Private company")
        ACADEMIA = "academia", _("University or research institute")
        OTHER = "other", _("Other")

    name = models.CharField(_("name"), max_length=200, unique=True)
    acronym = models.CharField(_("acronym"), max_length=40, blank=True)
    kind = models.CharField(_("type"), max_length=20, choices=Kind.choices)
    country = models.ForeignKey(
        Country,
        on_delete=models.PROTECT,
        related_name="organisations",
        null=True,
        blank=True,
        verbose_name=_("country"),
        help_text=_("Seat of the organisation; empty for bodies with no single country."),
    )
    website = models.URLField(_("website"), blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")

    def __str__(self) -> str:
        return f"{self.name} ({self.acronym})" if self.acronym else self.name


class ProjectQuerySet(models.QuerySet):
    """The one place that decides which projects a user may see or act on."""

    def for_user(self, user, action: Action = Action.VIEW) -> ProjectQuerySet:
        if not user.is_authenticated or not user.is_active:
            return self.none()
        if user.is_superuser:
            return self
        memberships = Membership.objects.filter(project=OuterRef("pk"), user=user, role__in=roles_allowed(action))
        return self.filter(Exists(memberships))

    def with_role(self, user) -> ProjectQuerySet:
        """Annotate `user_role` with the user's role in each project ("admin" for superusers)."""
        if user.is_authenticated and user.is_superuser:
            return self.annotate(user_role=Value(Membership.ADMIN))
        if not user.is_authenticated:
            return self.annotate(user_role=Value(""))
        role = Membership.objects.filter(project=OuterRef("pk"), user=user).values("role")[:1]
        return self.annotate(user_role=Subquery(role))


class ProjectScopedQuerySet(models.QuerySet):
    """Records that belong to a project are visible exactly when their project is (see ProjectQuerySet.for_user).

    A model using it names the path to its project in `project_path`.
    """

    def for_user(self, user, action: Action = Action.VIEW) -> models.QuerySet:
        path = self.model.project_path
        return self.filter(**{f"{path}__in": Project.objects.for_user(user, action).values("pk")})


class Project(models.Model):
    """An externally funded SELEC project."""

    class Status(models.TextChoices):
        PLANNED = "planned", _("Planned")
        ACTIVE = "active", _("Running")
        CLOSED = "closed", _("Closed")

    code = models.CharField(
        _("code"),
        max_length=20,
        unique=True,
        validators=[RegexValidator(r"^[A-Z0-9][A-Z0-9-]*$", _("Use capital letters, digits and hyphens."))],
        help_text=_("Short code used in addresses, for example ATHENA2."),
    )
    name = models.CharField(_("name"), max_length=250)
    acronym = models.CharField(_("acronym"), max_length=40, blank=True)
    full_title = models.CharField(_("full title"), max_length=300, blank=True)
    funding_programme = models.CharField(_("funding programme"), max_length=200)
    start_date = models.DateField(_("start date"))
    end_date = models.DateField(_("end date"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.ACTIVE)
    description = models.TextField(_("description"), blank=True)
    organisations = models.ManyToManyField(
        Organisation, through="Partner", related_name="projects", verbose_name=_("partners")
    )

    objects = ProjectQuerySet.as_manager()

    class Meta:
        ordering = ["start_date", "code"]
        verbose_name = _("project")
        verbose_name_plural = _("projects")
        constraints = [
            models.CheckConstraint(condition=Q(end_date__gte=models.F("start_date")), name="project_end_after_start")
        ]

    def __str__(self) -> str:
        return self.acronym or self.name

    def get_absolute_url(self) -> str:
        return reverse("projects:project-detail", kwargs={"code": self.code})

    def clean(self) -> None:
        if self.start_date and self.end_date and self.end_date < self.start_date:
            raise ValidationError({"end_date": _("The end date cannot be before the start date.")})

    @property
    def duration_days(self) -> int:
        return (self.end_date - self.start_date).days

    def time_elapsed_percent(self, today: date | None = None) -> int:
        """How much of the project's time has passed, 0 to 100."""
        today = today or timezone.localdate()
        if today <= self.start_date or self.duration_days == 0:
            return 0 if today <= self.start_date else 100
        if today >= self.end_date:
            return 100
        return round(100 * (today - self.start_date).days / self.duration_days)

    def allows(self, action: Action) -> bool:
        """Whether the role annotated by `ProjectQuerySet.with_role` permits the action."""
        return role_allows(getattr(self, "user_role", None), action)


class Partner(models.Model):
    """An organisation's part in a project."""

    class Role(models.TextChoices):
        LEAD = "lead", _("Lead partner")
        BENEFICIARY = "beneficiary", _("Beneficiary")
        ASSOCIATED = "associated", _("Associated partner")
        NEIGHBOURING = "neighbouring", _("Neighbouring country")

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="partners", verbose_name=_("project"))
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="partnerships", verbose_name=_("organisation")
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)

    project_path = "project"
    objects = ProjectScopedQuerySet.as_manager()

    class Meta:
        ordering = ["project", "role", "organisation__name"]
        verbose_name = _("partner")
        verbose_name_plural = _("partners")
        constraints = [models.UniqueConstraint(fields=["project", "organisation"], name="partner_unique_per_project")]

    def __str__(self) -> str:
        return f"{self.organisation} – {self.get_role_display()}"


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


class Milestone(models.Model):
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


class Deliverable(models.Model):
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
    evidence = models.FileField(_("evidence file"), upload_to=deliverable_upload_to, blank=True)

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


class Task(models.Model):
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
        indexes = [models.Index(fields=["workstream", "status", "due_date"])]

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


class Indicator(models.Model):
    """A project target, whose achieved value is computed by a registered metric from the portal's records."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="indicators", verbose_name=_("project"))
    key = models.SlugField(_("key"), max_length=60)
    label = models.CharField(_("label"), max_length=200)
    unit = models.CharField(_("unit"), max_length=40, blank=True)
    target = models.PositiveIntegerField(_("target"))
    metric = models.CharField(
        _("metric"),
        max_length=60,
        help_text=_("How the achieved value is computed: the key of a metric registered by one of the portal's apps."),
    )
    description = models.TextField(_("description"), blank=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    project_path = "project"
    objects = ProjectScopedQuerySet.as_manager()

    class Meta:
        ordering = ["project", "order", "key"]
        verbose_name = _("indicator")
        verbose_name_plural = _("indicators")
        constraints = [models.UniqueConstraint(fields=["project", "key"], name="indicator_unique_key")]

    def __str__(self) -> str:
        return f"{self.label} ({self.target})"

    def clean(self) -> None:
        from .metrics import registry

        if self.metric and registry.get(self.metric) is None:
            raise ValidationError(
                {
                    "metric": _("No metric “%(key)s” is registered. Known metrics: %(known)s.")
                    % {"key": self.metric, "known": ", ".join(registry.keys())}
                }
            )


class IndicatorTarget(models.Model):
    """An intermediate target: the cumulative value an indicator should reach by a date."""

    indicator = models.ForeignKey(
        Indicator, on_delete=models.CASCADE, related_name="period_targets", verbose_name=_("indicator")
    )
    due_date = models.DateField(_("by"))
    target = models.PositiveIntegerField(_("cumulative target"))

    project_path = "indicator__project"
    objects = ProjectScopedQuerySet.as_manager()

    class Meta:
        ordering = ["indicator", "due_date"]
        verbose_name = _("intermediate target")
        verbose_name_plural = _("intermediate targets")
        constraints = [models.UniqueConstraint(fields=["indicator", "due_date"], name="indicator_target_unique_date")]

    def __str__(self) -> str:
        return f"{self.target} by {self.due_date:%Y-%m-%d}"

    def clean(self) -> None:
        if self.indicator_id and self.target > self.indicator.target:
            raise ValidationError({"target": _("An intermediate target cannot exceed the indicator's final target.")})


class Membership(models.Model):
    """A user's role in one project; it decides what the user may see and do there (see `projects.access`)."""

    class Role(models.TextChoices):
        STAFF = "staff", _("Staff")
        MANAGER = "manager", _("Manager")
        VIEWER = "viewer", _("Viewer")

    ADMIN = "admin"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("user")
    )
    project = models.ForeignKey(
        Project, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("project")
    )
    role = models.CharField(_("role"), max_length=10, choices=Role.choices)

    project_path = "project"
    objects = ProjectScopedQuerySet.as_manager()

    class Meta:
        ordering = ["project", "user__username"]
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [models.UniqueConstraint(fields=["user", "project"], name="membership_unique_per_project")]

    def __str__(self) -> str:
        return f"{self.user} – {self.project}: {self.get_role_display()}"


class PersonQuerySet(models.QuerySet):
    def matching(self, *, name: str, country: Country, organisation: Organisation | None) -> PersonQuerySet:
        """The people who are the same person as this name at this organisation and country."""
        return self.filter(name__iexact=" ".join(name.split()), country=country, organisation=organisation)


class Person(models.Model):
    """Someone who takes part in project work: a participant, trainee or officer.

    Only what the projects need: a name (or a pseudonymous reference for operational officers), the
    organisation and country, an optional e-mail for certificates and reminders, and an optional gender for the
    funders' breakdowns. The same person at several events or activities is one row, so people are counted once.
    """

    class Gender(models.TextChoices):
        FEMALE = "female", _("Female")
        MALE = "male", _("Male")
        OTHER = "other", _("Other")

    name = models.CharField(
        _("name or reference"), max_length=200, help_text=_("Full name, or a pseudonymous reference for officers.")
    )
    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="people",
        verbose_name=_("organisation"),
    )
    country = models.ForeignKey(Country, on_delete=models.PROTECT, related_name="people", verbose_name=_("country"))
    email = models.EmailField(_("e-mail"), blank=True)
    gender = models.CharField(_("gender"), max_length=10, choices=Gender.choices, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    objects = PersonQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name = _("person")
        verbose_name_plural = _("people")
        indexes = [models.Index(fields=["country", "name"])]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        self.name = " ".join((self.name or "").split())
        if self.country_id and self.name:
            duplicates = Person.objects.matching(
                name=self.name, country=self.country, organisation=self.organisation
            ).exclude(pk=self.pk)
            if duplicates.exists():
                raise ValidationError({"name": _("This person is already recorded for this organisation and country.")})


def _time_zone_choices() -> list[tuple[str, str]]:
    return [(name, name) for name in sorted(zoneinfo.available_timezones())]


class Profile(models.Model):
    """What the portal knows of a person beyond the login: organisation and preferred time zone."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="profile")
    organisation = models.ForeignKey(
        Organisation, on_delete=models.SET_NULL, null=True, blank=True, verbose_name=_("organisation")
    )
    time_zone = models.CharField(
        _("time zone"), max_length=64, choices=_time_zone_choices, default=settings.PORTAL_DEFAULT_USER_TIME_ZONE
    )

    class Meta:
        verbose_name = _("profile")
        verbose_name_plural = _("profiles")

    def __str__(self) -> str:
        return str(self.user)


class AuditEvent(models.Model):
    """One line of the audit trail: who created, changed, viewed, exported or deleted what, and when.

    Law Enforcement Directive 2016/680, Art. 25, asks for logs of collection, alteration, consultation,
    disclosure, combination and erasure. Services write these through `services.audit_log`; nobody edits them.
    """

    class Action(models.TextChoices):
        CREATE = "create", _("Created")
        CHANGE = "change", _("Changed")
        DELETE = "delete", _("Deleted")
        VIEW = "view", _("Viewed")
        EXPORT = "export", _("Exported")
        IMPORT = "import", _("Imported")
        TRANSITION = "transition", _("Status changed")

    at = models.DateTimeField(_("at"), default=timezone.now, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, verbose_name=_("user")
    )
    action = models.CharField(_("action"), max_length=12, choices=Action.choices)
    project = models.ForeignKey(
        Project, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("project")
    )
    object_type = models.CharField(_("record type"), max_length=100)
    object_id = models.CharField(_("record id"), max_length=64, blank=True)
    object_repr = models.CharField(_("record"), max_length=200, blank=True)
    details = models.JSONField(_("details"), default=dict, blank=True)

    project_path = "project"
    objects = ProjectScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-pk"]
        verbose_name = _("audit event")
        verbose_name_plural = _("audit trail")
        indexes = [models.Index(fields=["object_type", "object_id"])]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.user} {self.action} {self.object_type} {self.object_repr}"


def job_result_upload_to(instance: BackgroundJob, filename: str) -> str:
    return f"jobs/{instance.pk}/{filename}"


class BackgroundJob(models.Model):
    """Long work (a report, an import) run by Celery, with its progress and result, for the user to follow.

    The kind names a handler registered in `projects.jobs.handlers`; the task claims the job with a
    conditional UPDATE, so a job runs once even if its task is delivered twice.
    """

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        SUCCEEDED = "succeeded", _("Done")
        FAILED = "failed", _("Failed")

    BADGE_COLOURS = {"status": {Status.SUCCEEDED: "success", Status.FAILED: "danger"}}  # the others grey

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    kind = models.CharField(_("kind"), max_length=60)
    title = models.CharField(_("title"), max_length=200)
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="jobs", verbose_name=_("project"))
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, verbose_name=_("requested by")
    )
    params = models.JSONField(_("parameters"), default=dict, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.QUEUED)
    progress = models.PositiveSmallIntegerField(_("progress (%)"), default=0)
    message = models.CharField(_("message"), max_length=300, blank=True)
    result = models.FileField(_("result"), upload_to=job_result_upload_to, blank=True)
    result_data = models.JSONField(_("result data"), default=dict, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)

    project_path = "project"
    objects = ProjectScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("background job")
        verbose_name_plural = _("background jobs")
        indexes = [models.Index(fields=["project", "kind", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.title} ({self.get_status_display()})"

    def get_absolute_url(self) -> str:
        return reverse("projects:job-detail", kwargs={"code": self.project.code, "pk": self.pk})

    @property
    def is_finished(self) -> bool:
        return self.status in (self.Status.SUCCEEDED, self.Status.FAILED)

    @property
    def has_result(self) -> bool:
        """Whether there is a file to download: the job succeeded and wrote one."""
        return self.status == self.Status.SUCCEEDED and bool(self.result)
