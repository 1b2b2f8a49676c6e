from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("projects", "0012_person_contacts"),
    ]

    operations = [
        migrations.RemoveField(model_name="person", name="email"),
    ]
