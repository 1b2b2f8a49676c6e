"""Records edited through forms carry a version, so that a save based on an older one is refused, not applied."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Versioned(models.Model):
    """A record that two people may edit at once: `version` grows with every save of a stored row.

    A form carries the version its user saw (`projects.forms.VersionedFormMixin`); the service locks the row and
    refuses the save if the stored version has moved on since (`projects.concurrency.lock_current`), so the second
    of two concurrent edits is told instead of silently overwriting the first. `save(update_fields=...)` saves the
    new version too; a queryset `update()` does not, so a write that must be seen by open forms goes through
    `save()`.
    """

    version = models.PositiveIntegerField(_("version"), default=0, editable=False)

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if not self._state.adding:
            self.version = (self.version or 0) + 1
            if kwargs.get("update_fields") is not None:
                kwargs["update_fields"] = {*kwargs["update_fields"], "version"}
        super().save(*args, **kwargs)
