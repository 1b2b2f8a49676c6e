import os
import subprocess
import sys

import pytest

SNIPPET = "import django; django.setup(); from django.conf import settings; print(settings.DEBUG)"


def _load_settings(**env):
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    full_env.update(env, DJANGO_SETTINGS_MODULE="selec_portal.settings")
    return subprocess.run([sys.executable, "-c", SNIPPET], env=full_env, capture_output=True, text=True)


def test_production_refuses_to_start_without_a_secret_key():
    result = _load_settings(DJANGO_DEBUG="false")
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY" in result.stderr


def test_production_refuses_a_short_secret_key():
    result = _load_settings(DJANGO_DEBUG="false", DJANGO_SECRET_KEY="short")
    assert result.returncode != 0


def test_production_starts_with_a_long_random_secret_key():
    result = _load_settings(DJANGO_DEBUG="false", DJANGO_SECRET_KEY="k3y-" + "abcdefghijklmnopqrstuvwxyz0123456789" * 2)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False"


@pytest.mark.parametrize("value", ["maybe", "2"])
def test_a_bad_boolean_fails_loudly(value):
    result = _load_settings(DJANGO_DEBUG=value)
    assert result.returncode != 0
    assert "DJANGO_DEBUG" in result.stderr
