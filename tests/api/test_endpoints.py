"""GET /api/v1/projects/ and /api/v1/projects/{code}/: the pages' access rule and numbers, cursor pages, ETags,
rate limits and problem details."""

from datetime import timedelta

import pytest
from django.test import override_settings
from django.utils import timezone

from projects.models import Indicator, Project
from projects.services import membership_set
from reporting.queries import project_dashboard
from tests.utils import count_queries

pytestmark = pytest.mark.django_db
LIST = "/api/v1/projects/"


def codes(response) -> list[str]:
    return [p["code"] for p in response.json()["results"]]


def test_the_list_holds_the_projects_of_the_portfolio(api_client, staff, outsider, admin_user, selec):
    assert codes(api_client(staff).get(LIST)) == ["ATHENA2"]
    assert codes(api_client(outsider).get(LIST)) == ["IMOBEX"]
    assert codes(api_client(admin_user).get(LIST)) == sorted(selec)


def test_the_list_says_the_users_role_and_where_to_read_more(api_client, viewer, athena):
    [project] = api_client(viewer).get(LIST).json()["results"]
    assert project["role"] == "viewer"
    assert project["url"] == "http://testserver/api/v1/projects/ATHENA2/"


@pytest.mark.parametrize("user", ["viewer", "staff", "manager", "admin_user"])
def test_a_member_reads_a_project_with_the_dashboards_numbers(api_client, user, request, demo_data):
    user = request.getfixturevalue(user)
    response = api_client(user).get("/api/v1/projects/ATHENA2/")
    assert response.status_code == 200
    body = response.json()
    athena = Project.objects.get(code="ATHENA2")
    athena.user_role = body["role"]
    dashboard = project_dashboard(athena, today=timezone.localdate())["rows"]
    assert [(i["key"], i["achieved"], i["target"], i["percent"]) for i in body["indicators"]] == [
        (row.key, row.cumulative, row.target, row.percent) for row in dashboard
    ]
    assert any(i["achieved"] for i in body["indicators"])  # the demo data counts toward something


def test_a_project_outside_ones_projects_is_not_found(api_client, outsider, athena):
    response = api_client(outsider).get("/api/v1/projects/ATHENA2/")
    assert response.status_code == 404
    body = response.json()
    assert set(body) == {"type", "title", "status", "detail", "instance"}
    assert (body["type"], body["title"], body["status"]) == ("about:blank", "Not Found", 404)
    assert body["detail"] and body["instance"] == "/api/v1/projects/ATHENA2/"
    assert response["Content-Type"] == "application/problem+json"


def test_an_unknown_address_under_the_api_is_a_problem_not_a_page(api_client, staff, client):
    for answer in (api_client(staff).get("/api/v1/nothing/"), client.get("/api/v2/projects/")):
        assert answer.status_code == 404
        assert answer["Content-Type"] == "application/problem+json"
        assert answer.json()["status"] == 404


def test_a_method_the_endpoint_does_not_have_is_a_405_problem(api_client, staff, athena):
    response = api_client(staff, scope="write").delete("/api/v1/projects/ATHENA2/")
    assert response.status_code == 405
    body = response.json()
    assert body["title"] == "Method Not Allowed" and body["status"] == 405 and "DELETE" in body["detail"]
    assert body["instance"] == "/api/v1/projects/ATHENA2/"


def test_pages_follow_a_cursor_in_code_order(api_client, admin_user, selec):
    client, seen, url = api_client(admin_user), [], LIST + "?page_size=1"
    while url:
        body = client.get(url).json()
        assert len(body["results"]) <= 1
        seen += [p["code"] for p in body["results"]]
        url = body["next"]
    assert seen == sorted(selec)


def test_an_unchanged_answer_costs_a_304(api_client, staff, athena):
    client = api_client(staff)
    first = client.get(LIST)
    etag = first["ETag"]
    assert etag.startswith('"') and "Authorization" in first["Vary"]

    again = client.get(LIST, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b"" and again["ETag"] == etag

    Project.objects.filter(code="ATHENA2").update(name="ATHENA 2, renamed")
    changed = client.get(LIST, headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed["ETag"] != etag


def test_a_detail_carries_an_etag_too(api_client, staff, athena):
    client = api_client(staff)
    etag = client.get("/api/v1/projects/ATHENA2/")["ETag"]
    assert client.get("/api/v1/projects/ATHENA2/", headers={"If-None-Match": etag}).status_code == 304


@override_settings(PORTAL_API_RATE="3/minute")
def test_too_many_requests_get_429_with_retry_after_per_token(api_client, staff, viewer, athena):
    client = api_client(staff)
    assert [client.get(LIST).status_code for _ in range(3)] == [200, 200, 200]
    refused = client.get(LIST)
    assert refused.status_code == 429
    assert 0 < int(refused["Retry-After"]) <= 60
    assert refused["Content-Type"] == "application/problem+json"
    assert refused.json()["status"] == 429 and refused.json()["title"] == "Too Many Requests"
    assert api_client(staff).get(LIST).status_code == 200  # another token of the same user counts on its own
    assert api_client(viewer).get(LIST).status_code == 200


def test_the_list_runs_the_same_queries_however_many_projects(api_client, admin_user, staff, selec):
    client = api_client(staff)
    client.get(LIST)  # last_used_at written
    before = count_queries(lambda: client.get(LIST))
    today = timezone.localdate()
    for n in range(30):
        project = Project.objects.create(
            code=f"GROW{n:02}", name=f"Grown {n}", funding_programme="Test",
            start_date=today, end_date=today + timedelta(days=365),
        )  # fmt: skip
        membership_set(user=staff, project=project, role="staff")
        Indicator.objects.create(project=project, key=f"k{n}", label="x", metric="officers_involved", target=5)
    response = client.get(LIST)
    assert len(response.json()["results"]) == 31
    assert count_queries(lambda: client.get(LIST)) == before <= 4


def test_the_detail_runs_a_bounded_number_of_queries(api_client, staff, demo_data):
    client = api_client(staff)
    client.get("/api/v1/projects/ATHENA2/")
    assert count_queries(lambda: client.get("/api/v1/projects/ATHENA2/")) <= 8
