"""Events and their sessions: what is held, when, where, and who may register."""

from __future__ import annotations

from datetime import date, timedelta

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from projects.models import (
    Country,
    Organisation,
    Project,
    ProjectScopedQuerySet,
    Versioned,
    Workstream,
)

# Bounds a person can make sense of (the database would accept up to 2^63 - 1 on some backends).
MAX_CAPACITY = 10_000
MAX_EDITION = 100


class RegistrationRole(models.TextChoices):
    """What a person registered for an event does there (participants count toward the targets)."""

    DELEGATE = "delegate", _("Delegate")
    SPEAKER = "speaker", _("Speaker")
    TRAINER = "trainer", _("Trainer")
    TRAINEE = "trainee", _("Trainee")
    ORGANISER = "organiser", _("Organiser")


# The roles that take a place: capacity and the registration deadline apply to them only.
PARTICIPANT_ROLES = (RegistrationRole.DELEGATE, RegistrationRole.TRAINEE)


class EventQuerySet(ProjectScopedQuerySet):
    def held(self, until: date | None = None) -> EventQuerySet:
        """Events that took place (only these count toward the indicators), ended on or before `until`."""
        qs = self.filter(status=Event.Status.HELD)
        return qs if until is None else qs.filter(end_date__lte=until)

    def accepting_discussions(self) -> EventQuerySet:
        """The events at which joint activities can be discussed (the SQL twin of `Event.accepts_discussions`)."""
        return self.filter(kind__in=Event.DISCUSSION_KINDS)


