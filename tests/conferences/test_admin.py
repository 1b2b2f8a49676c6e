from datetime import timedelta

import pytest
from django.apps import apps
from django.contrib import admin
from django.urls import reverse

from conferences.models import Attendance, Event, Registration
from projects.models import AuditEvent, Person
from tests.utils import admin_form_data, count_queries, get_ok

from .conftest import TODAY, make_event, make_person, register

MODELS = list(apps.get_app_config("conferences").get_models())


def test_every_model_of_the_app_is_in_the_admin():
    assert [m._meta.label for m in MODELS if m not in admin.site._registry] == []


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m._meta.label)
def test_admin_pages_of_every_model_open(client_for, admin_user, demo_data, model):
    client = client_for(admin_user)
    opts = model._meta
    changelist = reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")
    get_ok(client, changelist)
    get_ok(client, changelist + "?q=a")
    get_ok(client, reverse(f"admin:{opts.app_label}_{opts.model_name}_add"))
    instance = model._default_manager.order_by("pk").first()
    assert instance is not None, f"the demo data have no {opts.label}"
    get_ok(client, reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[instance.pk]))


def test_an_event_shows_its_sessions_and_registrations_inline(client_for, admin_user, demo_data):
    event = Event.objects.filter(kind="conference", status="held").order_by("pk").first()
    page = get_ok(client_for(admin_user), reverse("admin:conferences_event_change", args=[event.pk]))
    assert page.context["inline_admin_formsets"][0].formset.model.__name__ == "Session"
    assert page.context["inline_admin_formsets"][1].formset.model is Registration


def _grow(project, n):
    for _ in range(n):
        event = make_event(project)
        register(event, make_person(f"Person {Person.objects.count()}"))


@pytest.mark.parametrize("model", [Event, Registration], ids=lambda m: m._meta.label)
def test_admin_changelists_do_not_slow_down_as_tables_grow(client_for, admin_user, athena, model):
    client = client_for(admin_user)
    url = reverse(f"admin:conferences_{model._meta.model_name}_changelist")
    get_ok(client, url)
    _grow(athena, 2)
    small = count_queries(lambda: get_ok(client, url))
    _grow(athena, 20)
    assert count_queries(lambda: get_ok(client, url)) == small


# --- the admin writes through the events' services -------------------------------------------------------------------


def _trail(obj) -> list[tuple]:
    """The writes recorded for the record (opening its admin page, a consultation, is tested with the others)."""
    events = AuditEvent.objects.filter(object_type=obj._meta.label, object_id=str(obj.pk)).exclude(action="view")
    return list(events.order_by("pk").values_list("action", "user__username", "details"))


def _change(client, obj, **values):
    opts = obj._meta
    url = reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk])
    data = admin_form_data(get_ok(client, url))
    data.update(values)
    return client.post(url, data)


def test_an_event_changed_in_the_admin_is_saved_by_the_event_service(client_for, admin_user, athena):
    event = make_event(athena, title="Workshop on smuggling")
    response = _change(client_for(admin_user), event, title="Workshop on cigarette smuggling")
    assert response.status_code == 302
    changes = {"title": {"old": "Workshop on smuggling", "new": "Workshop on cigarette smuggling"}}
    assert _trail(event) == [("change", "admin", {"changes": changes})]  # as event_save records it, old and new


def test_an_event_status_changed_in_the_admin_follows_the_transitions(client_for, admin_user, athena):
    event = make_event(athena, title="Workshop", start_date=TODAY - timedelta(days=2), status=Event.Status.HELD)
    response = _change(client_for(admin_user), event, status="planned", title="Renamed")
    assert response.status_code == 200
    assert "An event that is held cannot become planned." in response.content.decode()
    event.refresh_from_db()
    assert (event.status, event.title) == ("held", "Workshop")  # nothing saved, not even the title
    assert _trail(event) == []


def test_an_event_is_marked_held_in_the_admin_through_its_transition(client_for, admin_user, athena):
    event = make_event(athena, start_date=TODAY - timedelta(days=2))
    assert _change(client_for(admin_user), event, status="held").status_code == 302
    assert Event.objects.get(pk=event.pk).status == "held"
    assert _trail(event) == [("transition", "admin", {"from": "open", "to": "held"})]


def test_a_registration_added_in_the_admin_follows_the_registration_rules(client_for, admin_user, athena):
    full = make_event(athena, capacity=1)
    register(full, make_person("Ana Popescu"))
    ivan = make_person("Ivan Petrov", "BG", "MoI BG")
    client = client_for(admin_user)
    url = reverse("admin:conferences_registration_add")
    data = admin_form_data(get_ok(client, url))
    data.update(event=str(full.pk), person=str(ivan.pk), role="delegate")
    response = client.post(url, data)
    assert response.status_code == 200
    assert "The event is full" in response.content.decode()
    assert not Registration.objects.filter(person=ivan).exists()
    data.update(role="speaker")  # speakers take no place
    assert client.post(url, data).status_code == 302
    registration = Registration.objects.get(person=ivan)
    assert registration.registered_by == admin_user
    assert _trail(registration) == [("create", "admin", {})]


def test_a_check_in_recorded_in_the_admin_is_the_desk_s_check_in(client_for, admin_user, athena):
    event = make_event(athena, start_date=TODAY - timedelta(days=1), days=3)
    registration = register(event, make_person("Ana Popescu"))
    client = client_for(admin_user)
    url = reverse("admin:conferences_attendance_add")
    data = admin_form_data(get_ok(client, url))
    data.update(registration=str(registration.pk), day=str(TODAY + timedelta(days=1)), present="on")
    response = client.post(url, data)
    assert "People can be checked in from the day itself" in response.content.decode()
    data.update(day=str(TODAY))
    assert client.post(url, data).status_code == 302
    attendance = Attendance.objects.get(registration=registration)
    assert (attendance.day, attendance.present, attendance.recorded_by) == (TODAY, True, admin_user)


def test_registrations_deleted_in_bulk_are_each_withdrawn_by_the_service(client_for, admin_user, athena):
    event = make_event(athena)
    first, second = register(event, make_person("Ana Popescu")), register(event, make_person("Ivan Petrov", "BG"))
    url = reverse("admin:conferences_registration_changelist")
    data = {"action": "delete_selected", "_selected_action": [first.pk, second.pk], "post": "yes"}
    assert client_for(admin_user).post(url, data).status_code == 302
    assert not Registration.objects.filter(event=event).exists()
    assert _trail(first) == _trail(second) == [("delete", "admin", {})]
    assert set(AuditEvent.objects.filter(action="delete").values_list("project", flat=True)) == {athena.pk}
