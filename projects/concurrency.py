"""Two people editing the same record at once: the second save is refused with a message, never applied blindly.

The one mechanism for every record edited through a form (a `projects.models.Versioned` model):

- the form carries the version its user saw (`projects.forms.VersionedFormMixin`, a hidden `version` field;
  the admin's change form a hidden `seen_version`, see `projects.admin_base`);
- the service, inside its transaction, locks the stored row and compares (`lock_current(obj, expected_version)`):
  a different version raises `StaleRecordError`, a ValidationError naming who changed the record and when (from
  the audit trail), which the view shows on the form (`projects.viewkit.add_service_errors`);
- the save then bumps the version (`Versioned.save`), so every other open form is now stale in turn.

A service called without a version (a task, the API, a script) still locks the row, so two writes never
interleave, but it does not refuse.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from .models import AuditEvent

WRITES = (AuditEvent.Action.CREATE, AuditEvent.Action.CHANGE, AuditEvent.Action.TRANSITION)


def last_change(obj) -> AuditEvent | None:
    """The audit trail's latest write of this record (None when the trail knows none)."""
    return (
        AuditEvent.objects.filter(object_type=obj._meta.label, object_id=str(obj.pk), action__in=WRITES)
        .only("at", "username")
        .order_by("-at", "-pk")
        .first()
    )


class StaleRecordError(ValidationError):
    """The record was changed by someone else since the form was opened: the save is refused."""

    def __init__(self, current=None, *, what: str | None = None) -> None:
        what = what or (str(current._meta.verbose_name) if current is not None else _("record"))
        message = _(
            "Someone else changed this %(what)s while you were editing it%(by)s. Your changes were not saved: "
            "reload the page to see the current version, then make your changes again."
        ) % {"what": what, "by": _by(current)}
        super().__init__(message, code="stale")


def _by(current) -> str:
    change = last_change(current) if current is not None and current.pk is not None else None
    if change is None:
        return ""
    when = date_format(timezone.localtime(change.at), "DATETIME_FORMAT")
    if change.username:
        return _(" (%(user)s, %(when)s)") % {"user": change.username, "when": when}
    return _(" (%(when)s)") % {"when": when}


def check_not_stale(current, expected_version: int | None, *, what: str | None = None) -> None:
    """Refuse (`StaleRecordError`) when the stored record is not at the version the user saw.

    `current` is the row as locked now, or None when there is none yet (a form for a record not created yet saw
    version 0: if someone created it meanwhile, the save is refused too). No `expected_version`: nothing to check.
    """
    if expected_version is None:
        return
    if (current.version if current is not None else 0) != expected_version:
        raise StaleRecordError(current, what=what)


def lock_current(
    obj,
    expected_version: int | None = None,
    *,
    what: str | None = None,
    error: type[StaleRecordError] = StaleRecordError,
):
    """Lock the stored row of `obj` until the transaction ends and refuse the write if it changed since
    `expected_version` was read. Returns the stored row (its other fields as stored, e.g. a status that only its
    transitions change) and brings `obj.version` up to it, so `obj.save()` writes the next version.

    Call it inside the service's transaction. A record deleted meanwhile is refused with a message too. `error`: a
    subclass of StaleRecordError that callers catch by name (the activities' `StaleActivityError`).
    """
    model = type(obj)
    current = model._base_manager.select_for_update().filter(pk=obj.pk).first()
    if current is None:
        raise ValidationError(
            _("This %(what)s was deleted while you were editing it: your changes were not saved.")
            % {"what": what or model._meta.verbose_name},
            code="deleted",
        )
    if expected_version is not None and current.version != expected_version:
        raise error(current, what=what)
    obj.version = current.version
    return current
