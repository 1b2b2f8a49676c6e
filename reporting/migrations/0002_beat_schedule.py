"""The reporting app's schedule in django-celery-beat: present after `migrate`, editable in the admin.

- every day at 06:30 (UTC): reminders (`reporting.tasks.reminders_dispatch`), stale after 6 hours;
- on the 1st of each month at 06:00: the monthly progress report to each project's managers, stale after a day.

Rows are created only when missing, so an edit made in the admin survives a later `migrate`.
"""

import json

from django.db import migrations

SCHEDULE = [
    {
        "name": "reporting: daily reminders",
        "task": "reporting.tasks.reminders_dispatch",
        "crontab": {"minute": "30", "hour": "6", "day_of_week": "*", "day_of_month": "*", "month_of_year": "*"},
        "expire_seconds": 6 * 3600,
        "description": "Deliverables, milestones, reports (and the other apps' reminders) due soon or overdue.",
    },
    {
        "name": "reporting: monthly progress reports",
        "task": "reporting.tasks.monthly_reports_dispatch",
        "crontab": {"minute": "0", "hour": "6", "day_of_week": "*", "day_of_month": "1", "month_of_year": "*"},
        "expire_seconds": 24 * 3600,
        "description": "Each project's progress report for the previous month, as a PDF, to its managers.",
    },
]


def create_schedule(apps, schema_editor):
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTasks = apps.get_model("django_celery_beat", "PeriodicTasks")
    for spec in SCHEDULE:
        if PeriodicTask.objects.filter(name=spec["name"]).exists():
            continue
        crontab, _ = CrontabSchedule.objects.get_or_create(**spec["crontab"], timezone="UTC")
        PeriodicTask.objects.create(
            name=spec["name"],
            task=spec["task"],
            crontab=crontab,
            args=json.dumps([]),
            kwargs=json.dumps({}),
            expire_seconds=spec["expire_seconds"],
            description=spec["description"],
            enabled=True,
        )
    # Tell a running beat that the schedule changed (what PeriodicTasks.changed() does outside migrations).
    from django.utils import timezone

    PeriodicTasks.objects.update_or_create(ident=1, defaults={"last_update": timezone.now()})


def remove_schedule(apps, schema_editor):
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTask.objects.filter(name__in=[spec["name"] for spec in SCHEDULE]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("reporting", "0001_initial"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(create_schedule, remove_schedule)]
