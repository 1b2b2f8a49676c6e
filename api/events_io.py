"""Events, registrations and attendance in JSON: what the API shows of them, and how a client's JSON becomes the
pages' form data.

A registration is validated by the page's own form (`conferences.forms.RegistrationForm`) and then by the service
(`conferences.services.registration_create`: capacity, deadline, the same person twice), an event's change of status
by the page's `TransitionForm` (the statuses the event may move to) and then by `event_transition`. Countries are ISO
codes; organisations and people are ids.
"""

from __future__ import annotations

from django.http import QueryDict
from django.urls import reverse
from rest_framework import exceptions, serializers

from conferences.forms import RegistrationForm, TransitionForm
from conferences.models import Attendance, Event, Registration, Session
from projects.models import Person

from .activities_io import country_ids, known_fields
from .problems import form_field_errors

REGISTRATION_FIELDS = ("name", "country", "organisation", "email", "gender", "role")


def _url(serializer: serializers.Serializer, name: str, **kwargs) -> str:
    kwargs = {"code": serializer.context["project"].code, **kwargs}
    return serializer.context["request"].build_absolute_uri(reverse(name, kwargs=kwargs))


# --- events --------------------------------------------------------------------------------------------------------


class SessionSerializer(serializers.ModelSerializer):
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


class EventTransitionSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=Event.Status.choices, help_text="One of the event's allowed_transitions.")


# --- registrations and attendance ------------------------------------------------------------------------------------


class AttendanceSerializer(serializers.ModelSerializer):
    class Meta:
        model = Attendance
        fields = ["day", "present"]


class RegistrationSerializer(serializers.ModelSerializer):
    """A participant as the participants list shows them; the e-mail and gender only to those who register people
    (as the page: `conferences.views.participants.shows_contact`), null for the others."""

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


def registration_values(body) -> dict:
    """The registration form's cleaned data for the client's JSON; 400 with the form's errors."""
    body = {"role": Registration.Role.DELEGATE, **known_fields(body, REGISTRATION_FIELDS)}
    data = QueryDict(mutable=True)
    data.update({name: "" if value is None else str(value) for name, value in country_ids(body, "country").items()})
    form = RegistrationForm(data)
    if not form.is_valid():
        raise exceptions.ValidationError(form_field_errors(form.errors))
    return form.cleaned_data


def transition_status(body, event: Event) -> str:
    """The status asked for, among those the event may move to (the page's form); 400 otherwise."""
    body = known_fields(body, ("status",))
    form = TransitionForm({"status": "" if body.get("status") is None else str(body["status"])}, event=event)
    if not form.is_valid():
        raise exceptions.ValidationError(form_field_errors(form.errors))
    return form.cleaned_data["status"]


def day_of(data, serializer_class: type[DaySerializer] = DaySerializer) -> dict:
    serializer = serializer_class(data=data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data
