"""Writes of the IMOBEX records. Every one checks the user's role through the core's access rule, runs in a
transaction and is written to the audit trail."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from projects.access import Action
from projects.audit import audit_changes, audit_snapshot
from projects.models import AuditEvent, Country, Deliverable, Project
from projects.services import audit_log, deliverable_set_status, require_action
from projects.validators import validate_file_content

from . import reference
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

State = CountryCoverage.State


def _allows(user, project: Project, action: Action) -> bool:
    return Project.objects.for_user(user, action).filter(pk=project.pk).exists()


# --- country coverage ------------------------------------------------------------------------------------------------


def coverage_states_for(user, project: Project, current: str) -> list[str]:
    """The states this user may move a country to from its current state (the current one included when the
    user may update its details)."""
    if getattr(project, "user_role", None) is None:  # pages pass the project annotated by project_for_user
        project = Project.objects.with_role(user).get(pk=project.pk)
    actions = {action for action in Action if project.allows(action)}
    return [
        target
        for target in State.values
        if CountryCoverage.transition_action(current, target) in actions
        and (target != State.NOT_STARTED or current != State.NOT_STARTED)
    ]


@transaction.atomic
def coverage_set_state(
    *,
    user,
    project: Project,
    country: Country,
    state: str,
    state_date: date | None = None,
    source: str = "",
    responsible=None,
    notes: str = "",
) -> CountryCoverage:
    """Move a country's information gathering to a new state (or update its details), if the move is allowed and
    the user's role may make it: staff request and receive, a manager validates or reopens."""
    require_action(user=user, project=project, action=Action.EDIT)
    coverage = CountryCoverage.objects.select_for_update().filter(
        project=project, country=country
    ).first() or CountryCoverage(project=project, country=country)
    current = coverage.state
    action = CountryCoverage.transition_action(current, state)
    if action is None:
        raise ValidationError(
            {
                "state": _("A country cannot go from “%(current)s” to “%(target)s”.")
                % {"current": State(current).label, "target": State(state).label if state in State.values else state}
            }
        )
    if not _allows(user, project, action):
        raise PermissionDenied(_("Only a manager of the project may validate a country or reopen a validated one."))
    day = state_date or timezone.localdate()
    if current != state and state != State.NOT_STARTED and coverage.state_date and day < coverage.state_date:
        raise ValidationError(
            {
                "state_date": _("The new state cannot be dated before the current one (%(date)s).")
                % {"date": date_format(coverage.state_date)}
            }
        )
    coverage.record_state(state, day)
    coverage.source = source or coverage.source
    coverage.responsible = responsible
    coverage.notes = notes
    coverage.full_clean()
    coverage.save()
    audit_log(
        user=user,
        action=AuditEvent.Action.TRANSITION if current != state else AuditEvent.Action.CHANGE,
        obj=coverage,
        project=project,
        details={"country": country.code, "from": current, "to": state, "source": coverage.source},
    )
    return coverage


@dataclass(frozen=True)
class ImportRow:
    line: int
    country: Country
    state: str
    source: str
    state_date: date | None
    notes: str


IMPORT_COLUMNS = ("country", "state", "source", "date", "notes")


