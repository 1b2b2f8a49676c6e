"""The kinds of records incremental sync follows (api.sync), registered when the app is ready: their deletions are
remembered whoever deletes them (a page, the admin, a task, a cascade)."""

from conferences.models import Event, Registration
from imobex.models import CountryCoverage, Finding
from operations.models import JointActivity

from .sync import SyncKind, register


def _project_id(record) -> int:
    return record.project_id


def _event_project_id(registration) -> int | None:
    """A registration's project: its event's (read from the database when the event is not loaded)."""
    return Event.objects.filter(pk=registration.event_id).values_list("project_id", flat=True).first()


def register_all() -> None:
    register(SyncKind("activity", JointActivity, project_id=_project_id, sensitive_field="is_sensitive"))
    register(SyncKind("finding", Finding, project_id=_project_id))
    register(SyncKind("coverage", CountryCoverage, project_id=_project_id))
    register(SyncKind("event", Event, project_id=_project_id))
    register(SyncKind("registration", Registration, project_id=_event_project_id))
