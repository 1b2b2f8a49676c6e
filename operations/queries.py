"""Reads of joint activities shared by the pages, the indicators, exports and the API.

Each function runs a fixed number of queries whatever the amount of data.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from django.db.models import Count, F, OuterRef, Prefetch, Q, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from projects.metrics import count_by_project, distinct_people_by_project
from projects.models import AuditEvent, Project
from projects.queries import indicator_progress

from .models import (
    DONE_STATUSES,
    ActivityCountry,
    ActivityOfficer,
    ActivityPlace,
    ActivityType,
    Evaluation,
    JointActivity,
    OfficerRole,
    ValidationState,
)

# --- indicators ----------------------------------------------------------------------------------------------------


def counted_activities(project_ids: Sequence[int], until: date | None = None) -> QuerySet[JointActivity]:
    """The activities that count toward the targets: validated, completed or evaluated, ended by `until`."""
    qs = JointActivity.objects.filter(
        project_id__in=project_ids, validation_state=ValidationState.VALIDATED, status__in=DONE_STATUSES
    )
    if until is not None:
        qs = qs.filter(end_date__lte=until)
    return qs


def _activities_of_type(activity_type: str):
    def compute(project_ids: Sequence[int], until: date | None) -> dict[int, int]:
        return count_by_project(counted_activities(project_ids, until).filter(type=activity_type))

    compute.__name__ = f"count_{activity_type.value}"
    return compute


# One metric per activity type: indicator key -> compute function.
ACTIVITY_METRICS = {
    "cross_border_observations": _activities_of_type(ActivityType.CROSS_BORDER_OBSERVATION),
    "joint_operations": _activities_of_type(ActivityType.JOINT_OPERATION),
    "joint_investigations": _activities_of_type(ActivityType.JOINT_INVESTIGATION),
    "joint_patrols": _activities_of_type(ActivityType.JOINT_PATROL),
    "bilateral_meetings": _activities_of_type(ActivityType.BILATERAL_MEETING),
}


def officers_in_activities(project_ids: Sequence[int], until: date | None = None) -> QuerySet:
    """People source "operations": (project_id, person_id) of officers in the activities that count."""
    return (
        ActivityOfficer.objects.filter(activity__in=counted_activities(project_ids, until))
        .annotate(project_id=F("activity__project_id"))
        .values("project_id", "person_id")
    )


def officers_involved(project_ids: Sequence[int], until: date | None) -> dict[int, int]:
    """Distinct people over every registered people source (activities, workshops, trainings): each counts once."""
    return distinct_people_by_project(project_ids, until)


# --- pages ---------------------------------------------------------------------------------------------------------


def activity_list(project: Project) -> QuerySet[JointActivity]:
    """The project's activities for the list page, with what each row shows."""
    officers = (
        ActivityOfficer.objects.filter(activity=OuterRef("pk"))
        .order_by()
        .values("activity")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return (
        JointActivity.objects.filter(project=project)
        .select_related("lead_country", "lead_agency")
        .prefetch_related(Prefetch("places", queryset=ActivityPlace.objects.select_related("country")))
        .annotate(officer_count=Coalesce(Subquery(officers), 0))
    )


def activity_detail(project: Project, pk: int) -> JointActivity:
    """One activity with everything its page shows (raises DoesNotExist if not in the project)."""
    return (
        JointActivity.objects.filter(project=project)
        .select_related("lead_country", "lead_agency", "related_activity", "created_by", "validated_by")
        .prefetch_related(
            Prefetch("places", queryset=ActivityPlace.objects.select_related("country")),
            Prefetch("countries", queryset=ActivityCountry.objects.select_related("country")),
            "participating_agencies",
            Prefetch(
                "officers",
                queryset=ActivityOfficer.objects.select_related("person__country", "person__organisation"),
            ),
            "attachments",
            Prefetch("evaluations", queryset=Evaluation.objects.select_related("country", "author")),
            Prefetch("meetings", queryset=JointActivity.objects.order_by("start_date", "pk")),
        )
        .get(pk=pk)
    )


def activity_history(activity: JointActivity) -> QuerySet[AuditEvent]:
    """Every recorded change and transition of the activity, newest first."""
    return AuditEvent.objects.filter(object_type=JointActivity._meta.label, object_id=str(activity.pk)).select_related(
        "user"
    )


def numbers(project: Project) -> dict:
    """The ATHENA 2 numbers page: each target against its achieved value, and the officers behind them."""
    counted = counted_activities([project.pk])
    officers = ActivityOfficer.objects.filter(activity__in=counted)
    by_country = list(
        officers.values(country=F("person__country__name"))
        .annotate(people=Count("person", distinct=True))
        .order_by("-people", "country")
    )
    role_labels = dict(OfficerRole.choices)
    by_role = [
        {**row, "label": role_labels.get(row["role"], row["role"])}
        for row in officers.values("role").annotate(people=Count("person", distinct=True)).order_by("-people", "role")
    ]
    # Country x role: one GROUP BY, pivoted into rows of a table (a person may hold several roles).
    cells = officers.values("role", country=F("person__country__name")).annotate(people=Count("person", distinct=True))
    roles = [role for role in OfficerRole if any(cell["role"] == role for cell in cells)]
    matrix: dict[str, dict[str, int]] = {}
    for cell in cells:
        matrix.setdefault(cell["country"], {})[cell["role"]] = cell["people"]
    by_country_and_role = {
        "roles": [{"key": role.value, "label": role.label} for role in roles],
        "rows": [
            {"country": country, "cells": [matrix[country].get(role, 0) for role in roles]}
            for country in sorted(matrix)
        ],
    }
    deployed = list(
        ActivityCountry.objects.filter(activity__in=counted)
        .values(country_name=F("country__name"))
        .annotate(deployed=Sum("officers_deployed"))
        .order_by("-deployed", "country_name")
    )
    type_labels = dict(ActivityType.choices)
    activities = JointActivity.objects.filter(project=project).values("type").order_by("type")
    pipeline = [
        {
            "type": row["type"],
            "label": type_labels[row["type"]],
            **{key: row[key] for key in ("draft", "submitted", "returned", "validated", "counted")},
        }
        for row in activities.annotate(
            draft=Count("pk", filter=Q(validation_state=ValidationState.DRAFT)),
            submitted=Count("pk", filter=Q(validation_state=ValidationState.SUBMITTED)),
            returned=Count("pk", filter=Q(validation_state=ValidationState.RETURNED)),
            validated=Count("pk", filter=Q(validation_state=ValidationState.VALIDATED)),
            counted=Count("pk", filter=Q(validation_state=ValidationState.VALIDATED, status__in=DONE_STATUSES)),
        )
    ]
    return {
        "indicators": indicator_progress([project])[project.pk],
        "officers_by_country": by_country,
        "officers_by_role": by_role,
        "officers_by_country_and_role": by_country_and_role,
        "deployed_by_country": deployed,
        "pipeline": pipeline,
    }


def activity_actions(activity: JointActivity, project: Project) -> list[dict]:
    """The transition buttons the user may press on this activity (the services check again on POST)."""
    from projects.access import Action

    from .models import STATUS_TRANSITIONS, ActivityStatus

    may_edit = project.allows(Action.EDIT)
    may_validate = project.allows(Action.VALIDATE)
    unlocked = may_validate or not activity.is_validated
    actions = []
    target = STATUS_TRANSITIONS.get(activity.status)
    if target and may_edit and unlocked:
        label = {
            ActivityStatus.ONGOING: _("Mark as ongoing"),
            ActivityStatus.COMPLETED: _("Mark as completed"),
            ActivityStatus.EVALUATED: _("Mark as evaluated"),
        }[target]
        actions.append({"name": "advance", "label": label, "style": "outline-primary", "comment": False})
    state = activity.validation_state
    if may_edit and state in (ValidationState.DRAFT, ValidationState.RETURNED):
        actions.append({"name": "submit", "label": _("Submit for validation"), "style": "primary", "comment": False})
    if may_validate and state == ValidationState.SUBMITTED:
        actions.append({"name": "validate", "label": _("Validate"), "style": "success", "comment": False})
        actions.append({"name": "return", "label": _("Send back"), "style": "outline-danger", "comment": True})
    if may_validate and state == ValidationState.VALIDATED:
        actions.append({"name": "reopen", "label": _("Reopen"), "style": "outline-warning", "comment": True})
    return actions
