"""`manage.py api_token USERNAME --name NAME [--scope read|write] [--days N]`."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from api.models import ApiToken
from tests.api.conftest import bearer

pytestmark = pytest.mark.django_db


def run(*args) -> str:
    out = StringIO()
    call_command("api_token", *args, stdout=out)
    return out.getvalue()


def test_the_token_is_printed_alone_on_the_last_line_and_authenticates(staff, athena):
    output = run("staff", "--name", "Nightly export", "--scope", "write", "--days", "30")

    token = output.rstrip("\n").splitlines()[-1]
    assert token.startswith("selec_") and " " not in token
    stored = ApiToken.objects.get(user=staff)
    assert (stored.name, stored.scope) == ("Nightly export", "write")
    assert token not in "".join(output.splitlines()[:-1])
    response = bearer(token).get("/api/v1/projects/")
    assert response.status_code == 200 and response.json()["results"][0]["code"] == "ATHENA2"


def test_the_scope_is_read_unless_told(staff):
    run("staff", "--name", "Reader")
    assert ApiToken.objects.get(user=staff).scope == "read"


def test_an_unknown_user_is_named_in_the_error(db):
    with pytest.raises(CommandError, match="No user named 'nobody'"):
        run("nobody", "--name", "x")


@pytest.mark.parametrize("days", ["0", "366"])
def test_days_out_of_bounds_are_refused(staff, days):
    with pytest.raises(CommandError, match="1 to 365 days"):
        run("staff", "--name", "x", "--days", days)
    assert not ApiToken.objects.exists()


def test_an_unknown_scope_is_refused(staff):
    with pytest.raises(CommandError, match="invalid choice"):
        run("staff", "--name", "x", "--scope", "admin")


def test_a_name_is_required(staff):
    with pytest.raises(CommandError, match="--name"):
        run("staff")
