"""The rollups stay equal to a recomputation from the raw records after every kind of write, each reader's
numbers follow the visibility rule, and a dashboard reads its metrics in a constant number of queries."""

from __future__ import annotations

from datetime import date, timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from conferences.models import Attendance, Event, Registration
from imobex.models import CountryCoverage, RoadMap, RoadMapVersion
from operations.models import ActivityOfficer, JointActivity
from operations.services import (
    OfficerEntry,
    activity_delete,
    activity_reopen,
    activity_save,
    activity_submit,
    activity_validate,
)
from projects import rollups
from projects.models import Country, Deliverable, Milestone, RollupCell, Workstream
from projects.registry import registry
from reporting.queries import _project_dashboard
from tests.conferences.conftest import make_event, make_person, register

TODAY = timezone.localdate()
AT = (None, date(2025, 4, 30))


def in_step() -> None:
    """The stored rollups equal a recomputation, and every read equals the raw-records computation."""
    assert rollups.check() == []
    assert rollups.check_reads(at=AT) == []


def _activity(athena, *, end=date(2025, 3, 10), type="joint_patrol", sensitive=False, validated=True, **extra):
    return JointActivity.objects.create(
        project=athena,
        type=type,
        title=extra.pop("title", "Patrol"),
        reference=extra.pop("reference", f"R-{JointActivity.objects.count() + 1}"),
        lead_country=Country.objects.get(code=extra.pop("lead", "RO")),
        start_date=end - timedelta(days=2),
        end_date=end,
        status="completed",
        validation_state="validated" if validated else "draft",
        is_sensitive=sensitive,
        version=1,
        **extra,
    )


def value(key, project, until=None, include_sensitive=True) -> int:
    return registry.metric(key).values([project.pk], until, include_sensitive=include_sensitive).get(project.pk, 0)


# --- every write path ------------------------------------------------------------------------------------------------


def test_the_activity_services_keep_the_rollups_in_step(athena, manager):
    ro = Country.objects.get(code="RO")
    activity = JointActivity(
        project=athena, type="joint_patrol", title="Border patrol", reference="P-1", lead_country=ro,
        start_date=date(2025, 3, 1), end_date=date(2025, 3, 3), status="completed",
    )  # fmt: skip
    officers = [OfficerEntry("Ana Pop", ro, None, "field_officer"), OfficerEntry("Ion Ene", ro, None, "spoc")]
    activity = activity_save(activity=activity, user=manager, officers=officers)
    in_step()
    assert value("joint_patrols", athena) == 0  # a draft does not count
    activity = activity_submit(activity=activity, user=manager)
    activity = activity_validate(activity=activity, user=manager)
    in_step()
    assert value("joint_patrols", athena) == 1 and value("officers_involved", athena) == 2
    activity = activity_reopen(activity=activity, user=manager, comment="Wrong date")
    in_step()
    assert value("joint_patrols", athena) == 0 and value("officers_involved", athena) == 0
    activity.end_date = date(2025, 5, 2)
    activity = activity_save(activity=activity, user=manager, officers=officers[:1], expected_version=activity.version)
    activity = activity_validate(activity=activity_submit(activity=activity, user=manager), user=manager)
    in_step()
    assert value("joint_patrols", athena, date(2025, 4, 30)) == 0 and value("joint_patrols", athena) == 1
    assert value("officers_involved", athena) == 1
    activity_delete(activity=activity, user=manager)
    in_step()
    assert value("joint_patrols", athena) == 0
    assert not RollupCell.objects.filter(metric="joint_patrols", n__gt=0).exists()


def test_officers_added_and_removed_keep_people_counted_once_in_step(athena):
    first, second = _activity(athena, end=date(2025, 3, 10)), _activity(athena, end=date(2025, 6, 1))
    ana = make_person("Ana Pop")
    ActivityOfficer.objects.create(activity=second, person=ana, role="spoc")
    in_step()
    assert registry.metric("officers_involved").monthly_values([athena.pk])[athena.pk] == {date(2025, 6, 1): 1}
    earlier = ActivityOfficer.objects.create(activity=first, person=ana, role="field_officer")
    in_step()  # she now counts from March, once
    assert registry.metric("officers_involved").monthly_values([athena.pk])[athena.pk] == {date(2025, 3, 1): 1}
    earlier.delete()
    in_step()
    assert value("officers_involved", athena, date(2025, 4, 1)) == 0


