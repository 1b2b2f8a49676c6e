"""Reads of joint activities shared by the pages, the indicators, exports and the API.

Each function runs a fixed number of queries whatever the amount of data.
"""

from __future__ import annotations

import calendar
from collections.abc import Sequence
from datetime import date, timedelta

from django.core.exceptions import FieldDoesNotExist
from django.db.models import BigIntegerField, Count, F, Min, OuterRef, Prefetch, Q, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from conferences.models import Event
from projects.metrics import (
    count_by_project,
    count_by_project_month,
    distinct_people_by_project,
    distinct_people_by_project_and_country,
    first_people_by_project_month,
)
from projects.models import AuditEvent, Country, Project
from projects.queries import indicator_progress

from .models import (
    DONE_STATUSES,
    ActivityCountry,
    ActivityOfficer,
    ActivityPlace,
    ActivityStatus,
    ActivityType,
    Evaluation,
    JointActivity,
    OfficerRole,
    ValidationState,
    may_see_sensitive,
)

# --- indicators ----------------------------------------------------------------------------------------------------


def counted_activities(project_ids: Sequence[int], until: date | None = None) -> QuerySet[JointActivity]:
    """The activities that count toward the targets: validated, completed or evaluated, ended by `until`."""
    qs = JointActivity.objects.filter(project_id__in=project_ids).counted()
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


def joint_activities(project_ids: Sequence[int], until: date | None) -> dict[int, int]:
    """Every joint activity that counts, whatever its type (the "by type" breakdown splits it)."""
    return count_by_project(counted_activities(project_ids, until))


# --- monthly series (burn-up charts; one query each) ----------------------------------------------------------------
# An activity counts in the month of its end date (the date `until` compares with); a person in the month of the
# first activity (or event) that involved them.


def _monthly_of_type(activity_type: str | None):
    def monthly(project_ids: Sequence[int]) -> dict[int, dict[date, int]]:
        qs = counted_activities(project_ids)
        if activity_type is not None:
            qs = qs.filter(type=activity_type)
        return count_by_project_month(qs, "end_date")

    monthly.__name__ = f"monthly_{activity_type.value if activity_type else 'all'}"
    return monthly


ACTIVITY_MONTHLY = {
    "cross_border_observations": _monthly_of_type(ActivityType.CROSS_BORDER_OBSERVATION),
    "joint_operations": _monthly_of_type(ActivityType.JOINT_OPERATION),
    "joint_investigations": _monthly_of_type(ActivityType.JOINT_INVESTIGATION),
    "joint_patrols": _monthly_of_type(ActivityType.JOINT_PATROL),
    "bilateral_meetings": _monthly_of_type(ActivityType.BILATERAL_MEETING),
}
joint_activities_monthly = _monthly_of_type(None)


def _month_end(day: date) -> date:
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def officers_involved_monthly(project_ids: Sequence[int]) -> dict[int, dict[date, int]]:
    """People first involved in each month, across every people source, in one query.

    When a people source cannot date its rows (it registered no `dated` variant), the first month of a person is
    unknown; the series is then computed from the cumulative count at each month's end since the projects' start
    (one query per month: correct, but not constant).
    """
    firsts = first_people_by_project_month(project_ids)
    if firsts is not None:
        return firsts
    spans = Project.objects.filter(pk__in=project_ids).aggregate(start=Min("start_date"))
    if spans["start"] is None:
        return {}
    result: dict[int, dict[date, int]] = {}
    previous: dict[int, int] = {}
    month, today = spans["start"].replace(day=1), timezone.localdate()
    while month <= today:
        values = distinct_people_by_project(project_ids, _month_end(month))
        for project_id, value in values.items():
            increase = value - previous.get(project_id, 0)
            if increase:
                result.setdefault(project_id, {})[month] = increase
        previous = dict(values)
        month = _month_end(month) + timedelta(days=1)
    return result


