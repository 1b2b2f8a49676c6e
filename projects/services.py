"""Writes of the core. Views, the admin's actions, management commands and Celery tasks all come through here."""

from __future__ import annotations

import calendar
from collections.abc import Iterable
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from . import reference
from .access import Action
from .audit import audit_changes, audit_snapshot
from .audit import audit_log as audit_log  # every service records through services.audit_log
from .concurrency import lock_current
from .jobs import job_execute as job_execute  # the background jobs' writes
from .jobs import job_start as job_start
from .jobs import job_sweep as job_sweep
from .models import (
    AuditEvent,
    Country,
    CountryGroup,
    Deliverable,
    Indicator,
    Membership,
    Milestone,
    Organisation,
    Partner,
    Profile,
    Project,
    Task,
    Workstream,
)
from .people import person_contacts_update as person_contacts_update  # the people's writes
from .people import person_find_or_create as person_find_or_create
from .queries import require_action as require_action  # the one access rule, for the services of the apps


def add_months(start: date, months: int) -> date:
    """The date `months` after `start`, clamped to the end of a shorter month."""
    month_index = start.month - 1 + months
    year, month = start.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(start.day, calendar.monthrange(year, month)[1]))


def project_month_end(project: Project, month: int) -> date:
    """The last day of the project's n-th month (month 1 is the month the project starts in)."""
    first = add_months(project.start_date.replace(day=1), month - 1)
    return first.replace(day=calendar.monthrange(first.year, first.month)[1])


PROJECT_FIELDS = ("name", "acronym", "full_title", "funding_programme", "start_date", "end_date", "description")


@dataclass
class LoadReport:
    created: dict[str, int] = field(default_factory=dict)

    def count(self, what: str, created: bool) -> None:
        if created:
            self.created[what] = self.created.get(what, 0) + 1

    @property
    def total(self) -> int:
        return sum(self.created.values())


@transaction.atomic
def reference_data_load() -> LoadReport:
    """Create whatever of the SELEC reference data is missing. Never overwrites: edits made in the admin stay."""
    report = LoadReport()
    countries = {}
    for code, name in reference.COUNTRIES.items():
        countries[code], created = Country.objects.get_or_create(code=code, defaults={"name": name})
        report.count("countries", created)
    for spec in reference.COUNTRY_GROUPS:
        group, created = CountryGroup.objects.get_or_create(
            key=spec["key"], defaults={"name": spec["name"], "description": spec["description"]}
        )
        report.count("country groups", created)
        present = set(group.countries.values_list("code", flat=True))
        missing = [countries[code] for code in spec["members"] if code not in present]
        if missing:
            group.countries.add(*missing)
            report.created["group memberships"] = report.created.get("group memberships", 0) + len(missing)

    organisations = {}
    for name, acronym, kind, country_code in reference.ORGANISATIONS:
        organisations[acronym], created = Organisation.objects.get_or_create(
            name=name, defaults={"acronym": acronym, "kind": kind, "country": countries[country_code]}
        )
        report.count("organisations", created)

    for spec in reference.PROJECTS:
        project, created = Project.objects.get_or_create(
            code=spec["code"],
            defaults={
                "status": spec.get("status", Project.Status.ACTIVE),
                **{key: spec.get(key, "") for key in PROJECT_FIELDS},
            },
        )
        report.count("projects", created)
        for acronym, role in spec["partners"]:
            _, created = Partner.objects.get_or_create(
                project=project, organisation=organisations[acronym], defaults={"role": role}
            )
            report.count("partners", created)
        for ws in spec["workstreams"]:
            workstream, created = Workstream.objects.get_or_create(
                project=project,
                number=ws["number"],
                defaults={
                    "title": ws["title"],
                    "lead": organisations[ws["lead"]],
                    "start_date": add_months(project.start_date.replace(day=1), ws["months"][0] - 1),
                    "end_date": project_month_end(project, ws["months"][1]),
                },
            )
            report.count("workstreams", created)
            for title, month in ws["milestones"]:
                _, created = Milestone.objects.get_or_create(
                    workstream=workstream, title=title, defaults={"due_date": project_month_end(project, month)}
                )
                report.count("milestones", created)
            for title, month in ws["deliverables"]:
                _, created = Deliverable.objects.get_or_create(
                    workstream=workstream, title=title, defaults={"due_date": project_month_end(project, month)}
                )
                report.count("deliverables", created)
        for order, (key, label, unit, target) in enumerate(spec["indicators"], start=1):
            _, created = Indicator.objects.get_or_create(
                project=project,
                key=key,
                defaults={"label": label, "unit": unit, "target": target, "metric": key, "order": order},
            )
            report.count("indicators", created)
    return report


