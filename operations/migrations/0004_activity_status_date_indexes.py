from django.db import migrations, models


class Migration(migrations.Migration):
    """The dashboards' lists read open (or done) activities by project, status and start or end date."""

    dependencies = [
        ("operations", "0003_bounded_counts_and_comments"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="jointactivity",
            index=models.Index(fields=["project", "status", "start_date"], name="operations__project_439cdd_idx"),
        ),
        migrations.AddIndex(
            model_name="jointactivity",
            index=models.Index(fields=["project", "status", "end_date"], name="operations__project_c925de_idx"),
        ),
        migrations.AddIndex(
            model_name="jointactivity",
            index=models.Index(fields=["project", "end_date"], name="operations__project_0ed7a5_idx"),
        ),
    ]
