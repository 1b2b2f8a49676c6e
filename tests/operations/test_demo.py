"""The demo joint activities: every type and state, deterministic, replaced on a rerun."""

from io import StringIO

from django.core.management import call_command
from django.db.models import Count

from operations.models import ActivityOfficer, Evaluation, JointActivity
from projects.models import Person


def snapshot() -> list[tuple]:
    return list(
        JointActivity.objects.order_by("reference").values_list(
            "reference", "type", "status", "validation_state", "start_date", "end_date", "lead_country__code"
        )
    )


def test_seed_demo_creates_activities_of_every_type_and_state_and_is_repeatable(db):
    call_command("seed_demo", activities=60, force=True, stdout=StringIO())
    first = snapshot()
    assert len(first) == 60
    assert {row[1] for row in first} == {
        "cross_border_observation",
        "joint_operation",
        "joint_investigation",
        "joint_patrol",
        "bilateral_meeting",
    }
    assert {row[2] for row in first} == {"planned", "ongoing", "completed", "evaluated"}
    assert {row[3] for row in first} == {"draft", "submitted", "validated", "returned"}
    assert Evaluation.objects.exists() and ActivityOfficer.objects.exists()
    # each activity in its workstream of ATHENA 2's plan: joint activities in WS1, bilateral meetings in WS2
    assert {(t, n) for t, n in JointActivity.objects.values_list("type", "workstream__number")} == {
        ("cross_border_observation", 1),
        ("joint_operation", 1),
        ("joint_investigation", 1),
        ("joint_patrol", 1),
        ("bilateral_meeting", 2),
    }
    people = Person.objects.count()
    for activity in JointActivity.objects.all():
        activity.full_clean()  # every demo record obeys the rules
    # Officers recur across activities, as real officers do.
    assert ActivityOfficer.objects.values("person").annotate(n=Count("pk")).filter(n__gt=1).exists()

    call_command("seed_demo", activities=60, force=True, stdout=StringIO())
    assert snapshot() == first
    assert Person.objects.count() == people


def test_the_demo_has_sensitive_activities_that_only_managers_see(db, client):
    from django.contrib.auth import get_user_model

    call_command("seed_demo", activities=60, force=True, stdout=StringIO())
    sensitive = list(JointActivity.objects.filter(is_sensitive=True).values_list("reference", flat=True))
    assert len(sensitive) >= 3
    client.force_login(get_user_model().objects.get(username="demo-viewer"))
    for reference in sensitive:  # searched by its reference, it is not found
        assert list(client.get("/projects/ATHENA2/activities/?q=" + reference).context["page"]) == []
    listed = client.get("/projects/ATHENA2/activities/").content.decode()
    others = JointActivity.objects.filter(is_sensitive=False).values_list("reference", flat=True)
    assert any(reference in listed for reference in others) and not any(ref in listed for ref in sensitive)
    client.force_login(get_user_model().objects.get(username="demo-manager"))
    found = client.get("/projects/ATHENA2/activities/?q=" + sensitive[0]).context["page"]
    assert [activity.reference for activity in found] == [sensitive[0]]
