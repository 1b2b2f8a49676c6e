import django.db.models.functions.comparison
import django.db.models.functions.text
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("projects", "0014_person_merge_duplicates"),
    ]

    operations = [
        migrations.AddConstraint(
            model_name="person",
            constraint=models.UniqueConstraint(
                django.db.models.functions.text.Lower("name"),
                models.F("country"),
                django.db.models.functions.comparison.Coalesce("organisation", models.Value(0)),
                name="person_unique_identity",
                violation_error_message="This person is already recorded for this organisation and country.",
            ),
        ),
    ]
