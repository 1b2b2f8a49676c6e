"""Contact details are kept per project: each project that works with a person gets the person's e-mail as its own
contact (found through every foreign key to Person, whatever app declares it), so no project's staff can change
what another project uses. The e-mail column of Person goes in the next migration."""

import django.db.models.deletion
from django.db import migrations, models


def person_links(Person):
    """(model, field name) of every foreign key to Person in the migration state (every app's, hidden ones too)."""
    return [
        (rel.related_model, rel.field.name)
        for rel in Person._meta.get_fields(include_hidden=True)
        if rel.auto_created and not rel.concrete and (rel.one_to_many or rel.one_to_one)
    ]


def project_path(model) -> str | None:
    """The path from a record to its project: a foreign key to Project, or one through the record it belongs to."""

    def keys(m):
        return [f for f in m._meta.concrete_fields if f.many_to_one or f.one_to_one]

    def is_project(f):
        return f.related_model._meta.label_lower == "projects.project"

    for field in keys(model):
        if is_project(field):
            return field.name
    for field in keys(model):
        for inner in keys(field.related_model):
            if is_project(inner):
                return f"{field.name}__{inner.name}"
    return None


def emails_to_contacts(apps, schema_editor):
    db = schema_editor.connection.alias
    Person = apps.get_model("projects", "Person")
    PersonContact = apps.get_model("projects", "PersonContact")
    emails = dict(Person.objects.using(db).exclude(email="").values_list("pk", "email"))
    if not emails:
        return
    pairs = set()
    for model, field in person_links(Person):
        path = project_path(model) if model is not PersonContact else None
        if path is None:
            continue
        rows = model._base_manager.using(db).filter(**{f"{field}__in": list(emails), f"{path}__isnull": False})
        pairs.update(rows.values_list(field, path).distinct())
    PersonContact.objects.using(db).bulk_create(
        [PersonContact(person_id=person, project_id=project, email=emails[person]) for person, project in pairs],
        ignore_conflicts=True,
        batch_size=2000,
    )


def contacts_to_emails(apps, schema_editor):
    """Backwards: a person gets back the e-mail of the first project that has one."""
    db = schema_editor.connection.alias
    Person = apps.get_model("projects", "Person")
    PersonContact = apps.get_model("projects", "PersonContact")
    first = {}
    for person, email in (
        PersonContact.objects.using(db).exclude(email="").order_by("-project_id").values_list("person_id", "email")
    ):
        first[person] = email
    for person, email in first.items():
        Person.objects.using(db).filter(pk=person, email="").update(email=email)


class Migration(migrations.Migration):
    dependencies = [
        ("projects", "0011_workplan_version"),
    ]

    operations = [
        migrations.CreateModel(
            name="PersonContact",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("email", models.EmailField(blank=True, max_length=254, verbose_name="e-mail")),
                ("updated_at", models.DateTimeField(auto_now=True, verbose_name="updated")),
                (
                    "person",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="contacts",
                        to="projects.person",
                        verbose_name="person",
                    ),
                ),
                (
                    "project",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="person_contacts",
                        to="projects.project",
                        verbose_name="project",
                    ),
                ),
            ],
            options={
                "verbose_name": "contact of a person",
                "verbose_name_plural": "contacts of people",
                "ordering": ["project", "person__name"],
                "constraints": [
                    models.UniqueConstraint(fields=("person", "project"), name="person_contact_once_per_project")
                ],
            },
        ),
        migrations.RunPython(emails_to_contacts, contacts_to_emails),
    ]
