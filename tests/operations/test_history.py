"""What an activity keeps of its validation: comments bounded in length, long words wrapped on the detail page, and a
history that speaks the page's language."""

import pytest
from django.core.exceptions import ValidationError

from operations.models import JointActivity
from operations.services import activity_return, activity_submit
from projects.models import AuditEvent
from tests.utils import get_ok

NEW = "/projects/ATHENA2/activities/new/"


def detail(activity) -> str:
    return f"/projects/ATHENA2/activities/{activity.pk}/"


def test_a_send_back_comment_longer_than_a_thousand_characters_is_refused_with_a_message(
    client_for, staff, manager, make_activity
):
    activity = make_activity()
    activity = activity_submit(activity=activity, user=staff, expected_version=1)
    with pytest.raises(ValidationError) as exc:
        activity_return(activity=activity, user=manager, comment="x" * 5000, expected_version=2)
    assert "at most 1000 characters (it has 5000)" in exc.value.message_dict["comment"][0]
    response = client_for(manager).post(
        f"{detail(activity)}return/", {"version": 2, "comment": "x" * 5000}, follow=True
    )
    assert "at most 1000 characters" in response.content.decode()
    assert JointActivity.objects.get(pk=activity.pk).validation_state == "submitted"


def test_the_model_refuses_a_validation_comment_longer_than_a_thousand_characters(make_activity):
    activity = make_activity(validation_state="returned", validation_comment="y" * 1001)
    with pytest.raises(ValidationError) as exc:
        activity.full_clean()
    assert "validation_comment" in exc.value.message_dict


def test_long_words_in_comments_wrap_on_the_detail_page(client_for, staff, manager, make_activity):
    activity = make_activity()
    activity = activity_submit(activity=activity, user=staff, expected_version=1)
    activity_return(activity=activity, user=manager, comment="w" * 1000, expected_version=2)
    page = get_ok(client_for(manager), detail(activity)).content.decode()
    assert 'class="alert alert-warning text-break" data-testid="validation-comment"' in page
    assert 'data-testid="history"' in page and 'text-break" data-testid="history"' in page


def test_the_history_shows_field_labels_and_status_labels_not_internal_names(
    client_for, staff, manager, make_activity, activity_form_data
):
    response = client_for(staff).post(NEW, activity_form_data(status="planned", end_date=""))
    assert response.status_code == 302
    activity = JointActivity.objects.get()
    client_for(staff).post(f"{detail(activity)}submit/", {"version": activity.version})
    client_for(staff).post(f"{detail(activity)}advance/", {"version": activity.version + 1})
    AuditEvent.objects.create(
        action="change",
        object_type="operations.JointActivity",
        object_id=str(activity.pk),
        project=activity.project,
        details={"fields": ["end_date", "lead_country"]},
    )
    history = get_ok(client_for(manager), detail(activity)).content.decode()
    assert "end date, lead country" in history
    assert "(submitted for validation)" in history
    assert "(Planned → Ongoing)" in history
    for internal in ("end_date", "lead_country", "(submit →", "→ submitted)", "(planned →"):
        assert internal not in history
