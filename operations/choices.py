"""The vocabulary of joint activities: their types, statuses, validation states and officer roles, and how an
activity moves from one status to the next (`operations.models` and every page, form and query use these)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class ActivityType(models.TextChoices):
    CROSS_BORDER_OBSERVATION = "cross_border_observation", _("Cross-border observation")
    JOINT_OPERATION = "joint_operation", _("Joint operation")
    JOINT_INVESTIGATION = "joint_investigation", _("Joint investigation")
    JOINT_PATROL = "joint_patrol", _("Joint patrol")
    BILATERAL_MEETING = "bilateral_meeting", _("Bilateral meeting")


class ActivityStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    ONGOING = "ongoing", _("Ongoing")
    COMPLETED = "completed", _("Completed")
    EVALUATED = "evaluated", _("Evaluated")


class ValidationState(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    VALIDATED = "validated", _("Validated")
    RETURNED = "returned", _("Returned")


class MeetingPurpose(models.TextChoices):
    PLAN = "plan", _("Planning")
    COORDINATE = "coordinate", _("Coordinating")
    EVALUATE = "evaluate", _("Evaluating")


class OfficerRole(models.TextChoices):
    SPOC = "spoc", _("SPOC")
    FIELD_OFFICER = "field_officer", _("Field officer")
    TEAM_LEADER = "team_leader", _("Team leader")
    LIAISON_OFFICER = "liaison_officer", _("Liaison officer")
    ANALYST = "analyst", _("Analyst")
    COORDINATOR = "coordinator", _("Coordinator")
    OTHER = "other", _("Other")


# The life of an activity: each status may move only to the next one.
STATUS_TRANSITIONS: dict[str, str] = {
    ActivityStatus.PLANNED: ActivityStatus.ONGOING,
    ActivityStatus.ONGOING: ActivityStatus.COMPLETED,
    ActivityStatus.COMPLETED: ActivityStatus.EVALUATED,
}
DONE_STATUSES = (ActivityStatus.COMPLETED, ActivityStatus.EVALUATED)
NOT_DONE_STATUSES = tuple(status for status in ActivityStatus.values if status not in DONE_STATUSES)
