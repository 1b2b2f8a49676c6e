"""Which workstream of the project's plan holds a joint activity of each type (see `projects.workplan_defaults`)."""

from __future__ import annotations

from datetime import date

from projects.models import Workstream
from projects.workplan_defaults import Plan, plan_default, plan_fill

from .choices import ActivityType

# ATHENA 2 (projects.reference): WS1 "Joint operational activities", WS2 "Thematic workshops and bilateral meetings".
PLAN: Plan = {
    "ATHENA2": {
        ActivityType.CROSS_BORDER_OBSERVATION.value: (1,),
        ActivityType.JOINT_OPERATION.value: (1,),
        ActivityType.JOINT_INVESTIGATION.value: (1,),
        ActivityType.JOINT_PATROL.value: (1,),
        ActivityType.BILATERAL_MEETING.value: (2,),
    },
}


def default_workstream(project, activity_type: str, start_date: date | None = None):
    """The workstream a new activity of this type falls in when none is given (None where the plan is silent)."""
    return plan_default(PLAN, Workstream, project, activity_type, start_date)


def workstreams_fill(activity_model, workstream_model) -> int:
    """Give the activities without a workstream their default (the data migration's step)."""
    return plan_fill(PLAN, activity_model, workstream_model, "type")
