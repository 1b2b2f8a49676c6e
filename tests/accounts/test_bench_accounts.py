"""The load test's accounts (`manage.py bench_accounts`, bench/load.py): one per simulated user, each with its roles
and a second factor of its own, logging in through the real form; and the scenario computes the codes allauth
accepts. The load itself is run by hand (bench/README.md)."""

import ast
import base64
import hashlib
import hmac
import json
import stat
import struct
import time
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.test import Client

from accounts.forms import totp_current_code
from projects.models import AuditEvent, Membership
from tests.accounts.conftest import log_in, logged_in

BENCH = Path(settings.BASE_DIR) / "bench"


def make_accounts(tmp_path, managers=2, staff=2) -> dict:
    output = tmp_path / "accounts.json"
    call_command("bench_accounts", managers=managers, staff=staff, output=str(output), stdout=StringIO())
    return json.loads(output.read_text()) | {"path": output}


def test_each_simulated_user_gets_an_account_with_its_roles_and_its_own_second_factor_and_logs_in_with_it(
    demo_data, settings, tmp_path
):
    settings.DEBUG = True
    data = make_accounts(tmp_path)
    assert stat.S_IMODE(data["path"].stat().st_mode) == 0o600  # passwords and secrets
    assert [a["username"] for a in data["accounts"]] == ["load-manager-01", "load-manager-02", "load-staff-01",
                                                         "load-staff-02"]  # fmt: skip
    assert len({a["totp_secret"] for a in data["accounts"]}) == 4
    memberships = Membership.objects.filter(user__username__startswith="load-")
    roles = set(memberships.values_list("user__username", "project__code", "role"))
    assert ("load-manager-01", "IMOBEX", "manager") in roles and ("load-staff-02", "ATHENA2", "staff") in roles
    assert not any(username.startswith("load-staff") and role != "staff" for username, _code, role in roles)
    assert data["events"] and data["periods"]  # what the scenario registers people for and has reports made of
    assert AuditEvent.objects.filter(object_type="mfa.Authenticator", details__account="load-staff-01").exists()
    for account in (data["accounts"][0], data["accounts"][-1]):  # a manager, a staff member
        client = Client()
        response = log_in(client, account["username"], account["password"])
        assert response.status_code == 302 and response.url == "/accounts/2fa/authenticate/"
        response = client.post(response.url, {"code": totp_current_code(account["totp_secret"])})
        assert response.status_code == 302 and response.url == "/" and logged_in(client)


def test_a_second_run_gives_new_passwords_and_the_old_ones_no_longer_work(demo_data, settings, tmp_path):
    settings.DEBUG = True
    first = make_accounts(tmp_path, managers=1, staff=0)["accounts"][0]
    second = make_accounts(tmp_path, managers=1, staff=0)["accounts"][0]
    assert first["password"] != second["password"] and first["totp_secret"] != second["totp_secret"]
    assert log_in(Client(), first["username"], first["password"]).status_code == 200  # the form again, refused


def test_bench_accounts_refuses_with_debug_off(db, settings, tmp_path):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="development databases only"):
        make_accounts(tmp_path)


def test_the_scenario_and_its_runner_compile_and_the_scenario_computes_the_codes_allauth_accepts():
    for name in ("locustfile.py", "load.py"):
        compile((BENCH / name).read_text(), name, "exec")  # a syntax error fails here (nothing is written)
    # The scenario runs in locust's own environment: its code generator is taken out of the file and compared.
    tree = ast.parse((BENCH / "locustfile.py").read_text())
    function = next(node for node in tree.body if isinstance(node, ast.FunctionDef) and node.name == "totp")
    namespace = {"base64": base64, "hashlib": hashlib, "hmac": hmac, "struct": struct, "time": time}
    exec(compile(ast.Module(body=[function], type_ignores=[]), "locustfile.py", "exec"), namespace)
    secret = base64.b32encode(b"load-test-secret-20b").decode()
    if time.time() % 30 > 29:  # both codes of the same 30-second step
        time.sleep(1.5)
    assert namespace["totp"](secret) == totp_current_code(secret)
