"""Writes of the IMOBEX records. Every one checks the user's role through the core's access rule, runs in a
transaction and is written to the audit trail."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date
from itertools import islice

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from projects.access import Action
from projects.audit import audit_changes, audit_snapshot
from projects.concurrency import StaleRecordError, check_not_stale, lock_current
from projects.events import emit
from projects.models import AuditEvent, Country, Deliverable, Project
from projects.services import audit_log, deliverable_set_status, require_action

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
    expected_version: int | None = None,
) -> CountryCoverage:
    """Move a country's information gathering to a new state (or update its details), if the move is allowed and
    the user's role may make it: staff request and receive, a manager validates or reopens.

    A stale `expected_version` (the version the form was opened on; 0 for a country nobody had touched) is refused,
    and so is the second of two first saves of the same country."""
    require_action(user=user, project=project, action=Action.EDIT)
    stored = CountryCoverage.objects.select_for_update().filter(project=project, country=country).first()
    check_not_stale(stored, expected_version, what=_("country's coverage"))
    coverage = stored or CountryCoverage(project=project, country=country)
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
    try:
        with transaction.atomic():
            coverage.save()
    except IntegrityError:  # its first save, made by someone else a moment ago
        raise StaleRecordError(
            CountryCoverage.objects.filter(project=project, country=country).first(), what=_("country's coverage")
        ) from None
    audit_log(
        user=user,
        action=AuditEvent.Action.TRANSITION if current != state else AuditEvent.Action.CHANGE,
        obj=coverage,
        project=project,
        details={"country": country.code, "from": current, "to": state, "source": coverage.source},
    )
    if state == State.VALIDATED and current != state:
        emit("coverage.validated", project=project, id=coverage.pk, country=country.code)
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
IMPORT_MAX_LINES = 200  # one line per country of the 34 in scope; a longer file is not a coverage list


def coverage_import_parse(text: str) -> list[ImportRow]:
    """Read a coverage CSV (columns country, state, source, date, notes; country as ISO code), checking every line.

    Raises one ValidationError listing every problem, so that nothing is saved from a file with an error.
    """
    if "\x00" in text:  # PostgreSQL keeps no NUL in a text, and no CSV holds one
        raise ValidationError(_("This is not a CSV file (it holds binary data): save it as “CSV UTF-8”."))
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    try:
        lines = list(islice(reader, IMPORT_MAX_LINES + 1))
    except csv.Error:  # a cell beyond the csv module's limit (128 KB), an unclosed quote...
        raise ValidationError(
            _("Line %(line)d cannot be read as CSV: check its quotes and the length of its cells.")
            % {"line": reader.reader.line_num}  # the DictReader's own count stops at the last good line
        ) from None
    missing = [c for c in IMPORT_COLUMNS[:4] if c not in (reader.fieldnames or [])]
    if missing:
        raise ValidationError(_("The file has no column %(columns)s.") % {"columns": ", ".join(missing)})
    if len(lines) > IMPORT_MAX_LINES:
        raise ValidationError(_("The file has more than %(n)d lines: one line per country.") % {"n": IMPORT_MAX_LINES})
    countries = {c.code: c for c in scope_countries()}
    rows, errors, seen = [], [], set()
    for line, raw in enumerate(lines, start=2):
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
def finding_save(
    *, user, project: Project, finding: Finding | None = None, expected_version: int | None = None, **fields
) -> Finding:
    """Record a new modus operandi finding, or change one (refusing a stale `expected_version`). Countries of action
    are required; the countries must be among the project's 34."""
    require_action(user=user, project=project, action=Action.EDIT)
    if finding is not None and finding.pk is not None:
        lock_current(finding, expected_version)
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
def barrier_save(
    *,
    user,
    project: Project,
    barrier: Barrier | None = None,
    countries=(),
    expected_version: int | None = None,
    **fields,
) -> Barrier:
    """Record a barrier caused by insufficient legal options, or change one (refusing a stale `expected_version`);
    it applies in at least one country."""
    require_action(user=user, project=project, action=Action.EDIT)
    if barrier is not None and barrier.pk is not None:
        lock_current(barrier, expected_version)
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
def intervention_save(
    *,
    user,
    barrier: Barrier,
    intervention: Intervention | None = None,
    expected_version: int | None = None,
    **fields,
) -> Intervention:
    """Propose an intervention against a barrier, or change one (its status, for instance), refusing a stale
    `expected_version`."""
    require_action(user=user, project=barrier.project, action=Action.EDIT)
    if intervention is not None and intervention.pk is not None:
        lock_current(intervention, expected_version)
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
    try:  # the document field's own rules (type, size, content, no macros), as in every form
        RoadMapVersion._meta.get_field("document").run_validators(document)
    except ValidationError as exc:
        raise ValidationError({"document": exc.error_list}) from None
    version.document.save(document.name.rsplit("/", 1)[-1], document, save=False)  # stored once known valid
    version.save()
    audit_log(user=user, action=AuditEvent.Action.CREATE, obj=version, project=project, details={"number": number})
    return version


def _decidable(user, version: RoadMapVersion) -> tuple[Project, RoadMapVersion]:
    """Lock the road map (one decision at a time) and the version, and check the version still awaits a decision,
    under the lock: of two managers deciding the same version at once, the second is told what the first decided.

    Returns the project and the version as stored now (the decision is made on that row)."""
    project = version.road_map.project
    if not _allows(user, project, Action.VALIDATE):
        raise PermissionDenied(_("Only a manager of the project may approve or return a road map."))
    RoadMap.objects.select_for_update().filter(pk=version.road_map_id).first()
    current = RoadMapVersion.objects.select_for_update(of=("self",)).select_related("decided_by").get(pk=version.pk)
    current.road_map = version.road_map
    if not current.awaits_decision:
        if current.decided_by is not None and current.status != RoadMapVersion.Status.SUBMITTED:
            raise ValidationError(
                _(
                    "Version %(number)d was already decided by %(user)s: it is now “%(status)s”. Nothing was "
                    "changed; reload the page to see it."
                )
                % {
                    "number": current.number,
                    "user": current.decided_by.get_full_name() or current.decided_by.get_username(),
                    "status": current.get_status_display().lower(),
                },
                code="already_decided",
            )
        raise ValidationError(_("Only a version submitted for approval can be approved or returned."))
    return project, current


@transaction.atomic
def roadmap_version_approve(*, user, version: RoadMapVersion, note: str = "") -> RoadMapVersion:
    """Approve a submitted version (a manager): it now counts toward `road_maps`, earlier approved versions are
    superseded, and the workstream deliverable the road map fulfils is approved with it as evidence.

    Only the latest version still in play may be approved: once a later version is submitted or approved, an older
    one cannot overtake it (it would supersede the newer document with an outdated one)."""
    project, version = _decidable(user, version)
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
    project, version = _decidable(user, version)
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
