"""Events, registrations and attendance in JSON: what the API shows of them, and how a client's JSON becomes the
pages' form data.

An event is planned and changed through the page's form (`conferences.forms.EventForm`: the model's rules) and
`conferences.services.event_save` (a stale If-Match refused); its status moves through the page's `TransitionForm`
(the statuses it may move to) and `event_transition`. A registration is validated by the page's own form
(`conferences.forms.RegistrationForm`) and then by the service (`registration_create`: capacity, deadline, the same
person twice). Countries are ISO codes; workstreams, organisations and people are ids.
"""

from __future__ import annotations

from django.http import QueryDict
from django.urls import reverse
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import exceptions, serializers

from conferences.forms import EventForm, RegistrationForm, TransitionForm
from conferences.models import Attendance, Event, Registration, Session
from projects.models import Person

from .activities_io import (
    country_ids,
    form_text,  # a JSON value as form data: a list or an object is a 400
    known_fields,
)
from .problems import form_field_errors

REGISTRATION_FIELDS = ("name", "country", "organisation", "email", "gender", "role")


def _url(serializer: serializers.Serializer, name: str, **kwargs) -> str:
    kwargs = {"code": serializer.context["project"].code, **kwargs}
    return serializer.context["request"].build_absolute_uri(reverse(name, kwargs=kwargs))


# --- events --------------------------------------------------------------------------------------------------------


@extend_schema_field({"type": "string", "pattern": r"^([01]\d|2[0-3]):[0-5]\d$", "example": "09:30"})
class LocalTimeField(serializers.TimeField):
    """A time of day at the event, HH:MM, without an offset (OpenAPI's `time` format requires one): the local time
    of the event's place, as its programme prints it."""

    def __init__(self, **kwargs):
        super().__init__(format="%H:%M", **kwargs)


class SessionSerializer(serializers.ModelSerializer):
    starts_at = LocalTimeField(read_only=True)
    ends_at = LocalTimeField(read_only=True)

    class Meta:
        model = Session
        fields = ["id", "day", "starts_at", "ends_at", "title", "description", "speakers", "moderators", "room"]


class EventSerializer(serializers.ModelSerializer):
    """An event's own fields: what incremental sync keeps (its counts and agenda are read on the event itself)."""

    url = serializers.SerializerMethodField()
    country = serializers.CharField(
        source="country.code", allow_null=True, read_only=True, help_text="ISO code; null for an online event"
    )
    allowed_transitions = serializers.SerializerMethodField(
        help_text="The statuses the event may move to now (POST transition/)."
    )

    class Meta:
        model = Event
        # its details (those the page's form edits and the audit trail keeps), with its status and version
        fields = ["id", "url", "status", "allowed_transitions", *Event.audit_fields]
        fields += ["version", "created_at", "updated_at"]

    def get_url(self, event: Event) -> str:
        return _url(self, "api:event-detail", pk=event.pk)

    def get_allowed_transitions(self, event: Event) -> list[str]:
        return list(Event.TRANSITIONS[event.status])


class EventListSerializer(EventSerializer):
    """An event as its list shows it, with the list's counts (`conferences.queries.events_of_project`)."""

    registered = serializers.IntegerField(read_only=True)
    places_taken = serializers.IntegerField(read_only=True, help_text="Delegates and trainees (the capacity's).")
    attended = serializers.SerializerMethodField(help_text="Registrations checked in on at least one day.")

    class Meta(EventSerializer.Meta):
        fields = [*EventSerializer.Meta.fields, "registered", "places_taken", "attended"]

    def get_attended(self, event: Event) -> int:
        return event.attended or 0


class EventDetailSerializer(EventListSerializer):
    """An event with its agenda."""

    sessions = SessionSerializer(many=True, read_only=True)

    class Meta(EventListSerializer.Meta):
        fields = [*EventListSerializer.Meta.fields, "sessions"]


class EventWriteSerializer(serializers.Serializer):
    """What a client sends to plan an event or change it (the schema only: the page's form validates it). Not its
    status: that moves through transition/."""

    kind = serializers.ChoiceField(choices=Event.Kind.choices)
    title = serializers.CharField()
    start_date = serializers.DateField()
    end_date = serializers.DateField()
    workstream = serializers.IntegerField(required=False, allow_null=True, help_text="Empty: the plan's for the kind.")
    edition = serializers.IntegerField(required=False, allow_null=True, help_text="Conferences of a series only.")
    theme = serializers.CharField(required=False, allow_blank=True)
    description = serializers.CharField(required=False, allow_blank=True)
    online = serializers.BooleanField(required=False)
    venue = serializers.CharField(required=False, allow_blank=True)
    city = serializers.CharField(required=False, allow_blank=True, help_text="With the country, unless online.")
    country = serializers.CharField(required=False, allow_null=True, help_text="ISO code")
    capacity = serializers.IntegerField(required=False, allow_null=True, help_text="Empty: no limit.")
    registration_deadline = serializers.DateField(required=False, allow_null=True)
    training_provider = serializers.IntegerField(required=False, allow_null=True, help_text="Training courses only.")


class EventTransitionSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=Event.Status.choices, help_text="One of the event's allowed_transitions.")


