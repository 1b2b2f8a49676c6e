"""An activity's workstream: chosen among its project's, defaulting from its type by ATHENA 2's plan (issue 14)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from operations import services
from operations.models import JointActivity
from operations.workstreams import default_workstream, workstreams_fill
from projects.models import Workstream
from tests.operations.test_admin import _admin_data

NEW = "/projects/ATHENA2/activities/new/"


def ws(project, number: int) -> Workstream:
    return Workstream.objects.get(project=project, number=number)


def test_a_new_activity_falls_in_the_workstream_of_its_type_unless_one_is_chosen(
    client_for, staff, athena, activity_form_data
):
    client = client_for(staff)
    form = client.get(NEW).context["form"]
    assert set(form.fields["workstream"].queryset) == set(athena.workstreams.all())  # the project's only
    assert client.post(NEW, activity_form_data()).status_code == 302
    assert JointActivity.objects.get(reference="JP-2026-01").workstream == ws(athena, 1)
    chosen = activity_form_data(reference="JP-2026-02", workstream=str(ws(athena, 4).pk))
    assert client.post(NEW, chosen).status_code == 302
    assert JointActivity.objects.get(reference="JP-2026-02").workstream == ws(athena, 4)


def test_the_page_refuses_another_projects_workstream(client_for, staff, imobex, activity_form_data):
    response = client_for(staff).post(NEW, activity_form_data(workstream=str(ws(imobex, 1).pk)))
    assert response.status_code == 200
    assert response.context["form"].errors["workstream"]
    assert not JointActivity.objects.exists()


def _meeting(project, **fields) -> JointActivity:
    from projects.models import Country

    return JointActivity(
        project=project,
        type="bilateral_meeting",
        title="Meeting in Sofia",
        lead_country=Country.objects.get(code="BG"),
        start_date=timezone.localdate() + timedelta(days=5),
        **fields,
    )


def test_the_service_defaults_a_meeting_to_ws2_and_refuses_another_projects_workstream(staff, athena, imobex):
    saved = services.activity_save(activity=_meeting(athena), user=staff)
    assert saved.workstream == ws(athena, 2)
    with pytest.raises(ValidationError) as refused:
        services.activity_save(activity=_meeting(athena, workstream=ws(imobex, 2)), user=staff)
    assert refused.value.message_dict["workstream"] == ["Choose a workstream of this project."]
    assert JointActivity.objects.count() == 1
    assert default_workstream(imobex, "joint_patrol") is None  # IMOBEX's plan has no joint activities


def test_the_detail_page_links_the_workstream(client_for, viewer, athena, make_activity):
    activity = make_activity(workstream=ws(athena, 1))
    page = client_for(viewer).get(f"/projects/ATHENA2/activities/{activity.pk}/").content.decode()
    assert reverse("projects:workstream-detail", args=["ATHENA2", 1]) in page


def test_the_admin_saves_the_workstream(client_for, admin_user, athena, imobex, make_activity):
    activity = make_activity(status="completed")
    url = reverse("admin:operations_jointactivity_change", args=[activity.pk])
    client = client_for(admin_user)
    choices = client.get(url).context["adminform"].form.fields["workstream"].queryset
    assert set(choices) == set(athena.workstreams.all())
    refused = client.post(url, _admin_data(activity, workstream=str(ws(imobex, 1).pk)))
    assert refused.status_code == 200 and refused.context["adminform"].form.errors["workstream"]
    response = client.post(url, _admin_data(activity, workstream=str(ws(athena, 2).pk)))
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert JointActivity.objects.get(pk=activity.pk).workstream == ws(athena, 2)


def test_the_data_migration_fills_the_activities_without_a_workstream_once(athena, make_activity):
    patrol, meeting = make_activity(type="joint_patrol"), make_activity(type="bilateral_meeting")
    kept = make_activity(type="joint_patrol", workstream=ws(athena, 4))
    assert workstreams_fill(JointActivity, Workstream) == 2
    assert [JointActivity.objects.get(pk=a.pk).workstream.number for a in (patrol, meeting, kept)] == [1, 2, 4]
    assert workstreams_fill(JointActivity, Workstream) == 0
