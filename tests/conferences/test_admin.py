import pytest
from django.apps import apps
from django.contrib import admin
from django.urls import reverse

from conferences.models import Event, Registration
from projects.models import Person
from tests.utils import count_queries, get_ok

from .conftest import make_event, make_person, register

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