def coverage_import_parse(text: str) -> list[ImportRow]:
    """Read a coverage CSV (columns country, state, source, date, notes; country as ISO code), checking every line.

    Raises one ValidationError listing every problem, so that nothing is saved from a file with an error.
    """
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    missing = [c for c in IMPORT_COLUMNS[:4] if c not in (reader.fieldnames or [])]
    if missing:
        raise ValidationError(_("The file has no column %(columns)s.") % {"columns": ", ".join(missing)})
    countries = {c.code: c for c in scope_countries()}
    rows, errors, seen = [], [], set()
    for line, raw in enumerate(reader, start=2):
        code = (raw.get("country") or "").strip().upper()
        state = (raw.get("state") or "").strip().lower().replace(" ", "_")
        source = (raw.get("source") or "").strip().lower().replace(" ", "_")
        day_text = (raw.get("date") or "").strip()
        try:
            day = parse_date(day_text) if day_text else None
        except ValueError:
            day = None
        problems = []
        if code not in countries:
            problems.append(_("unknown country code “%(code)s” (use one of the 34 ISO codes)") % {"code": code})
        elif code in seen:
            problems.append(_("country %(code)s appears twice") % {"code": code})
        if state not in State.values:
            problems.append(_("unknown state “%(state)s”") % {"state": state})
        if source and source not in Source.values:
            problems.append(_("unknown source “%(source)s”") % {"source": source})
        if day_text and day is None:
            problems.append(_("“%(date)s” is not a date (use YYYY-MM-DD)") % {"date": day_text})
        if problems:
            errors.append(_("Line %(line)d: %(problems)s.") % {"line": line, "problems": "; ".join(problems)})
            continue
        seen.add(code)
        rows.append(ImportRow(line, countries[code], state, source, day, (raw.get("notes") or "").strip()))
    if errors:
        raise ValidationError(errors)
    if not rows:
        raise ValidationError(_("The file has no rows."))
    return rows


@transaction.atomic
def coverage_import(*, user, project: Project, text: str) -> int:
    """Set the coverage of many countries from a CSV, as a manager would one by one; all or nothing."""
    require_action(user=user, project=project, action=Action.VALIDATE)
    rows = coverage_import_parse(text)
    existing = {c.country_id: c for c in CountryCoverage.objects.select_for_update().filter(project=project)}
    errors = []
    for row in rows:
        coverage = existing.get(row.country.pk) or CountryCoverage(project=project, country=row.country)
        coverage.source, coverage.notes = row.source or coverage.source, row.notes
        coverage.record_state(row.state, row.state_date or timezone.localdate())
        try:
            coverage.full_clean()
        except ValidationError as exc:
            messages = "; ".join(m for ms in exc.message_dict.values() for m in ms)
            errors.append(_("Line %(line)d: %(problems)s") % {"line": row.line, "problems": messages})
            continue
        coverage.save()
    if errors:
        raise ValidationError(errors)  # rolls the whole import back
    audit_log(
        user=user,
        action=AuditEvent.Action.IMPORT,
        project=project,
        object_type=CountryCoverage._meta.label,
        details={"rows": len(rows), "countries": [row.country.code for row in rows]},
    )
    return len(rows)


# --- findings --------------------------------------------------------------------------------------------------------

FINDING_FIELDS = ("title", "crime_type", "source", "reliability", "description")
FINDING_LISTS = ("origin_countries", "action_countries", "indicators")


@transaction.atomic
def finding_save(*, user, project: Project, finding: Finding | None = None, **fields) -> Finding:
    """Record a new modus operandi finding, or change one. Countries of action are required; the countries must be
    among the project's 34."""
    require_action(user=user, project=project, action=Action.EDIT)
    unknown = set(fields) - set(FINDING_FIELDS) - set(FINDING_LISTS)
    if unknown:
        raise TypeError(f"finding_save() got unexpected fields {sorted(unknown)}")
    creating = finding is None
    before = {} if creating else audit_snapshot(Finding.objects.get(pk=finding.pk))
    finding = finding or Finding(project=project, recorded_by=user)
    for name in FINDING_FIELDS:
        if name in fields:
            setattr(finding, name, fields[name])
    if not fields.get("action_countries") and (creating or "action_countries" in fields):
        raise ValidationError({"action_countries": _("Name at least one country where the groups act.")})
    scope = set(scope_countries().values_list("pk", flat=True))
    for name in ("origin_countries", "action_countries"):
        if any(country.pk not in scope for country in fields.get(name) or []):
            raise ValidationError({name: _("Choose among the 34 countries of the project.")})
    finding.full_clean()
    finding.save()
    for name in FINDING_LISTS:
        if name in fields:
            getattr(finding, name).set(fields[name])
    audit_log(
        user=user,
        action=AuditEvent.Action.CREATE if creating else AuditEvent.Action.CHANGE,
        obj=finding,
        project=project,
        details={"crime_type": finding.crime_type, "changes": audit_changes(before, audit_snapshot(finding))},
    )
    return finding


