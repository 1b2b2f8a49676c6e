"""The jobs' sweep in django-celery-beat, every minute (`projects.tasks.job_sweep`): it queues again the jobs whose
worker died (their claim's lease ran out) and gives up those tried PORTAL_JOB_MAX_ATTEMPTS times. Created only when
missing, so an edit made in the admin survives a later `migrate`."""

import json

from django.db import migrations
from django.utils import timezone

NAME = "projects: sweep the jobs of lost workers"


def create_schedule(apps, schema_editor):
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    if not PeriodicTask.objects.filter(name=NAME).exists():
        PeriodicTask.objects.create(
            name=NAME,
            task="projects.tasks.job_sweep",
            interval=IntervalSchedule.objects.get_or_create(every=1, period="minutes")[0],
            args=json.dumps([]),
            kwargs=json.dumps({}),
            expire_seconds=5 * 60,
            description="Background jobs whose claim ran out (a dead worker): queued again, or failed for good.",
        )
    # Tell a running beat that the schedule changed (what PeriodicTasks.changed() does outside migrations).
    apps.get_model("django_celery_beat", "PeriodicTasks").objects.update_or_create(
        ident=1, defaults={"last_update": timezone.now()}
    )


def remove_schedule(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name=NAME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("projects", "0021_job_claim_lease"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(create_schedule, remove_schedule)]
