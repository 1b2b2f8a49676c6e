"""Incremental sync: what changed in a list since the client's last call, deletions included.

A client (the ATHENA 2 mobile app) keeps a copy of a project's records. It calls a list's `changes/` endpoint
without a cursor once (every record it may see, page by page), then with the `next_cursor` of its last answer: it
gets the records created or changed since, in (`updated_at`, id) order, and the ids of those it must drop in
`deleted`: records deleted since, and records that became invisible to it (an activity marked sensitive, for one
who may not see sensitive ones). Deletions come first, all of them, before any changed record (`has_more` pages
through both), so a client that applies each page in order (drop `deleted`, then store `results`) ends with exactly
what it may see.

Nothing about a sensitive record reaches one who may not see it: a sensitive record deleted is reported only to
those who see sensitive records; one made sensitive is reported to the others as deleted (they had it).

Deletions are remembered as tombstones (`api.models.Tombstone`, written by signals, so the admin's deletes and
cascades count too) for `PORTAL_API_SYNC_DAYS`; an older cursor gets 410 Gone: sync again from the start. A record
is listed once its change is `PORTAL_API_SYNC_SETTLE_SECONDS` old, so that a transaction that commits late (its
`updated_at` is stamped before the commit) is not skipped by a cursor that already moved past it.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Max, Q, QuerySet
from django.db.models.signals import post_delete, pre_save
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter
from rest_framework import exceptions, serializers, status

from projects.models import Project

from .models import Tombstone

PAGE_SIZE, MAX_PAGE_SIZE = 100, 500


@dataclass(frozen=True)
class SyncKind:
    """A model whose records sync: its name in tombstones, how to find a record's project, and the field that makes
    a record sensitive (None: the kind has no sensitive records)."""

    name: str
    model: type
    project_id: Callable[[object], int | None]
    sensitive_field: str | None = None

    def is_sensitive(self, instance) -> bool:
        return bool(self.sensitive_field and getattr(instance, self.sensitive_field))


KINDS: dict[str, SyncKind] = {}


def register(kind: SyncKind) -> None:
    """Remember deletions (and, for a kind with sensitive records, records made sensitive) of the kind's model."""
    KINDS[kind.name] = kind
    uid = f"api-sync-{kind.name}"
    post_delete.connect(_deleted, sender=kind.model, dispatch_uid=f"{uid}-deleted", weak=False)
    if kind.sensitive_field:
        pre_save.connect(_hiding, sender=kind.model, dispatch_uid=f"{uid}-hidden", weak=False)


def _kind_of(model) -> SyncKind:
    return next(kind for kind in KINDS.values() if kind.model is model)


def _deleted(sender, instance, origin=None, **kwargs) -> None:
    kind = _kind_of(sender)
    project_id = kind.project_id(instance)
    if _deleting_project(origin):
        return  # the project goes with its records: nobody syncs it any more (and a tombstone could not refer to it)
    if project_id is not None:
        Tombstone.objects.create(
            kind=kind.name, object_id=instance.pk, project_id=project_id, sensitive=kind.is_sensitive(instance)
        )


def _deleting_project(origin) -> bool:
    """Whether the delete that started this one (Django's `origin`) is of a project: a project, or projects."""
    model = origin.model if isinstance(origin, QuerySet) else type(origin)
    return model is Project


def _hiding(sender, instance, **kwargs) -> None:
    """A stored record about to become sensitive: those who may not see it must drop it."""
    kind = _kind_of(sender)
    if instance.pk is None or not kind.is_sensitive(instance) or kwargs.get("raw"):
        return
    was_visible = sender._base_manager.filter(pk=instance.pk, **{kind.sensitive_field: False}).exists()
    if was_visible:
        Tombstone.objects.create(
            kind=kind.name, object_id=instance.pk, project_id=kind.project_id(instance), hidden=True
        )