# --- the road map ----------------------------------------------------------------------------------------------------


@transaction.atomic
def barrier_save(*, user, project: Project, barrier: Barrier | None = None, countries=(), **fields) -> Barrier:
    """Record a barrier caused by insufficient legal options, or change one; it applies in at least one country."""
    require_action(user=user, project=project, action=Action.EDIT)
    if not countries:
        raise ValidationError({"countries": _("Name at least one country where the barrier applies.")})
    scope = set(scope_countries().values_list("pk", flat=True))
    if any(country.pk not in scope for country in countries):
        raise ValidationError({"countries": _("Choose among the 34 countries of the project.")})
    creating = barrier is None
    before = {} if creating else audit_snapshot(Barrier.objects.get(pk=barrier.pk))
    barrier = barrier or Barrier(project=project)
    for name in ("title", "description", "legal_area"):
        if name in fields:
            setattr(barrier, name, fields[name])
    barrier.full_clean()
    barrier.save()
    barrier.countries.set(countries)
    audit_log(
        user=user,
        action=AuditEvent.Action.CREATE if creating else AuditEvent.Action.CHANGE,
        obj=barrier,
        project=project,
        details={"changes": audit_changes(before, audit_snapshot(barrier))},
    )
    return barrier


@transaction.atomic
def intervention_save(*, user, barrier: Barrier, intervention: Intervention | None = None, **fields) -> Intervention:
    """Propose an intervention against a barrier, or change one (its status, for instance)."""
    require_action(user=user, project=barrier.project, action=Action.EDIT)
    creating = intervention is None
    intervention = intervention or Intervention(barrier=barrier)
    for name in ("description", "responsible_actor", "horizon", "status"):
        if name in fields:
            setattr(intervention, name, fields[name])
    intervention.full_clean()
    intervention.save()
    audit_log(
        user=user,
        action=AuditEvent.Action.CREATE if creating else AuditEvent.Action.CHANGE,
        obj=intervention,
        project=barrier.project,
        details={"status": intervention.status},
    )
    return intervention


ROAD_MAP_TITLE = "Road map for reducing barriers caused by insufficient legal options"


def road_map_for(project: Project, user=None) -> RoadMap:
    """The project's road map, created on first use and tied to the workstream deliverable named after it."""
    road_map = RoadMap.objects.filter(project=project).order_by("pk").first()
    if road_map is None:
        deliverable = (
            Deliverable.objects.filter(workstream__project=project, title__istartswith="road map")
            .order_by("pk")
            .first()
        )
        with transaction.atomic():
            road_map = RoadMap.objects.create(project=project, title=ROAD_MAP_TITLE, deliverable=deliverable)
            audit_log(user=user, action=AuditEvent.Action.CREATE, obj=road_map, project=project)
    return road_map


@transaction.atomic
def roadmap_version_submit(*, user, road_map: RoadMap, document, notes: str = "") -> RoadMapVersion:
    """Submit a new version of the road-map document for a manager's approval (staff and managers)."""
    project = road_map.project
    require_action(user=user, project=project, action=Action.EDIT)
    RoadMap.objects.select_for_update().filter(pk=road_map.pk).first()  # one version number at a time
    number = (road_map.versions.aggregate(n=Max("number"))["n"] or 0) + 1
    version = RoadMapVersion(road_map=road_map, number=number, notes=notes, submitted_by=user)
    version.full_clean(exclude=["document"])
    try:
        validate_file_content(document)
    except ValidationError as exc:
        raise ValidationError({"document": exc.error_list}) from None
    version.document.save(document.name.rsplit("/", 1)[-1], document, save=False)  # stored once known valid
    version.save()
    audit_log(user=user, action=AuditEvent.Action.CREATE, obj=version, project=project, details={"number": number})
    return version


