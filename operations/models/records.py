"""An activity's places, countries, officers, attachments and evaluations, and the project's SPOCs."""

from __future__ import annotations

import os
import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from projects.models import Country, Organisation, Person, Project, ProjectScopedQuerySet, contact_email
from projects.validators import UploadValidator

from ..choices import (
    OfficerRole,
)
from .activities import OFFICERS_DEPLOYED_MAX, JointActivity


class ActivityPlace(models.Model):
    """A city where an activity took place; a cross-border activity has several."""

    activity = models.ForeignKey(JointActivity, on_delete=models.CASCADE, related_name="places")
    city = models.CharField(_("city"), max_length=100)
    country = models.ForeignKey(Country, on_delete=models.PROTECT, related_name="+", verbose_name=_("country"))

    project_path = "activity__project"
    audit_parent = ("activity", "places")  # recorded in the activity's entry of the trail
    objects = ProjectScopedQuerySet.as_manager()

    class Meta:
        ordering = ["activity", "pk"]
        verbose_name = _("place")
        verbose_name_plural = _("places")

    def __str__(self) -> str:
        return f"{self.city} ({self.country})"


class ActivityCountry(models.Model):
    """A country taking part in an activity, with the number of officers it deployed."""

    activity = models.ForeignKey(JointActivity, on_delete=models.CASCADE, related_name="countries")
    country = models.ForeignKey(Country, on_delete=models.PROTECT, related_name="+", verbose_name=_("country"))
    officers_deployed = models.PositiveIntegerField(
        _("officers deployed"),
        default=0,
        validators=[
            MaxValueValidator(OFFICERS_DEPLOYED_MAX, message=_("At most 10,000 officers: give the number deployed."))
        ],
    )

    project_path = "activity__project"
    audit_parent = ("activity", "countries")  # recorded in the activity's entry of the trail
    objects = ProjectScopedQuerySet.as_manager()

    class Meta:
        ordering = ["activity", "country__name"]
        verbose_name = _("participating country")
        verbose_name_plural = _("participating countries")
        constraints = [
            models.UniqueConstraint(fields=["activity", "country"], name="activity_country_unique"),
            models.CheckConstraint(
                condition=Q(officers_deployed__lte=OFFICERS_DEPLOYED_MAX), name="activity_country_officers_realistic"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.country}: {self.officers_deployed}"


class ActivityOfficer(models.Model):
    """An officer's part in an activity. The officer is a `Person`, so the same officer is counted once."""

    activity = models.ForeignKey(JointActivity, on_delete=models.CASCADE, related_name="officers")
    person = models.ForeignKey(
        Person, on_delete=models.PROTECT, related_name="activity_roles", verbose_name=_("officer")
    )
    role = models.CharField(_("role"), max_length=20, choices=OfficerRole.choices)

    project_path = "activity__project"
    audit_parent = ("activity", "officers")  # recorded in the activity's entry of the trail
    objects = ProjectScopedQuerySet.as_manager()

    class Meta:
        ordering = ["activity", "person__name"]
        verbose_name = _("officer involved")
        verbose_name_plural = _("officers involved")
        constraints = [models.UniqueConstraint(fields=["activity", "person"], name="activity_officer_unique")]

    def __str__(self) -> str:
        return f"{self.person} ({self.get_role_display()})"


def attachment_upload_to(instance: ActivityAttachment, filename: str) -> str:
    # A random folder: file names are never guessable, and files are served only through an access-checked view.
    return f"operations/{instance.activity.project_id}/{uuid.uuid4().hex}/{os.path.basename(filename)}"


ATTACHMENT_EXTENSIONS = ["pdf", "doc", "docx", "odt", "xls", "xlsx", "ods", "txt", "png", "jpg", "jpeg"]
ATTACHMENT_MAX_MB = 20


class ActivityAttachment(models.Model):
    """An agenda, minutes or evaluation report of an activity (never served from a public URL)."""

    class Kind(models.TextChoices):
        AGENDA = "agenda", _("Agenda")
        MINUTES = "minutes", _("Minutes")
        EVALUATION_REPORT = "evaluation_report", _("Evaluation report")
        OTHER = "other", _("Other")

    activity = models.ForeignKey(JointActivity, on_delete=models.CASCADE, related_name="attachments")
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    file = models.FileField(
        _("file"),
        upload_to=attachment_upload_to,
        max_length=300,
        validators=[UploadValidator(ATTACHMENT_EXTENSIONS, ATTACHMENT_MAX_MB)],
    )
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)

    project_path = "activity__project"
    objects = ProjectScopedQuerySet.as_manager()

    class Meta:
        ordering = ["activity", "kind", "pk"]
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.filename}"

    @property
    def filename(self) -> str:
        return os.path.basename(self.file.name)


