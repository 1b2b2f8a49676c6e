"""The same person is one person: rows with the same name (whatever the case and spaces), country and
organisation (or none) are merged into the oldest, before the next migration's unique index makes the database
refuse them.

Every foreign key to Person, in every app of the migration state, is re-pointed to the person kept. A record that
would then exist twice (the same person registered twice for an event, listed twice as an officer of an
activity...) is the same fact recorded twice: the duplicate's copy is deleted. The projects' contacts are merged
(the kept person's e-mail wins, a missing one is filled), so is the gender. Each merge is written to the audit
trail (unsealed: the next seal chains it) with what moved and what was deleted."""

from django.db import IntegrityError, migrations, transaction
from django.db.models import Count, Min, Value
from django.db.models.functions import Coalesce, Lower


def person_links(Person):
    """(model, field name) of every foreign key to Person in the migration state (every app's, hidden ones too)."""
    return [
        (rel.related_model, rel.field.name)
        for rel in Person._meta.get_fields(include_hidden=True)
        if rel.auto_created and not rel.concrete and (rel.one_to_many or rel.one_to_one)
    ]


def normalise_names(Person, db):
    for pk, name in Person.objects.using(db).values_list("pk", "name").iterator():
        tidy = " ".join(name.split())
        if tidy != name:
            Person.objects.using(db).filter(pk=pk).update(name=tidy)


def repoint(model, field, duplicate, kept, db) -> tuple[int, list]:
    """Move the duplicate's rows to the kept person; a row that would then exist twice is deleted."""
    rows = model._base_manager.using(db).filter(**{field: duplicate})
    try:
        with transaction.atomic(using=db):
            return rows.update(**{field: kept}), []
    except IntegrityError:
        pass
    moved, deleted = 0, []
    for pk in rows.values_list("pk", flat=True):
        try:
            with transaction.atomic(using=db):
                moved += model._base_manager.using(db).filter(pk=pk).update(**{field: kept})
        except IntegrityError:
            model._base_manager.using(db).filter(pk=pk).delete()
            deleted.append(pk)
    return moved, deleted


def merge_contacts(PersonContact, duplicate, kept, db) -> None:
    contacts = PersonContact.objects.using(db)
    mine = {c.project_id: c for c in contacts.filter(person_id=kept)}
    for contact in contacts.filter(person_id=duplicate):
        other = mine.get(contact.project_id)
        if other is None:
            contact.person_id = kept
            contact.save(update_fields=["person"])
            mine[contact.project_id] = contact
        else:
            if not other.email and contact.email:
                other.email = contact.email
                other.save(update_fields=["email"])
            contact.delete()


def merge_duplicates(apps, schema_editor):
    db = schema_editor.connection.alias
    Person = apps.get_model("projects", "Person")
    PersonContact = apps.get_model("projects", "PersonContact")
    AuditEvent = apps.get_model("projects", "AuditEvent")
    people = Person.objects.using(db)
    normalise_names(Person, db)
    identity = {"key_name": Lower("name"), "key_organisation": Coalesce("organisation_id", Value(0))}
    groups = (
        people.values(**identity, key_country=Coalesce("country_id", Value(0)))
        .annotate(n=Count("pk"), kept=Min("pk"))
        .filter(n__gt=1)
        .order_by("kept")
    )
    links = [(model, field) for model, field in person_links(Person) if model is not PersonContact]
    for group in list(groups):
        kept = people.get(pk=group["kept"])
        duplicates = list(
            people.alias(**identity)
            .filter(
                key_name=group["key_name"],
                key_organisation=group["key_organisation"],
                country_id=group["key_country"],
            )
            .exclude(pk=kept.pk)
            .order_by("pk")
        )
        moved, deleted = {}, {}
        for duplicate in duplicates:
            merge_contacts(PersonContact, duplicate.pk, kept.pk, db)
            for model, field in links:
                n, gone = repoint(model, field, duplicate.pk, kept.pk, db)
                label = model._meta.label
                if n:
                    moved[label] = moved.get(label, 0) + n
                if gone:
                    deleted.setdefault(label, []).extend(gone)
            if not kept.gender and duplicate.gender:
                kept.gender = duplicate.gender
                kept.save(update_fields=["gender"])
        people.filter(pk__in=[d.pk for d in duplicates]).delete()
        AuditEvent.objects.using(db).create(
            username="",
            action="change",
            object_type="projects.Person",
            object_id=str(kept.pk),
            object_repr=kept.name[:200],
            details={
                "merged": [d.pk for d in duplicates],
                "moved": moved,
                "deleted": deleted,
                "reason": "the same name, country and organisation (migration projects.0013)",
            },
        )


class Migration(migrations.Migration):
    dependencies = [
        ("projects", "0013_remove_person_email"),
    ]

    operations = [migrations.RunPython(merge_duplicates, migrations.RunPython.noop)]
