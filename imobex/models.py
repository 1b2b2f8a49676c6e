"""IMOBEX's records: the country coverage of the information gathering, the modus operandi findings, and the road map
(barriers caused by insufficient legal options, the interventions proposed, and the versioned road-map document).

The expert workshop and the field lab are events of the `conferences` app; this app does not model them.
Findings describe how itinerant groups work, never who they are: there is deliberately no field for the names of
suspects or victims, nor for any other detail that identifies a person.
"""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from projects.access import Action
from projects.models import Country, Deliverable, Project, ProjectScopedQuerySet, Versioned
from projects.validators import validate_document

# The projects whose pages this app serves, and the country groups that make up IMOBEX's scope: the 27 EU Member
# States and the 7 Southeast European third countries (34 countries; see projects.reference.COUNTRY_GROUPS).
IMOBEX_PROJECTS = ("IMOBEX",)
SCOPE_GROUPS = ("eu", "see-third")


def scope_countries():
    """The countries in IMOBEX's scope, from the core's country groups."""
    return Country.objects.filter(groups__key__in=SCOPE_GROUPS).distinct()


class Source(models.TextChoices):
    NATIONAL_AGENCY = "national_agency", _("National agency")
    QUESTIONNAIRE = "questionnaire", _("Questionnaire")
    INTERVIEW = "interview", _("Interview")
    OPEN_SOURCE = "open_source", _("Open source")


def _not_in_future(value, field: str) -> None:
    if value and value > timezone.localdate():
        raise ValidationError({field: _("This date is in the future.")})


# --- 1. information gathering: country coverage ------------------------------------------------------------------


