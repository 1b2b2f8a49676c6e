"""The admin of joint activities opens, and goes through the same rules as the pages."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from operations.models import ActivityAttachment, ActivityOfficer, Evaluation, JointActivity, Spoc
from projects.models import Organisation
from tests.operations.conftest import formset_data
from tests.utils import get_ok

MODELS = [JointActivity, ActivityOfficer, Evaluation, ActivityAttachment, Spoc]


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_admin_pages_open(client_for, admin_user, make_activity, country, model):
    activity = make_activity(status="evaluated", officers=[("Ana Pop", "RO", "spoc")])
    Evaluation.objects.create(activity=activity, country=country("RO"), objectives_met="met", rating=4)
    client = client_for(admin_user)
    name = model._meta.model_name
    get_ok(client, reverse(f"admin:operations_{name}_changelist"))
    get_ok(client, reverse(f"admin:operations_{name}_add"))
    obj = model.objects.first()
    if obj is not None:
        get_ok(client, reverse(f"admin:operations_{name}_change", args=[obj.pk]))
    get_ok(client, reverse(f"admin:operations_{name}_changelist") + "?q=Ana")


def _admin_data(activity, **overrides) -> dict:
    data = {
        "project": str(activity.project_id),
        "type": activity.type,
        "title": activity.title,
        "reference": activity.reference,
        "lead_country": str(activity.lead_country_id),
        "lead_agency": "",
        "start_date": activity.start_date.isoformat(),
        "end_date": activity.end_date.isoformat() if activity.end_date else "",
        "summary": "",
        "related_activity": "",
        "meeting_purpose": "",
        "seen_version": str(activity.version),
    }
    data.update(overrides)
    places = [
        {"id": str(p.pk), "activity": str(activity.pk), "city": p.city, "country": str(p.country_id)}
        for p in activity.places.all()
    ]
    data.update(formset_data("places", places, initial=len(places)))
    for prefix in ("countries", "officers", "attachments", "evaluations"):
        data.update(formset_data(prefix, []))
    return data


def test_the_admin_cannot_save_an_end_before_the_start(client_for, admin_user, make_activity):
    activity = make_activity(status="completed")
    url = reverse("admin:operations_jointactivity_change", args=[activity.pk])
    before = (activity.start_date - timedelta(days=3)).isoformat()
    response = client_for(admin_user).post(url, _admin_data(activity, end_date=before))
    assert response.status_code == 200
    assert "The end date cannot be before the start date." in response.content.decode()
    assert JointActivity.objects.get(pk=activity.pk).end_date == activity.end_date


def test_the_admin_cannot_complete_with_a_future_end_date(client_for, admin_user, make_activity):
    activity = make_activity(status="completed")
    url = reverse("admin:operations_jointactivity_change", args=[activity.pk])
    future = (timezone.localdate() + timedelta(days=3)).isoformat()
    response = client_for(admin_user).post(url, _admin_data(activity, end_date=future))
    assert "end date in the future" in response.content.decode()


def test_the_admin_refuses_a_stale_save(client_for, admin_user, make_activity):
    activity = make_activity(status="completed")
    JointActivity.objects.filter(pk=activity.pk).update(version=5, title="Changed meanwhile")
    url = reverse("admin:operations_jointactivity_change", args=[activity.pk])
    response = client_for(admin_user).post(url, _admin_data(activity, title="Admin title"))
    assert "Someone else changed this activity" in response.content.decode()
    assert JointActivity.objects.get(pk=activity.pk).title == "Changed meanwhile"


def test_the_admin_saves_a_valid_change_through_the_service(client_for, admin_user, make_activity):
    activity = make_activity(status="completed")
    url = reverse("admin:operations_jointactivity_change", args=[activity.pk])
    response = client_for(admin_user).post(url, _admin_data(activity, title="Admin title"))
    assert response.status_code == 302, response.context["adminform"].form.errors
    stored = JointActivity.objects.get(pk=activity.pk)
    assert (stored.title, stored.version) == ("Admin title", 2)


def test_the_admin_cannot_log_a_cross_border_observation_in_one_country(client_for, admin_user, athena, country):
    today = timezone.localdate()
    data = {
        "project": str(athena.pk),
        "type": "cross_border_observation",
        "title": "Observation",
        "reference": "",
        "lead_country": str(country("RO").pk),
        "lead_agency": "",
        "start_date": today.isoformat(),
        "end_date": "",
        "status": "planned",
        "summary": "",
        "related_activity": "",
        "meeting_purpose": "",
        "seen_version": "",
    }
    data.update(formset_data("places", [{"city": "Giurgiu", "country": str(country("RO").pk)}]))
    for prefix in ("countries", "officers", "attachments", "evaluations"):
        data.update(formset_data(prefix, []))
    response = client_for(admin_user).post(reverse("admin:operations_jointactivity_add"), data)
    assert response.status_code == 200
    assert "at least two countries" in response.content.decode()
    assert not JointActivity.objects.exists()


def test_the_admin_validate_action_uses_the_rules(client_for, admin_user, make_activity):
    draft = make_activity(validation_state="draft")
    submitted = make_activity(validation_state="submitted")
    url = reverse("admin:operations_jointactivity_changelist")
    response = client_for(admin_user).post(
        url, {"action": "validate", "_selected_action": [draft.pk, submitted.pk]}, follow=True
    )
    assert "Only a submitted activity can be validated" in response.content.decode()
    assert JointActivity.objects.get(pk=draft.pk).validation_state == "draft"
    assert JointActivity.objects.get(pk=submitted.pk).validation_state == "validated"


def test_the_spoc_admin_lists_the_directory(client_for, admin_user, athena, country):
    from projects.models import Person

    person = Person.objects.create(name="Ioana", country=country("RO"))
    Spoc.objects.create(
        project=athena, person=person, country=country("RO"), agency=Organisation.objects.get(acronym="IGPR")
    )
    assert "Ioana" in get_ok(client_for(admin_user), reverse("admin:operations_spoc_changelist")).content.decode()


def test_deleting_in_the_admin_is_recorded(client_for, admin_user, make_activity):
    from projects.models import AuditEvent

    activity = make_activity(officers=[("Ana Pop", "RO", "spoc")])
    url = reverse("admin:operations_jointactivity_delete", args=[activity.pk])
    assert client_for(admin_user).post(url, {"post": "yes"}).status_code == 302
    assert not JointActivity.objects.filter(pk=activity.pk).exists()
    event = AuditEvent.objects.get(action="delete", object_id=str(activity.pk))
    assert event.user == admin_user and event.object_type == "operations.JointActivity"


def test_staff_cannot_delete_an_activity(make_activity, staff):
    from django.core.exceptions import PermissionDenied

    from operations.services import activity_delete

    activity = make_activity()
    with pytest.raises(PermissionDenied):
        activity_delete(activity=activity, user=staff)
    assert JointActivity.objects.filter(pk=activity.pk).exists()


def test_an_evaluation_added_inside_the_activity_admin_goes_through_the_evaluation_service(
    client_for, admin_user, make_activity, country
):
    from projects.models import AuditEvent

    activity = make_activity(status="completed")
    data = _admin_data(activity)
    data.update(
        formset_data("evaluations", [{"country": str(country("RO").pk), "objectives_met": "met", "rating": "4"}])
    )
    url = reverse("admin:operations_jointactivity_change", args=[activity.pk])
    response = client_for(admin_user).post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    evaluation = Evaluation.objects.get(activity=activity)
    assert evaluation.author == admin_user  # set by evaluation_save
    details = AuditEvent.objects.filter(object_id=str(activity.pk)).values_list("details", flat=True)
    assert {"evaluation": "added", "country": "RO"} in list(details)


def test_activities_deleted_in_bulk_are_each_deleted_by_the_service(client_for, admin_user, make_activity):
    from projects.models import AuditEvent

    first, second = make_activity(), make_activity(validation_state="submitted")
    url = reverse("admin:operations_jointactivity_changelist")
    data = {"action": "delete_selected", "_selected_action": [first.pk, second.pk], "post": "yes"}
    assert client_for(admin_user).post(url, data).status_code == 302
    assert not JointActivity.objects.filter(pk__in=[first.pk, second.pk]).exists()
    deleted = AuditEvent.objects.filter(action="delete", object_type="operations.JointActivity")
    assert sorted(event.details["validation"] for event in deleted) == ["draft", "submitted"]  # activity_delete's
