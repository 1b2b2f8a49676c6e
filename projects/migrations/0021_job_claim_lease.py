"""A background job's claim carries a lease (`claimed_until`) and counts its attempts (`projects.jobs`).

Jobs left "running" by a worker that died before claims had a lease get one that has already run out, as their
first attempt: the sweep queues them again within the minute."""

from django.conf import settings
from django.db import migrations, models
from django.utils import timezone


def lease_old_claims(apps, schema_editor):
    BackgroundJob = apps.get_model("projects", "BackgroundJob")
    BackgroundJob.objects.filter(status="running", claimed_until__isnull=True).update(
        attempts=1, claimed_until=timezone.now()
    )


class Migration(migrations.Migration):
    dependencies = [
        ("projects", "0020_list_and_admin_indexes"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="backgroundjob",
            name="attempts",
            field=models.PositiveSmallIntegerField(default=0, verbose_name="attempts"),
        ),
        migrations.AddField(
            model_name="backgroundjob",
            name="claimed_until",
            field=models.DateTimeField(blank=True, null=True, verbose_name="claimed until"),
        ),
        migrations.AddIndex(
            model_name="backgroundjob",
            index=models.Index(fields=["status", "claimed_until"], name="job_claim_idx"),
        ),
        migrations.RunPython(lease_old_claims, migrations.RunPython.noop),
    ]