def test_a_person_changing_country_moves_between_the_country_categories(athena):
    activity = _activity(athena)
    ana = make_person("Ana Pop")
    ActivityOfficer.objects.create(activity=activity, person=ana, role="spoc")
    breakdown = registry.breakdown("officers_involved", "country")
    assert breakdown.rolled_up
    assert breakdown.compute([athena.pk], None)[athena.pk] == {"RO": 1}
    ana.country = Country.objects.get(code="BG")
    ana.save()
    in_step()
    assert breakdown.compute([athena.pk], None)[athena.pk] == {"BG": 1}


def test_attendance_and_an_event_held_or_not_keep_the_events_numbers_in_step(athena):
    event = make_event(athena, start_date=date(2025, 2, 10), status=Event.Status.HELD)
    ana, ion = make_person("Ana Pop"), make_person("Ion Ene", country="BG")
    registration = register(event, ana)
    register(event, ion, attended_days=[date(2025, 2, 10)])
    in_step()
    assert value("participants_reached", athena) == 1
    attendance = Attendance.objects.create(registration=registration, day=date(2025, 2, 10), present=True)
    in_step()
    assert value("participants_reached", athena) == 2 and value("officers_involved", athena) == 2
    attendance.present = False
    attendance.save()
    in_step()
    assert value("participants_reached", athena) == 1
    event.status = Event.Status.CANCELLED
    event.save()
    in_step()
    assert value("participants_reached", athena) == 0 and value("thematic_workshops", athena) == 0
    event.status = Event.Status.HELD
    event.save()
    Registration.objects.filter(pk=registration.pk).delete()
    in_step()
    assert value("participants_reached", athena) == 1


def test_road_map_approvals_count_a_road_map_once_from_its_first_approval(imobex):
    road_map = RoadMap.objects.create(project=imobex, title="Road map")
    first = RoadMapVersion.objects.create(road_map=road_map, number=1, document="a.pdf", version=1)
    in_step()
    first.status, first.approved_on = RoadMapVersion.Status.APPROVED, date(2025, 4, 2)
    first.save()
    second = RoadMapVersion.objects.create(
        road_map=road_map, number=2, document="b.pdf", status=RoadMapVersion.Status.APPROVED,
        approved_on=date(2025, 7, 1), version=1,
    )  # fmt: skip
    in_step()
    assert registry.metric("road_maps").monthly_values([imobex.pk])[imobex.pk] == {date(2025, 4, 1): 1}
    first.delete()
    in_step()
    assert registry.metric("road_maps").monthly_values([imobex.pk])[imobex.pk] == {date(2025, 7, 1): 1}
    assert second.pk


def test_coverage_validation_and_plan_statuses_keep_their_metrics_in_step(imobex):
    coverage = CountryCoverage.objects.create(project=imobex, country=Country.objects.get(code="RO"), version=1)
    coverage.state, coverage.validated_on = CountryCoverage.State.VALIDATED, date(2025, 5, 5)
    coverage.save()
    in_step()
    assert value("countries_covered", imobex) == 1
    workstream = Workstream.objects.create(project=imobex, number=42, title="WS42")
    deliverable = Deliverable.objects.create(workstream=workstream, title="D", due_date=date(2025, 6, 1))
    milestone = Milestone.objects.create(workstream=workstream, title="M", due_date=date(2025, 6, 1))
    deliverable.status, deliverable.delivered_on = Deliverable.Status.APPROVED, date(2025, 6, 2)
    deliverable.save()
    milestone.status, milestone.reached_on = Milestone.Status.REACHED, date(2025, 6, 3)
    milestone.save()
    in_step()
    assert registry.breakdown("deliverables_done", "workstream").compute([imobex.pk], None)[imobex.pk]["WS42"] == 1
    workstream.number = 43
    workstream.save()
    in_step()
    assert registry.breakdown("deliverables_done", "workstream").compute([imobex.pk], None)[imobex.pk]["WS43"] == 1


