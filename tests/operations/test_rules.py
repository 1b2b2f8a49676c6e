"""The life of a joint activity, as the services enforce it for every page, the admin and tasks."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from operations import services
from operations.models import ActivityCountry, JointActivity
from projects.models import AuditEvent


def refresh(activity: JointActivity) -> JointActivity:
    return JointActivity.objects.get(pk=activity.pk)


def test_an_activity_moves_planned_ongoing_completed_evaluated(make_activity, staff, country):
    activity = make_activity(status="planned", start=timezone.localdate() - timedelta(days=1), end=None)
    activity = services.activity_advance(activity=activity, user=staff, expected_version=1)
    assert activity.status == "ongoing"
    # Completing needs an end date that is not in the future.
    activity.end_date = timezone.localdate()
    activity.save()
    activity = services.activity_advance(activity=refresh(activity), user=staff)
    assert activity.status == "completed"
    with pytest.raises(ValidationError, match="at least one country's evaluation"):
        services.activity_advance(activity=refresh(activity), user=staff)
    activity.evaluations.create(country=country("RO"), objectives_met="met", rating=4)
    activity = services.activity_advance(activity=refresh(activity), user=staff)
    assert activity.status == "evaluated"
    with pytest.raises(ValidationError, match="no further status"):
        services.activity_advance(activity=refresh(activity), user=staff)
    transitions = AuditEvent.objects.filter(object_id=str(activity.pk), action="transition")
    assert [e.details["to"] for e in transitions.order_by("pk")] == ["ongoing", "completed", "evaluated"]


def test_an_activity_cannot_start_before_its_start_date(make_activity, staff):
    activity = make_activity(status="planned", start=timezone.localdate() + timedelta(days=3), end=None)
    with pytest.raises(ValidationError) as error:
        services.activity_advance(activity=activity, user=staff)
    assert "start_date" in error.value.message_dict
    assert refresh(activity).status == "planned"


def test_an_activity_cannot_be_completed_with_an_end_date_in_the_future(make_activity, staff):
    activity = make_activity(status="ongoing", end=timezone.localdate() + timedelta(days=2))
    with pytest.raises(ValidationError) as error:
        services.activity_advance(activity=activity, user=staff)
    assert "end_date" in error.value.message_dict
    assert refresh(activity).status == "ongoing"


def test_the_end_cannot_be_before_the_start(make_activity, athena, country):
    today = timezone.localdate()
    activity = JointActivity(
        project=athena,
        type="joint_patrol",
        title="x",
        lead_country=country("RO"),
        start_date=today,
        end_date=today - timedelta(days=1),
    )
    with pytest.raises(ValidationError) as error:
        activity.full_clean()
    assert error.value.message_dict["end_date"] == ["The end date cannot be before the start date."]


def test_staff_submit_and_a_manager_validates(make_activity, staff, manager):
    activity = make_activity()
    activity = services.activity_submit(activity=activity, user=staff, expected_version=1)
    assert activity.validation_state == "submitted"
    activity = services.activity_validate(activity=activity, user=manager, expected_version=2)
    assert activity.validation_state == "validated"
    assert activity.validated_by == manager
    assert activity.counts_toward_targets


def test_staff_cannot_validate_own_activity(make_activity, staff):
    activity = make_activity(validation_state="submitted")
    with pytest.raises(PermissionDenied):
        services.activity_validate(activity=activity, user=staff)
    assert refresh(activity).validation_state == "submitted"


def test_a_viewer_cannot_submit_or_change(make_activity, viewer):
    activity = make_activity()
    with pytest.raises(PermissionDenied):
        services.activity_submit(activity=activity, user=viewer)
    with pytest.raises(PermissionDenied):
        services.activity_advance(activity=activity, user=viewer)


def test_staff_of_another_project_cannot_touch_the_activity(make_activity, outsider):
    activity = make_activity()
    with pytest.raises(PermissionDenied):
        services.activity_submit(activity=activity, user=outsider)


def test_a_manager_sends_back_with_a_comment_and_staff_resubmit(make_activity, staff, manager):
    activity = make_activity(validation_state="submitted")
    with pytest.raises(ValidationError) as error:
        services.activity_return(activity=activity, user=manager, comment="  ")
    assert "comment" in error.value.message_dict
    activity = services.activity_return(activity=activity, user=manager, comment="Add the minutes.")
    assert (activity.validation_state, activity.validation_comment) == ("returned", "Add the minutes.")
    activity = services.activity_submit(activity=activity, user=staff)
    assert activity.validation_state == "submitted"


def test_only_a_submitted_activity_can_be_validated(make_activity, manager):
    activity = make_activity(validation_state="draft")
    with pytest.raises(ValidationError, match="Only a submitted activity"):
        services.activity_validate(activity=activity, user=manager)


def test_a_validated_activity_is_locked_for_staff(make_activity, staff, manager):
    activity = make_activity(validation_state="validated", status="completed")
    with pytest.raises(PermissionDenied):
        services.activity_check_editable(activity=activity, user=staff)
    activity.title = "Changed by staff"
    with pytest.raises(PermissionDenied):
        services.activity_save(activity=activity, user=staff, expected_version=1)
    assert refresh(activity).title != "Changed by staff"
    services.activity_check_editable(activity=activity, user=manager)  # a manager may


def test_a_manager_reopens_a_validated_activity_and_it_is_recorded(make_activity, staff, manager):
    activity = make_activity(validation_state="validated")
    with pytest.raises(PermissionDenied):
        services.activity_reopen(activity=activity, user=staff, comment="please")
    activity = services.activity_reopen(activity=activity, user=manager, comment="Wrong dates")
    assert activity.validation_state == "returned"
    assert not activity.counts_toward_targets
    event = AuditEvent.objects.get(object_id=str(activity.pk), action="transition")
    assert event.details == {"action": "reopen", "to": "returned", "comment": "Wrong dates"}
    assert event.user == manager
    services.activity_check_editable(activity=activity, user=staff)  # unlocked again


def test_a_stale_save_is_refused_and_the_other_edit_survives(make_activity, staff, manager):
    activity = make_activity()
    mine, theirs = refresh(activity), refresh(activity)
    theirs.title = "Their title"
    services.activity_save(activity=theirs, user=manager, expected_version=1)
    mine.title = "My title"
    with pytest.raises(services.StaleActivityError):
        services.activity_save(activity=mine, user=staff, expected_version=1)
    stored = refresh(activity)
    assert (stored.title, stored.version) == ("Their title", 2)


def test_a_stale_transition_is_refused(make_activity, staff):
    activity = make_activity()
    services.activity_submit(activity=activity, user=staff, expected_version=1)
    with pytest.raises(services.StaleActivityError):
        services.activity_advance(activity=activity, user=staff, expected_version=1)


def test_the_status_cannot_change_through_an_edit(make_activity, staff):
    activity = make_activity(status="completed")
    activity.status = "evaluated"
    with pytest.raises(ValidationError, match="only through their buttons"):
        services.activity_save(activity=activity, user=staff, expected_version=1)


def test_a_cross_border_activity_needs_two_countries():
    from projects.models import Country

    ro, bg = Country(pk=1, code="RO"), Country(pk=2, code="BG")
    JointActivity.check_places("cross_border_observation", [("Giurgiu", ro), ("Ruse", bg)])
    with pytest.raises(ValidationError, match="at least two countries"):
        JointActivity.check_places("cross_border_observation", [("Giurgiu", ro), ("Bucharest", ro)])
    with pytest.raises(ValidationError, match="at least one place"):
        JointActivity.check_places("joint_patrol", [])


def test_only_a_bilateral_meeting_links_to_the_activity_it_serves(make_activity):
    operation = make_activity(type="joint_operation")
    patrol = make_activity(type="joint_patrol")
    patrol.related_activity, patrol.meeting_purpose = operation, "plan"
    with pytest.raises(ValidationError) as error:
        patrol.full_clean()
    assert "related_activity" in error.value.message_dict
    meeting = make_activity(type="bilateral_meeting")
    meeting.related_activity = operation
    with pytest.raises(ValidationError) as error:
        meeting.full_clean()
    assert "meeting_purpose" in error.value.message_dict
    meeting.meeting_purpose = "evaluate"
    meeting.full_clean()


def test_the_reference_is_unique_in_the_project(make_activity):
    make_activity(reference="OP-1")
    other = make_activity(reference="OP-2")
    other.reference = "op-1"
    with pytest.raises(ValidationError) as error:
        other.full_clean()
    assert "reference" in error.value.message_dict


def test_the_database_refuses_more_than_ten_thousand_officers_deployed(make_activity, country):
    activity = make_activity(countries=())
    with pytest.raises(IntegrityError), transaction.atomic():
        ActivityCountry.objects.create(activity=activity, country=country("RO"), officers_deployed=10_001)


def test_an_evaluation_is_given_by_a_country_that_took_part_once(make_activity, staff, country):
    from operations.models import Evaluation

    activity = make_activity(status="completed")
    services.evaluation_save(
        evaluation=Evaluation(activity=activity, country=country("BG"), objectives_met="met", rating=5), user=staff
    )
    with pytest.raises(ValidationError) as error:
        services.evaluation_save(
            evaluation=Evaluation(activity=activity, country=country("BG"), objectives_met="met", rating=3), user=staff
        )
    assert "country" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        services.evaluation_save(
            evaluation=Evaluation(activity=activity, country=country("MT"), objectives_met="met", rating=3), user=staff
        )
    assert "country" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        services.evaluation_save(
            evaluation=Evaluation(activity=activity, country=country("RO"), objectives_met="met", rating=6), user=staff
        )
    assert "rating" in error.value.message_dict
    assert activity.evaluations.count() == 1


def test_a_planned_activity_cannot_be_evaluated(make_activity, staff, country):
    from operations.models import Evaluation

    activity = make_activity(status="planned", start=timezone.localdate() + timedelta(days=3))
    with pytest.raises(ValidationError, match="Only a completed activity"):
        services.evaluation_save(
            evaluation=Evaluation(activity=activity, country=country("RO"), objectives_met="met", rating=4), user=staff
        )


# --- the rules written once on the activity, asked by the pages and the services -----------------------------------


@pytest.mark.parametrize(
    ("role", "draft", "validated"),
    [
        ("viewer", False, False),
        ("staff", True, False),
        ("manager", True, True),
        ("admin", True, True),
        (None, False, False),
    ],
)
def test_who_may_edit_an_activity_depends_on_the_role_and_the_lock(role, draft, validated):
    assert JointActivity(validation_state="draft").is_editable_by_role(role) is draft
    assert JointActivity(validation_state="returned").is_editable_by_role(role) is draft
    assert JointActivity(validation_state="validated").is_editable_by_role(role) is validated


def test_the_page_offers_an_edit_exactly_when_the_service_accepts_it(client_for, make_activity, staff, manager):
    locked = make_activity(validation_state="validated")
    page = client_for(staff).get(f"/projects/ATHENA2/activities/{locked.pk}/")
    assert page.context["may_edit"] is False
    with pytest.raises(PermissionDenied, match="only a manager"):
        services.activity_check_editable(activity=locked, user=staff)
    page = client_for(manager).get(f"/projects/ATHENA2/activities/{locked.pk}/")
    assert page.context["may_edit"] is True
    services.activity_check_editable(activity=locked, user=manager)  # no refusal


def test_what_counts_toward_the_targets_is_the_same_rule_in_python_and_in_sql(make_activity):
    from operations.models import counted_condition

    activities = [
        make_activity(status=status, validation_state=state)
        for status in ("planned", "ongoing", "completed", "evaluated")
        for state in ("draft", "submitted", "validated", "returned")
    ]
    counted = set(JointActivity.objects.counted().values_list("pk", flat=True))
    assert counted == {a.pk for a in activities if a.counts_toward_targets}
    assert counted == set(JointActivity.objects.filter(counted_condition()).values_list("pk", flat=True))
    assert {(a.status, a.validation_state) for a in activities if a.counts_toward_targets} == {
        ("completed", "validated"),
        ("evaluated", "validated"),
    }
    assert [a.is_done for a in activities[::4]] == [False, False, True, True]