def membership_set(*, user, project: Project, role: str) -> Membership:
    """Give the user this role in the project (creating or changing the membership). For the demo data and the
    tests' fixtures, not recorded; memberships are given in the admin, which records them."""
    membership, _ = Membership.objects.update_or_create(user=user, project=project, defaults={"role": role})
    return membership


@transaction.atomic
def profile_update(*, user, time_zone: str, organisation: Organisation | None = None) -> Profile:
    """Save the user's settings (their account page; the demo data); a time zone that is not one is refused (every
    page would read it)."""
    stored = Profile.objects.select_for_update().filter(user=user).first()
    before = {} if stored is None else audit_snapshot(stored, ["time_zone", "organisation"])
    profile = stored or Profile(user=user)
    profile.time_zone, profile.organisation = time_zone, organisation
    profile.full_clean()
    profile.save()
    changes = audit_changes(before, audit_snapshot(profile, ["time_zone", "organisation"]))
    if stored is None or changes:
        action = AuditEvent.Action.CREATE if stored is None else AuditEvent.Action.CHANGE
        audit_log(user=user, action=action, obj=profile, details={"changes": changes})
    return profile


def user_ensure(*, username: str, password: str, email: str = "", superuser: bool = False, **names):
    """Create the account if it does not exist; an existing account is left as it is."""
    User = get_user_model()
    user = User.objects.filter(username=username).first()
    if user is None:
        create = User.objects.create_superuser if superuser else User.objects.create_user
        user = create(username=username, password=password, email=email, **names)
    return user


def project_of(obj) -> Project | None:
    """The project a record belongs to, by its model's `project_path` ("workstream__project"); None for records
    of no project (reference data, accounts)."""
    if isinstance(obj, Project):
        return obj
    value = obj
    for name in (getattr(obj, "project_path", "") or "").split("__"):
        value = getattr(value, name, None) if name else None
        if value is None:
            return None
    return value


@transaction.atomic
def record_save(*, user, obj, changed_fields: Iterable[str] = ()):
    """Create or change a record that has no service of its own (reference data, plans, people, accounts):
    validated, saved and written to the audit trail. The admin saves through here (see `projects.admin_base`).

    `changed_fields` names what changed (the trail keeps the names, never the values); a change of nothing is
    saved but not recorded. A related row of another record (an officer of an activity: its model's
    `audit_parent`) is recorded in the entry of that record, with the rows before and after.
    """
    if getattr(type(obj), "audit_parent", None):
        with _recorded_in_parent(user, obj):
            obj.full_clean()
            obj.save()
        return obj
    creating = obj._state.adding
    obj.full_clean()
    obj.save()
    changed = sorted(changed_fields)
    if creating or changed:
        audit_log(
            user=user,
            action=AuditEvent.Action.CREATE if creating else AuditEvent.Action.CHANGE,
            obj=obj,
            project=project_of(obj),
            details={} if creating else {"fields": changed},
        )
    return obj


@transaction.atomic
def record_delete(*, user, obj) -> None:
    """Delete a record that has no service of its own, leaving a line in the audit trail (a related row: in the
    entry of the record it belongs to)."""
    if getattr(type(obj), "audit_parent", None):
        with _recorded_in_parent(user, obj):
            obj.delete()
        return
    audit_log(user=user, action=AuditEvent.Action.DELETE, obj=obj, project=project_of(obj))
    obj.delete()


@contextmanager
def _recorded_in_parent(user, obj):
    """Record the write done inside as a change of the parent's related rows: `audit_parent = ("activity",
    "officers")` gives an entry on the activity with its officers before and after."""
    field, relation = type(obj).audit_parent
    parents = {getattr(obj, f"{field}_id")}
    if obj.pk is not None:  # the row may move to another parent: both change
        parents |= set(type(obj)._base_manager.filter(pk=obj.pk).values_list(f"{field}_id", flat=True))
    parent_model = obj._meta.get_field(field).related_model
    records = list(parent_model._base_manager.filter(pk__in=parents))
    before = {record.pk: audit_snapshot(record, [relation]) for record in records}
    yield
    for record in records:
        changes = audit_changes(before[record.pk], audit_snapshot(record, [relation]))
        if changes:
            details = {"fields": [relation], "changes": changes}
            audit_log(
                user=user, action=AuditEvent.Action.CHANGE, obj=record, project=project_of(record), details=details
            )


