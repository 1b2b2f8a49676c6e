"""System checks of the contributions: every indicator's metric is registered by some app, and every registered
metric is used by an indicator (or says it is offered to admins for indicators they add); and every Celery task of
the portal has time limits that the broker's visibility timeout outlasts."""

from django.core.checks import Error, Tags, register


def _reference_metrics() -> set[str]:
    from .reference import PROJECTS

    return {key for spec in PROJECTS for key, *_ in spec["indicators"]}


@register()
def check_reference_metrics(app_configs=None, **kwargs):
    from .registry import registry

    errors = []
    registered = set(registry.metric_keys())
    used = _reference_metrics()
    for key in sorted(used - registered):
        errors.append(
            Error(
                f"The reference data has an indicator of metric {key!r}, which no installed app registers.",
                hint="Register the metric in the contributions of the app that counts it.",
                id="projects.E001",
            )
        )
    for key in sorted(registered - used):
        metric = registry.metric(key)
        if not getattr(metric, "offered", False):
            errors.append(
                Error(
                    f"The metric {key!r} of {metric.app_label!r} is registered but no indicator uses it.",
                    hint="Use it in the reference data, remove it, or declare it offered=True (for indicators that "
                    "admins add).",
                    id="projects.E002",
                )
            )
    return errors


@register(Tags.database)
def check_database_metrics(app_configs=None, databases=None, **kwargs):
    """Indicators in the database whose metric is not registered (run by `manage.py check --database default`)."""
    from django.db import DatabaseError

    from .models import Indicator
    from .registry import registry

    if not databases:
        return []
    try:
        used = set(Indicator.objects.values_list("metric", flat=True).distinct())
    except DatabaseError:  # no tables yet
        return []
    registered = set(registry.metric_keys())
    return [
        Error(
            f"Indicators in the database use the metric {key!r}, which no installed app registers.",
            hint="Install the app that registers it, or change those indicators' metric in the admin.",
            id="projects.E003",
        )
        for key in sorted(used - registered - {""})
    ]


@register()
def check_rollup_querysets(app_configs=None, **kwargs):
    """Every model the rollups read has a default manager whose bulk writes keep them in step."""
    from .models import RollupQuerySet
    from .rollups import tracked_models

    errors = []
    for model in tracked_models():
        if not isinstance(model._default_manager.all(), RollupQuerySet):
            errors.append(
                Error(
                    f"{model._meta.label} is read by the rollups but its default manager's queryset is not a "
                    "RollupQuerySet: its bulk updates would leave the rollups stale.",
                    hint="Derive its queryset from projects.models.RollupQuerySet (ProjectScopedQuerySet does).",
                    id="projects.E004",
                )
            )
    return errors


def portal_tasks() -> list:
    """The Celery tasks of the portal's own apps (those under BASE_DIR), every tasks module imported first."""
    from pathlib import Path

    from celery import current_app
    from django.apps import apps
    from django.conf import settings
    from django.utils.module_loading import autodiscover_modules

    autodiscover_modules("tasks")
    own = {
        config.name for config in apps.get_app_configs() if Path(config.path).is_relative_to(Path(settings.BASE_DIR))
    }
    return [task for name, task in sorted(current_app.tasks.items()) if name.split(".")[0] in own]


@register()
def check_task_time_limits(app_configs=None, **kwargs):
    """Every task of the portal has a soft and a hard time limit, soft below hard (its own, or the defaults
    CELERY_TASK_SOFT_TIME_LIMIT and CELERY_TASK_TIME_LIMIT), and Redis hands a task that was not acknowledged to
    another worker only after the longest of them: a hung mail server or a runaway report never holds a worker for
    good, and a task is never run twice because it ran long."""
    from django.conf import settings

    errors = []
    hard_limits = []
    for task in portal_tasks():
        soft, hard = task.soft_time_limit, task.time_limit
        if not soft or not hard or soft >= hard:
            errors.append(
                Error(
                    f"The Celery task {task.name} has soft_time_limit={soft} and time_limit={hard}.",
                    hint="Give it both, the soft one below the hard one: @shared_task(**SHORT_TASK) or "
                    "**LONG_TASK (projects.tasks).",
                    id="projects.E005",
                )
            )
        hard_limits.append(hard or 0)
    visibility = settings.CELERY_BROKER_TRANSPORT_OPTIONS.get("visibility_timeout")
    if visibility is not None and hard_limits and visibility <= max(hard_limits):
        errors.append(
            Error(
                f"The broker's visibility timeout ({visibility} s) is not above the longest task's hard time limit "
                f"({max(hard_limits)} s): Redis would hand a running task to a second worker.",
                hint="Raise CELERY_VISIBILITY_TIMEOUT or lower the time limits.",
                id="projects.E006",
            )
        )
    return errors
