"""Error pages 400, 403, 404 and 500 in the portal's look, with nothing internal shown (DEBUG off)."""

import pytest
from django.core.exceptions import PermissionDenied, SuspiciousOperation
from django.http import Http404
from django.test import Client, RequestFactory
from django.urls import include, path
from django.views.defaults import server_error

SECRET = "internal-detail-4711"  # in every exception below; never on a page


def _raise(exception):
    def view(request):
        raise exception

    return view


urlpatterns = [
    path("broken/400/", _raise(SuspiciousOperation(SECRET))),
    path("broken/403/", _raise(PermissionDenied(SECRET))),
    path("broken/404/", _raise(Http404(SECRET))),
    path("broken/500/", _raise(RuntimeError(SECRET))),
    path("", include("selec_portal.urls")),
]

pytestmark = pytest.mark.urls(__name__)


@pytest.fixture(autouse=True)
def no_debug(settings):
    settings.DEBUG = False


def _assert_portal_page(response, status: int, title: str) -> str:
    assert response.status_code == status
    page = response.content.decode()
    assert "vendor/bootstrap/bootstrap.min.css" in page and "SELEC portal" in page  # the portal's look
    assert f">{title}</h1>" in page
    assert "Back to the portfolio" in page
    for internal in (SECRET, "Traceback", "DEBUG", "Django"):
        assert internal not in page, internal
    return page


@pytest.mark.parametrize(
    ("status", "title"), [(400, "Bad request"), (403, "Not allowed"), (404, "Not found"), (500, "Something went wrong")]
)
def test_each_error_page_is_in_the_portals_look_and_shows_nothing_internal(status, title, client_for, staff):
    client = client_for(staff)
    client.raise_request_exception = False
    _assert_portal_page(client.get(f"/broken/{status}/"), status, title)


def test_a_wrong_host_gets_the_portals_400_page(client, db):
    page = _assert_portal_page(client.get("/login/", HTTP_HOST="evil.example"), 400, "Bad request")
    assert "evil.example" not in page


def test_a_missing_page_and_a_refused_action_get_the_portals_pages(client_for, viewer, athena):
    client = client_for(viewer)
    _assert_portal_page(client.get("/projects/NO-SUCH-PROJECT/"), 404, "Not found")
    _assert_portal_page(client.get("/admin/"), 403, "Not allowed")


def test_a_form_without_its_security_token_gets_the_portals_403_page(staff):
    client = Client(enforce_csrf_checks=True)
    client.force_login(staff)
    page = _assert_portal_page(client.post("/logout/"), 403, "Form expired")
    assert "CSRF cookie" not in page and "verification failed" not in page  # Django's reason, internal


def test_the_500_page_needs_no_request_context_and_no_database():
    """pytest-django refuses database access in a test without the `db` fixture: the page must not need it."""
    response = server_error(RequestFactory().get("/"))
    assert response.status_code == 500
    page = response.content.decode()
    assert 'href="/static/vendor/bootstrap/bootstrap.min.css"' in page and "Something went wrong" in page
