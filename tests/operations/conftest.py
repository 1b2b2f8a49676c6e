"""Joint activities for the operations tests: a builder for records, and one for the form a browser would post."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.utils import timezone

from operations.models import ActivityCountry, ActivityOfficer, ActivityPlace, JointActivity
from projects.models import Country, Organisation
from projects.services import person_find_or_create


@pytest.fixture
def country(db):
    """country("RO") -> the Country."""

    def get(code: str) -> Country:
        return Country.objects.get(code=code)

    return get


@pytest.fixture
def make_activity(athena, country):
    """make_activity(type=..., status=..., validation_state=..., officers=[(name, code, role)], ...) -> saved activity.

    Written straight to the database (the known data sets of the tests), not through the services under test.
    """

    counter = {"n": 0}

    def make(
        *,
        project=None,
        type="joint_patrol",
        status="completed",
        validation_state="draft",
        start=None,
        end=None,
        officers=(),
        places=(("Giurgiu", "RO"), ("Ruse", "BG")),
        countries=(("RO", 5), ("BG", 4)),
        **extra,
    ) -> JointActivity:
        counter["n"] += 1
        today = timezone.localdate()
        start = start or today - timedelta(days=10)
        if end is None and status in ("completed", "evaluated", "ongoing"):
            end = today - timedelta(days=5) if status != "ongoing" else today + timedelta(days=5)
        activity = JointActivity.objects.create(
            project=project or athena,
            type=type,
            title=extra.pop("title", f"Activity {counter['n']}"),
            reference=extra.pop("reference", f"T-{counter['n']:04d}"),
            lead_country=country("RO"),
            start_date=start,
            end_date=end,
            status=status,
            validation_state=validation_state,
            version=1,
            **extra,
        )
        for city, code in places:
            ActivityPlace.objects.create(activity=activity, city=city, country=country(code))
        for code, deployed in countries:
            ActivityCountry.objects.create(activity=activity, country=country(code), officers_deployed=deployed)
        for name, code, role in officers:
            person, _ = person_find_or_create(name=name, country=country(code))
            ActivityOfficer.objects.create(activity=activity, person=person, role=role)
        return activity

    return make


def formset_data(prefix: str, rows: list[dict], initial: int = 0) -> dict:
    data = {
        f"{prefix}-TOTAL_FORMS": str(len(rows)),
        f"{prefix}-INITIAL_FORMS": str(initial),
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }
    for i, row in enumerate(rows):
        for key, value in row.items():
            data[f"{prefix}-{i}-{key}"] = value
    return data


@pytest.fixture
def activity_form_data(country):
    """activity_form_data(**overrides) -> the POST of a valid 'log a joint activity' form."""

    def build(*, places=None, countries=None, officers=None, **overrides) -> dict:
        today = timezone.localdate()
        ro, bg = country("RO"), country("BG")
        igpr = Organisation.objects.get(acronym="IGPR")
        data = {
            "type": "joint_patrol",
            "title": "Joint patrol on the Danube bridge",
            "reference": "JP-2026-01",
            "lead_country": str(ro.pk),
            "lead_agency": str(igpr.pk),
            "start_date": (today - timedelta(days=3)).isoformat(),
            "end_date": (today - timedelta(days=1)).isoformat(),
            "status": "completed",
            "summary": "Mixed patrol on the bridge.",
            "related_activity": "",
            "meeting_purpose": "",
        }
        data.update({k: (v.isoformat() if isinstance(v, date) else v) for k, v in overrides.items()})
        places = places if places is not None else [{"city": "Giurgiu", "country": str(ro.pk)}]
        countries = (
            countries
            if countries is not None
            else [{"country": str(ro.pk), "officers_deployed": "6"}, {"country": str(bg.pk), "officers_deployed": "4"}]
        )
        officers = (
            officers
            if officers is not None
            else [
                {"name": "RO-OFF-1", "country": str(ro.pk), "organisation": str(igpr.pk), "role": "field_officer"},
                {"name": "BG-SPOC-1", "country": str(bg.pk), "organisation": "", "role": "spoc"},
            ]
        )
        data.update(formset_data("places", places))
        data.update(formset_data("countries", countries))
        data.update(formset_data("officers", officers))
        return data

    return build
