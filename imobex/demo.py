"""IMOBEX demo records for `seed_demo`: coverage of the 34 countries, findings, barriers with interventions and an
approved road map. Deterministic for a given N (only `rng` decides), idempotent (the previous IMOBEX records are
replaced), and written with bulk inserts."""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta

from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone

from projects.models import Deliverable, Project

from .models import (
    Barrier,
    CountryCoverage,
    ExploitationIndicator,
    Finding,
    Intervention,
    RoadMap,
    RoadMapVersion,
    Source,
    scope_countries,
)
from .services import ROAD_MAP_TITLE, exploitation_indicators_ensure

State = CountryCoverage.State
MAX_FINDINGS = 5000

BARRIERS = [
    (
        "No offence for exploiting a person's criminal activity",
        "criminal_law",
        "Forced criminality is not named as a form of exploitation, so the organisers are prosecuted for theft only.",
        ["BG", "HR", "SI", "RS", "MK"],
        [("Name forced criminality as exploitation in the trafficking offence", "Ministries of justice", "long")],
    ),
    (
        "Petty thefts are handled one by one",
        "criminal_procedure",
        "Low-value thefts across several regions are never joined up into one organised-crime investigation.",
        ["NL", "BE", "DE", "AT", "FR"],
        [
            ("Register serial property crime so that cases can be linked", "National police", "short"),
            ("Prosecution guideline on joining serial thefts", "Prosecution services", "medium"),
        ],
    ),
    (
        "Exploited offenders are not identified as victims",
        "victim_protection",
        "Young offenders caught shoplifting are released or deported without any screening for exploitation.",
        ["IT", "ES", "GR", "RO", "AL"],
        [("Screening checklist for officers arresting itinerant offenders", "Police academies", "short")],
    ),
    (
        "Information cannot be shared with the country of origin in time",
        "international_cooperation",
        "Requests through formal channels take months; the groups have moved on.",
        ["LT", "LV", "PL", "MD", "RO", "BG"],
        [("Direct contact points for itinerant crime in each country", "SELEC and Europol", "medium")],
    ),
    (
        "Administrative measures against housing used by groups are missing",
        "administrative_law",
        "Municipalities cannot act against overcrowded housing provided by the groups.",
        ["NL", "BE", "SE", "DK"],
        [("Municipal powers to close exploitative housing", "Municipalities", "long")],
    ),
]
INTERVENTION_STATUSES = ["proposed", "agreed", "in_progress", "implemented"]


def _demo_document(name: str, text: str) -> str:
    """A small placeholder document, written once (the name is fixed, so re-seeding does not pile up files)."""
    if not default_storage.exists(name):
        name = default_storage.save(name, ContentFile(text.encode()))
    return name


