import zoneinfo

import pytest
from django.conf import settings
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.urls import reverse
from django.utils import timezone

from projects import rollups
from projects.admin_base import ServiceAdminMixin
from projects.models import (
    AuditEvent,
    BackgroundJob,
    Country,
    Deliverable,
    Indicator,
    IndicatorTarget,
    Milestone,
    Organisation,
    Person,
    Project,
    Task,
)
from projects.services import audit_log
from tests.utils import admin_form_data, count_queries, get_ok

# Every model of every app in the admin (the portal's and the libraries': auth, django-celery-beat).
READ_ONLY = {
    "projects.AuditEvent",
    "reporting.ReminderDelivery",
    "projects.RollupCell",
    "projects.RollupFirst",
    "projects.OutboxMessage",
    "reporting.ReportSnapshot",  # a submitted report, frozen: what the funder received
    "api.ApiToken",  # created by its user, shown once; the admin only revokes
    "api.CalendarFeed",  # made and revoked by their owners (an admin may revoke, a list action)
    "api.FeedFetch",  # the fetch log
    "api.WebhookDelivery",  # the webhooks' delivery log
}
# Login records of axes, and authenticators (a user sets up their own; an admin may only delete a lost one).
READ_ONLY |= {"axes.AccessAttempt", "axes.AccessLog", "axes.AccessFailureLog", "mfa.Authenticator"}
MODELS = sorted(admin.site._registry, key=lambda m: m._meta.label)


def _create_missing(model):
    """One row for the models the demo data leave empty, so that their change page can be opened."""
    from django.core.files.base import ContentFile
    from django_celery_beat.models import ClockedSchedule, IntervalSchedule, SolarSchedule

    from operations.models import ActivityAttachment, JointActivity
    from reporting.models import Notification, NotificationPreference, ReminderDelivery

    project = Project.objects.get(code="ATHENA2")
    user = get_user_model().objects.get(username="demo-manager")
    if model is Group:
        Group.objects.create(name="Auditors")
    elif model is Person:
        Person.objects.create(name="Ana Popescu", country=Country.objects.get(code="RO"))
    elif model is AuditEvent:
        audit_log(user=None, action="view", obj=project)
    elif model is BackgroundJob:
        BackgroundJob.objects.create(kind="report", title="A report", project=project)
    elif model is ClockedSchedule:
        ClockedSchedule.objects.create(clocked_time=timezone.now())
    elif model is IntervalSchedule:
        IntervalSchedule.objects.create(every=10, period=IntervalSchedule.MINUTES)
    elif model is SolarSchedule:
        SolarSchedule.objects.create(event="sunrise", latitude=44.43, longitude=26.1)
    elif model is ActivityAttachment:
        attachment = ActivityAttachment(activity=JointActivity.objects.first(), kind="agenda", uploaded_by=user)
        attachment.file.save("agenda.pdf", ContentFile(b"%PDF-1.4 agenda"), save=True)
    elif model in (ReminderDelivery, Notification):
        delivery = ReminderDelivery.objects.create(
            kind="deliverable_due",
            object_type="projects.Deliverable",
            object_id="1",
            recipient=user,
            occasion=timezone.localdate(),
            project=project,
            subject="A deliverable is due",
        )
        Notification.objects.create(
            delivery=delivery, recipient=user, project=project, kind="deliverable_due", title="A deliverable is due"
        )
    elif model is NotificationPreference:
        NotificationPreference.objects.create(user=user, kind="deliverable_due", enabled=False)
    elif model._meta.label == "api.ApiToken":
        from api.services import token_create

        token_create(user=user, name="Mobile app")
    elif model._meta.label == "account.EmailAddress":
        model.objects.create(user=user, email=user.email, primary=True, verified=True)
    elif model._meta.label == "usersessions.UserSession":
        model.objects.create(user=user, session_key="k" * 32, ip="10.0.0.1", user_agent="Firefox")
    elif model._meta.label == "projects.OutboxMessage":  # a task the broker did not take (Redis was away)
        model.objects.create(task="reporting.tasks.reminder_send", args=[1], last_error="ConnectionError", attempts=1)
    elif model._meta.label in ("axes.AccessAttempt", "axes.AccessLog", "axes.AccessFailureLog"):
        extra = {"failures_since_start": 1} if model._meta.label == "axes.AccessAttempt" else {}
        model.objects.create(username="someone", ip_address="10.0.0.1", attempt_time=timezone.now(), **extra)


