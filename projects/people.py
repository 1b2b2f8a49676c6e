"""Writes of people: one person across the portal, and the contact details each project keeps for them.

Pages, imports and the admin come through here (re-exported by `projects.services`)."""

from __future__ import annotations

from collections.abc import Mapping

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from .access import Action
from .audit import audit_log
from .models import AuditEvent, Country, Organisation, Person, PersonContact, Project, normalise_name
from .queries import require_action
from .validators import refuse_nul_characters


def person_find_or_create(
    *, name: str, country: Country, organisation: Organisation | None = None, gender: str = ""
) -> tuple[Person, bool]:
    """The person with this name at this organisation and country, created if new (so people are counted once).

    An existing person keeps their data; a gender given now fills it only if it was empty. Two requests that
    create the same person at once get the same row: the unique index refuses the second insert, which then finds
    the first (how a project reaches the person is the project's own: `person_contacts_update`).
    """
    refuse_nul_characters(name=name, gender=gender)  # before the lookup, which could not run
    name = normalise_name(name)
    person = Person.objects.matching(name=name, country=country, organisation=organisation).first()
    if person is None:
        person = Person(name=name, country=country, organisation=organisation, gender=gender)
        person.full_clean(validate_constraints=False)  # the insert below is the check that holds under concurrency
        try:
            with transaction.atomic():
                person.save()
            return person, True
        except IntegrityError:  # created by another transaction a moment ago
            person = Person.objects.matching(name=name, country=country, organisation=organisation).get()
    if gender and not person.gender:
        person.gender = gender
        person.save(update_fields=["gender"])
    return person, False


@transaction.atomic
def person_contacts_update(*, user, project: Project, emails: Mapping[Person, str]) -> int:
    """Record the e-mails by which `project` reaches these people; returns how many contacts changed.

    Only the project's own contacts are written (other projects' contacts of the same people stay as they are),
    by a user who may edit the project. An e-mail given replaces the project's previous one; an empty one leaves
    it. One audit entry lists every change with its old and new value.
    """
    given = {person: email.strip() for person, email in emails.items() if email and email.strip()}
    if not given:
        return 0
    require_action(user=user, project=project, action=Action.EDIT)
    field = PersonContact._meta.get_field("email")
    wanted = {}
    for person, email in given.items():
        try:
            wanted[person] = field.clean(email, None)
        except ValidationError as exc:
            raise ValidationError({"email": exc.messages}) from None
    stored = dict(
        PersonContact.objects.filter(project=project, person__in=list(wanted)).values_list("person_id", "email")
    )
    new = {person: email for person, email in wanted.items() if stored.get(person.pk) != email}
    if not new:
        return 0
    now = timezone.now()
    PersonContact.objects.bulk_create(  # one upsert: a contact added by another request meanwhile is updated
        [PersonContact(person=person, project=project, email=email, updated_at=now) for person, email in new.items()],
        update_conflicts=True,
        unique_fields=["person", "project"],
        update_fields=["email", "updated_at"],
    )
    changes = [
        {"person": person.pk, "name": person.name, "email": [stored.get(person.pk, ""), email]}
        for person, email in new.items()
    ]
    audit_log(
        user=user,
        action=AuditEvent.Action.CHANGE,
        project=project,
        object_type=PersonContact._meta.label,
        details={"contacts": changes},
    )
    return len(changes)