# --- registrations and attendance ------------------------------------------------------------------------------------


class AttendanceSerializer(serializers.ModelSerializer):
    class Meta:
        model = Attendance
        fields = ["day", "present"]


class RegistrationSerializer(serializers.ModelSerializer):
    """A participant as the participants list shows them; the e-mail and gender only to those who register people
    (as the page: `conferences.queries.shows_contact`), null for the others."""

    url = serializers.SerializerMethodField()
    name = serializers.CharField(source="person.name", read_only=True)
    country = serializers.CharField(source="person.country.code", read_only=True, help_text="ISO code")
    organisation = serializers.IntegerField(source="person.organisation_id", read_only=True, allow_null=True)
    organisation_name = serializers.SerializerMethodField()
    attended = serializers.BooleanField(read_only=True, help_text="Checked in on at least one day.")
    answered = serializers.BooleanField(read_only=True, help_text="Answered the feedback survey.")
    attendance = AttendanceSerializer(many=True, read_only=True, help_text="What was recorded, day by day.")
    email = serializers.SerializerMethodField()
    gender = serializers.SerializerMethodField()

    class Meta:
        model = Registration
        fields = [
            "id",
            "url",
            "event",
            "person",
            "name",
            "country",
            "organisation",
            "organisation_name",
            "role",
            "registered_at",
            "attended",
            "answered",
            "attendance",
            "email",
            "gender",
        ]

    def get_url(self, registration: Registration) -> str:
        return _url(self, "api:registration-detail", pk=registration.event_id, rid=registration.pk)

    def get_organisation_name(self, registration: Registration) -> str:
        organisation = registration.person.organisation
        return organisation.name if organisation else ""

    def get_email(self, registration: Registration) -> str | None:
        return registration.email if self.context["shows_contact"] else None

    def get_gender(self, registration: Registration) -> str | None:
        return registration.person.gender if self.context["shows_contact"] else None


class RegistrationWriteSerializer(serializers.Serializer):
    """What a client sends to register a person (the schema only: the page's form validates it)."""

    name = serializers.CharField(help_text="Found again among the people already known, or added.")
    country = serializers.CharField(help_text="ISO code")
    organisation = serializers.IntegerField(required=False, allow_null=True)
    email = serializers.EmailField(required=False, allow_blank=True)
    gender = serializers.ChoiceField(choices=Person.Gender.choices, required=False, allow_blank=True)
    role = serializers.ChoiceField(choices=Registration.Role.choices, required=False)


class DaySerializer(serializers.Serializer):
    day = serializers.DateField(help_text="A day of the event (YYYY-MM-DD), today or before.")


class CheckInSerializer(DaySerializer):
    present = serializers.BooleanField(default=True, help_text="false: mark the person a no-show that day.")


class NoShowsSerializer(serializers.Serializer):
    day = serializers.DateField()
    marked = serializers.IntegerField(help_text="The people marked no-shows now.")
    registered = serializers.IntegerField()
    present = serializers.IntegerField()
    absent = serializers.IntegerField()


# --- from JSON to the forms, and back ------------------------------------------------------------------------------


def event_values(event: Event) -> dict:
    """The event's details in the API's shape: the base of a PATCH."""
    values = {name: getattr(event, name) for name in Event.audit_fields}
    values.update({name: getattr(event, f"{name}_id") for name in ("workstream", "training_provider")})
    values["country"] = event.country.code if event.country_id else None
    return values


def validated_event_form(event: Event, body, version: int | None) -> EventForm:
    """The page's event form bound to the event's details changed by the body (a new event: the body alone); 400 with
    its errors when it refuses them."""
    if isinstance(body, dict) and "status" in body:
        raise exceptions.ValidationError({"status": [_("The status changes only through transition/.")]})
    body = known_fields(body, Event.audit_fields)
    values = {**(event_values(event) if event.pk else {}), **body}
    data = QueryDict(mutable=True)
    data.update({name: form_text(value, name) for name, value in country_ids(values, "country").items()})
    if version is not None:
        data["version"] = str(version)
    form = EventForm(data, instance=event)
    if not form.is_valid():
        raise exceptions.ValidationError(form_field_errors(form.errors))
    return form


def registration_values(body) -> dict:
    """The registration form's cleaned data for the client's JSON; 400 with the form's errors."""
    body = {"role": Registration.Role.DELEGATE, **known_fields(body, REGISTRATION_FIELDS)}
    data = QueryDict(mutable=True)
    data.update({name: form_text(value, name) for name, value in country_ids(body, "country").items()})
    form = RegistrationForm(data)
    if not form.is_valid():
        raise exceptions.ValidationError(form_field_errors(form.errors))
    return form.cleaned_data


def transition_status(body, event: Event) -> str:
    """The status asked for, among those the event may move to (the page's form); 400 otherwise."""
    body = known_fields(body, ("status",))
    form = TransitionForm({"status": form_text(body.get("status"), "status")}, event=event)
    if not form.is_valid():
        raise exceptions.ValidationError(form_field_errors(form.errors))
    return form.cleaned_data["status"]


def day_of(data, serializer_class: type[DaySerializer] = DaySerializer) -> dict:
    serializer = serializer_class(data=data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data