class Event(Versioned):
    """A conference, workshop, training course, field lab or meeting of a project, with its participants."""

    class Kind(models.TextChoices):
        CONFERENCE = "conference", _("Conference")
        WORKSHOP = "workshop", _("Workshop")
        TRAINING = "training", _("Training course")
        FIELD_LAB = "field_lab", _("Field lab")
        MEETING = "meeting", _("Meeting")

    class Status(models.TextChoices):
        PLANNED = "planned", _("Planned")
        OPEN = "open", _("Open for registration")
        HELD = "held", _("Held")
        CANCELLED = "cancelled", _("Cancelled")

    # Which status may follow which; `services.event_transition` enforces it (a held event is final).
    TRANSITIONS: dict[str, tuple[str, ...]] = {
        Status.PLANNED: (Status.OPEN, Status.HELD, Status.CANCELLED),
        Status.OPEN: (Status.PLANNED, Status.HELD, Status.CANCELLED),
        Status.HELD: (),
        Status.CANCELLED: (Status.PLANNED,),
    }
    BADGE_COLOURS = {
        "status": {
            Status.PLANNED: "secondary",
            Status.OPEN: "primary",
            Status.HELD: "success",
            Status.CANCELLED: "danger",
        }
    }
    # The kinds of events at which a joint activity may be discussed (`operations.JointActivity.discussed_at`).
    DISCUSSION_KINDS = (Kind.WORKSHOP, Kind.MEETING)

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="events", verbose_name=_("project"))
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    # PROTECT: a workstream that holds events is not deleted by mistake (its report section would lose them);
    # deleting the whole project still deletes both.
    workstream = models.ForeignKey(
        Workstream,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="events",
        verbose_name=_("workstream"),
        help_text=_("The work package of the project's plan the event belongs to."),
    )
    title = models.CharField(_("title"), max_length=200)
    edition = models.PositiveSmallIntegerField(
        _("edition"),
        null=True,
        blank=True,
        validators=[
            MinValueValidator(1, _("The first edition is 1.")),
            MaxValueValidator(MAX_EDITION, _("An edition is a number from 1 to %(limit_value)s.")),
        ],
        help_text=_("For a series of conferences: 1 for the first year's, 2 for the second's, ..."),
    )
    theme = models.CharField(_("theme"), max_length=200, blank=True, help_text=_("The crime area the event is about."))
    description = models.TextField(_("description"), blank=True)
    start_date = models.DateField(_("first day"))
    end_date = models.DateField(_("last day"))
    online = models.BooleanField(_("online"), default=False)
    venue = models.CharField(_("venue"), max_length=200, blank=True)
    city = models.CharField(_("city"), max_length=100, blank=True)
    country = models.ForeignKey(
        Country, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("country")
    )
    capacity = models.PositiveIntegerField(
        _("capacity"),
        null=True,
        blank=True,
        validators=[
            MinValueValidator(1, _("Give at least one place, or leave the capacity empty for no limit.")),
            MaxValueValidator(MAX_CAPACITY, _("An event can have at most 10,000 places.")),
        ],
        help_text=_("Places for delegates and trainees; empty for no limit. Speakers and organisers do not count."),
    )
    registration_deadline = models.DateField(_("registration deadline"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PLANNED)
    training_provider = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="trainings_provided",
        verbose_name=_("training provider"),
        help_text=_("For training courses: who delivers the training (for example CEPOL)."),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    # Every save stamps it (a transition's too): the API's incremental sync follows it (api.sync).
    updated_at = models.DateTimeField(_("changed at"), auto_now=True)

    project_path = "project"
    # What the audit trail keeps of a change, old and new (the status moves through `event_transition`).
    audit_fields = (
        "kind",
        "workstream",
        "title",
        "edition",
        "theme",
        "description",
        "start_date",
        "end_date",
        "online",
        "venue",
        "city",
        "country",
        "capacity",
        "registration_deadline",
        "training_provider",
    )
    objects = EventQuerySet.as_manager()

    class Meta:
        ordering = ["-start_date", "title"]
        verbose_name = _("event")
        verbose_name_plural = _("events")
        constraints = [
            models.CheckConstraint(condition=Q(end_date__gte=F("start_date")), name="event_end_after_start"),
            models.UniqueConstraint(
                fields=["project", "kind", "edition"],
                condition=Q(edition__isnull=False),
                name="event_unique_edition",
            ),
        ]
        indexes = [
            models.Index(fields=["project", "status", "kind"]),
            # the list's order (newest first) and its filters by year and kind
            models.Index(fields=["project", "start_date"], name="event_start_idx"),
            models.Index(fields=["project", "kind", "start_date"], name="event_kind_start_idx"),
            models.Index(fields=["start_date"], name="event_start_admin_idx"),  # the admin's list and drill-down
            models.Index(fields=["project", "updated_at", "id"], name="event_updated_idx"),  # the API's sync
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("conferences:event-detail", kwargs={"code": self.project.code, "pk": self.pk})

    def clean(self) -> None:
        errors = {}
        if self.start_date and self.end_date and self.end_date < self.start_date:
            errors["end_date"] = _("The last day cannot be before the first day.")
        if self.registration_deadline and self.end_date and self.registration_deadline > self.end_date:
            errors["registration_deadline"] = _("The registration deadline cannot be after the event.")
        if not self.online and not (self.city and self.country_id):
            errors["city"] = _("Give the city and country of the venue, or mark the event as online.")
        if self.training_provider_id and self.kind != self.Kind.TRAINING:
            errors["training_provider"] = _("Only a training course has a training provider.")
        if self.edition and self.kind != self.Kind.CONFERENCE:
            errors["edition"] = _("Only conferences of a series have an edition.")
        if self.workstream_id and self.project_id and self.workstream.project_id != self.project_id:
            errors["workstream"] = _("Choose a workstream of this project.")
        if errors:
            raise ValidationError(errors)

    @property
    def days(self) -> list[date]:
        return [self.start_date + timedelta(days=n) for n in range((self.end_date - self.start_date).days + 1)]

    @property
    def is_multi_day(self) -> bool:
        return self.end_date > self.start_date

    @property
    def place(self) -> str:
        if self.online:
            return str(_("Online"))
        return ", ".join(str(part) for part in (self.city, self.country) if part)

    def allowed_transitions(self) -> list[tuple[str, str]]:
        return [(value, self.Status(value).label) for value in self.TRANSITIONS[self.status]]

    @property
    def is_held(self) -> bool:
        """The event took place: it counts toward the indicators, and its attendees may answer the survey."""
        return self.status == self.Status.HELD

    @property
    def accepts_discussions(self) -> bool:
        """Whether joint activities can be discussed at it (a workshop or a meeting)."""
        return self.kind in self.DISCUSSION_KINDS

    def check_in_refusal(self, day: date, today: date | None = None) -> str:
        """Why nobody can be checked in (or marked a no-show) on this day of the event today; "" when they can.

        The attendance services refuse with this message, the check-in page shows it instead of its buttons."""
        today = today or timezone.localdate()
        if self.status == self.Status.CANCELLED:
            return str(_("This event was cancelled."))
        if not (self.start_date <= day <= self.end_date):
            return _("%(day)s is not a day of this event.") % {"day": date_format(day)}
        if day > today:
            return _("People can be checked in from the day itself (%(day)s).") % {"day": date_format(day)}
        return ""

    def registration_problems(self, *, role: str, places_taken: int, today: date) -> dict[str, str]:
        """Why a registration in this role would be refused now ({field: message}); empty when it is allowed.

        `places_taken` is the number of registrations that already take a place (delegates and trainees). The
        registration service and the participant-list import both ask here.
        """
        if self.status in (self.Status.CANCELLED, self.Status.HELD):
            return {NON_FIELD_ERRORS: _("This event is %(status)s: nobody can register any more.")
                    % {"status": self.get_status_display().lower()}}  # fmt: skip
        if role not in PARTICIPANT_ROLES:
            return {}
        if self.registration_deadline and today > self.registration_deadline:
            return {
                "role": _("Registration closed on %(day)s. Only speakers, trainers and organisers can still be added.")
                % {"day": date_format(self.registration_deadline)}
            }
        if self.capacity is not None and places_taken >= self.capacity:
            return {
                "role": _(
                    "The event is full: all %(capacity)s places for delegates and trainees are taken. "
                    "Speakers, trainers and organisers can still be added."
                )
                % {"capacity": self.capacity}
            }
        return {}


class Session(Versioned):
    """A slot of an event's agenda: a talk, a panel, a practical exercise."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="sessions", verbose_name=_("event"))
    day = models.DateField(_("day"))
    starts_at = models.TimeField(_("starts"))
    ends_at = models.TimeField(_("ends"))
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    speakers = models.CharField(_("speakers"), max_length=300, blank=True, help_text=_("Names, separated by commas."))
    moderators = models.CharField(_("moderators"), max_length=200, blank=True)
    room = models.CharField(_("room"), max_length=100, blank=True)

    project_path = "event__project"
    objects = ProjectScopedQuerySet.as_manager()

    class Meta:
        ordering = ["day", "starts_at", "pk"]
        verbose_name = _("agenda session")
        verbose_name_plural = _("agenda sessions")
        constraints = [models.CheckConstraint(condition=Q(ends_at__gt=F("starts_at")), name="session_ends_after_start")]

    def __str__(self) -> str:
        return f"{self.day:%d %b} {self.starts_at:%H:%M} {self.title}"

    def clean(self) -> None:
        errors = {}
        if self.starts_at and self.ends_at and self.ends_at <= self.starts_at:
            errors["ends_at"] = _("A session ends after it starts.")
        if self.day and self.event_id and not (self.event.start_date <= self.day <= self.event.end_date):
            errors["day"] = _("The day must be one of the event's days (%(start)s to %(end)s).") % {
                "start": date_format(self.event.start_date),
                "end": date_format(self.event.end_date),
            }
        clash = None if errors else self.room_clash()
        if clash is not None:
            errors["room"] = _(
                "%(room)s is already used from %(start)s to %(end)s that day, by “%(title)s”. "
                "Choose another room or time."
            ) % {
                "room": clash.room,
                "start": f"{clash.starts_at:%H:%M}",
                "end": f"{clash.ends_at:%H:%M}",
                "title": clash.title,
            }
        if errors:
            raise ValidationError(errors)

    def room_clash(self) -> Session | None:
        """Another session of the event in the same room (case and spaces ignored) at an overlapping time that day.

        Sessions without a room never clash: parallel tracks without a room name are the organiser's business.
        """
        room = " ".join((self.room or "").split())
        if not (room and self.event_id and self.day and self.starts_at and self.ends_at):
            return None
        others = Session.objects.filter(
            event_id=self.event_id, day=self.day, starts_at__lt=self.ends_at, ends_at__gt=self.starts_at
        ).exclude(pk=self.pk)
        return next((other for other in others if " ".join(other.room.split()).lower() == room.lower()), None)
