"""The core of the portal: the SELEC portfolio, its partners, workstreams, indicators and who may see what.

Other apps (conferences, operations, ...) hang their records under a `Project` and report their numbers to the
indicators through the registry of contributions (`projects.registry`), so this package never imports them.

One module per concern: `reference` (countries, country groups, organisations), `projects` (a project, its
partners and members, and the querysets that decide access), `workplan` (workstreams, milestones, deliverables,
tasks), `indicators` (indicators and their intermediate targets), `people` (people and user profiles), `audit`
(the audit trail), `jobs` (background jobs), `outbox` (Celery tasks waiting for the broker) and `versioning` (the
version that refuses a stale save). Import the models from here: `from projects.models import Project`.
"""

from .audit import AuditEvent
from .indicators import Indicator, IndicatorTarget
from .jobs import BackgroundJob, job_result_upload_to
from .outbox import OutboxMessage
from .people import Person, PersonContact, PersonQuerySet, Profile, contact_email, has_contact_email, normalise_name
from .people import _time_zone_choices as _time_zone_choices  # named by migration 0001
from .projects import Membership, Partner, Project, ProjectQuerySet, ProjectScopedQuerySet
from .reference import Country, CountryGroup, Organisation
from .rollups import RollupCell, RollupFirst, RollupQuerySet
from .versioning import Versioned
from .workplan import Deliverable, Milestone, Task, Workstream, deliverable_upload_to

__all__ = [
    "AuditEvent",
    "BackgroundJob",
    "Country",
    "CountryGroup",
    "Deliverable",
    "Indicator",
    "IndicatorTarget",
    "Membership",
    "Milestone",
    "Organisation",
    "OutboxMessage",
    "Partner",
    "Person",
    "PersonContact",
    "PersonQuerySet",
    "Profile",
    "Project",
    "RollupCell",
    "RollupFirst",
    "RollupQuerySet",
    "ProjectQuerySet",
    "ProjectScopedQuerySet",
    "Task",
    "Versioned",
    "Workstream",
    "contact_email",
    "deliverable_upload_to",
    "has_contact_email",
    "job_result_upload_to",
    "normalise_name",
]
