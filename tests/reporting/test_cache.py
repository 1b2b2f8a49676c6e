"""The dashboards' cache is invalidated precisely: a save in one project leaves the other projects' cached pages in
place; records of no single project (people, countries, organisations) invalidate every project; a viewer and a
manager never share an entry; and without Redis the pages still answer."""

from __future__ import annotations

from datetime import date
from unittest import mock

import pytest
from django.test import override_settings
from django.utils import translation

from imobex.models import Finding
from projects.models import Country, Membership, Milestone, Person, Workstream
from projects.services import membership_set
from reporting import cache
from tests.conftest import enrol_second_factor, make_user
from tests.utils import count_queries, get_ok

ATHENA_DASHBOARD = "/projects/ATHENA2/dashboard/"
CACHED = 3  # session, user, project: the numbers come from the cache


def _workstream(project) -> Workstream:
    return Workstream.objects.create(project=project, number=90, title="Cache test")


def _milestone(project) -> Milestone:
    return Milestone.objects.create(workstream=_workstream(project), title="Cache test", due_date=date(2026, 1, 1))


def _finding(project) -> Finding:
    return Finding.objects.create(
        project=project, title="Seen", crime_type=Finding.CrimeType.values[0], source="open_source", reliability="A"
    )


def _cached_dashboard_queries(client) -> int:
    return count_queries(lambda: get_ok(client, ATHENA_DASHBOARD))


@pytest.fixture
def athena_dashboard_cached(client_for, manager):
    client = client_for(manager)
    get_ok(client, ATHENA_DASHBOARD)
    assert _cached_dashboard_queries(client) == CACHED
    return client


def test_a_save_in_imobex_leaves_athena2s_cached_dashboard_in_place(athena_dashboard_cached, imobex):
    milestone = _milestone(imobex)
    milestone.title = "Renamed"
    milestone.save()
    _finding(imobex)
    assert _cached_dashboard_queries(athena_dashboard_cached) == CACHED


def test_a_save_in_athena2_invalidates_its_cached_dashboard(athena_dashboard_cached, athena):
    _milestone(athena)
    assert _cached_dashboard_queries(athena_dashboard_cached) > CACHED


def test_a_cascade_delete_costs_one_bump_per_project(athena):
    workstream = _milestone(athena).workstream
    for n in range(20):
        Milestone.objects.create(workstream=workstream, title=f"More {n}", due_date=date(2026, 1, 1))
    cache.cached("k", lambda: "read", projects=[athena.pk], sensitive=True)
    with mock.patch.object(cache, "bump", wraps=cache.bump) as bump:
        Workstream.objects.get(pk=workstream.pk).delete()
    assert bump.call_args_list == [mock.call(athena.pk)]  # now; and once more at the commit


def test_a_save_of_a_record_reached_through_its_parent_finds_its_project(athena_dashboard_cached, athena, imobex):
    # Milestone's project is workstream__project: read from the loaded workstream, or in one query when not loaded.
    ours = _milestone(athena)
    get_ok(athena_dashboard_cached, ATHENA_DASHBOARD)
    theirs = Milestone.objects.get(pk=_milestone(imobex).pk)  # its workstream not loaded
    theirs.save()
    assert _cached_dashboard_queries(athena_dashboard_cached) == CACHED
    Milestone.objects.get(pk=ours.pk).save()
    assert _cached_dashboard_queries(athena_dashboard_cached) > CACHED


def test_a_delete_invalidates_only_its_project_even_through_a_cascade(athena_dashboard_cached, athena, imobex):
    other = _milestone(imobex).workstream
    ours = _milestone(athena).workstream
    get_ok(athena_dashboard_cached, ATHENA_DASHBOARD)
    other.delete()  # deletes its milestone first, whose project is found before the rows go
    assert _cached_dashboard_queries(athena_dashboard_cached) == CACHED
    Milestone.objects.filter(workstream=ours).first().delete()
    assert _cached_dashboard_queries(athena_dashboard_cached) > CACHED


