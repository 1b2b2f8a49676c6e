"""The targets of a project: indicators, computed by registered metrics, and their intermediate targets."""

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from .projects import Project, ProjectScopedQuerySet


class Indicator(models.Model):
    """A project target, whose achieved value is computed by a registered metric from the portal's records."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="indicators", verbose_name=_("project"))
    key = models.SlugField(_("key"), max_length=60)
    label = models.CharField(_("label"), max_length=200)
    unit = models.CharField(_("unit"), max_length=40, blank=True)
    target = models.PositiveIntegerField(_("target"))
    metric = models.CharField(
        _("metric"),
        max_length=60,
        help_text=_("How the achieved value is computed: the key of a metric registered by one of the portal's apps."),
    )
    description = models.TextField(_("description"), blank=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    project_path = "project"
    objects = ProjectScopedQuerySet.as_manager()

    class Meta:
        ordering = ["project", "order", "key"]
        verbose_name = _("indicator")
        verbose_name_plural = _("indicators")
        constraints = [models.UniqueConstraint(fields=["project", "key"], name="indicator_unique_key")]

    def __str__(self) -> str:
        return f"{self.label} ({self.target})"

    def clean(self) -> None:
        from ..registry import registry

        if self.metric and registry.metric(self.metric) is None:
            raise ValidationError(
                {
                    "metric": _("No metric “%(key)s” is registered. Known metrics: %(known)s.")
                    % {"key": self.metric, "known": ", ".join(registry.metric_keys())}
                }
            )


class IndicatorTarget(models.Model):
    """An intermediate target: the cumulative value an indicator should reach by a date."""

    indicator = models.ForeignKey(
        Indicator, on_delete=models.CASCADE, related_name="period_targets", verbose_name=_("indicator")
    )
    due_date = models.DateField(_("by"))
    target = models.PositiveIntegerField(_("cumulative target"))

    project_path = "indicator__project"
    objects = ProjectScopedQuerySet.as_manager()

    class Meta:
        ordering = ["indicator", "due_date"]
        verbose_name = _("intermediate target")
        verbose_name_plural = _("intermediate targets")
        constraints = [models.UniqueConstraint(fields=["indicator", "due_date"], name="indicator_target_unique_date")]

    def __str__(self) -> str:
        return f"{self.target} by {self.due_date:%Y-%m-%d}"

    def clean(self) -> None:
        if self.indicator_id and self.target > self.indicator.target:
            raise ValidationError({"target": _("An intermediate target cannot exceed the indicator's final target.")})