def officers_in_activities_dated(project_ids: Sequence[int]) -> QuerySet:
    """The dated people source: each officer row with the end date of its activity (the date `until` compares)."""
    return (
        ActivityOfficer.objects.filter(activity__in=counted_activities(project_ids))
        .annotate(project_id=F("activity__project_id"), day=F("activity__end_date"))
        .values("project_id", "person_id", "day")
    )


# --- breakdowns (one query each; sensitive activities count: numbers are not sensitive) -----------------------------


def _pivot(rows, category) -> dict[int, dict[str, int]]:
    result: dict[int, dict[str, int]] = {}
    for row in rows:
        result.setdefault(row["project_id"], {})[category(row)] = row["n"]
    return result


def _by_lead_country(activity_type: str | None):
    def compute(project_ids: Sequence[int], until: date | None) -> dict[int, dict[str, int]]:
        qs = counted_activities(project_ids, until)
        if activity_type is not None:
            qs = qs.filter(type=activity_type)
        rows = qs.order_by().values("project_id", code=F("lead_country__code")).annotate(n=Count("pk"))
        return _pivot(rows, lambda row: row["code"])

    compute.__name__ = f"by_lead_country_{activity_type.value if activity_type else 'all'}"
    return compute


ACTIVITY_BY_LEAD_COUNTRY = {
    "cross_border_observations": _by_lead_country(ActivityType.CROSS_BORDER_OBSERVATION),
    "joint_operations": _by_lead_country(ActivityType.JOINT_OPERATION),
    "joint_investigations": _by_lead_country(ActivityType.JOINT_INVESTIGATION),
    "joint_patrols": _by_lead_country(ActivityType.JOINT_PATROL),
    "bilateral_meetings": _by_lead_country(ActivityType.BILATERAL_MEETING),
    "joint_activities": _by_lead_country(None),
}


def activities_by_type(project_ids: Sequence[int], until: date | None) -> dict[int, dict[str, int]]:
    """{project_id: {type label: activities that count}}."""
    labels = dict(ActivityType.choices)
    rows = counted_activities(project_ids, until).order_by().values("project_id", "type").annotate(n=Count("pk"))
    return _pivot(rows, lambda row: str(labels.get(row["type"], row["type"])))


def officers_by_country(project_ids: Sequence[int], until: date | None) -> dict[int, dict[str, int]]:
    """{project_id: {ISO code: distinct people}} over every people source, like `officers_involved` itself."""
    return distinct_people_by_project_and_country(project_ids, until)


def officers_by_role(project_ids: Sequence[int], until: date | None) -> dict[int, dict[str, int]]:
    """{project_id: {role label: distinct officers}} in the activities that count (a person may hold two roles)."""
    labels = dict(OfficerRole.choices)
    rows = (
        ActivityOfficer.objects.filter(activity__in=counted_activities(project_ids, until))
        .order_by()
        .values("role", project_id=F("activity__project_id"))
        .annotate(n=Count("person", distinct=True))
    )
    return _pivot(rows, lambda row: str(labels.get(row["role"], row["role"])))


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
        JointActivity.objects.in_project(project)
        .select_related("lead_country", "lead_agency")
        .prefetch_related(Prefetch("places", queryset=ActivityPlace.objects.select_related("country")))
        .annotate(officer_count=Coalesce(Subquery(officers), 0))
    )


def activity_detail(project: Project, pk: int) -> JointActivity:
    """One activity with everything its page shows (raises DoesNotExist if not in the project or not visible)."""
    activity = (
        JointActivity.objects.in_project(project)
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
            Prefetch("meetings", queryset=JointActivity.objects.in_project(project).order_by("start_date", "pk")),
            Prefetch("discussed_at", queryset=Event.objects.order_by("start_date", "pk")),
        )
        .get(pk=pk)
    )
    activity.project = project  # the page's project (with the user's role): no query to read it again
    related = activity.related_activity
    if related is not None and related.is_sensitive and not may_see_sensitive(getattr(project, "user_role", None)):
        activity.related_activity = None  # a sensitive activity is not named to those who may not see it
    return activity


