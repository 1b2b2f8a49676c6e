import pytest
from django.urls import reverse

from projects import rollups
from projects.models import Deliverable, Indicator, Milestone, Organisation, Partner, Project, Workstream
from projects.registry import registry
from projects.services import add_months
from tests.utils import count_queries, get_ok


def test_every_page_but_login_needs_a_login(client, selec):
    for url in ("/", "/projects/ATHENA2/", "/account/"):
        response = client.get(url)
        assert response.status_code == 302
        assert response.url.startswith(reverse("login"))
    assert client.get(reverse("login")).status_code == 200


def test_login_with_a_wrong_password_says_so(client, staff):
    response = client.post(reverse("login"), {"login": "staff", "password": "wrong"})
    assert response.status_code == 200
    assert "username and/or password you specified are not correct" in response.content.decode()


@pytest.mark.parametrize("who", ["admin_user", "manager", "staff", "viewer"])
def test_members_of_every_role_open_the_portfolio_and_their_project(request, client_for, who):
    client = client_for(request.getfixturevalue(who))
    portfolio = get_ok(client, "/").content.decode()
    assert "ATHENA 2" in portfolio
    page = get_ok(client, "/projects/ATHENA2/").content.decode()
    assert "Central Directorate of Criminal Police (Italy)" in page
    assert "Joint operational activities" in page
    assert "Cross-border observations" in page


def test_the_portfolio_shows_only_the_users_projects(client_for, outsider):
    page = get_ok(client_for(outsider), "/").content.decode()
    assert 'data-project="IMOBEX"' in page
    assert 'data-project="ATHENA2"' not in page


def test_the_admin_sees_all_three_projects_with_their_targets(client_for, admin_user):
    page = get_ok(client_for(admin_user), "/").content.decode()
    for code in ("DTP-TOC", "ATHENA2", "IMOBEX"):
        assert f'data-project="{code}"' in page
    assert 'aria-valuemax="300"' in page  # officers involved


def test_staff_of_another_project_gets_404(client_for, outsider):
    assert client_for(outsider).get("/projects/ATHENA2/").status_code == 404


def test_an_unknown_project_is_404(client_for, admin_user):
    assert client_for(admin_user).get("/projects/NOPE/").status_code == 404


def test_a_user_without_a_project_is_told_so(client_for, django_user_model, selec):
    loner = django_user_model.objects.create_user(username="loner", password="x")
    assert "not a member of any project" in get_ok(client_for(loner), "/").content.decode()


def test_overdue_milestones_are_marked(client_for, staff, athena):
    ws = athena.workstreams.get(number=1)
    Milestone.objects.create(workstream=ws, title="Long overdue", due_date=athena.start_date)
    page = get_ok(client_for(staff), "/projects/ATHENA2/").content.decode()
    assert "overdue" in page


def test_a_user_changes_their_time_zone(client_for, staff):
    client = client_for(staff)
    response = client.post("/account/", {"time_zone": "Europe/Rome", "organisation": ""}, follow=True)
    assert "Your settings were saved" in response.content.decode()
    assert staff.profile.time_zone == "Europe/Rome"
    assert client.session["time_zone"] == "Europe/Rome"


def test_an_unknown_time_zone_is_refused_next_to_the_field(client_for, staff):
    response = client_for(staff).post("/account/", {"time_zone": "Mars/Olympus", "organisation": ""})
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()


# --- query counts: pinned, and the same when the data grow tenfold -------------------------------------------------


@rollups.batch(everything=True)  # set-up data in bulk: the rollups rebuilt once, at the end
def _grow(project: Project, n: int) -> None:
    """Add n partners, n workstreams with a milestone and a deliverable each."""
    for _ in range(n):
        i = Organisation.objects.count()
        org = Organisation.objects.create(name=f"Agency {project.code} {i}", kind="law_enforcement")
        Partner.objects.create(project=project, organisation=org, role="neighbouring")
        ws = Workstream.objects.create(project=project, number=100 + Workstream.objects.count(), title=f"WS {i}")
        due = add_months(project.start_date, i % 20)
        Milestone.objects.create(workstream=ws, title=f"M {i}", due_date=due)
        Deliverable.objects.create(workstream=ws, title=f"D {i}", due_date=due)


def metric_queries(*projects: Project) -> int:
    """Indicators cost one query for all the metrics the rollups keep, one per other registered metric they use
    (see queries.metric_values)."""
    keys = set(Indicator.objects.filter(project__in=projects).values_list("metric", flat=True))
    registered = {key for key in keys if registry.metric(key) is not None}
    kept = registered & set(rollups.tracked())
    return int(bool(kept)) + len(registered - kept)


# Portfolio: session, user, projects, indicators, plus four queries per timeline source (the reporting app's due and
# overdue lists: milestones, deliverables, reports, and those other apps register; each list costs its exact counts
# and its first items). Project page: session, user,
# project, partners, workstreams, milestones, deliverables, indicators. Both: plus the metrics' values (one query
# for those the rollups keep).
@pytest.mark.parametrize(("url", "expected"), [("/", 4), ("/projects/ATHENA2/", 8)])
def test_page_queries_are_pinned_and_do_not_grow_with_the_data(client_for, manager, athena, url, expected):

    expected += metric_queries(athena) + (2 * 2 if url == "/" else 0)
    client = client_for(manager)
    client.get(url)  # warm up the session and caches
    _grow(athena, 3)
    small = count_queries(lambda: get_ok(client, url))
    _grow(athena, 30)
    large = count_queries(lambda: get_ok(client, url))
    assert small == large == expected
