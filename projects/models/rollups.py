"""Rollups: the metrics' numbers pre-aggregated per project, metric, category and day or month, kept in step with
every write (see `projects.rollups`). Derived data: rebuilt from the raw records by `manage.py rollups --rebuild`,
never audited, never edited by hand.
"""

from __future__ import annotations

from typing import Any

from django.db import models, transaction

# The rollups' write tracking (`projects.rollups.tracking`: tracks, collect, collect_created, flush), installed by
# `ProjectsConfig.ready()`; the models never import the layer above them.
_tracking: list[Any] = []


def install_tracking(tracking) -> None:
    _tracking[:] = [tracking]


class RollupQuerySet(models.QuerySet):
    """The queryset of a model the rollups read (a tracked model): its bulk writes recompute the rollups they
    change, in the same transaction, like a save or a delete does (see `projects.rollups.tracking`). A system check
    refuses a tracked model whose default manager lacks it."""

    def _tracked(self) -> bool:
        return bool(_tracking) and _tracking[0].tracks(self.model)

    def update(self, **kwargs) -> int:
        if not self._tracked():
            return super().update(**kwargs)
        tracking = _tracking[0]
        with transaction.atomic(using=self.db):
            pks = list(self.values_list("pk", flat=True))
            tracking.collect(self.model, pks)
            count = super().update(**kwargs)
            tracking.collect(self.model, pks)
            tracking.flush()
        return count

    update.alters_data = True

    def bulk_create(self, objs, *args, **kwargs):
        if not self._tracked():
            return super().bulk_create(objs, *args, **kwargs)
        tracking = _tracking[0]
        with transaction.atomic(using=self.db):
            created = super().bulk_create(objs, *args, **kwargs)
            tracking.collect_created(self.model, created)
            tracking.flush()
        return created

    bulk_create.alters_data = True

    def bulk_update(self, objs, fields, *args, **kwargs):
        if not self._tracked():
            return super().bulk_update(objs, fields, *args, **kwargs)
        tracking = _tracking[0]
        objs = list(objs)
        pks = [obj.pk for obj in objs]
        with transaction.atomic(using=self.db):
            tracking.collect(self.model, pks)
            count = super().bulk_update(objs, fields, *args, **kwargs)
            tracking.collect(self.model, pks)
            tracking.flush()
        return count

    bulk_update.alters_data = True


class RollupCell(models.Model):
    """A metric's count for a project, dimension ("" the total) and raw category, on a day (grain "d") or in a month
    (grain "m", `day` its first day; the sum of that month's day cells), in a scope: "all" records, or "public"
    (those a reader who does not see sensitive records counts). Records without a date are on `UNDATED`."""

    class Scope(models.TextChoices):
        ALL = "all", "all"
        PUBLIC = "public", "public"

    class Grain(models.TextChoices):
        DAY = "d", "day"
        MONTH = "m", "month"

    metric = models.CharField(max_length=100)
    project = models.ForeignKey("projects.Project", on_delete=models.CASCADE, related_name="+")
    dimension = models.CharField(max_length=100, blank=True)
    category = models.CharField(max_length=255, blank=True)
    scope = models.CharField(max_length=6, choices=Scope.choices)
    grain = models.CharField(max_length=1, choices=Grain.choices)
    day = models.DateField()
    n = models.IntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["metric", "project", "dimension", "category", "scope", "grain", "day"],
                name="rollupcell_unique",
            )
        ]
        indexes = [models.Index(fields=["project", "metric", "grain", "day"], name="rollupcell_read")]

    def __str__(self) -> str:
        return f"{self.metric}/{self.project_id}/{self.dimension}:{self.category}/{self.scope}/{self.grain}{self.day}"


class RollupFirst(models.Model):
    """The first day something counted once (a person, a country, a road map: `key`, its id) counted in a project
    for a metric and category, among all records (`first_all`) and among the public ones (`first_public`; null
    when only sensitive records count it). The day cells of such a metric count these rows by first day."""

    metric = models.CharField(max_length=100)
    project = models.ForeignKey("projects.Project", on_delete=models.CASCADE, related_name="+")
    dimension = models.CharField(max_length=100, blank=True)
    category = models.CharField(max_length=255, blank=True)
    key = models.BigIntegerField()
    first_all = models.DateField(null=True)
    first_public = models.DateField(null=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["metric", "project", "key", "dimension", "category"], name="rollupfirst_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.metric}/{self.project_id}/{self.dimension}:{self.category}/{self.key}"