def _decidable(user, version: RoadMapVersion) -> Project:
    project = version.road_map.project
    if not _allows(user, project, Action.VALIDATE):
        raise PermissionDenied(_("Only a manager of the project may approve or return a road map."))
    if not version.awaits_decision:
        raise ValidationError(_("Only a version submitted for approval can be approved or returned."))
    return project


@transaction.atomic
def roadmap_version_approve(*, user, version: RoadMapVersion, note: str = "") -> RoadMapVersion:
    """Approve a submitted version (a manager): it now counts toward `road_maps`, earlier approved versions are
    superseded, and the workstream deliverable the road map fulfils is approved with it as evidence.

    Only the latest version still in play may be approved: once a later version is submitted or approved, an older
    one cannot overtake it (it would supersede the newer document with an outdated one)."""
    project = _decidable(user, version)
    RoadMap.objects.select_for_update().filter(pk=version.road_map_id).first()  # one decision at a time
    newer = RoadMap.objects.prefetch_related("versions").get(pk=version.road_map_id).latest_in_play
    if newer is not None and newer.number > version.number:
        raise ValidationError(
            _(
                "Version %(number)d cannot be approved: version %(newer)d is newer (%(status)s). Approve or return "
                "the latest version instead."
            )
            % {"number": version.number, "newer": newer.number, "status": newer.get_status_display().lower()},
            code="outdated_version",
        )
    today = timezone.localdate()
    older = version.road_map.versions.filter(status=RoadMapVersion.Status.APPROVED, number__lt=version.number)
    superseded = sorted(older.values_list("number", flat=True))
    older.update(status=RoadMapVersion.Status.SUPERSEDED)
    version.status, version.decided_by, version.decision_note, version.approved_on = "approved", user, note, today
    version.save(update_fields=["status", "decided_by", "decision_note", "approved_on"])
    details = {"to": "approved", **({"superseded": superseded} if superseded else {})}
    audit_log(user=user, action=AuditEvent.Action.TRANSITION, obj=version, project=project, details=details)
    deliverable = version.road_map.deliverable
    if deliverable is not None:
        if deliverable.status != Deliverable.Status.APPROVED:
            deliverable_set_status(user=user, deliverable=deliverable, status="approved", delivered_on=today)
        previous, deliverable.evidence.name = deliverable.evidence.name, version.document.name  # the evidence
        deliverable.save(update_fields=["evidence"])
        if previous != deliverable.evidence.name:
            audit_log(
                user=user,
                action=AuditEvent.Action.CHANGE,
                obj=deliverable,
                project=project,
                details={"evidence": [previous or None, deliverable.evidence.name], "road_map_version": version.number},
            )
    return version


@transaction.atomic
def roadmap_version_return(*, user, version: RoadMapVersion, note: str) -> RoadMapVersion:
    """Send a submitted version back for changes (a manager), saying why."""
    project = _decidable(user, version)
    if not note.strip():
        raise ValidationError({"note": _("Say what should change.")})
    version.status, version.decided_by, version.decision_note = RoadMapVersion.Status.RETURNED, user, note
    version.save(update_fields=["status", "decided_by", "decision_note"])
    audit_log(user=user, action=AuditEvent.Action.TRANSITION, obj=version, project=project, details={"to": "returned"})
    return version


def exploitation_indicators_ensure() -> None:
    """Create the standard exploitation indicators that are missing (the data migration does it on a new database)."""
    for order, (key, name, description) in enumerate(reference.EXPLOITATION_INDICATORS, start=1):
        ExploitationIndicator.objects.get_or_create(
            key=key, defaults={"name": name, "description": description, "order": order}
        )