# --- the cursor -------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Cursor:
    issued: datetime  # when the answer was given: a cursor older than the tombstones' retention is refused
    changed: datetime | None  # the (updated_at, id) of the last record the client has
    pk: int
    tombstone: int  # the last tombstone the client has seen

    def encode(self) -> str:
        data = {
            "s": self.issued.isoformat(),
            "t": self.changed.isoformat() if self.changed else None,
            "i": self.pk,
            "d": self.tombstone,
        }
        return base64.urlsafe_b64encode(json.dumps(data, separators=(",", ":")).encode()).decode().rstrip("=")

    @classmethod
    def decode(cls, text: str) -> Cursor:
        try:
            data = json.loads(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)))
            cursor = cls(
                issued=datetime.fromisoformat(data["s"]),
                changed=datetime.fromisoformat(data["t"]) if data["t"] else None,
                pk=int(data["i"]),
                tombstone=int(data["d"]),
            )
        except (ValueError, TypeError, KeyError, binascii.Error, UnicodeDecodeError):
            raise exceptions.ValidationError({"cursor": [_("This cursor is not one this API gave.")]}) from None
        if cursor.issued.tzinfo is None or (cursor.changed is not None and cursor.changed.tzinfo is None):
            raise exceptions.ValidationError({"cursor": [_("This cursor is not one this API gave.")]})
        return cursor


class CursorExpired(exceptions.APIException):
    status_code = status.HTTP_410_GONE
    default_detail = "This cursor is older than the deletions the portal remembers: sync again without a cursor."
    default_code = "cursor_expired"


CURSOR = OpenApiParameter(
    "cursor", str, required=False, description="The next_cursor of the last answer; none for a sync from the start."
)
PAGE_SIZE_PARAMETER = OpenApiParameter(
    "page_size", int, required=False, description=f"Records per answer (default {PAGE_SIZE}, at most {MAX_PAGE_SIZE})."
)


def changes_serializer(record_serializer: type[serializers.Serializer], name: str) -> type[serializers.Serializer]:
    """The schema of a changes answer around a list's record serializer."""
    return type(
        name,
        (serializers.Serializer,),
        {
            "results": record_serializer(many=True),
            "deleted": serializers.ListField(child=serializers.IntegerField(), help_text="Ids to drop."),
            "next_cursor": serializers.CharField(help_text="Send it back as ?cursor= for what changes next."),
            "has_more": serializers.BooleanField(help_text="More is waiting now: call again with next_cursor."),
        },
    )


def _page_size(request) -> int:
    text = request.query_params.get("page_size")
    if text is None:
        return PAGE_SIZE
    try:
        size = int(text)
    except ValueError:
        size = 0
    if not 1 <= size <= MAX_PAGE_SIZE:
        raise exceptions.ValidationError({"page_size": [_("Give a number from 1 to %d.") % MAX_PAGE_SIZE]})
    return size


def changes(request, *, kind: str, project, queryset: QuerySet) -> tuple[list, list[int], str, bool]:
    """One page of changes of the kind in the project: (records, deleted ids, next cursor, has more).

    `queryset` is what the user may see of the kind in the project (the list's own rule); `project.sees_sensitive`
    says which tombstones are theirs.
    """
    now = timezone.now()
    settled = now - timedelta(seconds=settings.PORTAL_API_SYNC_SETTLE_SECONDS)
    limit = _page_size(request)
    text = request.query_params.get("cursor")
    if text:
        cursor = Cursor.decode(text)
        if cursor.issued < now - timedelta(days=settings.PORTAL_API_SYNC_DAYS):
            raise CursorExpired
    else:
        last = Tombstone.objects.filter(project=project, kind=kind).aggregate(last=Max("pk"))["last"]
        cursor = Cursor(issued=now, changed=None, pk=0, tombstone=last or 0)
    tombstones = Tombstone.objects.filter(project=project, kind=kind, pk__gt=cursor.tombstone, at__lt=settled)
    tombstones = tombstones.filter(hidden=False) if project.sees_sensitive else tombstones.filter(sensitive=False)
    gone = list(tombstones.order_by("pk").values_list("pk", "object_id")[: limit + 1])
    if len(gone) > limit:
        following = Cursor(now, cursor.changed, cursor.pk, gone[limit - 1][0])
        return [], [object_id for _pk, object_id in gone[:limit]], following.encode(), True
    tombstone = gone[-1][0] if gone else cursor.tombstone
    records = queryset.filter(updated_at__lt=settled)
    if cursor.changed is not None:
        records = records.filter(Q(updated_at__gt=cursor.changed) | Q(updated_at=cursor.changed, pk__gt=cursor.pk))
    records = list(records.order_by("updated_at", "pk")[: limit + 1 - len(gone)])
    more = len(records) > limit - len(gone)
    records = records[: limit - len(gone)]
    if records:
        changed, pk = records[-1].updated_at, records[-1].pk
    elif cursor.changed is None:
        changed, pk = settled, 0  # nothing yet: from now on
    else:
        changed, pk = cursor.changed, cursor.pk
    following = Cursor(now, changed, pk, tombstone)
    return records, [object_id for _pk, object_id in gone], following.encode(), more