def test_queryset_update_bulk_create_and_bulk_update_keep_the_rollups_in_step(athena):
    activities = JointActivity.objects.bulk_create(
        [
            JointActivity(
                project=athena,
                type="joint_operation",
                title=f"Op {i}",
                reference=f"B-{i}",
                lead_country=Country.objects.get(code="RO"),
                start_date=date(2025, 1, 1),
                end_date=date(2025, 1, 1 + i),
                status="completed",
                validation_state="validated",
                version=1,
            )  # fmt: skip
            for i in range(5)
        ]
    )
    in_step()
    assert value("joint_operations", athena) == 5
    JointActivity.objects.filter(pk__in=[a.pk for a in activities[:2]]).update(end_date=date(2025, 8, 8))
    in_step()
    assert value("joint_operations", athena, date(2025, 7, 31)) == 3
    for activity in activities[2:]:
        activity.is_sensitive = True
    JointActivity.objects.bulk_update(activities[2:], ["is_sensitive"])
    in_step()
    assert value("joint_operations", athena, include_sensitive=False) == 2


def test_a_sensitive_activity_counts_in_scope_all_and_not_in_public(athena, imobex):
    _activity(athena, sensitive=True)
    _activity(athena)
    cells = dict(RollupCell.objects.filter(metric="joint_patrols", dimension="", grain="m").values_list("scope", "n"))
    assert cells == {"all": 2, "public": 1}
    assert value("joint_patrols", athena, include_sensitive=True) == 2
    assert value("joint_patrols", athena, include_sensitive=False) == 1
    assert value("joint_patrols", athena, include_sensitive={athena.pk}) == 2
    assert value("joint_patrols", athena, include_sensitive={imobex.pk}) == 1


def test_a_batch_rebuilds_what_it_touched_once_at_its_end(athena):
    with rollups.batch():
        _activity(athena)
        _activity(athena, end=date(2025, 4, 4))
        assert not RollupCell.objects.filter(metric="joint_patrols").exists()
    in_step()
    assert value("joint_patrols", athena) == 2


# --- the command ------------------------------------------------------------------------------------------------------


def test_rollups_check_finds_a_stale_cell_and_rebuild_repairs_it(athena):
    _activity(athena)
    call_command("rollups", "--check", stdout=StringIO())
    RollupCell.objects.filter(metric="joint_patrols", grain="m").update(n=7)
    out = StringIO()
    with pytest.raises(CommandError):
        call_command("rollups", "--check", stdout=out)
    assert "joint_patrols" in out.getvalue()
    call_command("rollups", "--rebuild", stdout=StringIO())
    in_step()


def test_rollups_check_finds_no_difference_after_the_demo_seed(db, settings):
    settings.DEBUG = True
    call_command("seed_demo", "--activities", "60", stdout=StringIO())
    out = StringIO()
    call_command("rollups", "--check", stdout=out)
    assert "match" in out.getvalue()
    assert rollups.check_reads(at=(None, TODAY - timedelta(days=200), TODAY)) == []
    assert RollupCell.objects.filter(metric="joint_activities").exists()


# --- reads -----------------------------------------------------------------------------------------------------------


def _metric_queries(project, reader_sees: bool) -> int:
    """The queries of a dashboard (with a period: values at its start and end) that read the rollups."""
    with CaptureQueriesContext(connection) as ctx:
        _project_dashboard(
            project, today=TODAY, since=date(2025, 1, 1), until=TODAY, country="", include_sensitive=reader_sees
        )
    return sum(1 for q in ctx.captured_queries if "projects_rollupcell" in q["sql"])


def test_a_dashboard_reads_its_metrics_in_three_queries_whatever_the_data(athena):
    for i in range(20):
        _activity(athena, end=date(2025, 1 + i % 12, 1 + i % 28), type=["joint_patrol", "joint_operation"][i % 2])
    small = _metric_queries(athena, True)
    with rollups.batch():
        for i in range(180):
            _activity(athena, end=date(2025, 1 + i % 12, 1 + i % 28), sensitive=i % 7 == 0)
    assert small == _metric_queries(athena, True) == _metric_queries(athena, False) == 3
    with CaptureQueriesContext(connection) as ctx:
        _project_dashboard(athena, today=TODAY, since=None, until=None, country="RO", include_sensitive=False)
    assert sum(1 for q in ctx.captured_queries if "projects_rollupcell" in q["sql"]) == 3
