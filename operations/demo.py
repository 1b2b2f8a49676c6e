"""Demo joint activities for `seed_demo --activities N`: every type, status and validation state, with places,
countries, officers (a pool of pseudonymous `Person`s, so officers recur across activities), evaluations and
SPOCs. Deterministic for a given N, replaces its own previous rows, and inserts in bulk (N = 100,000 stays fast).
"""

from __future__ import annotations

import random
from datetime import date, timedelta

from django.contrib.auth import get_user_model
from django.db import connection
from django.utils import timezone

from projects.models import AuditEvent, Country, Organisation, Person, Project

from .models import (
    ActivityCountry,
    ActivityOfficer,
    ActivityPlace,
    ActivityStatus,
    ActivityType,
    Evaluation,
    JointActivity,
    MeetingPurpose,
    OfficerRole,
    Spoc,
    ValidationState,
)

REFERENCE_PREFIX = "DEMO-"
OFFICER_PREFIX = "OFC-"
BATCH = 5000

# Beneficiaries first, then their neighbours.
COUNTRIES = ["IT", "BG", "LV", "MT", "RO", "SI", "HR", "AT", "HU", "RS", "GR", "MK", "AL", "ME", "BA", "MD", "LT", "EE"]
CITIES = {
    "IT": ["Rome", "Trieste", "Bari"], "BG": ["Sofia", "Ruse", "Varna"], "LV": ["Riga", "Daugavpils"],
    "MT": ["Valletta"], "RO": ["Bucharest", "Giurgiu", "Constanța"], "SI": ["Ljubljana", "Koper"],
    "HR": ["Zagreb", "Rijeka"], "AT": ["Vienna", "Graz"], "HU": ["Budapest", "Szeged"], "RS": ["Belgrade", "Niš"],
    "GR": ["Athens", "Thessaloniki"], "MK": ["Skopje"], "AL": ["Tirana", "Durrës"], "ME": ["Podgorica"],
    "BA": ["Sarajevo"], "MD": ["Chișinău"], "LT": ["Vilnius"], "EE": ["Tallinn"],
}  # fmt: skip
TITLES = {
    ActivityType.CROSS_BORDER_OBSERVATION: "Cross-border observation",
    ActivityType.JOINT_OPERATION: "Joint operation",
    ActivityType.JOINT_INVESTIGATION: "Joint investigation",
    ActivityType.JOINT_PATROL: "Joint patrol",
    ActivityType.BILATERAL_MEETING: "Bilateral meeting",
}
STATUS_WEIGHTS = [
    (ActivityStatus.PLANNED, 10),
    (ActivityStatus.ONGOING, 10),
    (ActivityStatus.COMPLETED, 50),
    (ActivityStatus.EVALUATED, 30),
]
VALIDATION_WEIGHTS = [
    (ValidationState.DRAFT, 10),
    (ValidationState.SUBMITTED, 15),
    (ValidationState.RETURNED, 5),
    (ValidationState.VALIDATED, 70),
]
ROLE_WEIGHTS = [(OfficerRole.FIELD_OFFICER, 70), (OfficerRole.SPOC, 10), (OfficerRole.TEAM_LEADER, 10)]
ROLE_WEIGHTS += [(OfficerRole.LIAISON_OFFICER, 5), (OfficerRole.ANALYST, 5)]


SENSITIVE_KINDS = (ActivityType.JOINT_INVESTIGATION, ActivityType.JOINT_OPERATION)


def _pick(rng: random.Random, weighted: list[tuple]) -> str:
    return rng.choices([v for v, _w in weighted], weights=[w for _v, w in weighted])[0]


def _raw_delete(queryset) -> None:
    """One DELETE statement, without loading the rows or sending signals (the reporting seeder, which runs
    last, invalidates the dashboards' cache for every seeder's bulk writes)."""
    sql, params = queryset.values("pk").query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {queryset.model._meta.db_table} WHERE id IN ({sql})", params)


