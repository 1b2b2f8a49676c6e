"""The admin's search of joint activities (title, reference, summary: `icontains`, which no btree index serves) gets
trigram indexes on PostgreSQL, where the pg_trgm extension can be enabled (it ships with PostgreSQL and a database
owner may enable it). Elsewhere (SQLite in development) or without the right to enable it, nothing changes: the
search scans the table, as before.

The indexes are on the expression Django's `icontains` compares, `UPPER(column::text)`."""

from django.db import DatabaseError, migrations, transaction

COLUMNS = ("title", "reference", "summary")


def _index(column: str) -> str:
    return f"activity_{column}_trgm"


def create(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        try:
            with transaction.atomic(using=connection.alias):  # a savepoint: a refusal leaves the migration going
                cursor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        except DatabaseError:
            return
        for column in COLUMNS:
            cursor.execute(
                f"CREATE INDEX IF NOT EXISTS {_index(column)} ON operations_jointactivity "
                f'USING gin (UPPER("{column}"::text) gin_trgm_ops)'
            )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        for column in COLUMNS:
            cursor.execute(f"DROP INDEX IF EXISTS {_index(column)}")


class Migration(migrations.Migration):
    dependencies = [("operations", "0007_list_and_admin_indexes")]

    operations = [migrations.RunPython(create, drop)]
