"""The IMOBEX app as a whole: its metrics, demo data and admin."""

import random
from datetime import date, timedelta

import pytest
from django.contrib import admin
from django.urls import reverse

from imobex import demo
from imobex.models import CountryCoverage, Finding, RoadMapVersion
from projects.models import AuditEvent, Deliverable
from projects.queries import indicator_progress
from projects.registry import registry
from tests.utils import admin_form_data, count_queries, get_ok

State = CountryCoverage.State
MODELS = [model for model in admin.site._registry if model._meta.app_label == "imobex"]


def test_the_app_registers_its_two_metrics():
    assert registry.metric("countries_covered").app_label == "imobex"
    assert registry.metric("road_maps").app_label == "imobex"


def test_every_model_of_the_app_is_in_the_admin():
    from django.apps import apps

    assert len(MODELS) == 7
    assert [m for m in apps.get_app_config("imobex").get_models() if m not in admin.site._registry] == []


def _snapshot(project):
    return (
        list(
            CountryCoverage.objects.filter(project=project)
            .order_by("country__code")
            .values_list("state", "validated_on")
        ),
        list(Finding.objects.filter(project=project).order_by("pk").values_list("crime_type", "source", "reliability")),
        list(RoadMapVersion.objects.order_by("number").values_list("number", "status")),
    )


def test_the_seeder_is_deterministic_and_idempotent(imobex):
    args = {"activities": 200, "rng": None, "today": date(2023, 6, 1)}
    first = demo.seed(**(args | {"rng": random.Random("imobex:200")}))
    snapshot = _snapshot(imobex)
    second = demo.seed(**(args | {"rng": random.Random("imobex:200")}))
    assert first == second
    assert first["findings"] == 20 and first["road-map versions"] == 2
    assert CountryCoverage.objects.filter(project=imobex).count() == 34
    assert _snapshot(imobex) == snapshot


def test_the_seeded_records_feed_the_indicators(imobex, imobex_demo):
    values = {p.key: p.achieved for p in indicator_progress([imobex])[imobex.pk]}
    assert values["countries_covered"] == imobex_demo["countries covered"] > 0
    assert values["road_maps"] == 1


def test_the_seeded_road_map_deliverable_is_approved_with_its_approved_version(imobex):
    deliverable = Deliverable.objects.get(workstream__project=imobex, title__istartswith="road map")
    Deliverable.objects.filter(pk=deliverable.pk).update(status="submitted", delivered_on=deliverable.due_date)
    demo.seed(activities=120, rng=random.Random("imobex:test"), today=date(2023, 6, 1))
    deliverable.refresh_from_db()
    approved = RoadMapVersion.objects.get(road_map__project=imobex, status="approved")
    assert (deliverable.status, deliverable.delivered_on) == ("approved", approved.approved_on)
    assert deliverable.evidence.name == approved.document.name
    assert not deliverable.is_overdue


def test_seeded_coverage_dates_are_in_order_and_within_the_project(imobex):
    demo.seed(activities=120, rng=random.Random("imobex:test"), today=date(2023, 6, 1))
    rows = list(CountryCoverage.objects.filter(project=imobex).select_related("project"))
    assert rows
    for row in rows:
        row.full_clean()  # raises on dates out of order or before the project started
    validated = [row for row in rows if row.state == State.VALIDATED]
    assert all(row.requested_on <= row.received_on <= row.validated_on for row in validated)


def test_the_seeder_scales_with_bulk_inserts(imobex):
    queries = count_queries(lambda: demo.seed(activities=20_000, rng=random.Random("x"), today=date(2023, 6, 1)))
    assert Finding.objects.filter(project=imobex).count() == 2000
    assert queries < 150  # the same whatever N: bulk inserts, never one query per finding


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m._meta.label)
def test_admin_pages_of_every_model_open(client_for, admin_user, imobex_demo, model):
    client = client_for(admin_user)
    opts = model._meta
    changelist = reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")
    get_ok(client, changelist)
    get_ok(client, changelist + "?q=a")
    get_ok(client, reverse(f"admin:{opts.app_label}_{opts.model_name}_add"))
    instance = model._default_manager.order_by("pk").first()
    assert instance is not None, f"no {opts.label} to open"
    get_ok(client, reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[instance.pk]))


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m._meta.label)
def test_admin_changelists_do_not_slow_down_as_tables_grow(client_for, admin_user, imobex, model):
    client = client_for(admin_user)
    url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
    demo.seed(activities=20, rng=random.Random("a"), today=date(2023, 6, 1))
    client.get(url)
    small = count_queries(lambda: get_ok(client, url))
    demo.seed(activities=400, rng=random.Random("b"), today=date(2023, 6, 1))
    assert count_queries(lambda: get_ok(client, url)) == small


def test_the_monthly_series_add_up_to_the_metrics(imobex, imobex_demo):
    """Burn-up charts: the months up to m sum to the metric's value at the end of m."""
    for key in ("countries_covered", "road_maps"):
        compute, monthly = registry.metric(key).values, registry.metric(key).monthly_values
        months = monthly([imobex.pk])[imobex.pk]
        assert sum(months.values()) == compute([imobex.pk], None)[imobex.pk]
        last = max(months)
        before = {m: n for m, n in months.items() if m < last}
        assert sum(before.values()) == compute([imobex.pk], last - timedelta(days=1)).get(imobex.pk, 0)


def test_countries_covered_is_split_by_country(imobex, imobex_demo):

    split = registry.breakdown("countries_covered", "country").compute([imobex.pk], None)[imobex.pk]
    assert len(split) == imobex_demo["countries covered"]
    assert set(split.values()) == {1} and all(len(code) == 2 for code in split)


def test_a_country_s_coverage_edited_in_the_admin_moves_through_the_coverage_service(
    client_for, admin_user, imobex, countries
):
    client = client_for(admin_user)
    url = reverse("admin:imobex_countrycoverage_add")
    data = admin_form_data(get_ok(client, url))
    data.update(project=str(imobex.pk), country=str(countries["RO"].pk), state="received", state_date="2022-05-02")
    data.update(source="questionnaire")
    response = client.post(url, data)
    assert response.status_code == 200
    assert "A country cannot go from “Not started” to “Received”." in response.content.decode()
    assert not CountryCoverage.objects.exists()
    data.update(state="requested")
    assert client.post(url, data).status_code == 302
    coverage = CountryCoverage.objects.get(project=imobex, country=countries["RO"])
    assert (coverage.state, coverage.requested_on) == ("requested", date(2022, 5, 2))  # the move keeps its date
    transition = AuditEvent.objects.get(object_type="imobex.CountryCoverage", object_id=str(coverage.pk))
    assert (transition.action, transition.details["from"], transition.details["to"]) == (
        "transition",
        "not_started",
        "requested",
    )
