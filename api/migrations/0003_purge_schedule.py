"""The API's daily purge in django-celery-beat (`api.tasks.api_purge`): idempotent answers older than a day and sync
tombstones older than PORTAL_API_SYNC_DAYS. Created only when missing, so an edit made in the admin survives a later
`migrate`."""

import json

from django.db import migrations
from django.utils import timezone

NAME = "api: purge idempotent answers and sync tombstones"


def create_schedule(apps, schema_editor):
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTasks = apps.get_model("django_celery_beat", "PeriodicTasks")
    if PeriodicTask.objects.filter(name=NAME).exists():
        return
    nightly, _ = CrontabSchedule.objects.get_or_create(
        minute="40", hour="3", day_of_week="*", day_of_month="*", month_of_year="*", timezone="UTC"
    )
    PeriodicTask.objects.create(
        name=NAME,
        task="api.tasks.api_purge",
        crontab=nightly,
        args=json.dumps([]),
        kwargs=json.dumps({}),
        expire_seconds=60 * 60,
        description="Forgets the API's idempotent answers after a day and its sync tombstones after their retention.",
        enabled=True,
    )
    PeriodicTasks.objects.update_or_create(ident=1, defaults={"last_update": timezone.now()})


def remove_schedule(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name=NAME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("api", "0002_idempotency_sync"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(create_schedule, remove_schedule)]
