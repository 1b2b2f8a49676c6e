"""Who registered, who attended, what they rated, and the best practices presented."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext_lazy as _

from projects.models import (
    Country,
    Person,
    ProjectScopedQuerySet,
    contact_email,
    has_contact_email,
)

from .events import PARTICIPANT_ROLES, Event, RegistrationRole, Session


def attended_condition() -> Exists:
    """True for a registration whose person was checked in on at least one day (usable in `Count(filter=)`)."""
    return Exists(Attendance.objects.filter(registration=OuterRef("pk"), present=True))


class RegistrationQuerySet(ProjectScopedQuerySet):
    def with_attended(self) -> RegistrationQuerySet:
        """Annotate `attended`: checked in on at least one day."""
        return self.annotate(attended=attended_condition())

    def attended(self) -> RegistrationQuerySet:
        return self.filter(attended_condition())

    def with_email(self) -> RegistrationQuerySet:
        """Annotate `email`: the e-mail the event's project keeps for the person ("" when none)."""
        return self.annotate(email=contact_email("person", "event__project"))

    def reachable(self) -> RegistrationQuerySet:
        """The registrations whose person the event's project has an e-mail for."""
        return self.filter(has_contact_email("person", "event__project"))


class Registration(models.Model):
    """A person registered for an event, in a role. One registration per person and event."""

    Role = RegistrationRole
    PARTICIPANT_ROLES = PARTICIPANT_ROLES

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="registrations", verbose_name=_("event"))
    person = models.ForeignKey(
        Person, on_delete=models.PROTECT, related_name="event_registrations", verbose_name=_("person")
    )
    role = models.CharField(_("role"), max_length=10, choices=Role.choices, default=Role.DELEGATE)
    registered_at = models.DateTimeField(_("registered"), auto_now_add=True)
    # Moves with every save and with every day of attendance recorded or undone (`services`): the API's incremental
    # sync sends the registration again with what was recorded.
    updated_at = models.DateTimeField(_("changed at"), auto_now=True)
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("registered by"),
    )
    # The personal link of the feedback survey (participants have no account).
    feedback_token = models.UUIDField(_("feedback link"), default=uuid.uuid4, unique=True, editable=False)
    feedback_reminded_at = models.DateTimeField(_("feedback reminder sent"), null=True, blank=True)

    project_path = "event__project"
    objects = RegistrationQuerySet.as_manager()

    class Meta:
        ordering = ["event", "person__name"]
        verbose_name = _("registration")
        verbose_name_plural = _("registrations")
        constraints = [models.UniqueConstraint(fields=["event", "person"], name="registration_unique_person")]
        indexes = [models.Index(fields=["updated_at", "id"], name="registration_updated_idx")]  # the API's sync

    def __str__(self) -> str:
        return f"{self.person} – {self.event}"

    @property
    def takes_a_place(self) -> bool:
        return self.role in self.PARTICIPANT_ROLES


class Attendance(models.Model):
    """Whether a registered person was there on one day of the event (checked in, or marked a no-show)."""

    registration = models.ForeignKey(
        Registration, on_delete=models.CASCADE, related_name="attendance", verbose_name=_("registration")
    )
    day = models.DateField(_("day"))
    present = models.BooleanField(_("present"), default=True)
    recorded_at = models.DateTimeField(_("recorded"), auto_now=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("recorded by"),
    )

    project_path = "registration__event__project"
    objects = ProjectScopedQuerySet.as_manager()

    class Meta:
        ordering = ["day", "registration"]
        verbose_name = _("attendance")
        verbose_name_plural = _("attendance")
        constraints = [models.UniqueConstraint(fields=["registration", "day"], name="attendance_unique_day")]
        indexes = [models.Index(fields=["day"], name="attendance_day_idx")]  # the admin's list and drill-down

    def __str__(self) -> str:
        state = _("present") if self.present else _("no-show")
        return f"{self.registration.person} {self.day:%Y-%m-%d}: {state}"


class BestPractice(models.Model):
    """A practice, tool or lesson presented at an event: the library the conference series builds."""

    class CrimeArea(models.TextChoices):
        FINANCIAL = "financial", _("Financial crime")
        CYBER = "cyber", _("Computer crime")
        DRUGS = "drugs", _("Drug trafficking")
        THB = "thb", _("Trafficking in human beings")
        MIGRATION = "migration", _("Illegal migration")
        PROPERTY = "property", _("Property crime by itinerant groups")
        OTHER = "other", _("Other")

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="best_practices", verbose_name=_("event"))
    session = models.ForeignKey(
        Session,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="best_practices",
        verbose_name=_("session"),
    )
    title = models.CharField(_("title"), max_length=200)
    summary = models.TextField(_("summary"))
    country = models.ForeignKey(
        Country, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("country")
    )
    crime_area = models.CharField(_("crime area"), max_length=12, choices=CrimeArea.choices)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    project_path = "event__project"
    objects = ProjectScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-event__start_date", "title"]
        verbose_name = _("best practice")
        verbose_name_plural = _("best practices")
        indexes = [models.Index(fields=["event", "crime_area"], name="practice_crime_area_idx")]

    def __str__(self) -> str:
        return self.title

    def clean(self) -> None:
        if self.session_id and self.event_id and self.session.event_id != self.event_id:
            raise ValidationError({"session": _("Choose a session of this event.")})


RATING = [MinValueValidator(1), MaxValueValidator(5)]


class FeedbackResponse(models.Model):
    """An attendee's answer to the survey after the event: ratings from 1 (poor) to 5 (excellent)."""

    registration = models.OneToOneField(
        Registration, on_delete=models.CASCADE, related_name="feedback", verbose_name=_("registration")
    )
    overall = models.PositiveSmallIntegerField(_("overall"), validators=RATING)
    content = models.PositiveSmallIntegerField(_("content and speakers"), validators=RATING)
    organisation = models.PositiveSmallIntegerField(_("organisation"), validators=RATING)
    usefulness = models.PositiveSmallIntegerField(_("usefulness for my work"), validators=RATING)
    comments = models.TextField(_("comments"), blank=True)
    submitted_at = models.DateTimeField(_("submitted"), auto_now_add=True)

    project_path = "registration__event__project"
    objects = ProjectScopedQuerySet.as_manager()

    RATINGS = ("overall", "content", "organisation", "usefulness")

    class Meta:
        ordering = ["-submitted_at"]
        verbose_name = _("feedback response")
        verbose_name_plural = _("feedback responses")
        indexes = [models.Index(fields=["submitted_at"], name="feedback_submitted_idx")]  # the admin's list
        constraints = [
            models.CheckConstraint(
                condition=Q(overall__range=(1, 5))
                & Q(content__range=(1, 5))
                & Q(organisation__range=(1, 5))
                & Q(usefulness__range=(1, 5)),
                name="feedback_ratings_1_to_5",
            )
        ]

    def __str__(self) -> str:
        return f"{self.registration}: {self.overall}/5"
