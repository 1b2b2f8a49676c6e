"""Derived fields kept in step with every write, whatever path it takes (services, the admin, imports, deletes)."""

from __future__ import annotations

from django.db.models import Exists, OuterRef
from django.db.models.functions import Now
from django.db.models.signals import post_delete, post_save, pre_save

from .models import Evaluation, JointActivity


def activities_evaluated(activity_ids) -> None:
    """Set `has_evaluation` of these activities from their evaluations (one UPDATE).

    Through the base manager: the flag is derived, not a change of the activity (no audit entry, no new version);
    no metric reads it, so the rollups have nothing to recompute. `updated_at` moves: what the activity shows (its
    evaluations) changed, so the API's incremental sync sends it again."""
    ids = sorted({pk for pk in activity_ids if pk is not None})
    if ids:
        JointActivity._base_manager.filter(pk__in=ids).update(
            has_evaluation=Exists(Evaluation.objects.filter(activity=OuterRef("pk"))), updated_at=Now()
        )


def _remember_activity(sender, instance: Evaluation, **kwargs) -> None:
    previous = None
    if instance.pk is not None and not instance._state.adding:
        previous = Evaluation.objects.filter(pk=instance.pk).values_list("activity_id", flat=True).first()
    instance._previous_activity_id = previous


def _evaluation_saved(sender, instance: Evaluation, **kwargs) -> None:
    activities_evaluated([instance.activity_id, getattr(instance, "_previous_activity_id", None)])


def _evaluation_deleted(sender, instance: Evaluation, **kwargs) -> None:
    activities_evaluated([instance.activity_id])


def connect() -> None:
    pre_save.connect(_remember_activity, sender=Evaluation, dispatch_uid="evaluation-remember-activity")
    post_save.connect(_evaluation_saved, sender=Evaluation, dispatch_uid="evaluation-saved-flag")
    post_delete.connect(_evaluation_deleted, sender=Evaluation, dispatch_uid="evaluation-deleted-flag")
