"""The one registry of contributions: each app plugs in through its `contributions.py`, exactly once."""

import importlib

import pytest
from django.apps import apps
from django.core.exceptions import ImproperlyConfigured

from projects.checks import check_database_metrics, check_reference_metrics
from projects.models import Indicator
from projects.registry import Contributions, Metric, PeopleSource, PortfolioPanel, Section, registry

APPS_WITH_CONTRIBUTIONS = ["accounts", "api", "conferences", "imobex", "operations", "projects", "reporting"]


def _contributions_of(label: str) -> Contributions:
    return importlib.import_module(f"{apps.get_app_config(label).name}.contributions").CONTRIBUTIONS


def test_every_app_of_the_portal_registers_its_contributions_exactly_once():
    assert sorted(registry.apps()) == APPS_WITH_CONTRIBUTIONS
    for label in APPS_WITH_CONTRIBUTIONS:
        contributions = _contributions_of(label)
        assert registry.apps()[label] is contributions
        for kind, item in contributions.items(label):
            assert registry.app_of(kind, item.key) == label, (label, kind, item.key)
    with pytest.raises(ImproperlyConfigured, match="already registered"):
        registry.register_app(apps.get_app_config("operations"))


def test_every_contributed_item_is_owned_by_one_app():
    owners: dict[tuple[str, str], str] = {}
    for label in APPS_WITH_CONTRIBUTIONS:
        for kind, item in _contributions_of(label).items(label):
            assert (kind, item.key) not in owners, f"{kind} {item.key} of {label} and {owners[(kind, item.key)]}"
            owners[(kind, item.key)] = label


def test_a_key_taken_by_another_app_is_refused_and_nothing_of_the_app_is_registered():
    taken = Section("timeline", label="Mine", url_name="projects:timeline")
    fresh = Section("tests-fresh", label="Fresh", url_name="projects:timeline")
    with pytest.raises(ImproperlyConfigured, match="'timeline'.*already registered by 'projects'"):
        registry.register("tests", Contributions(sections=[fresh, taken]))
    assert "tests" not in registry.apps()
    assert registry.app_of("sections", "tests-fresh") is None


def test_contributions_registered_for_a_block_are_gone_after_it():
    metric = Metric(key="tests_metric", label="T", compute=lambda ids, until: {})
    with registry.contributed("tests", Contributions(metrics=[metric])):
        assert registry.metric("tests_metric").app_label == "tests"
    assert registry.metric("tests_metric") is None


def test_a_metric_declares_what_it_counts_or_hands_over_its_computation():
    with pytest.raises(ValueError):
        Metric(key="x", label="X")
    with pytest.raises(ValueError):
        Metric(key="x", label="X", records=Indicator.objects.all, compute=lambda ids, until: {})


def test_a_portfolio_panel_fills_only_the_page_slots_that_exist():
    with pytest.raises(ValueError):
        PortfolioPanel("x", extend=lambda *args: {}, templates={"sidebar": "x.html"})


def test_the_system_check_accepts_the_portal_as_it_is():
    assert check_reference_metrics() == []


def test_the_system_check_fails_on_a_registered_metric_no_indicator_uses():
    unused = Metric(key="tests_unused", label="Unused", compute=lambda ids, until: {})
    with registry.contributed("tests", Contributions(metrics=[unused])):
        errors = check_reference_metrics()
    assert [e.id for e in errors] == ["projects.E002"] and "tests_unused" in errors[0].msg


def test_the_system_check_fails_on_a_reference_indicator_whose_metric_no_app_registers(monkeypatch):
    patrols = registry.metric("joint_patrols")
    monkeypatch.delitem(registry._items["metrics"], "joint_patrols")
    errors = check_reference_metrics()
    assert [e.id for e in errors] == ["projects.E001"] and "joint_patrols" in errors[0].msg
    monkeypatch.setitem(registry._items["metrics"], "joint_patrols", patrols)


@pytest.mark.django_db
def test_the_database_check_fails_on_an_indicator_whose_metric_no_app_registers(athena):
    assert check_database_metrics(databases=["default"]) == []
    Indicator.objects.create(project=athena, key="typo", label="Typo", target=1, metric="joint_patrol")
    errors = check_database_metrics(databases=["default"])
    assert [e.id for e in errors] == ["projects.E003"] and "joint_patrol" in errors[0].msg


def test_a_people_source_without_a_date_is_refused():
    with pytest.raises(ValueError):
        PeopleSource(key="x", records=Indicator.objects.all, date="")