class Evaluation(models.Model):
    """One participating country's contribution to the coordinated evaluation of a completed activity."""

    class Objectives(models.TextChoices):
        MET = "met", _("Met")
        PARTLY = "partly", _("Partly met")
        NOT_MET = "not_met", _("Not met")

    activity = models.ForeignKey(JointActivity, on_delete=models.CASCADE, related_name="evaluations")
    country = models.ForeignKey(
        Country, on_delete=models.PROTECT, related_name="+", verbose_name=_("contributing country")
    )
    objectives_met = models.CharField(_("objectives met"), max_length=10, choices=Objectives.choices)
    what_worked = models.TextField(_("what worked"), blank=True)
    problems = models.TextField(_("problems"), blank=True)
    lessons = models.TextField(_("lessons learned"), blank=True)
    recommendations = models.TextField(_("recommendations"), blank=True)
    rating = models.PositiveSmallIntegerField(
        _("rating"), validators=[MinValueValidator(1), MaxValueValidator(5)], help_text=_("1 (poor) to 5 (excellent)")
    )
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True)
    created_at = models.DateTimeField(_("written at"), auto_now_add=True)

    project_path = "activity__project"
    objects = ProjectScopedQuerySet.as_manager()

    class Meta:
        ordering = ["activity", "country__name"]
        verbose_name = _("evaluation")
        verbose_name_plural = _("evaluations")
        constraints = [
            models.UniqueConstraint(fields=["activity", "country"], name="evaluation_one_per_country"),
            models.CheckConstraint(condition=Q(rating__gte=1, rating__lte=5), name="evaluation_rating_1_to_5"),
        ]

    def __str__(self) -> str:
        return f"{self.country}: {self.rating}/5"

    def clean(self) -> None:
        if not self.activity_id:
            return
        activity = self.activity
        if not activity.is_done:
            raise ValidationError(_("Only a completed activity can be evaluated."))
        if self.country_id:
            taking_part = {activity.lead_country_id, *activity.countries.values_list("country_id", flat=True)}
            if self.country_id not in taking_part:
                raise ValidationError({"country": _("Only a country that took part can evaluate the activity.")})
            clash = Evaluation.objects.filter(activity_id=self.activity_id, country_id=self.country_id)
            if clash.exclude(pk=self.pk).exists():
                raise ValidationError({"country": _("This country has already evaluated the activity.")})


class SpocQuerySet(ProjectScopedQuerySet):
    def with_email(self) -> SpocQuerySet:
        """Annotate `email`: the e-mail the project keeps for the SPOC ("" when none)."""
        return self.annotate(email=contact_email("person", "project"))


class Spoc(models.Model):
    """A single point of operational contact (SPOC) of a country's agency, in the project's directory."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="spocs", verbose_name=_("project"))
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="spoc_entries", verbose_name=_("SPOC"))
    country = models.ForeignKey(Country, on_delete=models.PROTECT, related_name="+", verbose_name=_("country"))
    agency = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+", verbose_name=_("agency"))
    area = models.CharField(
        _("area of competence"), max_length=200, blank=True, help_text=_("For example: drugs, firearms, THB.")
    )
    active = models.BooleanField(_("active"), default=True)

    project_path = "project"
    objects = SpocQuerySet.as_manager()

    class Meta:
        ordering = ["project", "country__name", "agency__name", "person__name"]
        verbose_name = _("SPOC")
        verbose_name_plural = _("SPOC directory")
        constraints = [models.UniqueConstraint(fields=["project", "person", "agency"], name="spoc_unique_entry")]

    def __str__(self) -> str:
        return f"{self.person} – {self.agency}"