# --- workstreams: tasks, milestones and deliverables ------------------------------------------------------------------


def _changes(obj, fields: dict) -> dict:
    """Apply the fields to the object and return {field: [old, new]} for those that changed (for the audit trail)."""
    changed = {}
    for name, value in fields.items():
        old = getattr(obj, name)
        if old != value:
            changed[name] = [_plain(old), _plain(value)]
            setattr(obj, name, value)
    return changed


def _plain(value):
    if isinstance(value, date):
        return value.isoformat()
    if hasattr(value, "pk"):
        return value.pk
    return value if value is None or isinstance(value, bool | int | float) else str(value)


TASK_FIELDS = ("title", "description", "owner", "due_date", "status")


@transaction.atomic
def task_create(
    *,
    user,
    workstream: Workstream,
    title: str,
    due_date: date,
    owner=None,
    description: str = "",
    status: str = Task.Status.TODO,
) -> Task:
    """Add a task to a workstream (staff and managers)."""
    require_action(user=user, project=workstream.project, action=Action.EDIT)
    task = Task(
        workstream=workstream, title=title, description=description, owner=owner, due_date=due_date, status=status
    )
    task.full_clean()
    task.save()
    audit_log(user=user, action=AuditEvent.Action.CREATE, obj=task, project=workstream.project)
    return task


@transaction.atomic
def task_update(*, user, task: Task, expected_version: int | None = None, **fields) -> Task:
    """Change a task's title, description, owner, due date or status (staff and managers), refusing a stale
    `expected_version` (the version the form was opened on)."""
    unknown = set(fields) - set(TASK_FIELDS)
    if unknown:
        raise TypeError(f"task_update() got unexpected fields {sorted(unknown)}")
    project = task.workstream.project
    require_action(user=user, project=project, action=Action.EDIT)
    lock_current(task, expected_version)
    changed = _changes(task, fields)
    task.full_clean()
    task.save()
    if changed:
        audit_log(user=user, action=AuditEvent.Action.CHANGE, obj=task, project=project, details=changed)
    return task


@transaction.atomic
def milestone_set_status(
    *, user, milestone: Milestone, status: str, reached_on: date | None = None, expected_version: int | None = None
) -> Milestone:
    """Mark a milestone reached (with the date), missed or pending again (staff and managers), refusing a stale
    `expected_version`."""
    project = milestone.workstream.project
    require_action(user=user, project=project, action=Action.EDIT)
    lock_current(milestone, expected_version)
    changed = _changes(milestone, {"status": status, "reached_on": reached_on})
    milestone.full_clean()
    milestone.save(update_fields=["status", "reached_on"])
    if changed:
        audit_log(user=user, action=AuditEvent.Action.TRANSITION, obj=milestone, project=project, details=changed)
    return milestone


@transaction.atomic
def deliverable_set_status(
    *,
    user,
    deliverable: Deliverable,
    status: str,
    delivered_on: date | None = None,
    evidence=None,
    expected_version: int | None = None,
) -> Deliverable:
    """Move a deliverable along planned, in progress, submitted; approving (or un-approving) it is a manager's call.
    A stale `expected_version` (the version the form was opened on) is refused.

    `evidence` is an uploaded file that replaces the current one; it is only ever served through the
    access-checked download view, never from a public address.
    """
    project = deliverable.workstream.project
    require_action(user=user, project=project, action=Action.EDIT)
    lock_current(deliverable, expected_version)
    may_approve = Project.objects.for_user(user, Action.VALIDATE).filter(pk=project.pk)
    if deliverable.is_approval_change(status) and not may_approve.exists():
        raise ValidationError(
            {"status": _("Only a manager of the project may approve a deliverable or withdraw an approval.")}
        )
    changed = _changes(deliverable, {"status": status, "delivered_on": delivered_on})
    deliverable.full_clean()
    if evidence is not None:  # stored only once the record and the file are known to be valid
        try:
            Deliverable._meta.get_field("evidence").run_validators(evidence)
        except ValidationError as exc:
            raise ValidationError({"evidence": exc.error_list}) from None
        deliverable.evidence.save(evidence.name.rsplit("/", 1)[-1], evidence, save=False)
        changed["evidence"] = deliverable.evidence.name
    deliverable.save(update_fields=["status", "delivered_on", "evidence"])
    if changed:
        audit_log(user=user, action=AuditEvent.Action.TRANSITION, obj=deliverable, project=project, details=changed)
    return deliverable
