"""ATHENA 2 joint activities: what was done together, by whom, where, how it went, and who vouched for it.

Only what the project needs to evaluate its joint activities and count toward its targets: no case data, no
suspects, no operational intelligence. Officers are `projects.models.Person` rows (a pseudonymous reference or a
name), so an officer in five activities is one person.

The rules of an activity's life (dates, status transitions, validation, the lock on validated records) live on
`JointActivity` and in `operations.services`, where the pages, the admin and any task reach the same rules.
"""

from ..choices import (  # noqa: F401  (the models' choices, importable from here as before)
    DONE_STATUSES,
    NOT_DONE_STATUSES,
    STATUS_TRANSITIONS,
    ActivityStatus,
    ActivityType,
    MeetingPurpose,
    OfficerRole,
    ValidationState,
)
from .activities import (  # noqa: F401
    COMMENT_MAX_LENGTH,
    CROSS_BORDER_TYPES,
    OFFICERS_DEPLOYED_MAX,
    OPERATIONS_PROJECTS,
    JointActivity,
    JointActivityQuerySet,
    counted_condition,
)
from .records import (  # noqa: F401
    ATTACHMENT_EXTENSIONS,
    ATTACHMENT_MAX_MB,
    ActivityAttachment,
    ActivityCountry,
    ActivityOfficer,
    ActivityPlace,
    Evaluation,
    Spoc,
    SpocQuerySet,
    attachment_upload_to,
)
