"""Give the existing events their default workstream from the project's plan (`conferences.workstreams`)."""

from django.db import migrations


def fill(apps, schema_editor):
    from conferences.workstreams import workstreams_fill

    workstreams_fill(apps.get_model("conferences", "Event"), apps.get_model("projects", "Workstream"))


class Migration(migrations.Migration):
    dependencies = [("conferences", "0005_workstream")]

    operations = [migrations.RunPython(fill, migrations.RunPython.noop)]
