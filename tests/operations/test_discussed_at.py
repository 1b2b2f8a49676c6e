"""A workshop (or meeting) page links the joint activities discussed there, and the activity links back."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from conferences.models import Event
from operations import services
from projects.models import AuditEvent
from tests.conferences.conftest import TODAY, make_event
from tests.operations.conftest import formset_data
from tests.utils import count_queries, get_ok


def detail(activity) -> str:
    return reverse("operations:activity-detail", kwargs={"code": "ATHENA2", "pk": activity.pk})


def event_page(event) -> str:
    return reverse("conferences:event-detail", kwargs={"code": event.project.code, "pk": event.pk})


def _edit_data(activity, activity_form_data, **overrides) -> dict:
    data = activity_form_data(version=str(activity.version), **overrides)
    places = [{"id": str(p.pk), "city": p.city, "country": str(p.country_id)} for p in activity.places.all()]
    countries = [
        {"id": str(c.pk), "country": str(c.country_id), "officers_deployed": str(c.officers_deployed)}
        for c in activity.countries.all()
    ]
    data.update(formset_data("places", places, initial=len(places)))
    data.update(formset_data("countries", countries, initial=len(countries)))
    return data


@pytest.fixture
def workshop(athena):
    return make_event(athena, title="Danube workshop", kind=Event.Kind.WORKSHOP, start_date=TODAY - timedelta(days=2))


def test_staff_link_an_activity_to_a_workshop_and_a_meeting_of_the_project(
    client_for, staff, athena, make_activity, activity_form_data, workshop
):
    meeting = make_event(athena, title="Steering meeting", kind=Event.Kind.MEETING, start_date=TODAY - timedelta(9))
    activity = make_activity()
    client = client_for(staff)
    data = _edit_data(activity, activity_form_data, discussed_at=[str(workshop.pk), str(meeting.pk)])
    response = client.post(detail(activity) + "edit/", data)
    assert response.status_code == 302, response.context["form"].errors
    assert set(activity.discussed_at.all()) == {workshop, meeting}
    change = AuditEvent.objects.filter(action=AuditEvent.Action.CHANGE, object_id=str(activity.pk)).latest("pk")
    assert "discussed_at" in change.details["fields"]
    page = get_ok(client, detail(activity)).content.decode()
    assert "Discussed at" in page
    assert page.index("Steering meeting") < page.index("Danube workshop")  # by date
    assert event_page(workshop) in page
    # unchanged when the form is saved again without touching the field; emptied when cleared
    activity.refresh_from_db()
    client.post(detail(activity) + "edit/", _edit_data(activity, activity_form_data, discussed_at=[]))
    assert not activity.discussed_at.exists()


def test_the_activity_form_picks_among_the_projects_workshops_and_meetings_only(
    client_for, staff, athena, imobex, make_activity, workshop
):
    earlier = make_event(athena, title="Early meeting", kind=Event.Kind.MEETING, start_date=TODAY - timedelta(30))
    make_event(athena, title="Big conference", kind=Event.Kind.CONFERENCE)
    make_event(imobex, title="Other workshop")
    activity = make_activity()
    activity.discussed_at.add(workshop)
    client = client_for(staff)
    response = get_ok(client, detail(activity) + "edit/")
    form = response.context["form"]
    assert set(form.fields["discussed_at"].queryset) == {earlier, workshop}  # what a posted choice is checked against
    assert form.initial["discussed_at"] == [workshop.pk]
    select = re.search(r'<select name="discussed_at".*?</select>', response.content.decode(), re.S).group(0)
    assert re.findall(r'<option value="(\d+)"', select) == [str(workshop.pk)]  # only the chosen one is on the page
    url = reverse("projects:project-pick", kwargs={"code": "ATHENA2", "key": "discussion-events"})
    found = [row for q in ("o", "shop", "meeting", "conference") for row in client.get(url, {"q": q}).json()["results"]]
    assert sorted(r["id"] for r in found) == sorted([workshop.pk, earlier.pk])


@pytest.mark.parametrize("which", ["other_project", "conference"])
def test_an_event_of_another_project_or_a_conference_is_refused_with_a_message_on_the_field(
    client_for, staff, athena, imobex, make_activity, activity_form_data, which
):
    if which == "other_project":
        event = make_event(imobex, title="IMOBEX workshop")
    else:
        event = make_event(athena, title="Annual conference", kind=Event.Kind.CONFERENCE)
    activity = make_activity()
    response = client_for(staff).post(
        detail(activity) + "edit/", _edit_data(activity, activity_form_data, discussed_at=[str(event.pk)])
    )
    assert response.status_code == 200
    assert response.context["form"].errors["discussed_at"]
    assert not activity.discussed_at.exists()
    # the service refuses it too, whoever calls it, with the message on the field
    activity.refresh_from_db()
    with pytest.raises(ValidationError) as refused:
        services.activity_save(activity=activity, user=staff, discussed_at=[event])
    assert "discussed_at" in refused.value.error_dict
    activity.refresh_from_db()
    assert activity.version == 1
    assert not activity.discussed_at.exists()


def test_the_workshop_page_lists_the_activities_discussed_there(client_for, viewer, make_activity, workshop):
    discussed = make_activity(title="Patrol on the bridge")
    discussed.discussed_at.add(workshop)
    make_activity(title="Not discussed")
    page = get_ok(client_for(viewer), event_page(workshop)).content.decode()
    assert "Joint activities discussed" in page
    assert "Patrol on the bridge" in page
    assert detail(discussed) in page
    assert "Not discussed" not in page


@pytest.mark.parametrize(("who", "listed"), [("staff", False), ("viewer", False), ("manager", True)])
def test_a_sensitive_activity_is_listed_on_the_workshop_page_for_managers_only(
    request, client_for, make_activity, workshop, who, listed
):
    secret = make_activity(title="Secret operation", is_sensitive=True)
    secret.discussed_at.add(workshop)
    page = get_ok(client_for(request.getfixturevalue(who)), event_page(workshop)).content.decode()
    assert ("Secret operation" in page) is listed


def _link(make_activity, workshops, n: int) -> None:
    for _ in range(n):
        make_activity(officers=[("Officer", "RO", "spoc")]).discussed_at.add(*workshops)


# Workshop page: session, user, project with role, event with counts, sessions, practices, activities discussed.
def test_the_workshop_page_queries_are_pinned_and_do_not_grow_with_the_links(
    client_for, manager, athena, make_activity, workshop
):
    client = client_for(manager)
    get_ok(client, event_page(workshop))
    _link(make_activity, [workshop], 2)
    small = count_queries(lambda: get_ok(client, event_page(workshop)))
    _link(make_activity, [workshop], 20)
    large = count_queries(lambda: get_ok(client, event_page(workshop)))
    assert small == large == 7


def test_the_activity_pages_queries_do_not_grow_with_the_events(client_for, manager, athena, make_activity):
    client = client_for(manager)
    activity = make_activity(officers=[("Officer A", "RO", "spoc")])
    first = [make_event(athena, title=f"W{i}") for i in range(2)]
    activity.discussed_at.add(*first)
    get_ok(client, detail(activity))
    small_detail = count_queries(lambda: get_ok(client, detail(activity)))
    small_edit = count_queries(lambda: get_ok(client, detail(activity) + "edit/"))
    more = [make_event(athena, title=f"M{i}", kind=Event.Kind.MEETING) for i in range(20)]
    activity.discussed_at.add(*more)
    assert count_queries(lambda: get_ok(client, detail(activity))) == small_detail == 14
    # 12 in test_reporting_integration, whose activity is a meeting (one more query: its related activity's reference);
    # one reads the project's workstreams (the select); the last records the consultation (the form shows officers)
    assert count_queries(lambda: get_ok(client, detail(activity) + "edit/")) == small_edit == 12


def test_the_kinds_an_activity_is_discussed_at_are_defined_once_on_the_event(athena):
    events = {kind: make_event(athena, title=f"A {kind}", kind=kind) for kind in Event.Kind.values}
    accepting = {kind for kind, event in events.items() if event.accepts_discussions}
    assert accepting == {"workshop", "meeting"}
    in_sql = Event.objects.filter(project=athena).accepting_discussions().values_list("kind", flat=True)
    assert set(in_sql) == accepting


def test_a_workshop_of_a_project_without_joint_activities_has_no_block_for_them(client_for, outsider, imobex):
    workshop = make_event(imobex, title="IMOBEX expert workshop")
    page = get_ok(client_for(outsider), event_page(workshop)).content.decode()
    assert "IMOBEX expert workshop" in page and "Joint activities discussed" not in page
