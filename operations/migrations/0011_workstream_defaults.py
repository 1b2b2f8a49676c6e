"""Give the existing activities their default workstream from the project's plan (`operations.workstreams`)."""

from django.db import migrations


def fill(apps, schema_editor):
    from operations.workstreams import workstreams_fill

    workstreams_fill(apps.get_model("operations", "JointActivity"), apps.get_model("projects", "Workstream"))


class Migration(migrations.Migration):
    dependencies = [("operations", "0010_workstream")]

    operations = [migrations.RunPython(fill, migrations.RunPython.noop)]
