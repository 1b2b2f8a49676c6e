"""Joint activities: what was done together, when and by which agencies, and the rules of its life."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from projects.access import Action, role_allows
from projects.models import Country, Organisation, Project, ProjectScopedQuerySet, Versioned, Workstream

from ..choices import (
    DONE_STATUSES,
    NOT_DONE_STATUSES,
    STATUS_TRANSITIONS,
    ActivityStatus,
    ActivityType,
    MeetingPurpose,
    ValidationState,
)

# The projects whose pages show joint activities.
OPERATIONS_PROJECTS = ("ATHENA2",)


# Realistic bounds: no country deploys more officers to one activity, and a manager's comment is a few paragraphs.
OFFICERS_DEPLOYED_MAX = 10_000
COMMENT_MAX_LENGTH = 1000
CROSS_BORDER_TYPES = (ActivityType.CROSS_BORDER_OBSERVATION,)


class JointActivityQuerySet(ProjectScopedQuerySet):
    """The one access rule of activities: a project's records (see `for_user`), minus the sensitive ones for those
    who may not see them. Every page, export, search and timeline of activities goes through these methods.

    Numbers follow the core's rule instead (the metrics declare `sensitive="is_sensitive"`): the unfiltered totals
    count sensitive activities for every reader, filtered numbers, breakdowns and series only for those who see them.
    """

    def for_user(self, user, action: Action = Action.VIEW) -> JointActivityQuerySet:
        qs = super().for_user(user, action)
        if user.is_authenticated and user.is_superuser:
            return qs
        managed = Project.objects.seeing_sensitive(user).values("pk")
        return qs.filter(Q(is_sensitive=False) | Q(project__in=managed))

    def in_project(self, project: Project) -> JointActivityQuerySet:
        """The activities of a project page, for the user whose role `project_for_user` annotated on `project`."""
        qs = self.filter(project=project)
        return qs if project.sees_sensitive else qs.filter(is_sensitive=False)

    def counted(self) -> JointActivityQuerySet:
        """The activities that count toward the targets: validated and completed or evaluated (the SQL twin of
        `JointActivity.counts_toward_targets`)."""
        return self.filter(counted_condition())


def counted_condition() -> Q:
    """The condition of `JointActivityQuerySet.counted`, for `Count(..., filter=counted_condition())`."""
    return Q(validation_state=ValidationState.VALIDATED, status__in=DONE_STATUSES)


class JointActivity(Versioned):
    """A joint activity of police forces (observation, operation, investigation, patrol) or a bilateral meeting.

    Only validated activities that are completed or evaluated count toward the project's targets. `version`
    grows with every save, so that a save based on an older version is refused instead of overwriting.
    """

    project = models.ForeignKey(
        Project, on_delete=models.CASCADE, related_name="joint_activities", verbose_name=_("project")
    )
    type = models.CharField(_("type"), max_length=30, choices=ActivityType.choices)
    # PROTECT: a workstream that holds activities is not deleted by mistake (its report section would lose them);
    # deleting the whole project still deletes both.
    workstream = models.ForeignKey(
        Workstream,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="activities",
        verbose_name=_("workstream"),
        help_text=_("The work package of the project's plan the activity belongs to."),
    )
    title = models.CharField(_("title"), max_length=200)
    reference = models.CharField(
        _("reference"), max_length=40, blank=True, help_text=_("The activity's reference, unique in the project.")
    )
    lead_country = models.ForeignKey(
        Country, on_delete=models.PROTECT, related_name="led_joint_activities", verbose_name=_("lead country")
    )
    lead_agency = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="led_joint_activities",
        verbose_name=_("lead agency"),
    )
    participating_agencies = models.ManyToManyField(
        Organisation, blank=True, related_name="joint_activities", verbose_name=_("participating agencies")
    )
    start_date = models.DateField(_("start date"))
    end_date = models.DateField(_("end date"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=ActivityStatus.choices, default="planned")
    validation_state = models.CharField(
        _("validation"), max_length=10, choices=ValidationState.choices, default=ValidationState.DRAFT
    )
    validation_comment = models.TextField(
        _("validation comment"),
        blank=True,
        max_length=COMMENT_MAX_LENGTH,
        validators=[
            MaxLengthValidator(
                COMMENT_MAX_LENGTH,
                message=_("Keep the comment to at most %(limit_value)d characters (it has %(show_value)d)."),
            )
        ],
    )
    validated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("validated by"),
    )
    validated_at = models.DateTimeField(_("validated at"), null=True, blank=True)
    summary = models.TextField(
        _("summary"),
        max_length=2000,
        blank=True,
        help_text=_("A short, non-operational summary: no case details, suspects or intelligence."),
    )
    related_activity = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="meetings",
        verbose_name=_("related joint activity"),
        help_text=_("For a bilateral meeting: the joint activity it plans, coordinates or evaluates."),
    )
    meeting_purpose = models.CharField(_("meeting purpose"), max_length=12, choices=MeetingPurpose.choices, blank=True)
    discussed_at = models.ManyToManyField(
        "conferences.Event",
        blank=True,
        related_name="discussed_activities",
        verbose_name=_("discussed at"),
        help_text=_("The project's workshops and meetings where the activity was discussed."),
    )
    is_sensitive = models.BooleanField(
        _("sensitive"),
        default=False,
        help_text=_("Sensitive: visible to managers and admins only (it still counts toward the targets)."),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("logged by"),
    )
    created_at = models.DateTimeField(_("logged at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("changed at"), auto_now=True)
    # Derived: whether any country has evaluated it, kept in step by every write of its evaluations
    # (`operations.signals`), so "evaluations overdue" is an indexed filter, not an anti-join over every activity.
    has_evaluation = models.BooleanField(_("evaluated by a country"), default=False, editable=False)

    project_path = "project"
    objects = JointActivityQuerySet.as_manager()

    # What an entry of the audit trail keeps of a change, old and new: the fields, and the related rows (officers,
    # places, countries) in the activity's own entry (see `projects.audit.audit_snapshot`).
    audit_fields = (
        "type",
        "workstream",
        "title",
        "reference",
        "lead_country",
        "lead_agency",
        "participating_agencies",
        "start_date",
        "end_date",
        "summary",
        "related_activity",
        "meeting_purpose",
        "discussed_at",
        "is_sensitive",
        "places",
        "countries",
        "officers",
    )
    audit_select = {"places": ("country",), "countries": ("country",), "officers": ("person",)}

    # The colour of each value on a badge (`{% status_badge %}`): the validation carries the colour, the progress
    # through the statuses is shown in grey.
    BADGE_COLOURS = {
        "status": dict.fromkeys(ActivityStatus.values, "secondary"),
        "validation_state": {
            ValidationState.DRAFT: "light",
            ValidationState.SUBMITTED: "info",
            ValidationState.VALIDATED: "success",
            ValidationState.RETURNED: "warning",
        },
    }

    class Meta:
        ordering = ["-start_date", "-pk"]
        verbose_name = _("joint activity")
        verbose_name_plural = _("joint activities")
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=models.F("start_date")),
                name="activity_end_after_start",
            ),
            models.UniqueConstraint(
                fields=["project", "reference"], condition=~Q(reference=""), name="activity_unique_reference"
            ),
        ]
        indexes = [
            models.Index(fields=["project", "type", "validation_state", "status"]),
            models.Index(fields=["project", "start_date"]),
            # the API's incremental sync: a project's activities changed since a cursor, in (updated_at, id) order
            models.Index(fields=["project", "updated_at", "id"], name="activity_sync_idx"),
            # the dashboards' lists: open (or done) activities by start or end date, counted and read by date
            models.Index(fields=["project", "status", "start_date"]),
            models.Index(fields=["project", "status", "end_date"]),
            # The dashboards' due and overdue lists, read by date and counted from these small partial indexes
            # alone, whatever the share of such activities: planned activities by start date, activities not done
            # by end date, done activities that no country has evaluated (an evaluation due). `is_sensitive` last:
            # a reader who does not see sensitive activities is answered from the index too, in date order.
            models.Index(
                fields=["project", "start_date", "is_sensitive"],
                condition=Q(status=ActivityStatus.PLANNED),
                name="activity_planned_start_idx",
            ),
            models.Index(
                fields=["project", "end_date", "is_sensitive"],
                condition=Q(status__in=NOT_DONE_STATUSES),
                name="activity_open_end_idx",
            ),
            models.Index(
                fields=["project", "end_date", "is_sensitive"],
                condition=Q(status__in=DONE_STATUSES, end_date__isnull=False, has_evaluation=False),
                name="activity_evaluation_due_idx",
            ),
            # the list's filters and orderings (each with the default order, newest first)
            models.Index(fields=["project", "type", "start_date"], name="activity_type_start_idx"),
            models.Index(fields=["project", "validation_state", "start_date"], name="activity_validation_start_idx"),
            models.Index(fields=["project", "lead_country", "start_date"], name="activity_lead_start_idx"),
            models.Index(fields=["project", "title"], name="activity_title_idx"),
            # the admin's list across projects, in this order, and its drill-down by the start date
            models.Index(fields=["start_date", "id"], name="activity_start_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.reference} {self.title}" if self.reference else self.title

    def get_absolute_url(self) -> str:
        return reverse("operations:activity-detail", kwargs={"code": self.project.code, "pk": self.pk})

    def clean(self) -> None:
        errors: dict[str, str] = {}
        today = timezone.localdate()
        if self.start_date and self.end_date and self.end_date < self.start_date:
            errors["end_date"] = _("The end date cannot be before the start date.")
        if self.is_done:
            if not self.end_date:
                errors.setdefault("end_date", _("A completed activity needs its end date."))
            elif self.end_date > today:
                errors.setdefault("end_date", _("An activity cannot be completed with an end date in the future."))
        if self.status == ActivityStatus.ONGOING and self.start_date and self.start_date > today:
            errors["start_date"] = _("An activity that starts in the future cannot be ongoing yet.")
        if self.type != ActivityType.BILATERAL_MEETING and (self.related_activity_id or self.meeting_purpose):
            errors["related_activity"] = _("Only a bilateral meeting is linked to the joint activity it serves.")
        elif self.type == ActivityType.BILATERAL_MEETING:
            if self.related_activity_id and not self.meeting_purpose:
                errors["meeting_purpose"] = _("Say whether the meeting plans, coordinates or evaluates it.")
            if self.related_activity_id and self.related_activity_id == self.pk:
                errors["related_activity"] = _("A meeting cannot serve itself.")
            elif self.related_activity_id and self.project_id:
                related = self.related_activity
                if related.project_id != self.project_id:
                    errors["related_activity"] = _("Choose an activity of the same project.")
                elif related.type == ActivityType.BILATERAL_MEETING:
                    errors["related_activity"] = _("Choose a joint activity, not another meeting.")
        if self.workstream_id and self.project_id and self.workstream.project_id != self.project_id:
            errors["workstream"] = _("Choose a workstream of this project.")
        if self.reference and self.project_id:
            clash = JointActivity.objects.filter(project_id=self.project_id, reference__iexact=self.reference)
            if clash.exclude(pk=self.pk).exists():
                errors["reference"] = _("Another activity of this project already has this reference.")
        if errors:
            raise ValidationError(errors)

    @staticmethod
    def check_places(activity_type: str, places: list[tuple[str, Country]]) -> None:
        """The places of an activity: at least one; a cross-border activity spans at least two countries."""
        if not places:
            raise ValidationError(_("Give at least one place (city and country)."))
        if activity_type in CROSS_BORDER_TYPES and len({country.pk for _city, country in places}) < 2:
            raise ValidationError(_("A cross-border activity takes place in at least two countries."))

    @property
    def is_validated(self) -> bool:
        return self.validation_state == ValidationState.VALIDATED

    @property
    def is_done(self) -> bool:
        """Completed or evaluated: it needs its end date and may be evaluated."""
        return self.status in DONE_STATUSES

    @property
    def next_status(self) -> str | None:
        return STATUS_TRANSITIONS.get(self.status)

    @property
    def counts_toward_targets(self) -> bool:
        """Whether the activity counts toward the targets (`JointActivityQuerySet.counted` says it in SQL)."""
        return self.is_validated and self.is_done

    def is_editable_by_role(self, role: str | None) -> bool:
        """Whether a user with this role in the project may change the activity (its fields, files, status): one who
        may edit the project's records; once validated, only one who may validate (a manager reopens it).

        The pages ask it with `project.user_role`; the services refuse a change with the same rule."""
        return role_allows(role, Action.EDIT) and (not self.is_validated or role_allows(role, Action.VALIDATE))
