"""The admin's rules for a large database (issue 11), checked on every ModelAdmin registered on the portal's site:
no form offers a select of a table that grows with the data, no list filter a choice per row of one, inlines show
a bounded number of rows (and link to the rest), and the autocomplete boxes' endpoint is for superusers only like
the rest of the admin. `tests/test_admin_scale.py` counts the queries of every page at two sizes."""

from __future__ import annotations

import json

import pytest
from django.contrib import admin
from django.contrib.admin.filters import SimpleListFilter
from django.contrib.admin.utils import get_fields_from_path
from django.contrib.admin.widgets import AutocompleteMixin, ForeignKeyRawIdWidget
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.db import models
from django.forms import HiddenInput, ModelChoiceField
from django.test import RequestFactory
from django.urls import reverse

from conferences.models import Attendance, Event, FeedbackResponse, Registration, Session
from operations.models import ActivityAttachment, ActivityOfficer, Evaluation, JointActivity
from projects.admin_base import BoundedInlineMixin, ServiceAdminMixin
from projects.models import AuditEvent, BackgroundJob, Organisation, Person, PersonContact, Task
from reporting.models import Notification, ReminderDelivery
from tests.conftest import make_user
from tests.utils import admin_form_data, get_ok

# Tables that grow with the data (people, events, activities and what hangs on them, users, logs).
LARGE = {
    get_user_model(),
    Person,
    PersonContact,
    Organisation,
    Event,
    Session,
    Registration,
    Attendance,
    FeedbackResponse,
    JointActivity,
    ActivityOfficer,
    ActivityAttachment,
    Evaluation,
    Task,
    AuditEvent,
    BackgroundJob,
    Notification,
    ReminderDelivery,
}

BOUNDED_WIDGETS = (AutocompleteMixin, ForeignKeyRawIdWidget, HiddenInput)  # raw-id boxes for many-to-many too


def _admins():
    return sorted(admin.site._registry.items(), key=lambda item: item[0]._meta.label)


@pytest.fixture
def superuser_request(admin_user):
    request = RequestFactory().get("/admin/")
    request.user = admin_user
    return request


def _unbounded_choices(form_class, parent_link: str = "") -> list[str]:
    found = []
    for name, field in form_class.base_fields.items():
        if name == parent_link:  # an inline's link to its record: a hidden field in every row
            continue
        if isinstance(field, ModelChoiceField) and field.queryset.model in LARGE:
            widget = getattr(field.widget, "widget", field.widget)  # inside the admin's RelatedFieldWidgetWrapper
            if not isinstance(widget, BOUNDED_WIDGETS):
                found.append(f"{name} ({type(widget).__name__} of {field.queryset.model._meta.label})")
    return found


def test_no_admin_form_offers_a_select_of_a_large_table(superuser_request):
    found = {}
    for model, model_admin in _admins():
        problems = _unbounded_choices(model_admin.get_form(superuser_request))
        for inline in model_admin.get_inline_instances(superuser_request):
            formset = inline.get_formset(superuser_request)
            rows = _unbounded_choices(formset.form, parent_link=formset.fk.name)
            problems += [f"{inline.model._meta.label} inline: {p}" for p in rows]
        if problems:
            found[model._meta.label] = problems
    assert found == {}


def _filter_problem(model, entry) -> str | None:
    """Why a `list_filter` entry offers choices that grow with the data, or None."""
    if isinstance(entry, type) and issubclass(entry, SimpleListFilter):
        return None  # the portal's own filters say what they offer (RecordTypeFilter, SealFilter...)
    path = entry[0] if isinstance(entry, tuple) else entry
    field = get_fields_from_path(model, path)[-1]
    if field.is_relation:
        target = field.related_model
        return f"{path}: one choice per {target._meta.label}" if target in LARGE else None
    if field.choices or isinstance(field, models.BooleanField | models.DateField):  # DateTimeField is a DateField
        return None
    return f"{path}: one choice per distinct value" if model in LARGE or model._meta.app_label == "axes" else None


def test_no_admin_list_filter_offers_a_choice_per_row_of_a_large_table(superuser_request):
    found = {}
    for model, model_admin in _admins():
        problems = [
            problem
            for entry in model_admin.get_list_filter(superuser_request)
            if (problem := _filter_problem(model, entry)) is not None
        ]
        if problems:
            found[model._meta.label] = problems
    assert found == {}


def test_every_admin_and_inline_of_the_site_is_bounded(superuser_request):
    for model, model_admin in _admins():
        assert isinstance(model_admin, ServiceAdminMixin), model._meta.label
        assert model_admin.show_full_result_count is False, model._meta.label
        for inline in model_admin.get_inline_instances(superuser_request):
            assert isinstance(inline, BoundedInlineMixin), f"{model._meta.label}: {type(inline).__name__}"


# --- inlines of many rows ------------------------------------------------------------------------------------------


