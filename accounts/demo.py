"""Demo data: demo-admin and demo-manager must use a second factor, so they get an authenticator app with the
documented secret (settings.DEMO_TOTP_SECRET; `manage.py demo_totp <username>` prints the current code)."""

from __future__ import annotations

import random
from datetime import date

from django.conf import settings
from django.contrib.auth import get_user_model

from .policy import second_factor_required
from .services import second_factor_enrol


def seed_second_factors(*, activities: int, rng: random.Random, today: date) -> dict[str, int]:
    from projects.demo import DEMO_ACCOUNTS

    enrolled = 0
    for user in get_user_model().objects.filter(username__in=[username for username, *_ in DEMO_ACCOUNTS]):
        if second_factor_required(user):
            second_factor_enrol(user=user, secret=settings.DEMO_TOTP_SECRET)
            enrolled += 1
    return {"authenticator apps": enrolled}
