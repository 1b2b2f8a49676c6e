"""The Django admin is for superusers only (`selec_portal.admin.PortalAdminSite`): `is_staff` opens nothing."""

import pytest
from django.contrib import admin
from django.contrib.auth.models import Permission
from django.urls import reverse

from selec_portal.admin import PortalAdminSite
from tests.conftest import PASSWORD, make_user
from tests.utils import get_ok

ADMIN_MARK = "SELEC portal administration"  # the admin's header, on every admin page


@pytest.fixture
def django_staff(django_user_model, athena):
    """Staff status and every model permission, but no superuser flag."""
    user = make_user(django_user_model, "django-staff", is_staff=True)
    user.user_permissions.set(Permission.objects.all())
    return user


def _admin_urls(project) -> list[str]:
    return [
        reverse("admin:index"),
        reverse("admin:projects_project_changelist"),
        reverse("admin:projects_project_change", args=[project.pk]),
        reverse("admin:projects_project_add"),
        reverse("admin:app_list", args=["projects"]),
        reverse("admin:auth_user_changelist"),
        reverse("admin:password_change"),  # sends superusers to the portal's own form
        reverse("admin:login"),
        "/admin/no/such/page/",
    ]


def test_every_registration_is_on_the_portal_site():
    assert isinstance(admin.site, PortalAdminSite)
    assert admin.site._registry  # the apps' admin.py registered on it


def test_staff_without_superuser_flag_gets_no_admin_page(client_for, django_staff, athena):
    client = client_for(django_staff)
    for url in _admin_urls(athena):
        response = client.get(url)
        assert response.status_code == 403, url
        page = response.content.decode()
        assert ADMIN_MARK not in page and "Not allowed" in page, url  # the portal's 403 page


def test_staff_without_superuser_flag_cannot_change_anything_in_the_admin(client_for, django_staff, athena):
    url = reverse("admin:projects_project_change", args=[athena.pk])
    response = client_for(django_staff).post(url, {"code": athena.code, "name": "Renamed by staff"})
    assert response.status_code == 403
    athena.refresh_from_db()
    assert athena.name != "Renamed by staff"
    response = client_for(django_staff).post(reverse("admin:logout"))
    assert response.status_code == 403


def test_a_project_manager_gets_no_admin_page(client_for, manager, athena):
    for url in _admin_urls(athena):
        assert client_for(manager).get(url).status_code == 403, url


def test_the_admin_has_no_login_form_of_its_own(client, django_staff):
    response = client.get(reverse("admin:index"), follow=True)
    assert response.redirect_chain[-1][0] == "/login/?next=/admin/"
    assert ADMIN_MARK not in response.content.decode()

    response = client.post(reverse("admin:login"), {"username": "django-staff", "password": PASSWORD})
    assert response.status_code == 302 and response.url.startswith("/login/")
    assert "_auth_user_id" not in client.session


def test_staff_logging_in_through_the_portal_for_the_admin_is_refused(client, django_staff):
    response = client.post("/login/?next=/admin/", {"login": "django-staff", "password": PASSWORD}, follow=True)
    assert response.redirect_chain[-1][0] == "/admin/"
    assert response.status_code == 403
    assert ADMIN_MARK not in response.content.decode()


def test_a_superuser_uses_the_admin(client_for, admin_user, athena):
    client = client_for(admin_user)
    for url in _admin_urls(athena)[:-3]:
        assert ADMIN_MARK in get_ok(client, url).content.decode(), url
    assert client.get(reverse("admin:password_change")).url == "/account/password/"  # one way to change it
    assert client.get(reverse("admin:login")).url == reverse("admin:index")


def test_a_superuser_logs_in_through_the_portal_and_reaches_the_admin(client, admin_user):
    from accounts.forms import totp_current_code
    from tests.conftest import TOTP_SECRET

    response = client.post("/login/?next=/admin/", {"login": "admin", "password": PASSWORD}, follow=True)
    assert "/accounts/2fa/authenticate/" in response.redirect_chain[-1][0]  # an admin's second factor
    response = client.post(response.redirect_chain[-1][0], {"code": totp_current_code(TOTP_SECRET)}, follow=True)
    assert response.redirect_chain[-1][0] == "/admin/"
    assert ADMIN_MARK in response.content.decode()
