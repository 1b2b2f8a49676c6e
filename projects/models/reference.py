"""Reference data shared by every project: countries, the groups they belong to, and organisations."""

from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from .rollups import RollupQuerySet


class CountryGroup(models.Model):
    """A named set of countries (SELEC Member States, EU Member States, Danube region, ...)."""

    key = models.SlugField(_("key"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=120, unique=True)
    description = models.TextField(_("description"), blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("country group")
        verbose_name_plural = _("country groups")

    def __str__(self) -> str:
        return self.name


class Country(models.Model):
    """A country by its ISO 3166-1 alpha-2 code; it may belong to several groups at once."""

    code = models.CharField(
        _("ISO code"),
        max_length=2,
        unique=True,
        validators=[RegexValidator(r"^[A-Z]{2}$", _("Use the two capital letters of ISO 3166-1 (for example RO)."))],
    )
    name = models.CharField(_("name"), max_length=80, unique=True)
    groups = models.ManyToManyField(CountryGroup, related_name="countries", blank=True, verbose_name=_("groups"))

    objects = RollupQuerySet.as_manager()  # a country's code is a category of the metrics' breakdowns

    class Meta:
        ordering = ["name"]
        verbose_name = _("country")
        verbose_name_plural = _("countries")

    def __str__(self) -> str:
        return self.name


class Organisation(models.Model):
    """An agency, international organisation, company or university that takes part in the projects."""

    class Kind(models.TextChoices):
        LAW_ENFORCEMENT = "law_enforcement", _("Law enforcement agency")
        INTERNATIONAL = "international", _("International organisation")
        GOVERNMENT = "government", _("Government body")
        PRIVATE = "private", _("Private company")
        ACADEMIA = "academia", _("University or research institute")
        OTHER = "other", _("Other")

    name = models.CharField(_("name"), max_length=200, unique=True)
    acronym = models.CharField(_("acronym"), max_length=40, blank=True)
    kind = models.CharField(_("type"), max_length=20, choices=Kind.choices)
    country = models.ForeignKey(
        Country,
        on_delete=models.PROTECT,
        related_name="organisations",
        null=True,
        blank=True,
        verbose_name=_("country"),
        help_text=_("Seat of the organisation; empty for bodies with no single country."),
    )
    website = models.URLField(_("website"), blank=True)

    objects = RollupQuerySet.as_manager()  # an organisation's type is a category of the metrics' breakdowns

    class Meta:
        ordering = ["name"]
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")

    def __str__(self) -> str:
        return f"{self.name} ({self.acronym})" if self.acronym else self.name
