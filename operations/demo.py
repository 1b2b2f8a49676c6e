"""Demo joint activities for `seed_demo --activities N`: every type, status and validation state, with places,
countries, officers (a pool of pseudonymous `Person`s, so officers recur across activities), evaluations and
SPOCs. Deterministic for a given N, replaces its own previous rows, and inserts in bulk (N = 100,000 stays fast).
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from itertools import accumulate

from django.contrib.auth import get_user_model
from django.db import connection
from django.db.models import Exists, OuterRef
from django.utils import timezone

from projects.demo import bulk_load, insert_rows
from projects.models import AuditEvent, Country, Organisation, Person, Project, Workstream

from .models import (
    ActivityAttachment,
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
from .workstreams import workstreams_fill

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


def _picker(weighted: list[tuple]):
    """rng -> one value drawn by weight (what `rng.choices(values, weights)` draws, the sums worked out once)."""
    values = [str(v) for v, _w in weighted]
    cum_weights = list(accumulate(w for _v, w in weighted))
    return lambda rng: rng.choices(values, cum_weights=cum_weights)[0]


_pick_status, _pick_state, _pick_role = _picker(STATUS_WEIGHTS), _picker(VALIDATION_WEIGHTS), _picker(ROLE_WEIGHTS)


def _raw_delete(queryset) -> None:
    """One DELETE statement, without loading the rows or sending signals (the reporting seeder, which runs
    last, invalidates the dashboards' cache for every seeder's bulk writes)."""
    sql, params = queryset.values("pk").query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {queryset.model._meta.db_table} WHERE id IN ({sql})", params)


def _link_meetings(links: list[tuple[int, int]]) -> None:
    """Each meeting (id) to the joint activity it serves (id), in one statement (PostgreSQL) or one per meeting."""
    table = JointActivity._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                f"UPDATE {table} AS a SET related_activity_id = l.target "
                "FROM unnest(%s::bigint[], %s::bigint[]) AS l(id, target) WHERE a.id = l.id",
                [[pk for pk, _target in links], [target for _pk, target in links]],
            )
        else:
            cursor.executemany(
                f"UPDATE {table} SET related_activity_id = %s WHERE id = %s", [(t, pk) for pk, t in links]
            )


def _delete_previous(project: Project) -> None:
    demo = JointActivity.objects.filter(project=project, reference__startswith=REFERENCE_PREFIX)
    for model in (ActivityPlace, ActivityCountry, ActivityOfficer, ActivityAttachment, Evaluation):
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
    law_enforcement = Organisation.objects.filter(kind=Organisation.Kind.LAW_ENFORCEMENT, country__code__in=codes)
    for org in law_enforcement.select_related("country"):
        agencies.setdefault(org.country.code, org)
    users = {u.username: u for u in get_user_model().objects.filter(username__in=["demo-staff", "demo-manager"])}
    staff, manager = users.get("demo-staff"), users.get("demo-manager")
    pool = _officer_pool(rng, min(400, max(12, activities * 2)), countries, agencies)
    pool_by_country: dict[str, list[Person]] = {}
    code_of = {country.pk: code for code, country in countries.items()}
    for person in pool:
        pool_by_country.setdefault(code_of[person.country_id], []).append(person)
    now = timezone.now()

    # Plan every activity first (plain data), then write every table in one set-based insert of plain columns
    # (projects.demo.insert_rows: no model instance per row). The random draws come in the order they always came.
    kinds = [str(kind) for kind in ActivityType]
    cross_border, meeting = str(ActivityType.CROSS_BORDER_OBSERVATION), str(ActivityType.BILATERAL_MEETING)
    sensitive_kinds = {str(kind) for kind in SENSITIVE_KINDS}
    titles = {str(kind): title for kind, title in TITLES.items()}
    plans = []
    for i in range(activities):
        kind = kinds[i % len(kinds)]
        status = _pick_status(rng)
        state = _pick_state(rng)
        start, end = _dates(rng, status, project, today)
        taking_part = rng.sample(codes, 3 if kind == cross_border else rng.randint(2, 3))
        plans.append((i, kind, status, state, start, end, taking_part))

    # Joint activities first, then the meetings that serve them (their ids in that order).
    joint = [p for p in plans if p[1] != meeting]
    meetings = [p for p in plans if p[1] == meeting]
    related, purposes = [], []
    for _plan in meetings:
        if joint and rng.random() < 0.8:
            related.append(joint[rng.randrange(len(joint))][0])
            purposes.append(str(rng.choice(list(MeetingPurpose))))
        else:
            related.append(None)
            purposes.append("")
    ordered = joint + meetings
    validated = str(ValidationState.VALIDATED)
    returned = str(ValidationState.RETURNED)
    rows: dict[str, list] = {
        "type": [], "title": [], "reference": [], "lead_country_id": [], "lead_agency_id": [], "start_date": [],
        "end_date": [], "status": [], "validation_state": [], "validation_comment": [], "validated_by_id": [],
        "validated_at": [], "summary": [], "is_sensitive": [],
    }  # fmt: skip
    for i, kind, status, state, start, end, taking_part in ordered:
        lead = taking_part[0]
        agency = agencies.get(lead)
        rows["type"].append(kind)
        rows["title"].append(f"{titles[kind]} {CITIES[lead][i % len(CITIES[lead])]} #{i + 1}")
        rows["reference"].append(f"{REFERENCE_PREFIX}{i + 1:06d}")
        rows["lead_country_id"].append(countries[lead].pk)
        rows["lead_agency_id"].append(agency.pk if agency else None)
        rows["start_date"].append(start)
        rows["end_date"].append(end)
        rows["status"].append(status)
        rows["validation_state"].append(state)
        rows["validation_comment"].append("Please add the minutes." if state == returned else "")
        rows["validated_by_id"].append(manager.pk if manager and state == validated else None)
        rows["validated_at"].append(now if state == validated else None)
        rows["summary"].append(
            f"Demo {titles[kind].lower()} between {', '.join(taking_part)} (non-operational summary)."
        )
        # one investigation or operation in four is sensitive: the demo shows managers what viewers never see
        rows["is_sensitive"].append(kind in sensitive_kinds and i % 4 == 1)
    rows["meeting_purpose"] = [""] * len(joint) + purposes
    with bulk_load(JointActivity):
        new_ids = insert_rows(
            JointActivity,
            rows,
            fixed={"project_id": project.pk, "version": 1, "created_by_id": staff.pk if staff else None},
            ids=True,
        )
        ids = {plan[0]: pk for plan, pk in zip(ordered, new_ids, strict=True)}
        _link_meetings([(ids[m[0]], ids[r]) for m, r in zip(meetings, related, strict=True) if r is not None])

    places = {"activity_id": [], "city": [], "country_id": []}
    shares = {"activity_id": [], "country_id": [], "officers_deployed": []}
    officers = {"activity_id": [], "person_id": [], "role": []}
    agency_rows = {"jointactivity_id": [], "organisation_id": []}
    evaluations = {"activity_id": [], "country_id": [], "objectives_met": [], "problems": [], "rating": []}
    objectives = [str(o) for o in Evaluation.Objectives]
    evaluated = str(ActivityStatus.EVALUATED)
    for i, kind, status, _state, _start, _end, taking_part in plans:
        activity = ids[i]
        place_codes = taking_part[:2] if kind == cross_border else taking_part[:1]
        for code in place_codes:
            places["activity_id"].append(activity)
            places["city"].append(rng.choice(CITIES[code]))
            places["country_id"].append(countries[code].pk)
        for code in taking_part:
            shares["activity_id"].append(activity)
            shares["country_id"].append(countries[code].pk)
            shares["officers_deployed"].append(rng.randint(2, 20))
            if code in agencies:
                agency_rows["jointactivity_id"].append(activity)
                agency_rows["organisation_id"].append(agencies[code].pk)
        candidates = [p for code in taking_part for p in pool_by_country.get(code, [])]
        for person in rng.sample(candidates, min(len(candidates), rng.randint(2, 4))):
            officers["activity_id"].append(activity)
            officers["person_id"].append(person.pk)
            officers["role"].append(_pick_role(rng))
        if status == evaluated:
            for code in taking_part[: rng.randint(1, 2)]:
                evaluations["activity_id"].append(activity)
                evaluations["country_id"].append(countries[code].pk)
                evaluations["objectives_met"].append(rng.choice(objectives))
                evaluations["problems"].append("Late exchange of the operational plan." if rng.random() < 0.5 else "")
                evaluations["rating"].append(rng.randint(2, 5))
    Through = JointActivity.participating_agencies.through
    with bulk_load(ActivityPlace, ActivityCountry, Through, ActivityOfficer, Evaluation):
        insert_rows(ActivityPlace, places)
        insert_rows(ActivityCountry, shares)
        insert_rows(Through, agency_rows)
        insert_rows(ActivityOfficer, officers)
        insert_rows(
            Evaluation,
            evaluations,
            fixed={
                "what_worked": "Direct contact between the SPOCs.",
                "lessons": "Agree the communication channels before the start.",
                "recommendations": "Repeat with the neighbouring countries.",
                "author_id": staff.pk if staff else None,
            },
        )
    workstreams_fill(JointActivity, Workstream)  # each activity in its workstream of the plan, as `activity_save` would
    # The bulk load bypasses the signals that keep `has_evaluation` in step: one UPDATE sets it.
    JointActivity._base_manager.filter(project=project).update(
        has_evaluation=Exists(Evaluation.objects.filter(activity=OuterRef("pk")))
    )
    n_officers, n_evaluations = len(officers["activity_id"]), len(evaluations["activity_id"])

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
        "officer participations": n_officers,
        "evaluations": n_evaluations,
        "SPOCs": len(spocs),
    }
