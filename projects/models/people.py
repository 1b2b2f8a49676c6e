"""People: those who take part in project work (counted once across apps), and the profile of a portal user."""

from __future__ import annotations

import zoneinfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Exists, OuterRef, Subquery, Value
from django.db.models.functions import Coalesce, Lower
from django.utils.translation import gettext_lazy as _

from .projects import Project, ProjectScopedQuerySet
from .reference import Country, Organisation
from .rollups import RollupQuerySet


def normalise_name(name: str) -> str:
    """A person's name as stored: trimmed, single spaces (so "Ana  Popescu " is Ana Popescu)."""
    return " ".join((name or "").split())


class PersonQuerySet(RollupQuerySet):
    def matching(self, *, name: str, country: Country, organisation: Organisation | None) -> PersonQuerySet:
        """The people who are the same person as this name at this organisation and country: the rule of the
        unique index `person_unique_identity` (lower-cased name, country, organisation or none)."""
        return self.alias(name_lower=Lower("name")).filter(
            name_lower=Lower(Value(normalise_name(name))), country=country, organisation=organisation
        )


class Person(models.Model):
    """Someone who takes part in project work: a participant, trainee or officer.

    Only what the projects need: a name (or a pseudonymous reference for operational officers), the
    organisation and country, and an optional gender for the funders' breakdowns. The same person at several
    events or activities is one row, so people are counted once: the database refuses a second row with the same
    name (whatever the case), country and organisation (or none). How to reach the person is kept by each project
    that works with them (`PersonContact`), so that one project's staff never changes another project's contact.
    """

    class Gender(models.TextChoices):
        FEMALE = "female", _("Female")
        MALE = "male", _("Male")
        OTHER = "other", _("Other")

    name = models.CharField(
        _("name or reference"), max_length=200, help_text=_("Full name, or a pseudonymous reference for officers.")
    )
    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="people",
        verbose_name=_("organisation"),
    )
    country = models.ForeignKey(Country, on_delete=models.PROTECT, related_name="people", verbose_name=_("country"))
    gender = models.CharField(_("gender"), max_length=10, choices=Gender.choices, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    objects = PersonQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name = _("person")
        verbose_name_plural = _("people")
        indexes = [
            models.Index(fields=["country", "name"]),
            models.Index(fields=["name"], name="person_name_idx"),  # the admin's list, in this order
            models.Index(fields=["created_at"], name="person_created_idx"),  # the admin's drill-down by date
        ]
        constraints = [
            # "No organisation" counts as one organisation (0: no organisation has that id), so the same name in
            # the same country without an organisation is one person too.
            models.UniqueConstraint(
                Lower("name"),
                "country",
                Coalesce("organisation", Value(0)),
                name="person_unique_identity",
                violation_error_message=_("This person is already recorded for this organisation and country."),
            )
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs) -> None:
        self.name = normalise_name(self.name)
        super().save(*args, **kwargs)

    def clean(self) -> None:
        self.name = normalise_name(self.name)
        if self.country_id and self.name:
            duplicates = Person.objects.matching(
                name=self.name, country=self.country, organisation=self.organisation
            ).exclude(pk=self.pk)
            if duplicates.exists():
                raise ValidationError({"name": _("This person is already recorded for this organisation and country.")})


class PersonContact(models.Model):
    """How one project reaches a person (the e-mail for certificates, surveys and the SPOC directory).

    Kept per project: a person registered by two projects has two contacts, each changed only by its own project's
    staff (`projects.services.person_contacts_update`), each shown only on its own project's pages and exports.
    """

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="contacts", verbose_name=_("person"))
    project = models.ForeignKey(
        Project, on_delete=models.CASCADE, related_name="person_contacts", verbose_name=_("project")
    )
    email = models.EmailField(_("e-mail"), blank=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    project_path = "project"
    objects = ProjectScopedQuerySet.as_manager()

    class Meta:
        ordering = ["project", "person__name"]
        verbose_name = _("contact of a person")
        verbose_name_plural = _("contacts of people")
        constraints = [models.UniqueConstraint(fields=["person", "project"], name="person_contact_once_per_project")]

    def __str__(self) -> str:
        return f"{self.person} ({self.project.code})"


def contact_email(person: str = "person", project: str = "project") -> Coalesce:
    """The e-mail the row's project keeps for the row's person ("" when none), as an expression over the paths
    from the row to the person and to the project: `.annotate(email=contact_email("person", "event__project"))`."""
    emails = PersonContact.objects.filter(person=OuterRef(person), project=OuterRef(project)).values("email")[:1]
    return Coalesce(Subquery(emails, output_field=models.EmailField()), Value(""))


def has_contact_email(person: str = "person", project: str = "project") -> Exists:
    """True for a row whose project has an e-mail for its person (usable in `filter()`)."""
    return Exists(PersonContact.objects.filter(person=OuterRef(person), project=OuterRef(project)).exclude(email=""))


def _time_zone_choices() -> list[tuple[str, str]]:
    return [(name, name) for name in sorted(zoneinfo.available_timezones())]


class Profile(models.Model):
    """What the portal knows of a person beyond the login: organisation and preferred time zone."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="profile")
    organisation = models.ForeignKey(
        Organisation, on_delete=models.SET_NULL, null=True, blank=True, verbose_name=_("organisation")
    )
    time_zone = models.CharField(
        _("time zone"), max_length=64, choices=_time_zone_choices, default=settings.PORTAL_DEFAULT_USER_TIME_ZONE
    )

    class Meta:
        verbose_name = _("profile")
        verbose_name_plural = _("profiles")

    def __str__(self) -> str:
        return str(self.user)
