"""A project, its partners and its members, and the one place that decides who may see or act on what."""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Exists, OuterRef, Q, Subquery, Value
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ..access import SEES_SENSITIVE, Action, role_allows, roles_allowed, sees_sensitive
from .reference import Organisation
from .rollups import RollupQuerySet


class ProjectQuerySet(models.QuerySet):
    """The one place that decides which projects a user may see or act on."""

    def for_user(self, user, action: Action = Action.VIEW) -> ProjectQuerySet:
        if not user.is_authenticated or not user.is_active:
            return self.none()
        if user.is_superuser:
            return self
        memberships = Membership.objects.filter(project=OuterRef("pk"), user=user, role__in=roles_allowed(action))
        return self.filter(Exists(memberships))

    def seeing_sensitive(self, user) -> ProjectQuerySet:
        """The projects whose sensitive records the user sees (see `projects.access.sees_sensitive`)."""
        return self.for_user(user, SEES_SENSITIVE)

    def with_role(self, user) -> ProjectQuerySet:
        """Annotate `user_role` with the user's role in each project ("admin" for superusers)."""
        if user.is_authenticated and user.is_superuser:
            return self.annotate(user_role=Value(Membership.ADMIN))
        if not user.is_authenticated:
            return self.annotate(user_role=Value(""))
        role = Membership.objects.filter(project=OuterRef("pk"), user=user).values("role")[:1]
        return self.annotate(user_role=Subquery(role))


class ProjectScopedQuerySet(RollupQuerySet):
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

    @property
    def sees_sensitive(self) -> bool:
        """Whether the user whose role `with_role` annotated sees the project's sensitive records."""
        return sees_sensitive(getattr(self, "user_role", None))


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
