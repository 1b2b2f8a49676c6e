"""IMOBEX's own users (the shared `staff`, `manager` and `viewer` are of ATHENA2, and so outsiders here) and data."""

from __future__ import annotations

import random
from datetime import date

import pytest

from imobex import demo
from projects.models import Country, Membership
from projects.services import membership_set
from tests.conftest import enrol_second_factor, make_user


def _member(django_user_model, imobex, username: str, role: str):
    user = make_user(django_user_model, username, first_name=username.split("-")[-1].title(), last_name="Imobex")
    membership_set(user=user, project=imobex, role=role)
    return user


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    """Road-map documents, uploaded or written by the demo seeder, go to a folder of the test."""
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def imobex_manager(django_user_model, imobex):
    return enrol_second_factor(_member(django_user_model, imobex, "imobex-manager", Membership.Role.MANAGER))


@pytest.fixture
def imobex_staff(django_user_model, imobex):
    return _member(django_user_model, imobex, "imobex-staff", Membership.Role.STAFF)


@pytest.fixture
def imobex_viewer(django_user_model, imobex):
    return _member(django_user_model, imobex, "imobex-viewer", Membership.Role.VIEWER)


@pytest.fixture
def countries(selec) -> dict[str, Country]:
    return {c.code: c for c in Country.objects.all()}


@pytest.fixture
def imobex_demo(imobex):
    """The IMOBEX demo records (coverage of the 34 countries, findings, barriers, an approved road map)."""
    return demo.seed(activities=120, rng=random.Random("imobex:test"), today=date(2023, 6, 1))
