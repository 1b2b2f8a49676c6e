"""The outbox's drain in django-celery-beat, every minute (`projects.tasks.outbox_drain`): it sends the tasks that
could not be sent when their transaction committed (the broker was down, the process died). Created only when
missing, so an edit made in the admin survives a later `migrate`."""

import json

from django.db import migrations

NAME = "projects: send the outbox"


def create_schedule(apps, schema_editor):
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTasks = apps.get_model("django_celery_beat", "PeriodicTasks")
    if PeriodicTask.objects.filter(name=NAME).exists():
        return
    every_minute, _ = IntervalSchedule.objects.get_or_create(every=1, period="minutes")
    PeriodicTask.objects.create(
        name=NAME,
        task="projects.tasks.outbox_drain",
        interval=every_minute,
        args=json.dumps([]),
        kwargs=json.dumps({}),
        expire_seconds=5 * 60,
        description="Sends the Celery tasks left in the outbox (queued while the broker was unreachable).",
        enabled=True,
    )
    # Tell a running beat that the schedule changed (what PeriodicTasks.changed() does outside migrations).
    from django.utils import timezone

    PeriodicTasks.objects.update_or_create(ident=1, defaults={"last_update": timezone.now()})


def remove_schedule(apps, schema_editor):
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTask.objects.filter(name=NAME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("projects", "0023_outbox"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(create_schedule, remove_schedule)]
