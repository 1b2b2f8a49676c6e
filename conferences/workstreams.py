"""Which workstream of the project's plan holds an event of each kind (see `projects.workplan_defaults`)."""

from __future__ import annotations

from datetime import date

from projects.models import Workstream
from projects.workplan_defaults import Plan, plan_default, plan_fill

# The plans of projects.reference. DTP-TOC: one conference a year, each year its workstream (told apart by the
# dates). ATHENA 2: WS2 "Thematic workshops and bilateral meetings", WS3 "SPOC and field-officer training"; its
# other meetings (a kick-off) belong to no workstream. IMOBEX: WS2 "Expert workshop and road map", WS3 "Organised
# crime field lab".
PLAN: Plan = {
    "DTP-TOC": {"conference": (1, 2, 3)},
    "ATHENA2": {"workshop": (2,), "training": (3,)},
    "IMOBEX": {"workshop": (2,), "field_lab": (3,)},
}


def default_workstream(project, kind: str, start_date: date | None = None):
    """The workstream a new event of this kind falls in when none is given (None where the plan is silent)."""
    return plan_default(PLAN, Workstream, project, kind, start_date)


def workstreams_fill(event_model, workstream_model) -> int:
    """Give the events without a workstream their default (the data migration's step)."""
    return plan_fill(PLAN, event_model, workstream_model, "kind")
