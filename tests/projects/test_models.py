from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError
from django.utils import timezone

from projects.models import Country, Deliverable, Indicator, IndicatorTarget, Milestone, Project, Workstream


def test_a_project_cannot_end_before_it_starts(selec):
    project = Project(
        code="X-1", name="X", funding_programme="F", start_date=date(2025, 5, 1), end_date=date(2025, 1, 1)
    )
    with pytest.raises(ValidationError) as exc:
        project.full_clean()
    assert "end_date" in exc.value.message_dict


def test_the_database_refuses_a_project_ending_before_it_starts(selec):
    with pytest.raises(IntegrityError):
        Project.objects.create(
            code="X-2", name="X", funding_programme="F", start_date=date(2025, 5, 1), end_date=date(2025, 1, 1)
        )


def test_project_codes_are_capitals_digits_and_hyphens(selec):
    project = Project(
        code="bad code", name="X", funding_programme="F", start_date=date(2025, 1, 1), end_date=date(2026, 1, 1)
    )
    with pytest.raises(ValidationError) as exc:
        project.full_clean()
    assert "code" in exc.value.message_dict


@pytest.mark.parametrize(
    ("today", "expected"),
    [(date(2024, 12, 1), 0), (date(2025, 1, 1), 0), (date(2026, 1, 1), 50), (date(2027, 3, 1), 100)],
)
def test_time_elapsed_is_the_share_of_the_project_days_passed(selec, today, expected):
    athena = selec["ATHENA2"]  # 2025-01-01 to 2026-12-31
    assert athena.time_elapsed_percent(today) == expected


def test_country_code_must_be_two_capital_letters(selec):
    with pytest.raises(ValidationError):
        Country(code="ro", name="Romania again").full_clean()


def test_a_reached_milestone_needs_the_date_it_was_reached(athena):
    ws = athena.workstreams.first()
    milestone = Milestone(workstream=ws, title="M", due_date=date(2025, 6, 30), status=Milestone.Status.REACHED)
    with pytest.raises(ValidationError) as exc:
        milestone.full_clean()
    assert "reached_on" in exc.value.message_dict


def test_a_milestone_cannot_be_reached_in_the_future(athena):
    ws = athena.workstreams.first()
    tomorrow = timezone.localdate() + timedelta(days=1)
    milestone = Milestone(
        workstream=ws, title="M", due_date=date(2025, 6, 30), status=Milestone.Status.REACHED, reached_on=tomorrow
    )
    with pytest.raises(ValidationError) as exc:
        milestone.full_clean()
    assert "reached_on" in exc.value.message_dict


def test_a_submitted_deliverable_needs_its_delivery_date(athena):
    ws = athena.workstreams.first()
    deliverable = Deliverable(workstream=ws, title="D", due_date=date(2025, 6, 30), status=Deliverable.Status.SUBMITTED)
    with pytest.raises(ValidationError) as exc:
        deliverable.full_clean()
    assert "delivered_on" in exc.value.message_dict


def test_overdue_means_past_due_and_not_done(athena):
    ws = athena.workstreams.first()
    due = date(2025, 6, 30)
    pending = Milestone(workstream=ws, title="M", due_date=due)
    assert pending.overdue_on(date(2025, 7, 1))
    assert not pending.overdue_on(due)
    approved = Deliverable(workstream=ws, title="D", due_date=due, status=Deliverable.Status.APPROVED, delivered_on=due)
    assert not approved.overdue_on(date(2025, 7, 1))


def test_an_indicator_must_use_a_registered_metric(athena):
    indicator = Indicator(project=athena, key="made_up", label="Made up", target=3, metric="no_such_metric")
    with pytest.raises(ValidationError) as exc:
        indicator.full_clean()
    assert "metric" in exc.value.message_dict


def test_an_intermediate_target_cannot_exceed_the_final_one(athena):
    indicator = athena.indicators.get(key="joint_patrols")
    with pytest.raises(ValidationError) as exc:
        IndicatorTarget(indicator=indicator, due_date=date(2025, 12, 31), target=25).full_clean()
    assert "target" in exc.value.message_dict
    IndicatorTarget(indicator=indicator, due_date=date(2025, 12, 31), target=12).full_clean()


def test_workstream_numbers_are_unique_within_a_project(athena):
    with pytest.raises(IntegrityError):
        Workstream.objects.create(project=athena, number=1, title="Duplicate")


def test_the_audit_trail_records_who_did_what_to_which_record(staff, athena):
    from projects.models import AuditEvent
    from projects.services import audit_log

    indicator = athena.indicators.get(key="joint_patrols")
    event = audit_log(user=staff, action=AuditEvent.Action.EXPORT, obj=indicator, details={"format": "csv"})
    assert (event.user, event.project, event.object_type) == (staff, athena, "projects.Indicator")
    assert event.object_id == str(indicator.pk)
    assert list(AuditEvent.objects.for_user(staff)) == [event]
