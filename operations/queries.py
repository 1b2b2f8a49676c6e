"""Reads of joint activities shared by the pages, the indicators, exports and the API.

Each function runs a fixed number of queries whatever the amount of data.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from django.contrib.postgres.aggregates import StringAgg
from django.core.exceptions import FieldDoesNotExist
from django.db import connections
from django.db.models import (
    Aggregate,
    BigIntegerField,
    CharField,
    Count,
    F,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce, Concat
from django.utils.translation import gettext_lazy as _

from conferences.models import Event
from projects.models import AuditEvent, Country, Project
from projects.queries import indicator_progress
from projects.registry.people import distinct_people_by_project_and_country

from .models import (
    ActivityCountry,
    ActivityOfficer,
    ActivityPlace,
    ActivityStatus,
    ActivityType,
    Evaluation,
    JointActivity,
    OfficerRole,
    ValidationState,
    counted_condition,
)

# --- what counts ----------------------------------------------------------------------------------------------------


def counted_activities(project_ids: Sequence[int], until: date | None = None) -> QuerySet[JointActivity]:
    """The activities that count toward the targets: validated, completed or evaluated, ended by `until`."""
    qs = JointActivity.objects.filter(project_id__in=project_ids).counted()
    if until is not None:
        qs = qs.filter(end_date__lte=until)
    return qs


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


class _GroupConcat(Aggregate):
    """SQLite's GROUP_CONCAT (the embedded database of `make run`, whose version may not take an ORDER BY inside an
    aggregate): the texts of a group joined by the delimiter, in the order SQLite reads the rows."""

    function = "GROUP_CONCAT"
    output_field = CharField()


def _joined(expression, delimiter: str, database: str):
    """The texts of a group joined by `delimiter`, by primary key on PostgreSQL (STRING_AGG ... ORDER BY)."""
    if connections[database].vendor == "postgresql":
        return StringAgg(expression, delimiter, order_by="pk")
    return _GroupConcat(expression, Value(delimiter))


def activity_export(project: Project, activities: QuerySet[JointActivity]) -> QuerySet[JointActivity]:
    """The list's activities for its export: the places as one text column (a subquery, not a prefetch), so the
    export is one query however many rows it streams (a prefetch would run once per chunk of rows)."""
    places = (
        ActivityPlace.objects.filter(activity=OuterRef("pk"))
        .order_by()
        .values("activity")
        .annotate(
            label=_joined(
                Concat("city", Value(" ("), "country__code", Value(")"), output_field=CharField()),
                "; ",
                activities.db,
            )
        )
        .values("label")
    )
    return activities.prefetch_related(None).annotate(
        places_label=Coalesce(Subquery(places), Value(""), output_field=CharField())
    )


def activity_records(project: Project) -> QuerySet[JointActivity]:
    """The project's activities the user may see, each with what makes its record: places, countries, agencies,
    officers, evaluations, the events where it was discussed (a fixed number of queries however many). The API's
    activity and incremental sync; the detail page adds its own (`activities_in_full`). Pass each one through
    `withhold_related` before showing it."""
    return (
        JointActivity.objects.in_project(project)
        .select_related("workstream", "lead_country", "lead_agency", "related_activity")
        .prefetch_related(
            Prefetch("places", queryset=ActivityPlace.objects.select_related("country")),
            Prefetch("countries", queryset=ActivityCountry.objects.select_related("country")),
            "participating_agencies",
            Prefetch(
                "officers",
                queryset=ActivityOfficer.objects.select_related("person__country", "person__organisation"),
            ),
            Prefetch("evaluations", queryset=Evaluation.objects.select_related("country", "author")),
            Prefetch("discussed_at", queryset=Event.objects.order_by("start_date", "pk")),
        )
    )


def activities_in_full(project: Project) -> QuerySet[JointActivity]:
    """The activities with everything the detail page shows: their records, attachments, meetings, who logged and
    who validated them."""
    return (
        activity_records(project)
        .select_related("created_by", "validated_by")
        .prefetch_related(
            "attachments",
            Prefetch("meetings", queryset=JointActivity.objects.in_project(project).order_by("start_date", "pk")),
        )
    )


def withhold_related(activity: JointActivity, project: Project) -> JointActivity:
    """A meeting that serves a sensitive activity does not name it to one who may not see it (`serves_withheld`)."""
    activity.project = project  # the page's project (with the user's role): no query to read it again
    related = activity.related_activity
    activity.serves_withheld = related is not None and related.is_sensitive and not project.sees_sensitive
    if activity.serves_withheld:
        activity.related_activity = None
    return activity


def activity_detail(project: Project, pk: int) -> JointActivity:
    """One activity with everything its page shows (raises DoesNotExist if not in the project or not visible)."""
    return withhold_related(activities_in_full(project).get(pk=pk), project)


def related_candidates(project: Project, *, exclude_pk: int | None = None) -> QuerySet[JointActivity]:
    """The activities a bilateral meeting may serve: the same project's visible joint activities, not meetings."""
    qs = JointActivity.objects.in_project(project).exclude(type=ActivityType.BILATERAL_MEETING)
    return qs.exclude(pk=exclude_pk) if exclude_pk else qs


HISTORY_STEPS = {
    "submit": _("submitted for validation"),
    "validate": _("validated"),
    "return": _("sent back"),
    "reopen": _("reopened"),
}


def _field_label(name: str) -> str:
    try:
        field = JointActivity._meta.get_field(name)
    except FieldDoesNotExist:
        return name.replace("_", " ")
    # The related rows (officers, places) are named by their model's plural.
    return str(getattr(field, "verbose_name", None) or field.related_model._meta.verbose_name_plural)


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
    recorded = AuditEvent.objects.filter(object_type=JointActivity._meta.label, object_id=str(activity.pk))
    # Consultations are in the audit trail, not in the record's history; who is the entry's text (`username`).
    events = list(recorded.exclude(action=AuditEvent.Action.VIEW))
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
            counted=Count("pk", filter=counted_condition()),
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
    actions = []
    target = STATUS_TRANSITIONS.get(activity.status)
    if target and activity.is_editable_by_role(getattr(project, "user_role", None)):
        label = {
            ActivityStatus.ONGOING: _("Mark as ongoing"),
            ActivityStatus.COMPLETED: _("Mark as completed"),
            ActivityStatus.EVALUATED: _("Mark as evaluated"),
        }[target]
        # a status never moves back: the button asks first (data-confirm)
        confirm = _("%(label)s? The status cannot be moved back.") % {"label": label}
        actions.append(
            {"name": "advance", "label": label, "style": "outline-primary", "comment": False, "confirm": confirm}
        )
    state = activity.validation_state
    if may_edit and state in (ValidationState.DRAFT, ValidationState.RETURNED):
        actions.append({"name": "submit", "label": _("Submit for validation"), "style": "primary", "comment": False})
    if may_validate and state == ValidationState.SUBMITTED:
        actions.append({"name": "validate", "label": _("Validate"), "style": "success", "comment": False})
        actions.append({"name": "return", "label": _("Send back"), "style": "outline-danger", "comment": True})
    if may_validate and state == ValidationState.VALIDATED:
        confirm = _("Reopen this validated activity? It no longer counts toward the targets until validated again.")
        actions.append(
            {"name": "reopen", "label": _("Reopen"), "style": "outline-warning", "comment": True, "confirm": confirm}
        )
    return actions