def test_a_change_of_many_to_many_invalidates_the_records_project_only(athena_dashboard_cached, imobex, athena):
    finding = _finding(imobex)
    get_ok(athena_dashboard_cached, ATHENA_DASHBOARD)

    def imobex_value(fresh):
        return cache.cached("k", lambda: fresh, projects=[imobex.pk], sensitive=True)

    imobex_value("before")
    finding.origin_countries.add(Country.objects.get(code="RO"))
    assert imobex_value("after the add") == "after the add"
    Country.objects.get(code="BG").findings_as_origin.add(finding)  # from the other side: the finding's project
    assert imobex_value("after the reverse add") == "after the reverse add"
    assert _cached_dashboard_queries(athena_dashboard_cached) == CACHED


def test_a_record_of_no_single_project_invalidates_every_project(athena_dashboard_cached, selec):
    person = Person.objects.create(name="Counted Everywhere", country=Country.objects.get(code="RO"))
    assert _cached_dashboard_queries(athena_dashboard_cached) > CACHED
    person.name = "Counted Elsewhere"
    person.save()
    assert _cached_dashboard_queries(athena_dashboard_cached) > CACHED


def test_a_viewer_and_a_manager_never_share_an_entry(athena_dashboard_cached, client, viewer):
    client.force_login(viewer)
    assert count_queries(lambda: get_ok(client, ATHENA_DASHBOARD)) > CACHED  # computed for the viewer's class
    assert count_queries(lambda: get_ok(client, ATHENA_DASHBOARD)) == CACHED  # then cached for it


def test_every_key_holds_the_visibility_class_and_the_language(athena):
    computed = []

    def compute(label):
        return lambda: computed.append(label) or label

    assert cache.cached("k", compute("manager"), projects=[athena.pk], sensitive=True) == "manager"
    assert cache.cached("k", compute("viewer"), projects=[athena.pk], sensitive=False) == "viewer"
    assert cache.cached("k", compute("mixed"), projects=[athena.pk], sensitive=frozenset()) == "mixed"
    with translation.override("fr"):
        assert cache.cached("k", compute("french"), projects=[athena.pk], sensitive=True) == "french"
    assert cache.cached("k", compute("again"), projects=[athena.pk], sensitive=True) == "manager"
    assert computed == ["manager", "viewer", "mixed", "french"]


def test_the_portfolio_keys_on_the_versions_of_the_projects_it_shows(db, athena, imobex, selec):
    dtp = selec["DTP-TOC"]
    both, athena_only = [athena.pk, imobex.pk], [athena.pk, dtp.pk]
    cache.cached("portfolio", lambda: "both", projects=both, sensitive=False)
    cache.cached("portfolio", lambda: "athena", projects=athena_only, sensitive=False)
    _milestone(imobex)
    assert cache.cached("portfolio", lambda: "both, recomputed", projects=both, sensitive=False) == "both, recomputed"
    assert cache.cached("portfolio", lambda: "athena, recomputed", projects=athena_only, sensitive=False) == "athena"


def test_a_value_computed_between_the_save_and_the_commit_is_dropped_at_the_commit(
    athena, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        _milestone(athena)
        # another request, reading the data before this transaction commits, caches the old numbers
        assert cache.cached("k", lambda: "old", projects=[athena.pk], sensitive=True) == "old"
    for callback in callbacks:
        callback()
    assert cache.cached("k", lambda: "new", projects=[athena.pk], sensitive=True) == "new"


UNREACHABLE = {
    "default": {
        "BACKEND": "selec_portal.cache.ResilientRedisCache",
        "LOCATION": "redis://127.0.0.1:1/0",
        "OPTIONS": {"socket_connect_timeout": 0.2, "socket_timeout": 0.2},
    }
}


def test_without_redis_the_dashboard_and_the_portfolio_are_computed_and_saves_still_work(
    client_for, manager, athena, django_user_model
):
    with override_settings(CACHES=UNREACHABLE):
        client = client_for(manager)
        page = get_ok(client, ATHENA_DASHBOARD).content.decode()
        assert "ATHENA" in page
        assert count_queries(lambda: get_ok(client, ATHENA_DASHBOARD)) > CACHED  # nothing cached, computed again
        get_ok(client, "/")
        _milestone(athena)  # the save bumps a version it cannot store: no error
        other = enrol_second_factor(make_user(django_user_model, "other-manager"))
        membership_set(user=other, project=athena, role=Membership.Role.MANAGER)
        get_ok(client_for(other), ATHENA_DASHBOARD)
