"""ATHENA 2's indicators computed from the joint activities: exact values on a known data set."""

import json
from datetime import date, timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from operations.services import OfficerEntry, activity_save
from projects.models import Person
from projects.registry import registry
from projects.registry.people import distinct_people_by_project

KEYS = ["cross_border_observations", "joint_operations", "joint_investigations", "joint_patrols", "bilateral_meetings"]


def values(project, until=None) -> dict[str, int]:
    return {
        key: registry.metric(key).values([project.pk], until).get(project.pk, 0) for key in [*KEYS, "officers_involved"]
    }


def test_the_metrics_and_the_people_source_are_registered():
    for key in KEYS:
        assert registry.metric(key) is not None and registry.metric(key).app_label == "operations"
    # People counted once across apps are the core's number; the officers of activities are one of its sources.
    assert registry.metric("officers_involved").app_label == "projects"
    assert "operations" in [source.key for source in registry.people_sources()]


@pytest.fixture
def known_data(make_activity, athena, imobex):
    """Validated and completed: 2 patrols, 1 observation, 1 meeting; plus records that must not count."""
    today = timezone.localdate()
    ana = ("Ana Pop", "RO", "field_officer")
    make_activity(
        type="joint_patrol",
        validation_state="validated",
        officers=[ana, ("Ivan Ivanov", "BG", "spoc")],
        start=date(2025, 3, 1),
        end=date(2025, 3, 2),
    )
    make_activity(
        type="joint_patrol",
        validation_state="validated",
        status="evaluated",
        officers=[ana],
        start=date(2025, 6, 1),
        end=date(2025, 6, 3),
    )
    make_activity(
        type="cross_border_observation",
        validation_state="validated",
        officers=[("  ana   POP ", "RO", "spoc")],
        start=date(2025, 9, 1),
        end=date(2025, 9, 1),
    )
    make_activity(type="bilateral_meeting", validation_state="validated", start=today - timedelta(days=2), end=today)
    # Not counted: submitted, returned, draft, validated but not completed.
    make_activity(type="joint_patrol", validation_state="submitted", officers=[("Not Counted", "SI", "spoc")])
    make_activity(type="joint_operation", validation_state="returned")
    make_activity(type="joint_investigation", validation_state="draft")
    make_activity(
        type="joint_operation",
        validation_state="validated",
        status="planned",
        start=today + timedelta(days=5),
        officers=[("Planned Officer", "MT", "spoc")],
    )
    # Another project's activity never counts for ATHENA2.
    make_activity(project=imobex, type="joint_patrol", validation_state="validated", officers=[ana])
    return athena


def test_only_validated_completed_activities_count(known_data):
    assert values(known_data) == {
        "cross_border_observations": 1,
        "joint_operations": 0,
        "joint_investigations": 0,
        "joint_patrols": 2,
        "bilateral_meetings": 1,
        "officers_involved": 2,  # Ana Pop (three activities, one person) and Ivan Ivanov
    }


def test_until_counts_only_what_ended_by_then(known_data):
    assert values(known_data, until=date(2025, 6, 2)) == {
        "cross_border_observations": 0,
        "joint_operations": 0,
        "joint_investigations": 0,
        "joint_patrols": 1,
        "bilateral_meetings": 0,
        "officers_involved": 2,
    }
    assert values(known_data, until=date(2025, 1, 1))["officers_involved"] == 0


def test_an_officer_in_several_activities_is_one_person(known_data):
    assert Person.objects.filter(name__iexact="ana pop").count() == 1
    assert distinct_people_by_project([known_data.pk], sources=["operations"]) == {known_data.pk: 2}


def test_officers_typed_again_in_a_new_activity_are_found_not_duplicated(make_activity, staff, country):
    activity = make_activity(officers=[("Ana Pop", "RO", "field_officer")])
    activity.title = "changed"
    activity_save(
        activity=activity,
        user=staff,
        expected_version=1,
        officers=[OfficerEntry(name="ANA  pop", country=country("RO"), organisation=None, role="spoc")],
    )
    assert Person.objects.filter(name__iexact="ana pop").count() == 1
    assert [(o.person.name, o.role) for o in activity.officers.all()] == [("Ana Pop", "spoc")]


def test_the_progress_command_shows_the_real_values(known_data):
    out = StringIO()
    call_command("progress", project="ATHENA2", format="json", stdout=out)
    indicators = {i["key"]: i["achieved"] for i in json.loads(out.getvalue())[0]["indicators"]}
    assert indicators["joint_patrols"] == 2
    assert indicators["officers_involved"] == 2
    assert indicators["cross_border_observations"] == 1


def test_the_numbers_page_shows_officers_by_country_and_role(client_for, manager, known_data):
    response = client_for(manager).get("/projects/ATHENA2/activities/numbers/")
    context = response.context
    assert {row["country"]: row["people"] for row in context["officers_by_country"]} == {"Romania": 1, "Bulgaria": 1}
    # Ana Pop was a field officer and a SPOC: she counts once in each role.
    assert {row["role"]: row["people"] for row in context["officers_by_role"]} == {"field_officer": 1, "spoc": 2}
    matrix = context["officers_by_country_and_role"]
    assert [role["key"] for role in matrix["roles"]] == ["spoc", "field_officer"]
    assert matrix["rows"] == [{"country": "Bulgaria", "cells": [1, 0]}, {"country": "Romania", "cells": [1, 1]}]
    achieved = {item.key: item.achieved for item in context["indicators"]}
    assert achieved["joint_patrols"] == 2
    assert 'data-testid="achieved-joint_patrols">2<' in response.content.decode()


def test_the_officer_source_is_limited_to_the_projects_asked(known_data, imobex):
    source = next(source for source in registry.people_sources() if source.key == "operations")
    rows = list(source.rows([imobex.pk]))
    assert len(rows) == 1 and rows[0]["project_id_"] == imobex.pk
    assert all(row["project_id_"] == known_data.pk for row in source.rows([known_data.pk]))
