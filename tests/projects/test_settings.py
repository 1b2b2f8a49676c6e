import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

SNIPPET = "import django; django.setup(); from django.conf import settings; print(settings.DEBUG)"
ROOT = Path(__file__).resolve().parents[2]
SECRET_KEY = "k3y-" + "abcdefghijklmnopqrstuvwxyz0123456789" * 2


def _env(**env) -> dict[str, str]:
    """The test run's environment (its PostgreSQL and Redis) without any DJANGO_ variable, plus `env`."""
    full_env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "PORTAL_ALLOW"))}
    full_env.update(env, DJANGO_SETTINGS_MODULE="selec_portal.settings")
    return full_env


def _load_settings(**env):
    return subprocess.run([sys.executable, "-c", SNIPPET], env=_env(**env), capture_output=True, text=True)


def _manage(*args, **env):
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=_env(**env), capture_output=True, text=True
    )


# The production settings docs/DEPLOYING.md documents (section 3, deploy/selec-portal.env.example).
PRODUCTION = {
    "DJANGO_DEBUG": "false",
    "DJANGO_SECRET_KEY": SECRET_KEY,
    "DJANGO_ALLOWED_HOSTS": "portal.example.org",
    "DJANGO_CSRF_TRUSTED_ORIGINS": "https://portal.example.org",
}


def test_production_refuses_to_start_without_a_secret_key():
    result = _load_settings(DJANGO_DEBUG="false")
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY" in result.stderr


def test_production_refuses_a_short_secret_key():
    result = _load_settings(DJANGO_DEBUG="false", DJANGO_SECRET_KEY="short")
    assert result.returncode != 0


def test_production_starts_with_a_long_random_secret_key():
    result = _load_settings(DJANGO_DEBUG="false", DJANGO_SECRET_KEY=SECRET_KEY)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False"


def test_debug_is_off_unless_asked_for():
    result = _load_settings(DJANGO_SECRET_KEY=SECRET_KEY)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False"
    assert "DJANGO_SECRET_KEY" in _load_settings().stderr  # no secret key, no start


@pytest.mark.parametrize("value", ["maybe", "2"])
def test_a_bad_boolean_fails_loudly(value):
    result = _load_settings(DJANGO_DEBUG=value)
    assert result.returncode != 0
    assert "DJANGO_DEBUG" in result.stderr


@pytest.mark.parametrize(
    ("missing", "named"),
    [({"DATABASE_URL": ""}, "SQLite"), ({"REDIS_URL": ""}, "broker"), ({"DATABASE_URL": "sqlite:///x.db"}, "SQLite")],
)
def test_production_refuses_sqlite_and_the_embedded_broker(missing, named):
    result = _load_settings(**PRODUCTION, **missing)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr and named in result.stderr
    assert "PORTAL_ALLOW_EMBEDDED=1" in result.stderr


def test_production_runs_on_sqlite_and_the_embedded_broker_only_when_told():
    result = _load_settings(**PRODUCTION, DATABASE_URL="", REDIS_URL="", PORTAL_ALLOW_EMBEDDED="1")
    assert result.returncode == 0, result.stderr


def test_production_keeps_database_connections_and_checks_them_before_reuse():
    """A restarted PostgreSQL costs a reconnection, never an error page (tests/test_database_restart.py)."""
    snippet = (
        "import django; django.setup(); from django.conf import settings; d = settings.DATABASES['default']; "
        "print(d['CONN_MAX_AGE'], d['CONN_HEALTH_CHECKS'])"
    )
    full_env = {k: v for k, v in _env(**PRODUCTION).items() if not k.startswith("DATABASE_CONN_")}
    result = subprocess.run([sys.executable, "-c", snippet], env=full_env, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["60", "True"]


def test_development_runs_on_sqlite_and_the_embedded_broker():
    result = _load_settings(DJANGO_DEBUG="true", DATABASE_URL="", REDIS_URL="")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "True"


@pytest.mark.parametrize("proxy", [{}, {"DJANGO_BEHIND_TLS_PROXY": "true"}], ids=["direct-https", "tls-proxy"])
def test_check_deploy_reports_no_warning_with_the_documented_production_settings(proxy):
    result = _manage("check", "--deploy", "--fail-level", "WARNING", **PRODUCTION, **proxy)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout
    assert "WARNINGS" not in result.stdout + result.stderr


def test_check_deploy_warns_when_production_turns_https_off():
    result = _manage("check", "--deploy", **PRODUCTION, DJANGO_SECURE_SSL_REDIRECT="false")
    assert "security.W008" in result.stdout + result.stderr  # the check above would catch a weakened default


def test_collectstatic_works_with_the_production_storage(tmp_path):
    result = _manage("collectstatic", "--noinput", **PRODUCTION, DJANGO_STATIC_ROOT=str(tmp_path))
    assert result.returncode == 0, result.stderr
    manifest = json.loads((tmp_path / "staticfiles.json").read_text())["paths"]
    for name in ("vendor/bootstrap/bootstrap.min.css", "vendor/chartjs/chart.umd.min.js", "css/portal.css"):
        assert manifest[name] != name and (tmp_path / manifest[name]).is_file(), name
        assert (tmp_path / (manifest[name] + ".gz")).is_file(), name  # compressed for WhiteNoise
