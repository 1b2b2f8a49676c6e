"""Writes of joint activities. Pages, the admin and tasks all come through here, so the rules are the same.

Each service runs in one transaction (nothing is saved half-way), checks who may act through the portal's one
access rule (`Project.objects.for_user`), and records what it did in the audit trail.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from conferences.models import Event
from projects.access import Action, role_allows
from projects.audit import audit_changes, audit_snapshot
from projects.concurrency import StaleRecordError, lock_current
from projects.events import emit
from projects.models import AuditEvent, Country, Organisation, Person, Project
from projects.queries import visible_projects
from projects.services import audit_log, person_contacts_update, person_find_or_create

from .models import (
    COMMENT_MAX_LENGTH,
    STATUS_TRANSITIONS,
    ActivityAttachment,
    ActivityOfficer,
    ActivityStatus,
    Evaluation,
    JointActivity,
    Spoc,
    ValidationState,
)
from .workstreams import default_workstream


class StaleActivityError(StaleRecordError):
    """The activity was changed by someone else since the form was opened (the core's stale-save refusal)."""

    def __init__(self, current=None, *, what: str | None = None) -> None:
        super().__init__(current, what=what or _("activity"))


def user_may(user, project_id: int, action: Action) -> bool:
    """Whether the user's role in the project allows the action (the portal's one access rule)."""
    return Project.objects.for_user(user, action).filter(pk=project_id).exists()


def _require(user, project_id: int, action: Action) -> None:
    if not user_may(user, project_id, action):
        raise PermissionDenied


def activity_check_editable(*, activity: JointActivity, user) -> None:
    """Refuse a change the user may not make, by the activity's own rule (`JointActivity.is_editable_by_role`)."""
    role = visible_projects(user).filter(pk=activity.project_id).values_list("user_role", flat=True).first()
    if not role_allows(role, Action.EDIT):
        raise PermissionDenied
    if not activity.is_editable_by_role(role):
        raise PermissionDenied(_("This activity is validated: only a manager can change it or reopen it."))


def _lock(activity: JointActivity, expected_version: int | None) -> JointActivity:
    """Lock the stored row and refuse the write if it changed since `expected_version` was read."""
    return lock_current(activity, expected_version, error=StaleActivityError)


@dataclass(frozen=True)
class OfficerEntry:
    """An officer of an activity: a `person` already known (picked among those the user may pick: the form's field
    checks it), or one typed by name, country and agency, found or created as a `Person`, so each officer is one
    person."""

    name: str
    country: Country
    organisation: Organisation | None
    role: str
    person: Person | None = None

    @classmethod
    def of(cls, person: Person, role: str) -> OfficerEntry:
        return cls(person.name, person.country, person.organisation, role, person)


def _officers_replace(activity: JointActivity, officers: Iterable[OfficerEntry]) -> None:
    wanted: dict[int, str] = {}
    for entry in officers:
        person = entry.person
        if person is None:
            person, _created = person_find_or_create(
                name=entry.name, country=entry.country, organisation=entry.organisation
            )
        if person.pk in wanted:
            raise ValidationError(_("%(name)s is listed twice.") % {"name": person.name}, code="duplicate_officer")
        wanted[person.pk] = entry.role
    existing = {o.person_id: o for o in ActivityOfficer.objects.filter(activity=activity)}
    ActivityOfficer.objects.filter(activity=activity).exclude(person_id__in=list(wanted)).delete()
    for person_id, role in wanted.items():
        row = existing.get(person_id)
        if row is None:
            ActivityOfficer.objects.create(activity=activity, person_id=person_id, role=role)
        elif row.role != role:
            row.role = role
            row.save(update_fields=["role"])


def _discussion_events(activity: JointActivity, events: Iterable[Event]) -> list[Event]:
    """The events an activity was discussed at: workshops or meetings of its own project only."""
    events = list(events)
    if any(event.project_id != activity.project_id for event in events):
        raise ValidationError(
            {"discussed_at": _("Choose workshops or meetings of this project only.")}, code="discussed_at_project"
        )
    if not all(event.accepts_discussions for event in events):
        raise ValidationError(
            {"discussed_at": _("An activity is discussed at a workshop or a meeting, not at another kind of event.")},
            code="discussed_at_kind",
        )
    return events


@transaction.atomic
def activity_save(
    *,
    activity: JointActivity,
    user,
    expected_version: int | None = None,
    officers: Iterable[OfficerEntry] | None = None,
    save_related: Callable[[JointActivity], None] | None = None,
    changed: Iterable[str] = (),
    discussed_at: Iterable[Event] | None = None,
) -> JointActivity:
    """Create or change an activity with its places, countries and officers, all or nothing.

    A new activity starts as a draft in the status chosen; afterwards the status and validation move only
    through the transition services. A change refuses a stale `expected_version` and respects the lock.
    `discussed_at` (None: unchanged) replaces the workshops and meetings of the project where it was discussed.
    """
    creating = activity.pk is None
    before = {}
    if creating:
        _require(user, activity.project_id, Action.EDIT)
        activity.validation_state = ValidationState.DRAFT
        activity.version = 1
        activity.created_by = user if user.is_authenticated else None
        if activity.workstream_id is None and activity.project_id:
            activity.workstream = default_workstream(activity.project, activity.type, activity.start_date)
    else:
        current = _lock(activity, expected_version)
        activity_check_editable(activity=current, user=user)
        before = audit_snapshot(current)
        if activity.status != current.status or activity.validation_state != current.validation_state:
            raise ValidationError(_("The status and the validation change only through their buttons."))
    activity.full_clean()
    events = None if discussed_at is None else _discussion_events(activity, discussed_at)
    activity.save()
    if save_related is not None:
        save_related(activity)
    if events is not None:
        activity.discussed_at.set(events)
    if officers is not None:
        _officers_replace(activity, officers)
    # The entry holds the old and new values, the officers, places and countries included.
    changes = audit_changes(before, audit_snapshot(activity))
    fields = sorted(set(changed) | (set() if creating else set(changes)))
    audit_log(
        user=user,
        action=AuditEvent.Action.CREATE if creating else AuditEvent.Action.CHANGE,
        obj=activity,
        details={"version": activity.version, **({"fields": fields} if fields else {}), "changes": changes},
    )
    return activity


def _comment(comment: str, *, missing: str) -> str:
    """A manager's reason for sending back or reopening: required, and a few paragraphs at most."""
    comment = comment.strip()
    if not comment:
        raise ValidationError({"comment": missing})
    if len(comment) > COMMENT_MAX_LENGTH:
        raise ValidationError(
            {
                "comment": _("Keep the comment to at most %(limit)d characters (it has %(length)d).")
                % {"limit": COMMENT_MAX_LENGTH, "length": len(comment)}
            }
        )
    return comment


def _transition(activity: JointActivity, user, action: str, details: dict) -> JointActivity:
    activity.full_clean()
    activity.save()
    audit_log(user=user, action=AuditEvent.Action.TRANSITION, obj=activity, details={"action": action, **details})
    return activity


@transaction.atomic
def activity_advance(*, activity: JointActivity, user, expected_version: int | None = None) -> JointActivity:
    """Move an activity to its next status: planned → ongoing → completed → evaluated."""
    activity = _lock(activity, expected_version)
    activity_check_editable(activity=activity, user=user)
    target = STATUS_TRANSITIONS.get(activity.status)
    if target is None:
        raise ValidationError(_("An evaluated activity has no further status."))
    if target == ActivityStatus.EVALUATED and not activity.evaluations.exists():
        raise ValidationError(_("Add at least one country's evaluation before marking the activity evaluated."))
    before = activity.status
    activity.status = target
    return _transition(activity, user, "status", {"from": before, "to": target})


@transaction.atomic
def activity_submit(*, activity: JointActivity, user, expected_version: int | None = None) -> JointActivity:
    """Staff submit a draft (or a returned activity) for a manager's validation."""
    activity = _lock(activity, expected_version)
    _require(user, activity.project_id, Action.EDIT)
    if activity.validation_state not in (ValidationState.DRAFT, ValidationState.RETURNED):
        raise ValidationError(_("Only a draft or a returned activity can be submitted."))
    activity.validation_state = ValidationState.SUBMITTED
    activity = _transition(activity, user, "submit", {"to": ValidationState.SUBMITTED})
    emit("activity.submitted", project=activity.project_id, sensitive=activity.is_sensitive, id=activity.pk)
    return activity


@transaction.atomic
def activity_validate(*, activity: JointActivity, user, expected_version: int | None = None) -> JointActivity:
    """A manager approves a submitted activity; from now on it counts toward the targets (once completed)."""
    activity = _lock(activity, expected_version)
    _require(user, activity.project_id, Action.VALIDATE)
    if activity.validation_state != ValidationState.SUBMITTED:
        raise ValidationError(_("Only a submitted activity can be validated."))
    activity.validation_state = ValidationState.VALIDATED
    activity.validation_comment = ""
    activity.validated_by, activity.validated_at = user, timezone.now()
    activity = _transition(activity, user, "validate", {"to": ValidationState.VALIDATED})
    emit("activity.validated", project=activity.project_id, sensitive=activity.is_sensitive, id=activity.pk)
    return activity


@transaction.atomic
def activity_return(
    *, activity: JointActivity, user, comment: str, expected_version: int | None = None
) -> JointActivity:
    """A manager sends a submitted activity back to its authors, saying why."""
    activity = _lock(activity, expected_version)
    _require(user, activity.project_id, Action.VALIDATE)
    comment = _comment(comment, missing=_("Say what needs to change."))
    if activity.validation_state != ValidationState.SUBMITTED:
        raise ValidationError(_("Only a submitted activity can be sent back."))
    activity.validation_state = ValidationState.RETURNED
    activity.validation_comment = comment
    return _transition(activity, user, "return", {"to": ValidationState.RETURNED, "comment": comment})


@transaction.atomic
def activity_reopen(
    *, activity: JointActivity, user, comment: str, expected_version: int | None = None
) -> JointActivity:
    """A manager reopens a validated activity for changes; it stops counting until validated again."""
    activity = _lock(activity, expected_version)
    _require(user, activity.project_id, Action.VALIDATE)
    comment = _comment(comment, missing=_("Say why the activity is reopened."))
    if activity.validation_state != ValidationState.VALIDATED:
        raise ValidationError(_("Only a validated activity can be reopened."))
    activity.validation_state = ValidationState.RETURNED
    activity.validation_comment = comment
    activity.validated_by, activity.validated_at = None, None
    return _transition(activity, user, "reopen", {"to": ValidationState.RETURNED, "comment": comment})


@transaction.atomic
def activity_delete(*, activity: JointActivity, user) -> None:
    """Delete an activity and what hangs under it (a manager's decision), leaving a line in the audit trail."""
    _require(user, activity.project_id, Action.VALIDATE)
    audit_log(
        user=user,
        action=AuditEvent.Action.DELETE,
        obj=activity,
        details={
            "type": activity.type,
            "status": activity.status,
            "validation": activity.validation_state,
            "changes": audit_changes(audit_snapshot(activity), {}),  # what was deleted, its officers included
        },
    )
    activity.delete()


TRANSITIONS = {
    "advance": activity_advance,
    "submit": activity_submit,
    "validate": activity_validate,
    "return": activity_return,
    "reopen": activity_reopen,
}


@transaction.atomic
def evaluation_save(*, evaluation: Evaluation, user) -> Evaluation:
    """Record (or change) one country's evaluation of a completed activity."""
    activity = JointActivity.objects.select_for_update().get(pk=evaluation.activity_id)
    _require(user, activity.project_id, Action.EDIT)
    creating = evaluation.pk is None
    if creating:
        evaluation.author = user if user.is_authenticated else None
    evaluation.full_clean()
    evaluation.save()
    audit_log(
        user=user,
        action=AuditEvent.Action.CHANGE,
        obj=activity,
        details={"evaluation": "added" if creating else "changed", "country": evaluation.country.code},
    )
    return evaluation


@transaction.atomic
def attachment_add(*, activity: JointActivity, user, kind: str, file) -> ActivityAttachment:
    """Attach an agenda, minutes or evaluation report to an activity."""
    activity = JointActivity.objects.select_for_update().get(pk=activity.pk)
    activity_check_editable(activity=activity, user=user)
    attachment = ActivityAttachment(activity=activity, kind=kind, file=file, uploaded_by=user)
    attachment.full_clean()
    attachment.save()
    audit_log(
        user=user,
        action=AuditEvent.Action.CHANGE,
        obj=activity,
        details={"attachment": "added", "kind": kind, "file": attachment.filename},
    )
    return attachment


@transaction.atomic
def spoc_add(
    *, project: Project, user, name: str, country: Country, agency: Organisation, area: str = "", email: str = ""
) -> Spoc:
    """Add a SPOC to the project's directory (the SPOC is a `Person`, found or created; an e-mail given becomes
    the project's contact for them, see `person_contacts_update`).

    Additions to one project's directory are made one at a time (a lock on the project's row that does not stop
    others from linking records to it), so the second of two people adding the same SPOC at once finds the first's
    and is told, and the person is not created twice; the unique entry is still the database's last word.
    """
    _require(user, project.pk, Action.EDIT)
    Project.objects.select_for_update(no_key=True).filter(pk=project.pk).first()
    person, _created = person_find_or_create(name=name, country=country, organisation=agency)
    if Spoc.objects.filter(project=project, person=person, agency=agency).exists():
        raise ValidationError({"name": _("This SPOC is already in the directory.")}, code="duplicate_spoc")
    spoc = Spoc(project=project, person=person, country=country, agency=agency, area=area)
    spoc.full_clean()
    try:
        with transaction.atomic():
            spoc.save()
    except IntegrityError:  # added by someone else a moment ago, by a path that does not take the lock (the admin)
        raise ValidationError({"name": _("This SPOC is already in the directory.")}, code="duplicate_spoc") from None
    audit_log(user=user, action=AuditEvent.Action.CREATE, obj=spoc, project=project)
    person_contacts_update(user=user, project=project, emails={person: email})
    return spoc
