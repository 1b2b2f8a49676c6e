"""The columns of the audit trail's exports (the admin's and the trail page's), apart from `projects.audit` so that
the trail itself does not depend on the export machinery that records through it."""

from django.utils.translation import gettext_lazy as _

from .exports import Column

AUDIT_COLUMNS = [
    Column(_("Sequence number"), "seq"),
    Column(_("At"), lambda event: event.at.isoformat()),
    Column(_("Action"), "action"),
    Column(_("Username"), "username"),
    Column(_("Project"), "project_code"),
    Column(_("Record type"), "object_type"),
    Column(_("Record id"), "object_id"),
    Column(_("Record"), "object_repr"),
    Column(_("Details"), "details_text"),
    Column(_("Previous hash"), "prev_hash"),
    Column(_("Hash"), "hash"),
]