def seed(*, activities: int, rng: random.Random, today: date) -> dict[str, int]:
    project = Project.objects.filter(code="IMOBEX").first()
    if project is None:
        return {}
    exploitation_indicators_ensure()
    CountryCoverage.objects.filter(project=project).delete()
    Finding.objects.filter(project=project).delete()
    Barrier.objects.filter(project=project).delete()
    RoadMap.objects.filter(project=project).delete()

    manager = get_user_model().objects.filter(username="demo-manager").first()
    countries = list(scope_countries().order_by("code"))
    codes = {c.code: c for c in countries}
    start, end = project.start_date, min(project.end_date, today)

    def day_between(first: date, last: date) -> date:
        return first + timedelta(days=rng.randint(0, max((last - first).days, 0)))

    # Coverage: most countries validated, a few still received, requested or not started.
    coverage = []
    for country in countries:
        roll = rng.random()
        state = (
            State.VALIDATED
            if roll < 0.75
            else State.RECEIVED
            if roll < 0.85
            else State.REQUESTED
            if roll < 0.95
            else State.NOT_STARTED
        )
        when = day_between(start + timedelta(days=60), min(start + timedelta(days=360), end))
        row = CountryCoverage(
            project=project,
            country=country,
            source="" if state in (State.NOT_STARTED, State.REQUESTED) else rng.choice(Source.values),
            responsible=manager if state != State.NOT_STARTED else None,
        )
        # The steps before the current one, in order and after the project's start (as the service would record).
        if state in (State.RECEIVED, State.VALIDATED):
            row.record_state(State.REQUESTED, max(when - timedelta(days=45), start))
        if state == State.VALIDATED:
            row.record_state(State.RECEIVED, max(when - timedelta(days=15), start))
        row.record_state(state, when)
        coverage.append(row)
    CountryCoverage.objects.bulk_create(coverage)

    # Findings, with their countries and indicators through the M2M tables.
    indicators = list(ExploitationIndicator.objects.order_by("pk"))
    n_findings = min(max(activities // 10, 12), MAX_FINDINGS)
    origins = [codes[c] for c in ("RO", "BG", "AL", "MD", "RS", "LT", "PL", "HR", "BA") if c in codes]
    findings = []
    for i in range(n_findings):
        crime = rng.choice(Finding.CrimeType.values)
        findings.append(
            Finding(
                project=project,
                title=f"{Finding.CrimeType(crime).label} by a travelling group (observation {i + 1})",
                crime_type=crime,
                source=rng.choice(Source.values),
                reliability=rng.choice(Finding.Reliability.values),
                description=(
                    "Small teams travel by car or coach, stay a few days in rented rooms and move on; "
                    "goods are passed to a collector the same day."
                ),
                recorded_by=manager,
            )
        )
    Finding.objects.bulk_create(findings)
    created = timezone.make_aware(datetime.combine(start, time(9)))
    Finding.objects.filter(pk__in=[f.pk for f in findings]).update(created_at=created)
    origin_rows, action_rows, indicator_rows = [], [], []
    for finding in findings:
        for country in rng.sample(origins, k=rng.randint(1, 2)):
            origin_rows.append(Finding.origin_countries.through(finding=finding, country=country))
        for country in rng.sample(countries, k=rng.randint(1, 3)):
            action_rows.append(Finding.action_countries.through(finding=finding, country=country))
        for indicator in rng.sample(indicators, k=rng.randint(0, 3)):
            indicator_rows.append(Finding.indicators.through(finding=finding, exploitationindicator=indicator))
    Finding.origin_countries.through.objects.bulk_create(origin_rows)
    Finding.action_countries.through.objects.bulk_create(action_rows)
    Finding.indicators.through.objects.bulk_create(indicator_rows)

    # The road map: barriers with interventions, and a document approved in its second version.
    barriers, interventions = [], []
    for title, area, description, barrier_codes, proposals in BARRIERS:
        barrier = Barrier.objects.create(project=project, title=title, legal_area=area, description=description)
        barrier.countries.set([codes[c] for c in barrier_codes if c in codes])
        barriers.append(barrier)
        for text, actor, horizon in proposals:
            interventions.append(
                Intervention(
                    barrier=barrier,
                    description=text,
                    responsible_actor=actor,
                    horizon=horizon,
                    status=rng.choice(INTERVENTION_STATUSES),
                )
            )
    Intervention.objects.bulk_create(interventions)

    deliverable = Deliverable.objects.filter(workstream__project=project, title__istartswith="road map").first()
    road_map = RoadMap.objects.create(project=project, title=ROAD_MAP_TITLE, deliverable=deliverable)
    due = deliverable.due_date if deliverable else end
    submitted = timezone.make_aware(datetime.combine(min(due, end) - timedelta(days=40), time(10)))
    approved_on = min(due, end)
    for number, status in ((1, RoadMapVersion.Status.RETURNED), (2, RoadMapVersion.Status.APPROVED)):
        name = _demo_document(
            f"imobex/road-maps/{project.code}/demo-road-map-v{number}.txt",
            f"{ROAD_MAP_TITLE}\nVersion {number} (demo document)\n",
        )
        RoadMapVersion.objects.create(
            road_map=road_map,
            number=number,
            document=name,
            notes="First draft after the expert workshop." if number == 1 else "Comments of the partners included.",
            status=status,
            submitted_by=manager,
            submitted_at=submitted + timedelta(days=20 * (number - 1)),
            decided_by=manager,
            decision_note="Add the horizon of each intervention." if number == 1 else "",
            approved_on=approved_on if status == RoadMapVersion.Status.APPROVED else None,
        )
    if deliverable is not None:
        # What `roadmap_version_approve` does to the deliverable: approved on the day of the approved version, with
        # the approved document as its evidence (written directly: the seeder has no user session to act as). A
        # save, not an update, so the dashboard's cache hears of it.
        deliverable.status, deliverable.delivered_on = Deliverable.Status.APPROVED, approved_on
        deliverable.evidence.name = name
        deliverable.save(update_fields=["status", "delivered_on", "evidence"])
    return {
        "countries covered": sum(1 for c in coverage if c.state == State.VALIDATED),
        "findings": len(findings),
        "barriers": len(barriers),
        "interventions": len(interventions),
        "road-map versions": 2,
    }