class CountryCoverage(Versioned):
    """How far the information gathering has come for one country: not started, requested, received, validated.

    A country without a row has not been started. States move only along `TRANSITIONS`, each allowed to the roles
    that grant its action: staff request and receive, a manager validates (or reopens a validated country).
    """

    class State(models.TextChoices):
        NOT_STARTED = "not_started", _("Not started")
        REQUESTED = "requested", _("Requested")
        RECEIVED = "received", _("Received")
        VALIDATED = "validated", _("Validated")

    # (from, to) -> the action the user's role must allow. (s, s) updates the details without changing the state.
    TRANSITIONS: dict[tuple[str, str], Action] = {
        (State.NOT_STARTED, State.NOT_STARTED): Action.EDIT,
        (State.NOT_STARTED, State.REQUESTED): Action.EDIT,
        (State.REQUESTED, State.REQUESTED): Action.EDIT,
        (State.REQUESTED, State.NOT_STARTED): Action.EDIT,
        (State.REQUESTED, State.RECEIVED): Action.EDIT,
        (State.RECEIVED, State.RECEIVED): Action.EDIT,
        (State.RECEIVED, State.REQUESTED): Action.EDIT,  # incomplete: asked again
        (State.RECEIVED, State.VALIDATED): Action.VALIDATE,
        (State.VALIDATED, State.VALIDATED): Action.VALIDATE,
        (State.VALIDATED, State.RECEIVED): Action.VALIDATE,  # reopened
    }
    NEEDS_SOURCE = (State.RECEIVED, State.VALIDATED)

    project = models.ForeignKey(
        Project, on_delete=models.CASCADE, related_name="country_coverage", verbose_name=_("project")
    )
    country = models.ForeignKey(Country, on_delete=models.PROTECT, related_name="+", verbose_name=_("country"))
    state = models.CharField(_("state"), max_length=12, choices=State.choices, default=State.NOT_STARTED)
    source = models.CharField(_("source"), max_length=20, choices=Source.choices, blank=True)
    state_date = models.DateField(_("date"), null=True, blank=True, help_text=_("When the state last changed."))
    requested_on = models.DateField(_("requested on"), null=True, blank=True)
    received_on = models.DateField(_("received on"), null=True, blank=True)
    validated_on = models.DateField(_("validated on"), null=True, blank=True)
    responsible = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("person responsible"),
    )
    notes = models.TextField(_("notes"), blank=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    project_path = "project"
    objects = ProjectScopedQuerySet.as_manager()

    class Meta:
        ordering = ["project", "country__name"]
        verbose_name = _("country coverage")
        verbose_name_plural = _("country coverage")
        constraints = [
            models.UniqueConstraint(fields=["project", "country"], name="imobex_coverage_unique_country"),
            models.CheckConstraint(
                condition=models.Q(state="validated", validated_on__isnull=False)
                | (~models.Q(state="validated") & models.Q(validated_on__isnull=True)),
                name="imobex_coverage_validated_has_date",
            ),
        ]
        indexes = [
            models.Index(fields=["project", "state"]),
            # the API's incremental sync: a project's records changed since a cursor, in (updated_at, id) order
            models.Index(fields=["project", "updated_at", "id"], name="coverage_sync_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.country}: {self.get_state_display()}"

    @classmethod
    def transition_action(cls, current: str, target: str) -> Action | None:
        """The action a move from one state to another needs, or None when the move is not allowed at all."""
        return cls.TRANSITIONS.get((current, target))

    # The date each state records, in the order the states are reached.
    STEP_DATES = ((State.REQUESTED, "requested_on"), (State.RECEIVED, "received_on"), (State.VALIDATED, "validated_on"))

    def record_state(self, state: str, day: date | None) -> None:
        """Put the row in `state` as of `day`: the state's own date is set, the dates of later steps are cleared
        (information asked again, a validation reopened), those of earlier steps are kept."""
        self.state = state
        self.state_date = None if state == self.State.NOT_STARTED else day
        reached = True
        for step, field in self.STEP_DATES:
            if step == state:
                setattr(self, field, day)
                reached = False
            elif not reached or state == self.State.NOT_STARTED:
                setattr(self, field, None)

    def clean(self) -> None:
        if self.state in self.NEEDS_SOURCE and not self.source:
            raise ValidationError({"source": _("Say where the information came from.")})
        if self.state != self.State.NOT_STARTED and not self.state_date:
            raise ValidationError({"state_date": _("Give the date of this state.")})
        _not_in_future(self.state_date, "state_date")
        self._check_dates()
        if self.project_id and self.country_id and not scope_countries().filter(pk=self.country_id).exists():
            raise ValidationError({"country": _("This country is not one of the 34 countries of the project.")})

    def _check_dates(self) -> None:
        """Requested ≤ received ≤ validated, and none before the project started. The message goes on the state's
        date, the one date a page edits (the others are the dates of earlier steps, kept as they were)."""
        floor = self.project.start_date if self.project_id else None
        labels = {"requested_on": _("requested"), "received_on": _("received"), "validated_on": _("validated")}
        steps = [(field, getattr(self, field)) for _step, field in self.STEP_DATES if getattr(self, field)]
        for day in [self.state_date, *(day for _field, day in steps)]:
            if floor and day and day < floor:
                raise ValidationError(
                    {
                        "state_date": _("%(date)s is before the project started (%(start)s).")
                        % {"date": date_format(day), "start": date_format(floor)}
                    }
                )
        for (earlier, earlier_day), (later, later_day) in zip(steps, steps[1:], strict=False):
            if later_day < earlier_day:
                raise ValidationError(
                    {
                        "state_date": _(
                            "The information cannot be %(later)s (%(later_day)s) before it was %(earlier)s "
                            "(%(earlier_day)s)."
                        )
                        % {
                            "later": labels[later],
                            "later_day": date_format(later_day),
                            "earlier": labels[earlier],
                            "earlier_day": date_format(earlier_day),
                        }
                    }
                )


# --- 1. information gathering: modus operandi findings -------------------------------------------------------------


class ExploitationIndicator(models.Model):
    """A sign that the people committing the crimes are themselves exploited (forced criminality, debt bondage, ...)."""

    key = models.SlugField(_("key"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=120, unique=True)
    description = models.TextField(_("description"), blank=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["order", "name"]
        verbose_name = _("exploitation indicator")
        verbose_name_plural = _("exploitation indicators")

    def __str__(self) -> str:
        return self.name


class Finding(Versioned):
    """A structured, non-personal record of how itinerant criminal groups operate (a modus operandi finding).

    It has no place for the names of suspects or victims, by design.
    """

    class CrimeType(models.TextChoices):
        BURGLARY = "burglary", _("Burglary")
        SHOPLIFTING = "shoplifting", _("Shoplifting")
        PICKPOCKETING = "pickpocketing", _("Pickpocketing")
        CARGO_THEFT = "cargo_theft", _("Cargo theft")
        METAL_THEFT = "metal_theft", _("Metal theft")
        VEHICLE_THEFT = "vehicle_theft", _("Vehicle theft")
        DISTRACTION_THEFT = "distraction_theft", _("Distraction theft and trickery")
        ATM_FRAUD = "atm_fraud", _("ATM and card fraud")
        OTHER = "other", _("Other property crime")

    class Reliability(models.TextChoices):
        # The 4x4 evaluation of the source used by European law enforcement.
        A = "A", _("A – no doubt about the source")
        B = "B", _("B – source reliable in most instances")
        C = "C", _("C – source unreliable in most instances")
        X = "X", _("X – reliability cannot be assessed")

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="findings", verbose_name=_("project"))
    title = models.CharField(_("summary"), max_length=200)
    crime_type = models.CharField(_("crime type"), max_length=20, choices=CrimeType.choices)
    origin_countries = models.ManyToManyField(
        Country,
        related_name="findings_as_origin",
        blank=True,
        verbose_name=_("countries the groups come from"),
    )
    action_countries = models.ManyToManyField(
        Country, related_name="findings_as_action", verbose_name=_("countries where the groups act")
    )
    indicators = models.ManyToManyField(
        ExploitationIndicator, related_name="findings", blank=True, verbose_name=_("exploitation indicators observed")
    )
    source = models.CharField(_("source"), max_length=20, choices=Source.choices)
    reliability = models.CharField(_("source reliability"), max_length=1, choices=Reliability.choices)
    description = models.TextField(_("description"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    project_path = "project"
    # What the audit trail keeps of a change, old and new, the countries and indicators included.
    audit_fields = (
        "title",
        "crime_type",
        "origin_countries",
        "action_countries",
        "indicators",
        "source",
        "reliability",
        "description",
    )
    objects = ProjectScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("modus operandi finding")
        verbose_name_plural = _("modus operandi findings")
        indexes = [
            models.Index(fields=["project", "crime_type"]),
            # the list's order (newest first) and its filters
            models.Index(fields=["project", "created_at"], name="finding_created_idx"),
            models.Index(fields=["project", "source"], name="finding_source_idx"),
            models.Index(fields=["project", "reliability"], name="finding_reliability_idx"),
            models.Index(fields=["created_at", "id"], name="finding_created_admin_idx"),  # the admin's list
            models.Index(fields=["project", "updated_at", "id"], name="finding_sync_idx"),  # the API's sync
        ]

    def __str__(self) -> str:
        return self.title


# --- 2. the road map ----------------------------------------------------------------------------------------------


class Barrier(Versioned):
    """An obstacle to enforcement caused by insufficient legal options, in the countries where it applies."""

    class LegalArea(models.TextChoices):
        CRIMINAL_LAW = "criminal_law", _("Criminal law")
        CRIMINAL_PROCEDURE = "criminal_procedure", _("Criminal procedure")
        ADMINISTRATIVE_LAW = "administrative_law", _("Administrative law")
        LABOUR_LAW = "labour_law", _("Labour law")
        MIGRATION_LAW = "migration_law", _("Migration law")
        DATA_PROTECTION = "data_protection", _("Data protection and information exchange")
        INTERNATIONAL_COOPERATION = "international_cooperation", _("International cooperation")
        VICTIM_PROTECTION = "victim_protection", _("Victim protection")
        OTHER = "other", _("Other")

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="barriers", verbose_name=_("project"))
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"))
    countries = models.ManyToManyField(Country, related_name="+", verbose_name=_("countries where it applies"))
    legal_area = models.CharField(_("legal area"), max_length=30, choices=LegalArea.choices)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    project_path = "project"
    audit_fields = ("title", "description", "countries", "legal_area")  # kept old and new in the audit trail
    objects = ProjectScopedQuerySet.as_manager()

    class Meta:
        ordering = ["project", "legal_area", "title"]
        verbose_name = _("barrier")
        verbose_name_plural = _("barriers")

    def __str__(self) -> str:
        return self.title


class Intervention(Versioned):
    """A proposed way of reducing a barrier: who should act, over what horizon, and how far it has come."""

    class Horizon(models.TextChoices):
        SHORT = "short", _("Short term (within a year)")
        MEDIUM = "medium", _("Medium term (one to three years)")
        LONG = "long", _("Long term (more than three years)")

    class Status(models.TextChoices):
        PROPOSED = "proposed", _("Proposed")
        AGREED = "agreed", _("Agreed")
        IN_PROGRESS = "in_progress", _("In progress")
        IMPLEMENTED = "implemented", _("Implemented")
        DROPPED = "dropped", _("Dropped")

    barrier = models.ForeignKey(
        Barrier, on_delete=models.CASCADE, related_name="interventions", verbose_name=_("barrier")
    )
    description = models.TextField(_("description"))
    responsible_actor = models.CharField(
        _("responsible actor"), max_length=200, help_text=_("An institution or role, for example “national police”.")
    )
    horizon = models.CharField(_("horizon"), max_length=10, choices=Horizon.choices)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.PROPOSED)

    project_path = "barrier__project"
    objects = ProjectScopedQuerySet.as_manager()

    class Meta:
        ordering = ["barrier", "pk"]
        verbose_name = _("intervention")
        verbose_name_plural = _("interventions")

    def __str__(self) -> str:
        return self.description[:80]


class RoadMap(models.Model):
    """The road-map document, a deliverable of the project that evolves in versions until a manager approves one."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="road_maps", verbose_name=_("project"))
    title = models.CharField(_("title"), max_length=200)
    deliverable = models.ForeignKey(
        Deliverable,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("deliverable"),
        help_text=_("The workstream deliverable this document fulfils; it is approved with the road map."),
    )

    project_path = "project"
    objects = ProjectScopedQuerySet.as_manager()

    class Meta:
        ordering = ["project", "pk"]
        verbose_name = _("road map")
        verbose_name_plural = _("road maps")

    def __str__(self) -> str:
        return self.title

    def clean(self) -> None:
        if self.deliverable_id and self.project_id and self.deliverable.workstream.project_id != self.project_id:
            raise ValidationError({"deliverable": _("Choose a deliverable of the same project.")})

    @property
    def latest_in_play(self) -> RoadMapVersion | None:
        """The newest version that was not returned: the only one a manager may approve while it is submitted
        (an older one must not overtake it). Uses the prefetched versions when there are."""
        in_play = [v for v in self.versions.all() if v.status != RoadMapVersion.Status.RETURNED]
        return max(in_play, key=lambda v: v.number, default=None)


def road_map_upload_to(instance: RoadMapVersion, filename: str) -> str:
    return f"imobex/road-maps/{instance.road_map.project.code}/v{instance.number}-{filename}"


class RoadMapVersion(Versioned):
    """One version of a road-map document: submitted by staff, then approved or returned by a manager."""

    class Status(models.TextChoices):
        SUBMITTED = "submitted", _("Submitted for approval")
        APPROVED = "approved", _("Approved")
        RETURNED = "returned", _("Returned for changes")
        SUPERSEDED = "superseded", _("Approved, superseded by a later version")

    road_map = models.ForeignKey(RoadMap, on_delete=models.CASCADE, related_name="versions", verbose_name=_("road map"))
    number = models.PositiveSmallIntegerField(_("version"))
    document = models.FileField(
        _("document"), upload_to=road_map_upload_to, max_length=300, validators=[validate_document]
    )
    notes = models.TextField(_("what changed"), blank=True)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.SUBMITTED)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+", verbose_name=_("submitted by")
    )
    submitted_at = models.DateTimeField(_("submitted"), default=timezone.now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("decided by"),
    )
    decision_note = models.TextField(_("decision note"), blank=True)
    approved_on = models.DateField(
        _("approved on"), null=True, blank=True, help_text=_("Kept when a later version supersedes this one.")
    )

    project_path = "road_map__project"
    objects = ProjectScopedQuerySet.as_manager()

    BADGE_COLOURS = {
        "status": {
            Status.SUBMITTED: "secondary",
            Status.APPROVED: "success",
            Status.RETURNED: "warning",
            Status.SUPERSEDED: "secondary",
        }
    }

    class Meta:
        ordering = ["road_map", "-number"]
        verbose_name = _("road-map version")
        verbose_name_plural = _("road-map versions")
        constraints = [models.UniqueConstraint(fields=["road_map", "number"], name="imobex_roadmap_version_unique")]

    def __str__(self) -> str:
        return f"{self.road_map} v{self.number}"

    @property
    def awaits_decision(self) -> bool:
        """Submitted for approval: a manager may approve it (if it is the latest in play) or return it."""
        return self.status == self.Status.SUBMITTED