RELATED_SEARCH_LIMIT = 20


def related_candidates(project: Project, *, exclude_pk: int | None = None) -> QuerySet[JointActivity]:
    """The activities a bilateral meeting may serve: the same project's visible joint activities, not meetings."""
    qs = JointActivity.objects.in_project(project).exclude(type=ActivityType.BILATERAL_MEETING)
    return qs.exclude(pk=exclude_pk) if exclude_pk else qs


def related_search(project: Project, text: str, *, exclude_pk: int | None = None) -> list[JointActivity]:
    """At most RELATED_SEARCH_LIMIT candidates whose reference or title contains the text, newest first."""
    qs = related_candidates(project, exclude_pk=exclude_pk)
    text = text.strip()
    if text:
        qs = qs.filter(Q(reference__icontains=text) | Q(title__icontains=text))
    return list(qs.order_by("-start_date", "-pk").only("pk", "reference", "title", "start_date")[:RELATED_SEARCH_LIMIT])


HISTORY_STEPS = {
    "submit": _("submitted for validation"),
    "validate": _("validated"),
    "return": _("sent back"),
    "reopen": _("reopened"),
}


def _field_label(name: str) -> str:
    try:
        return str(JointActivity._meta.get_field(name).verbose_name)
    except FieldDoesNotExist:
        return name.replace("_", " ")


def _history_step(details: dict) -> str:
    """What a transition did, in the words of the page: "Planned → Ongoing", "sent back"."""
    action = details.get("action")
    if action == "status":
        labels = dict(ActivityStatus.choices)
        before, after = details.get("from"), details.get("to")
        return f"{labels.get(before, before)} → {labels.get(after, after)}"
    return str(HISTORY_STEPS.get(action, action or ""))


def activity_history(activity: JointActivity) -> list[AuditEvent]:
    """Every recorded change and transition of the activity, newest first, each with `step` (what a transition
    did) and `field_labels` (the fields a change touched) in human words rather than the stored names."""
    events = list(
        AuditEvent.objects.filter(object_type=JointActivity._meta.label, object_id=str(activity.pk))
        .exclude(action=AuditEvent.Action.VIEW)  # consultations are in the audit trail, not in the record's history
        .select_related("user")
    )
    for event in events:
        details = event.details or {}
        event.step = _history_step(details)
        event.field_labels = [_field_label(name) for name in details.get("fields", [])]
    return events


def numbers(project: Project) -> dict:
    """The ATHENA 2 numbers page: each target against its achieved value, and the officers behind them."""
    counted = counted_activities([project.pk])
    officers = ActivityOfficer.objects.filter(activity__in=counted)
    # By country, the way the headline and the dashboard count (every people source: activities, workshops,
    # trainings), next to those of them who took part in joint activities.
    everywhere = distinct_people_by_project_and_country([project.pk]).get(project.pk, {})
    in_activities = {
        row["code"]: row["people"]
        for row in officers.order_by()
        .values(code=F("person__country__code"))
        .annotate(people=Count("person", distinct=True))
    }
    codes = set(everywhere) | set(in_activities)
    names = dict(Country.objects.filter(code__in=codes).values_list("code", "name")) if codes else {}
    by_country = sorted(
        (
            {
                "code": code,
                "country": names.get(code, code),
                "people": everywhere.get(code, 0),
                "in_activities": in_activities.get(code, 0),
            }
            for code in codes
        ),
        key=lambda row: (-row["people"], row["country"]),
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
        .annotate(deployed=Sum("officers_deployed", output_field=BigIntegerField()))
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
        "officers_total": sum(row["people"] for row in by_country),
        "officers_in_activities_total": officers.aggregate(n=Count("person", distinct=True))["n"],
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
