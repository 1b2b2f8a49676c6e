"""The admin lists axes' logs newest first and drills down by their time (accounts/admin.py): an index on the time
of each log, which axes does not have. Written as SQL since the tables are axes' (the same on PostgreSQL and
SQLite)."""

from django.db import migrations

TABLES = ("axes_accessattempt", "axes_accesslog", "axes_accessfailurelog")


class Migration(migrations.Migration):
    dependencies = [("axes", "0010_accessattemptexpiration")]

    operations = [
        migrations.RunSQL(
            sql=f"CREATE INDEX IF NOT EXISTS {table}_time_idx ON {table} (attempt_time)",
            reverse_sql=f"DROP INDEX IF EXISTS {table}_time_idx",
        )
        for table in TABLES
    ]
