"""People: those who take part in project work (counted once across apps), and the profile of a portal user."""

from __future__ import annotations

import zoneinfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from .reference import Country, Organisation


class PersonQuerySet(models.QuerySet):
    def matching(self, *, name: str, country: Country, organisation: Organisation | None) -> PersonQuerySet:
        """The people who are the same person as this name at this organisation and country."""
        return self.filter(name__iexact=" ".join(name.split()), country=country, organisation=organisation)


class Person(models.Model):
    """Someone who takes part in project work: a participant, trainee or officer.

    Only what the projects need: a name (or a pseudonymous reference for operational officers), the
    organisation and country, an optional e-mail for certificates and reminders, and an optional gender for the
    funders' breakdowns. The same person at several events or activities is one row, so people are counted once.
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
    email = models.EmailField(_("e-mail"), blank=True)
    gender = models.CharField(_("gender"), max_length=10, choices=Gender.choices, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    objects = PersonQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name = _("person")
        verbose_name_plural = _("people")
        indexes = [models.Index(fields=["country", "name"])]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        self.name = " ".join((self.name or "").split())
        if self.country_id and self.name:
            duplicates = Person.objects.matching(
                name=self.name, country=self.country, organisation=self.organisation
            ).exclude(pk=self.pk)
            if duplicates.exists():
                raise ValidationError({"name": _("This person is already recorded for this organisation and country.")})


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
