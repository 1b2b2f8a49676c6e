"""The user's own account: changing the password (allauth's form, in the portal's layout)."""

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
        {"oldpassword": PASSWORD, "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
        follow=True,
    )
    assert "Password successfully changed" in response.content.decode()
    staff.refresh_from_db()
    assert staff.check_password(NEW_PASSWORD) and not staff.check_password(PASSWORD)
    assert get_ok(client, "/").status_code == 200  # still logged in after the change


def test_a_wrong_current_password_changes_nothing(client_for, staff):
    response = client_for(staff).post(
        "/account/password/",
        {"oldpassword": "not-it", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )
    assert response.status_code == 200 and "oldpassword" in response.context["form"].errors
    staff.refresh_from_db()
    assert staff.check_password(PASSWORD)


def test_the_settings_page_links_to_the_password_change(client_for, staff):
    page = get_ok(client_for(staff), "/account/").content.decode()
    assert 'data-testid="password-change-link"' in page and 'href="/account/password/"' in page


def test_the_password_change_needs_a_login_and_the_login_page_offers_a_reset_by_e_mail(client):
    response = client.get("/account/password/")
    assert response.status_code == 302 and "/login/" in response.url
    login = client.get("/login/").content.decode()
    assert 'href="/accounts/password/reset/"' in login  # accounts.tests: the link is time-limited and single-use
