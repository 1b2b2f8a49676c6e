"""The kinds of records incremental sync follows (api.sync), registered when the app is ready: their deletions are
remembered whoever deletes them (a page, the admin, a task, a cascade)."""

from imobex.models import CountryCoverage, Finding
from operations.models import JointActivity

from .sync import SyncKind, register


def _project_id(record) -> int:
    return record.project_id


def register_all() -> None:
    register(SyncKind("activity", JointActivity, project_id=_project_id, sensitive_field="is_sensitive"))
    register(SyncKind("finding", Finding, project_id=_project_id))
    register(SyncKind("coverage", CountryCoverage, project_id=_project_id))
