"""Settings for the test suite (pyproject's DJANGO_SETTINGS_MODULE): the development defaults, whatever the shell.

Production defaults (debug off: a secret key required, HTTPS redirects, secure cookies, the manifest storage that
needs `collectstatic`) would stop or redirect the test client; tests that prove them start the portal in a
subprocess with a production environment (tests/projects/test_settings.py). pytest-django still runs every test
with DEBUG off, as production does.
"""

import os

os.environ["DJANGO_DEBUG"] = "true"

from .settings import *  # noqa: E402, F403

SECURE_SSL_REDIRECT = False
SECURE_HSTS_SECONDS = 0
# No test relies on the real (slow by design) hasher; every user the tests create would pay for it.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# The day of a test is the day of the portal's users: a request runs in the user's time zone (Bucharest by default)
# and a test that computes "today" outside a request must get the same date, also between 22:00 and 24:00 UTC.
TIME_ZONE = PORTAL_DEFAULT_USER_TIME_ZONE  # noqa: F405