def _an_instance(model):
    if not model._default_manager.exists():
        _create_missing(model)
    return model._default_manager.order_by("pk").first()


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m._meta.label)
def test_admin_pages_of_every_model_open(client_for, admin_user, demo_data, model, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    client = client_for(admin_user)
    opts = model._meta
    get_ok(client, reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist"))
    get_ok(client, reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist") + "?q=a")
    add_url = reverse(f"admin:{opts.app_label}_{opts.model_name}_add")
    if model._meta.label in READ_ONLY:  # logs written by the services, read-only even for admins
        assert client.get(add_url).status_code == 403
    else:
        get_ok(client, add_url)
    instance = _an_instance(model)
    assert instance is not None, f"no {opts.label} to open"
    get_ok(client, reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[instance.pk]))


@pytest.mark.parametrize("app_label", ["projects", "conferences", "operations", "imobex", "reporting"])
def test_every_model_of_the_portal_is_in_the_admin(app_label):
    from django.apps import apps

    in_admin = set(admin.site._registry)
    for model_admin in admin.site._registry.values():
        in_admin.update(inline.model for inline in model_admin.inlines)  # edited inside their parent
    models = list(apps.get_app_config(app_label).get_models())
    assert models, app_label
    assert [m._meta.label for m in models if m not in in_admin] == []


def test_admin_enforces_model_validation(client_for, admin_user, athena):
    ws = athena.workstreams.first()
    url = reverse("admin:projects_milestone_add")
    response = client_for(admin_user).post(
        url, {"workstream": ws.pk, "title": "Reached without a date", "due_date": "2025-06-30", "status": "reached"}
    )
    assert response.status_code == 200
    assert "Give the date on which the milestone was reached" in response.content.decode()
    assert not Milestone.objects.filter(title="Reached without a date").exists()


def test_admin_indicator_offers_only_registered_metrics(client_for, admin_user, athena):
    url = reverse("admin:projects_indicator_add")
    response = client_for(admin_user).post(
        url, {"project": athena.pk, "order": 9, "key": "x", "label": "X", "target": 3, "metric": "made_up"}
    )
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    assert not Indicator.objects.filter(key="x").exists()


def test_non_admins_cannot_open_the_admin(client_for, manager):
    response = client_for(manager).get(reverse("admin:index"))
    assert response.status_code == 403  # the portal's page, never the admin's (tests/test_admin_site.py)


@pytest.mark.parametrize("model", [Milestone, Deliverable, Indicator, Project])
def test_admin_changelists_do_not_slow_down_as_tables_grow(client_for, admin_user, athena, model):
    client = client_for(admin_user)
    url = reverse(f"admin:projects_{model._meta.model_name}_changelist")
    ws = athena.workstreams.first()

    @rollups.batch(everything=True)  # set-up data in bulk: the rollups rebuilt once, at the end
    def grow(n):
        for i in range(n):
            if model is Milestone:
                Milestone.objects.create(workstream=ws, title=f"m{i}", due_date="2025-05-01")
            elif model is Deliverable:
                Deliverable.objects.create(workstream=ws, title=f"d{i}", due_date="2025-05-01")
            elif model is Indicator:
                Indicator.objects.create(
                    project=athena,
                    key=f"k{Indicator.objects.count()}",
                    label="k",
                    target=1,
                    metric="milestones_reached",
                )
            else:
                Project.objects.create(
                    code=f"P{Project.objects.count()}",
                    name="p",
                    funding_programme="f",
                    start_date="2025-01-01",
                    end_date="2025-12-31",
                )

    client.get(url)
    grow(2)
    small = count_queries(lambda: get_ok(client, url))
    grow(20)
    assert count_queries(lambda: get_ok(client, url)) == small


# --- the admin writes through the services ---------------------------------------------------------------------------

PORTAL_APPS = {"projects", "conferences", "operations", "imobex", "reporting"}


def test_every_admin_of_the_portal_writes_through_the_services():
    portal = [m for m in admin.site._registry if m._meta.app_label in PORTAL_APPS or m is get_user_model()]
    assert len(portal) > 30
    assert [m._meta.label for m in portal if not isinstance(admin.site._registry[m], ServiceAdminMixin)] == []


def _trail(obj) -> list[tuple]:
    events = AuditEvent.objects.filter(object_type=obj._meta.label, object_id=str(obj.pk)).order_by("pk")
    return list(events.values_list("action", "user__username", "details"))


def _post(client, url, data):
    response = client.post(url, data)
    assert response.status_code == 302, response.context and response.context["adminform"].form.errors
    return response


def _organisation(name: str) -> Organisation:
    return Organisation.objects.create(name=name, kind=Organisation.Kind.LAW_ENFORCEMENT)


def test_a_record_added_in_the_admin_is_in_the_audit_trail(client_for, admin_user):
    client = client_for(admin_user)
    url = reverse("admin:projects_organisation_add")
    data = admin_form_data(get_ok(client, url))
    data.update(name="Border Police Academy", acronym="BPA", kind="law_enforcement")
    _post(client, url, data)
    assert _trail(Organisation.objects.get(acronym="BPA")) == [("create", "admin", {})]


def test_a_record_changed_in_the_admin_records_which_fields_changed(client_for, admin_user):
    organisation = _organisation("Police Academy")
    client = client_for(admin_user)
    url = reverse("admin:projects_organisation_change", args=[organisation.pk])
    data = admin_form_data(get_ok(client, url))
    data.update(name="Border Police Academy", acronym="BPA")
    _post(client, url, data)
    assert _trail(organisation) == [("change", "admin", {"fields": ["acronym", "name"]})]


def test_a_record_deleted_in_the_admin_is_in_the_audit_trail(client_for, admin_user):
    organisation = _organisation("Police Academy")
    url = reverse("admin:projects_organisation_delete", args=[organisation.pk])
    _post(client_for(admin_user), url, {"post": "yes"})
    assert not Organisation.objects.filter(pk=organisation.pk).exists()
    assert _trail(organisation) == [("delete", "admin", {})]


def test_the_bulk_delete_action_records_every_record_it_deletes(client_for, admin_user):
    first, second = _organisation("Academy one"), _organisation("Academy two")
    url = reverse("admin:projects_organisation_changelist")
    data = {"action": "delete_selected", "_selected_action": [first.pk, second.pk], "post": "yes"}
    _post(client_for(admin_user), url, data)
    assert not Organisation.objects.filter(pk__in=[first.pk, second.pk]).exists()
    assert _trail(first) == _trail(second) == [("delete", "admin", {})]


def test_the_rows_of_an_inline_are_recorded_with_their_project(client_for, admin_user, athena):
    indicator = athena.indicators.first()
    client = client_for(admin_user)
    url = reverse("admin:projects_indicator_change", args=[indicator.pk])
    data = admin_form_data(get_ok(client, url))
    rows = int(data["period_targets-TOTAL_FORMS"])
    data["period_targets-TOTAL_FORMS"] = str(rows + 1)
    data.update({f"period_targets-{rows}-due_date": "2026-06-30", f"period_targets-{rows}-target": "7"})
    _post(client, url, data)
    target = IndicatorTarget.objects.get(indicator=indicator, due_date="2026-06-30")
    assert _trail(target) == [("create", "admin", {})]
    assert AuditEvent.objects.get(object_type="projects.IndicatorTarget").project == athena


def test_a_milestone_reached_in_the_admin_is_a_transition_of_its_service(client_for, admin_user, athena):
    milestone = Milestone.objects.filter(workstream__project=athena, status="pending").first()
    client = client_for(admin_user)
    url = reverse("admin:projects_milestone_change", args=[milestone.pk])
    data = admin_form_data(get_ok(client, url))
    data.update(title="Renamed", status="reached", reached_on="2025-03-01")
    _post(client, url, data)
    milestone.refresh_from_db()
    assert (milestone.title, milestone.status, str(milestone.reached_on)) == ("Renamed", "reached", "2025-03-01")
    assert _trail(milestone) == [
        ("change", "admin", {"fields": ["title"]}),
        ("transition", "admin", {"status": ["pending", "reached"], "reached_on": [None, "2025-03-01"]}),
    ]


def test_a_task_changed_in_the_admin_goes_through_the_task_service(client_for, admin_user, athena):
    task = Task.objects.create(workstream=athena.workstreams.first(), title="Draft the handbook", due_date="2025-05-01")
    client = client_for(admin_user)
    url = reverse("admin:projects_task_change", args=[task.pk])
    data = admin_form_data(get_ok(client, url))
    data.update(status="done")
    _post(client, url, data)
    task.refresh_from_db()
    # the model's rule, applied by task_update, on the admin's day (the request runs in the user's time zone: after
    # 22:00 UTC it is already tomorrow in Bucharest)
    zone = zoneinfo.ZoneInfo(settings.PORTAL_DEFAULT_USER_TIME_ZONE)
    assert task.completed_on == timezone.localdate(timezone=zone)
    assert _trail(task) == [("change", "admin", {"status": ["todo", "done"]})]  # task_update's record of it


def test_every_change_page_saves_as_it_is_through_the_services(client_for, admin_user, demo_data, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    client = client_for(admin_user)
    refused = {}
    for model in MODELS:
        opts = model._meta
        if (opts.app_label not in PORTAL_APPS and model is not get_user_model()) or opts.label in READ_ONLY:
            continue
        url = reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[_an_instance(model).pk])
        response = client.post(url, admin_form_data(get_ok(client, url)))
        if response.status_code != 302:
            context = response.context or {}
            form = context.get("adminform")
            formsets = context.get("inline_admin_formsets", [])
            refused[opts.label] = (
                response.status_code,
                form and form.form.errors,
                [inline.formset.errors for inline in formsets],
            )
    assert refused == {}