def _delete_previous(project: Project) -> None:
    demo = JointActivity.objects.filter(project=project, reference__startswith=REFERENCE_PREFIX)
    for model in (ActivityPlace, ActivityCountry, ActivityOfficer, Evaluation):
        _raw_delete(model.objects.filter(activity__in=demo))
    _raw_delete(JointActivity.participating_agencies.through.objects.filter(jointactivity__in=demo))
    JointActivity.objects.filter(related_activity__in=demo).update(related_activity=None)
    _raw_delete(Spoc.objects.filter(project=project, person__name__startswith=OFFICER_PREFIX))
    _raw_delete(demo)


def _officer_pool(rng: random.Random, size: int, countries: dict, agencies: dict) -> list[Person]:
    """Pseudonymous officers OFC-<country>-<n>, reused when already there (so reruns create nothing new)."""
    wanted = []
    for i in range(size):
        code = COUNTRIES[i % len(COUNTRIES)]
        wanted.append((f"{OFFICER_PREFIX}{code}-{i:04d}", code))
    existing = {p.name: p for p in Person.objects.filter(name__startswith=OFFICER_PREFIX)}
    new = [
        Person(name=name, country=countries[code], organisation=agencies.get(code))
        for name, code in wanted
        if name not in existing
    ]
    Person.objects.bulk_create(new, batch_size=BATCH)
    existing.update({p.name: p for p in new})
    return [existing[name] for name, _code in wanted]


def _dates(rng: random.Random, status: str, project: Project, today: date) -> tuple[date, date | None]:
    last = min(project.end_date, today)
    span = max((last - project.start_date).days, 1)
    if status == ActivityStatus.PLANNED:  # within the project's remaining time when it has any
        room = min(90, (project.end_date - today).days - 5)
        start = today + timedelta(days=rng.randint(1, max(room, 1)))
        return start, start + timedelta(days=rng.randint(0, 5))
    if status == ActivityStatus.ONGOING:
        start = today - timedelta(days=rng.randint(0, 10))
        return start, today + timedelta(days=rng.randint(0, 10))
    end = project.start_date + timedelta(days=rng.randint(5, span))
    end = min(end, last)
    return end - timedelta(days=rng.randint(0, 4)), end


