"""A reminder being sent is claimed with a lease (`claimed_until`, see `reporting.services.delivery_send`).

Reminders left "sending" by a worker that died before claims had a lease get one that has already run out: the
sweep sends them again within the minute."""

from django.db import migrations, models
from django.utils import timezone


def lease_old_claims(apps, schema_editor):
    ReminderDelivery = apps.get_model("reporting", "ReminderDelivery")
    ReminderDelivery.objects.filter(status="sending", claimed_until__isnull=True).update(claimed_until=timezone.now())


class Migration(migrations.Migration):
    dependencies = [
        ("reporting", "0004_list_and_admin_indexes"),
    ]

    operations = [
        migrations.AddField(
            model_name="reminderdelivery",
            name="claimed_until",
            field=models.DateTimeField(blank=True, null=True, verbose_name="claimed until"),
        ),
        migrations.RunPython(lease_old_claims, migrations.RunPython.noop),
    ]
