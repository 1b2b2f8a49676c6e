"""Passwords: at least 12 characters; common ones and ones like the username are refused."""

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError


@pytest.mark.parametrize("password", ["short-pw-11", "password1234", "mara.manager"])
def test_weak_passwords_are_refused(django_user_model, password):
    user = django_user_model(username="mara.manager", email="mara@example.org")
    with pytest.raises(ValidationError):
        validate_password(password, user)


def test_a_long_uncommon_password_is_accepted(django_user_model):
    user = django_user_model(username="mara.manager")
    validate_password("Danube-bridge-patrol-42", user)


def test_the_password_change_page_refuses_a_short_password(client_for, viewer):
    from tests.conftest import PASSWORD

    response = client_for(viewer).post(
        "/account/password/",
        {"oldpassword": PASSWORD, "password1": "Short-pw-1", "password2": "Short-pw-1"},
    )
    assert response.status_code == 200 and "at least 12 characters" in response.content.decode()