def seed(*, activities: int, rng: random.Random, today: date) -> dict[str, int]:
    project = Project.objects.filter(code="ATHENA2").first()
    if project is None:
        return {}
    _delete_previous(project)
    if activities == 0:
        return {}
    countries = {c.code: c for c in Country.objects.filter(code__in=COUNTRIES)}
    codes = [code for code in COUNTRIES if code in countries]
    agencies: dict[str, Organisation] = {}
    for org in Organisation.objects.filter(kind=Organisation.Kind.LAW_ENFORCEMENT, country__code__in=codes):
        agencies.setdefault(org.country.code, org)
    users = {u.username: u for u in get_user_model().objects.filter(username__in=["demo-staff", "demo-manager"])}
    staff, manager = users.get("demo-staff"), users.get("demo-manager")
    pool = _officer_pool(rng, min(400, max(12, activities * 2)), countries, agencies)
    pool_by_country: dict[str, list[Person]] = {}
    for person in pool:
        pool_by_country.setdefault(person.country.code, []).append(person)
    now = timezone.now()

    # Plan every activity first (plain data), then insert the joint activities, then the meetings that serve them.
    plans = []
    for i in range(activities):
        kind = list(ActivityType)[i % len(ActivityType)]
        status = _pick(rng, STATUS_WEIGHTS)
        state = _pick(rng, VALIDATION_WEIGHTS)
        start, end = _dates(rng, status, project, today)
        taking_part = rng.sample(codes, 3 if kind == ActivityType.CROSS_BORDER_OBSERVATION else rng.randint(2, 3))
        plans.append((i, kind, status, state, start, end, taking_part))

    def build(i, kind, status, state, start, end, taking_part) -> JointActivity:
        lead = taking_part[0]
        return JointActivity(
            project=project,
            type=kind,
            title=f"{TITLES[kind]} {CITIES[lead][i % len(CITIES[lead])]} #{i + 1}",
            reference=f"{REFERENCE_PREFIX}{i + 1:06d}",
            lead_country=countries[lead],
            lead_agency=agencies.get(lead),
            start_date=start,
            end_date=end,
            status=status,
            validation_state=state,
            validation_comment="Please add the minutes." if state == ValidationState.RETURNED else "",
            validated_by=manager if state == ValidationState.VALIDATED else None,
            validated_at=now if state == ValidationState.VALIDATED else None,
            summary=f"Demo {TITLES[kind].lower()} between {', '.join(taking_part)} (non-operational summary).",
            # one investigation or operation in four is sensitive: the demo shows managers what viewers never see
            is_sensitive=kind in SENSITIVE_KINDS and i % 4 == 1,
            version=1,
            created_by=staff,
        )

    joint = [p for p in plans if p[1] != ActivityType.BILATERAL_MEETING]
    meetings = [p for p in plans if p[1] == ActivityType.BILATERAL_MEETING]
    created: dict[int, JointActivity] = {}
    joint_rows = JointActivity.objects.bulk_create([build(*p) for p in joint], batch_size=BATCH)
    created.update({p[0]: row for p, row in zip(joint, joint_rows, strict=True)})
    meeting_rows = []
    for plan in meetings:
        row = build(*plan)
        if joint_rows and rng.random() < 0.8:
            row.related_activity = created[joint[rng.randrange(len(joint))][0]]
            row.meeting_purpose = rng.choice(list(MeetingPurpose))
        meeting_rows.append(row)
    meeting_rows = JointActivity.objects.bulk_create(meeting_rows, batch_size=BATCH)
    created.update({p[0]: row for p, row in zip(meetings, meeting_rows, strict=True)})

    places, countries_rows, officers, evaluations, agencies_rows = [], [], [], [], []
    Through = JointActivity.participating_agencies.through
    for i, kind, status, _state, _start, _end, taking_part in plans:
        activity = created[i]
        place_codes = taking_part[:2] if kind == ActivityType.CROSS_BORDER_OBSERVATION else taking_part[:1]
        for code in place_codes:
            places.append(ActivityPlace(activity=activity, city=rng.choice(CITIES[code]), country=countries[code]))
        for code in taking_part:
            countries_rows.append(
                ActivityCountry(activity=activity, country=countries[code], officers_deployed=rng.randint(2, 20))
            )
            if code in agencies:
                agencies_rows.append(Through(jointactivity=activity, organisation=agencies[code]))
        candidates = [p for code in taking_part for p in pool_by_country.get(code, [])]
        for person in rng.sample(candidates, min(len(candidates), rng.randint(2, 4))):
            officers.append(ActivityOfficer(activity=activity, person=person, role=_pick(rng, ROLE_WEIGHTS)))
        if status == ActivityStatus.EVALUATED:
            for code in taking_part[: rng.randint(1, 2)]:
                evaluations.append(
                    Evaluation(
                        activity=activity,
                        country=countries[code],
                        objectives_met=rng.choice(list(Evaluation.Objectives)),
                        what_worked="Direct contact between the SPOCs.",
                        problems="Late exchange of the operational plan." if rng.random() < 0.5 else "",
                        lessons="Agree the communication channels before the start.",
                        recommendations="Repeat with the neighbouring countries.",
                        rating=rng.randint(2, 5),
                        author=staff,
                    )
                )
    ActivityPlace.objects.bulk_create(places, batch_size=BATCH)
    ActivityCountry.objects.bulk_create(countries_rows, batch_size=BATCH)
    Through.objects.bulk_create(agencies_rows, batch_size=BATCH)
    ActivityOfficer.objects.bulk_create(officers, batch_size=BATCH)
    Evaluation.objects.bulk_create(evaluations, batch_size=BATCH)

    spocs = []
    for code in codes:
        if code in agencies and pool_by_country.get(code):
            person = pool_by_country[code][0]
            spocs.append(Spoc(project=project, person=person, country=countries[code], agency=agencies[code]))
    Spoc.objects.bulk_create(spocs)
    AuditEvent.objects.create(
        action=AuditEvent.Action.IMPORT,
        project=project,
        object_type=JointActivity._meta.label,
        object_repr="demo data",
        details={"demo activities": activities},
    )
    return {
        "joint activities": activities,
        "officers in the pool": len(pool),
        "officer participations": len(officers),
        "evaluations": len(evaluations),
        "SPOCs": len(spocs),
    }