def test_an_event_of_many_registrations_shows_the_first_ones_and_links_to_all(client_for, admin_user, athena):
    from tests.conferences.conftest import make_event, make_person, register

    event = make_event(athena, title="Crowded workshop")
    for i in range(30):
        register(event, make_person(f"Crowd Member {i:02d}"))
    client = client_for(admin_user)
    url = reverse("admin:conferences_event_change", args=[event.pk])
    page = get_ok(client, url)
    inline = next(i for i in page.context["inline_admin_formsets"] if i.formset.model is Registration)
    assert inline.formset.initial_form_count() == inline.opts.max_rows == 25
    shown = [form.instance.person.name for form in inline.formset.initial_forms]
    assert shown == [f"Crowd Member {i:02d}" for i in range(25)]  # the first, in the inline's order
    every = reverse("admin:conferences_registration_changelist") + f"?event={event.pk}"
    html = page.content.decode()
    assert "Only the first 25 registrations are shown here." in html and f'href="{every}"' in html
    assert get_ok(client, every).context["cl"].result_count == 30

    response = client.post(url, admin_form_data(page))  # saved as shown: the rows not shown are kept
    assert response.status_code == 302, response.context and response.context["adminform"].form.errors
    assert Registration.objects.filter(event=event).count() == 30


def test_an_inline_of_few_rows_has_no_note(client_for, admin_user, athena):
    from tests.conferences.conftest import make_event, make_person, register

    event = make_event(athena, title="Quiet workshop")
    register(event, make_person("Lone Delegate"))
    page = get_ok(client_for(admin_user), reverse("admin:conferences_event_change", args=[event.pk]))
    assert "are shown here" not in page.content.decode()


def test_an_activity_of_many_officers_saves_and_still_refuses_a_stale_save(
    client_for, admin_user, athena, django_user_model
):
    from projects.models import Country
    from tests.conferences.conftest import make_person

    activity = JointActivity.objects.create(
        project=athena,
        type="joint_patrol",
        title="Long patrol",
        lead_country=Country.objects.get(code="RO"),
        start_date="2026-01-10",
        end_date="2026-01-12",
        status="completed",
    )
    activity.places.create(city="Bucharest", country=activity.lead_country)
    role = ActivityOfficer._meta.get_field("role").choices[0][0]
    for i in range(40):
        ActivityOfficer.objects.create(activity=activity, person=make_person(f"Officer {i:02d}"), role=role)
    client = client_for(admin_user)
    url = reverse("admin:operations_jointactivity_change", args=[activity.pk])
    page = get_ok(client, url)
    officers = next(i for i in page.context["inline_admin_formsets"] if i.formset.model is ActivityOfficer)
    assert officers.formset.initial_form_count() == 25
    data = admin_form_data(page)

    response = client.post(url, {**data, "title": "Long patrol, renamed"})
    assert response.status_code == 302
    activity.refresh_from_db()
    assert activity.title == "Long patrol, renamed" and activity.officers.count() == 40

    response = client.post(url, {**data, "title": "From a stale page"})  # the version it was opened with
    assert response.status_code == 200
    assert "Someone else changed this activity" in response.content.decode()
    assert JointActivity.objects.get(pk=activity.pk).title == "Long patrol, renamed"


# --- the autocomplete boxes' endpoint ------------------------------------------------------------------------------

AUTOCOMPLETE = {"app_label": "operations", "model_name": "activityofficer", "field_name": "person", "term": "Ana"}


@pytest.fixture
def django_staff(django_user_model, athena):
    """Staff status and every model permission, but no superuser flag."""
    user = make_user(django_user_model, "django-staff", is_staff=True)
    user.user_permissions.set(Permission.objects.all())
    return user


def test_the_autocomplete_endpoint_answers_a_superuser(client_for, admin_user):
    from tests.conferences.conftest import make_person

    make_person("Ana Pop")
    response = client_for(admin_user).get(reverse("admin:autocomplete"), AUTOCOMPLETE)
    assert response.status_code == 200
    texts = [result["text"] for result in json.loads(response.content)["results"]]
    assert len(texts) == 1 and "Ana Pop" in texts[0]


@pytest.mark.parametrize("who", ["django_staff", "manager", "staff", "viewer"])
def test_the_autocomplete_endpoint_refuses_everyone_but_superusers(request, db, client_for, who):
    from tests.conferences.conftest import make_person

    make_person("Ana Pop")
    response = client_for(request.getfixturevalue(who)).get(reverse("admin:autocomplete"), AUTOCOMPLETE)
    assert response.status_code == 403
    assert b"Ana Pop" not in response.content


def test_the_autocomplete_endpoint_sends_visitors_to_the_login(client, db):
    response = client.get(reverse("admin:autocomplete"), AUTOCOMPLETE, follow=True)
    assert response.redirect_chain[-1][0].startswith("/login/")
    assert b"results" not in response.content
