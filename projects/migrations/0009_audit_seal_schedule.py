"""The audit trail's sealing step in django-celery-beat, every minute (`projects.tasks.audit_seal`): it seals what
an after-commit seal missed (a crash between the commit and the seal, a bulk write). Created only when missing, so an
edit made in the admin survives a later `migrate`."""

import json

from django.db import migrations

NAME = "projects: seal the audit trail"


def create_schedule(apps, schema_editor):
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTasks = apps.get_model("django_celery_beat", "PeriodicTasks")
    if PeriodicTask.objects.filter(name=NAME).exists():
        return
    every_minute, _ = IntervalSchedule.objects.get_or_create(every=1, period="minutes")
    PeriodicTask.objects.create(
        name=NAME,
        task="projects.tasks.audit_seal",
        interval=every_minute,
        args=json.dumps([]),
        kwargs=json.dumps({}),
        expire_seconds=5 * 60,
        description="Seals audit entries left unsealed into the hash chain (see manage.py audit_verify).",
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
        ("projects", "0008_audit_append_only"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(create_schedule, remove_schedule)]
