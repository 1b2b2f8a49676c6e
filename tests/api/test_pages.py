"""Account → API tokens: list one's tokens, create one (shown once), revoke one."""

import re

import pytest
from django.urls import reverse

from api.models import ApiToken
from api.services import token_create
from tests.api.conftest import bearer
from tests.test_csp import inline_code

pytestmark = pytest.mark.django_db
PAGE = "/account/api-tokens/"


def test_the_user_menu_links_to_the_tokens_page(client_for, viewer):
    html = client_for(viewer).get("/").content.decode()
    assert f'href="{PAGE}"' in html and reverse("api:token-list") == PAGE


def test_a_new_token_is_shown_once_and_works(client_for, staff, athena):
    client = client_for(staff)
    response = client.post(PAGE, {"name": "ATHENA 2 app", "scope": "write", "days": "30"})

    assert response.status_code == 200
    html = response.content.decode()
    [plaintext] = re.findall(r'id="new-token-value" type="text" value="(selec_[^"]+)"', html)
    assert "Copy it now: it will not be shown again." in html and 'data-copy="new-token-value"' in html
    token = ApiToken.objects.get(user=staff)
    assert (token.name, token.scope) == ("ATHENA 2 app", "write")
    assert bearer(plaintext).get("/api/v1/projects/").status_code == 200

    again = client.get(PAGE).content.decode()
    assert plaintext not in again and token.prefix in again and "ATHENA 2 app" in again


def test_the_form_says_what_is_wrong(client_for, staff):
    response = client_for(staff).post(PAGE, {"name": "", "scope": "root", "days": "400"})
    assert response.status_code == 200
    form = response.context["form"]
    assert set(form.errors) == {"name", "scope", "days"}
    assert not ApiToken.objects.exists()


def test_the_list_shows_only_ones_own_tokens_with_their_status(client_for, staff, viewer):
    token_create(user=staff, name="Staff token")
    revoked, _ = token_create(user=viewer, name="Viewer old token")
    revoked.revoked_at = revoked.created_at
    revoked.save()
    token_create(user=viewer, name="Viewer token")
    html = client_for(viewer).get(PAGE).content.decode()
    assert "Viewer token" in html and "Viewer old token" in html and "Staff token" not in html
    assert "Revoked" in html and "Active" in html
    assert html.count("data-confirm=") == 1  # only the active token can be revoked
    assert inline_code(html) == []


def test_revoking_asks_first_and_refuses_the_token_afterwards(client_for, staff):
    token, plaintext = token_create(user=staff, name="Lost phone")
    client = client_for(staff)
    assert f'action="/account/api-tokens/{token.pk}/revoke/"' in client.get(PAGE).content.decode()

    response = client.post(reverse("api:token-revoke", args=[token.pk]))
    assert response.status_code == 302 and response["Location"] == PAGE
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert bearer(plaintext).get("/api/v1/projects/").status_code == 401


def test_nobody_revokes_another_users_token(client_for, staff, viewer):
    token, _ = token_create(user=staff, name="Not yours")
    assert client_for(viewer).post(reverse("api:token-revoke", args=[token.pk])).status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None


def test_visitors_are_sent_to_the_login(client):
    assert client.get(PAGE).status_code == 302
