"""The audit trail: who did what to which record, and when, in a tamper-evident hash chain."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Upper
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .projects import Project, ProjectScopedQuerySet

GENESIS = "0" * 64  # the previous hash of the first entry ever sealed
SEAL_FIELDS = ("seq", "prev_hash", "hash", "sealed_at")


class AuditEvent(models.Model):
    """One line of the audit trail: who created, changed, viewed, exported or deleted what, and when.

    Law Enforcement Directive 2016/680, Art. 25, asks for logs of collection, alteration, consultation,
    disclosure, combination and erasure. Services write these through `services.audit_log`; nobody edits them.

    Who and what are kept as text (`username`, `project_code`, `object_repr`) besides the links, which have no
    database constraint and no cascade: deleting a user or a project neither rewrites nor is blocked by history.
    An entry is written unsealed; `projects.audit.audit_seal` then gives it its place in the chain (`seq`), the
    hash of the previous entry and its own `hash` (see `compute_hash`). On PostgreSQL a trigger refuses any other
    UPDATE and every DELETE but the retention purge (migration 0008, `manage.py audit_purge`).
    """

    class Action(models.TextChoices):
        CREATE = "create", _("Created")
        CHANGE = "change", _("Changed")
        DELETE = "delete", _("Deleted")
        VIEW = "view", _("Viewed")
        EXPORT = "export", _("Exported")
        IMPORT = "import", _("Imported")
        DISCLOSE = "disclose", _("Disclosed (e-mail sent)")
        TRANSITION = "transition", _("Status changed")
        PURGE = "purge", _("Purged (retention)")
        LOGIN = "login", _("Logged in")
        LOGIN_FAILED = "login_failed", _("Login failed")
        LOGOUT = "logout", _("Logged out")
        LOCKOUT = "lockout", _("Locked out")

    at = models.DateTimeField(_("at"), default=timezone.now, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("user"),
    )
    username = models.CharField(_("username"), max_length=150, blank=True)
    action = models.CharField(_("action"), max_length=12, choices=Action.choices)
    project = models.ForeignKey(
        Project,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("project"),
    )
    project_code = models.CharField(_("project code"), max_length=20, blank=True)
    object_type = models.CharField(_("record type"), max_length=100)
    object_id = models.CharField(_("record id"), max_length=64, blank=True)
    object_repr = models.CharField(_("record"), max_length=200, blank=True)
    details = models.JSONField(_("details"), default=dict, blank=True)

    # The seal, NULL until the sealing step gives it (the trigger lets exactly that UPDATE through).
    seq = models.PositiveBigIntegerField(_("sequence number"), null=True, blank=True, unique=True, editable=False)
    prev_hash = models.CharField(_("previous hash"), max_length=64, null=True, blank=True, editable=False)
    hash = models.CharField(_("hash"), max_length=64, null=True, blank=True, editable=False)
    sealed_at = models.DateTimeField(_("sealed at"), null=True, blank=True, editable=False)

    project_path = "project"
    objects = ProjectScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-pk"]
        verbose_name = _("audit event")
        verbose_name_plural = _("audit trail")
        indexes = [
            models.Index(fields=["object_type", "object_id"]),
            models.Index(fields=["id"], condition=Q(seq__isnull=True), name="projects_audit_unsealed_idx"),
            # the audit page's filters (`iexact` compares upper-cased text), newest first
            models.Index(Upper("username"), F("at").desc(), name="audit_username_idx"),
            models.Index(Upper("project_code"), F("at").desc(), name="audit_project_code_idx"),
            models.Index(Upper("object_type"), F("at").desc(), name="audit_object_type_idx"),
            models.Index(fields=["action", "-at"], name="audit_action_idx"),
            models.Index(fields=["project_code", "at"], name="audit_project_code_at_idx"),  # the admin's filter
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.username or '-'} {self.action} {self.object_type} {self.object_repr}"

    def save(self, *args, **kwargs):
        # Entries created without services.audit_log (the demo data) still keep who and what as text.
        if self.user_id and not self.username:
            self.username = self.user.get_username()
        if self.project_id and not self.project_code:
            self.project_code = self.project.code
        super().save(*args, **kwargs)

    @property
    def details_text(self) -> str:
        """The details as JSON text, as the exports and the pages show them."""
        return json.dumps(self.details, ensure_ascii=False, sort_keys=True)

    @property
    def is_sealed(self) -> bool:
        return self.seq is not None

    def compute_hash(self, *, seq: int, prev_hash: str) -> str:
        """sha256 of the entry's place in the chain, the previous entry's hash, the time it was sealed and every
        other column (all but the hash itself).

        The columns are read back from the database before hashing (the sealing step and `audit_verify` both
        hash stored rows), so the JSON of `details` is the database's, canonicalised here.
        """
        payload = {
            "seq": seq,
            "prev_hash": prev_hash,
            "sealed_at": self.sealed_at.astimezone(UTC).isoformat(timespec="microseconds"),
            "id": self.pk,
            "at": self.at.astimezone(UTC).isoformat(timespec="microseconds"),
            "action": self.action,
            "user_id": self.user_id,
            "username": self.username,
            "project_id": self.project_id,
            "project_code": self.project_code,
            "object_type": self.object_type,
            "object_id": self.object_id,
            "object_repr": self.object_repr,
            "details": self.details,
        }
        canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        return hashlib.sha256(canonical.encode()).hexdigest()
