import pytest
from django.contrib import admin
from django.contrib.auth.models import Group
from django.urls import reverse

from projects.models import AuditEvent, BackgroundJob, Country, Deliverable, Indicator, Milestone, Person, Project
from projects.services import audit_log
from tests.utils import count_queries, get_ok

MODELS = [model for model in admin.site._registry if model._meta.app_label in ("projects", "auth")]


def _an_instance(model):
    if model is Group and not Group.objects.exists():
        Group.objects.create(name="Auditors")
    if model is AuditEvent and not AuditEvent.objects.exists():
        audit_log(user=None, action="view", obj=Project.objects.first())
    if model is BackgroundJob and not BackgroundJob.objects.exists():
        BackgroundJob.objects.create(kind="report", title="A report", project=Project.objects.first())
    if model is Person and not Person.objects.exists():
        Person.objects.create(name="Ana Popescu", country=Country.objects.get(code="RO"))
    return model._default_manager.order_by("pk").first()


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m._meta.label)
def test_admin_pages_of_every_model_open(client_for, admin_user, demo_data, model):
    client = client_for(admin_user)
    opts = model._meta
    get_ok(client, reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist"))
    get_ok(client, reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist") + "?q=a")
    add_url = reverse(f"admin:{opts.app_label}_{opts.model_name}_add")
    if model is AuditEvent:  # the audit trail is read-only, even for admins
        assert client.get(add_url).status_code == 403
    else:
        get_ok(client, add_url)
    instance = _an_instance(model)
    assert instance is not None, f"no {opts.label} to open"
    get_ok(client, reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[instance.pk]))


def test_every_model_of_the_core_is_in_the_admin():
    from django.apps import apps

    missing = [m._meta.label for m in apps.get_app_config("projects").get_models() if m not in admin.site._registry]
    assert missing == []


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
    assert response.status_code == 302


@pytest.mark.parametrize("model", [Milestone, Deliverable, Indicator, Project])
def test_admin_changelists_do_not_slow_down_as_tables_grow(client_for, admin_user, athena, model):
    client = client_for(admin_user)
    url = reverse(f"admin:projects_{model._meta.model_name}_changelist")
    ws = athena.workstreams.first()

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
