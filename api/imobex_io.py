"""IMOBEX's findings and country coverage in JSON: what the API shows of them, and how a client's JSON becomes the
data of the pages' forms (`imobex.forms.FindingForm`, `CoverageForm`), so that a rule is checked in one place
whatever the client. Countries are ISO codes, exploitation indicators their keys, people ids.
"""

from __future__ import annotations

from django.http import QueryDict
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework import exceptions, serializers

from imobex.forms import CoverageForm, FindingForm
from imobex.models import CountryCoverage, ExploitationIndicator, Finding
from imobex.services import FINDING_FIELDS, FINDING_LISTS
from projects.models import Country

from .activities_io import known_fields
from .problems import form_field_errors

# The lists of a finding, and what their items name: countries (by ISO code) or indicators (by key).
LIST_ITEMS = {"origin_countries": "countries", "action_countries": "countries", "indicators": "indicators"}
COVERAGE_FIELDS = ("state", "state_date", "source", "responsible", "notes")


def _absolute(serializer, name: str, **kwargs) -> str:
    return serializer.context["request"].build_absolute_uri(reverse(name, kwargs=kwargs))


# --- findings ----------------------------------------------------------------------------------------------------


class FindingSerializer(serializers.ModelSerializer):
    """A modus operandi finding: how itinerant groups work, never who they are (it has no field for a person)."""

    url = serializers.SerializerMethodField()
    origin_countries = serializers.SlugRelatedField(many=True, read_only=True, slug_field="code")
    action_countries = serializers.SlugRelatedField(many=True, read_only=True, slug_field="code")
    indicators = serializers.SlugRelatedField(many=True, read_only=True, slug_field="key")

    class Meta:
        model = Finding
        fields = ["id", "url", *FindingForm.Meta.fields, "version", "created_at", "updated_at"]

    def get_url(self, finding: Finding) -> str:
        return _absolute(self, "api:finding-detail", code=self.context["project"].code, pk=finding.pk)


class FindingWriteSerializer(serializers.Serializer):
    """What a client sends to record or change a finding (the schema only: the page's form validates it)."""

    title = serializers.CharField()
    crime_type = serializers.ChoiceField(choices=Finding.CrimeType.choices)
    action_countries = serializers.ListField(child=serializers.CharField(), help_text="ISO codes, at least one.")
    origin_countries = serializers.ListField(child=serializers.CharField(), required=False, help_text="ISO codes.")
    indicators = serializers.ListField(
        child=serializers.CharField(), required=False, help_text="Keys of exploitation indicators."
    )
    source = serializers.ChoiceField(choices=Finding._meta.get_field("source").choices)
    reliability = serializers.ChoiceField(choices=Finding.Reliability.choices)
    description = serializers.CharField(help_text="No names, nor anything else that identifies a person.")


def finding_values(finding: Finding) -> dict:
    """The finding's writable values in the API's shape: the base of a PATCH."""
    values = {name: getattr(finding, name) for name in FINDING_FIELDS}
    values["origin_countries"] = [country.code for country in finding.origin_countries.all()]
    values["action_countries"] = [country.code for country in finding.action_countries.all()]
    values["indicators"] = [indicator.key for indicator in finding.indicators.all()]
    return values


def _text(value, name: str) -> str:
    """A value as the form's data takes it; a list or an object where one value belongs is refused on its field."""
    if isinstance(value, (dict, list)):
        raise exceptions.ValidationError({name: [_("Send a single value, not a list or an object.")]})
    return "" if value is None else str(value)


def finding_form(values: dict, finding: Finding | None, version: int | None) -> FindingForm:
    """The page's form bound to the values (codes and keys turned into its ids); 400 with its errors if it refuses."""
    ids = {
        "countries": dict(Country.objects.values_list("code", "pk")),
        "indicators": dict(ExploitationIndicator.objects.values_list("key", "pk")),
    }
    data = QueryDict(mutable=True)
    for name in FINDING_FIELDS:
        data[name] = _text(values.get(name), name)
    for name in FINDING_LISTS:
        items = values.get(name) or []
        if not isinstance(items, list):
            raise exceptions.ValidationError({name: [_("Send a list.")]})
        data.setlist(name, [_text(ids[LIST_ITEMS[name]].get(str(item), item), name) for item in items])
    if version is not None:
        data["version"] = str(version)
    form = FindingForm(data, instance=finding)
    if not form.is_valid():
        raise exceptions.ValidationError(form_field_errors(form.errors))
    return form


# --- coverage ----------------------------------------------------------------------------------------------------


class CoverageSerializer(serializers.ModelSerializer):
    """A country's information gathering: its state and the date of each step. A country nobody has touched yet
    is `not_started`, with `id` null and version 0 (the version to send in If-Match to move it)."""

    id = serializers.IntegerField(read_only=True, allow_null=True, help_text="null: the country was never moved.")
    url = serializers.SerializerMethodField()
    country = serializers.CharField(source="country.code", help_text="ISO 3166-1 alpha-2 code")
    country_name = serializers.CharField(source="country.name")
    responsible = serializers.IntegerField(source="responsible_id", allow_null=True, help_text="A member's user id.")
    updated_at = serializers.DateTimeField(read_only=True, allow_null=True)

    class Meta:
        model = CountryCoverage
        fields = [
            "id",
            "url",
            "country",
            "country_name",
            "state",
            "source",
            "state_date",
            "requested_on",
            "received_on",
            "validated_on",
            "responsible",
            "notes",
            "version",
            "updated_at",
        ]

    def get_url(self, coverage: CountryCoverage) -> str:
        return _absolute(self, "api:coverage-detail", code=self.context["project"].code, country=coverage.country.code)


class CoverageDetailSerializer(CoverageSerializer):
    allowed_states = serializers.ListField(
        child=serializers.ChoiceField(choices=CountryCoverage.State.choices),
        help_text="The states this user may move the country to now (the current one: its details may change).",
    )

    class Meta(CoverageSerializer.Meta):
        fields = [*CoverageSerializer.Meta.fields, "allowed_states"]


class CoverageStateSerializer(serializers.Serializer):
    """A move of a country to a state (or the same state: new details). Left out, `state_date` is today and the
    other details stay as they are."""

    state = serializers.ChoiceField(choices=CountryCoverage.State.choices)
    state_date = serializers.DateField(
        required=False, help_text="When the country reached the state; today if left out."
    )
    source = serializers.ChoiceField(choices=CountryCoverage._meta.get_field("source").choices, required=False)
    responsible = serializers.IntegerField(required=False, allow_null=True, help_text="A member's user id.")
    notes = serializers.CharField(required=False, allow_blank=True)


def coverage_form(project, coverage: CountryCoverage, body: dict, states: list[str], version: int) -> CoverageForm:
    """The page's form bound to the body over the country's current details; 400 with its errors if it refuses.
    `states`: those the user's role allows from the current state (`imobex.services.coverage_states_for`)."""
    values = {
        "state_date": timezone.localdate().isoformat(),  # the form's own initial date
        "source": coverage.source,
        "responsible": coverage.responsible_id,
        "notes": coverage.notes,
        **known_fields(body, COVERAGE_FIELDS),
    }
    data = QueryDict(mutable=True)
    data.update({name: _text(values.get(name), name) for name in COVERAGE_FIELDS})
    data["version"] = str(version)
    form = CoverageForm(data, project=project, states=states, record=coverage)
    if not form.is_valid():
        raise exceptions.ValidationError(form_field_errors(form.errors))
    return form
