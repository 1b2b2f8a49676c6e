"""The user's own account: changing the password, and the small things every page needs (the favicon)."""

from django.contrib.staticfiles import finders

from tests.conftest import PASSWORD
from tests.utils import get_ok

NEW_PASSWORD = "a-new-and-longer-passphrase-2026"


def test_a_user_changes_their_password_from_the_user_menu(client_for, staff, client):
    page = get_ok(client_for(staff), "/").content.decode()
    assert 'href="/account/password/"' in page  # in the user menu of every page
    form = get_ok(client, "/account/password/").content.decode()
    assert 'data-testid="password-change-form"' in form and "SELEC portal" in form  # the portal's own layout
    response = client.post(
        "/account/password/",
        {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
        follow=True,
    )
    assert 'data-testid="password-changed"' in response.content.decode()
    staff.refresh_from_db()
    assert staff.check_password(NEW_PASSWORD) and not staff.check_password(PASSWORD)
    assert get_ok(client, "/").status_code == 200  # still logged in after the change


def test_a_wrong_current_password_changes_nothing(client_for, staff):
    response = client_for(staff).post(
        "/account/password/",
        {"old_password": "not-it", "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert response.status_code == 200 and "old_password" in response.context["form"].errors
    staff.refresh_from_db()
    assert staff.check_password(PASSWORD)


def test_the_settings_page_links_to_the_password_change(client_for, staff):
    page = get_ok(client_for(staff), "/account/").content.decode()
    assert 'data-testid="password-change-link"' in page and 'href="/account/password/"' in page


def test_the_password_change_needs_a_login_and_the_login_page_offers_no_reset_by_e_mail(client):
    response = client.get("/account/password/")
    assert response.status_code == 302 and "/login/" in response.url
    login = client.get("/login/").content.decode().lower()
    assert "reset" not in login and "forgot" not in login


def test_every_page_names_the_vendored_favicon_and_favicon_ico_leads_to_it(client_for, staff, client):
    page = get_ok(client_for(staff), "/").content.decode()
    assert '<link rel="icon" href="/static/img/favicon.ico"' in page
    path = finders.find("img/favicon.ico")
    assert path is not None
    with open(path, "rb") as icon:
        assert icon.read(4) == b"\x00\x00\x01\x00"  # an ICO file
    client.logout()
    response = client.get("/favicon.ico")
    assert response.status_code == 301 and response.url == "/static/img/favicon.ico"
