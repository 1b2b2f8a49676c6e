"""Joint activities in JSON: what the API shows of one, and how a client's JSON becomes the page's form data.

Writes are validated by the page's own forms (`operations.editing.ActivityEditor`): the JSON is turned into the data
those forms take (`form_data`) and their errors back into the API's field paths (`form_errors`: `places[1].country`).
So a rule is checked in one place whatever the client. Countries are ISO codes; agencies, people, workstreams, events
and activities are ids.
"""

from __future__ import annotations

from django.http import QueryDict
from django.urls import reverse
from django.utils.translation import gettext as _
from rest_framework import exceptions, serializers

from operations.editing import ActivityEditor
from operations.models import ActivityStatus, Evaluation, JointActivity
from projects.models import Country

from .problems import form_field_errors

SCALARS = (
    "type",
    "workstream",
    "title",
    "reference",
    "lead_country",
    "lead_agency",
    "start_date",
    "end_date",
    "status",
    "summary",
    "related_activity",
    "meeting_purpose",
    "is_sensitive",
)
LISTS = ("participating_agencies", "discussed_at")
ROWS = {"places": ("city", "country"), "countries": ("country", "officers_deployed")}
OFFICER_FIELDS = ("person", "name", "country", "organisation", "role")
WRITABLE = (*SCALARS, *LISTS, *ROWS, "officers")


class PlaceSerializer(serializers.Serializer):
    city = serializers.CharField()
    country = serializers.CharField(source="country.code", help_text="ISO 3166-1 alpha-2 code")


class CountrySerializer(serializers.Serializer):
    country = serializers.CharField(source="country.code", help_text="ISO 3166-1 alpha-2 code")
    officers_deployed = serializers.IntegerField()


class OfficerSerializer(serializers.Serializer):
    person = serializers.IntegerField(source="person_id", help_text="Send it back to keep the same officer.")
    name = serializers.CharField(source="person.name")
    country = serializers.CharField(source="person.country.code")
    organisation = serializers.IntegerField(source="person.organisation_id", allow_null=True)
    role = serializers.CharField()


class EvaluationSerializer(serializers.ModelSerializer):
    """One country's evaluation of a completed activity."""

    country = serializers.CharField(source="country.code", help_text="ISO 3166-1 alpha-2 code")

    class Meta:
        model = Evaluation
        fields = [
            "id",
            "country",
            "objectives_met",
            "rating",
            "what_worked",
            "problems",
            "lessons",
            "recommendations",
            "created_at",
        ]


class EvaluationWriteSerializer(EvaluationSerializer):
    """What a client sends to evaluate an activity (the schema only: the page's form validates it)."""

    class Meta(EvaluationSerializer.Meta):
        fields = [name for name in EvaluationSerializer.Meta.fields if name not in ("id", "created_at")]


class ActivitySerializer(serializers.ModelSerializer):
    """An activity as its list shows it (the officers only on the activity itself)."""

    url = serializers.SerializerMethodField()
    lead_country = serializers.CharField(source="lead_country.code")
    places = PlaceSerializer(many=True, read_only=True)
    is_sensitive = serializers.SerializerMethodField(
        help_text="Only those who see sensitive activities (the project's managers) ever get true."
    )

    class Meta:
        model = JointActivity
        fields = [
            "id",
            "url",
            "reference",
            "title",
            "type",
            "workstream",
            "status",
            "validation_state",
            "validation_comment",
            "lead_country",
            "lead_agency",
            "start_date",
            "end_date",
            "places",
            "is_sensitive",
            "version",
            "created_at",
            "updated_at",
        ]

    def get_url(self, activity: JointActivity) -> str:
        kwargs = {"code": self.context["project"].code, "pk": activity.pk}
        return self.context["request"].build_absolute_uri(reverse("api:activity-detail", kwargs=kwargs))

    def get_is_sensitive(self, activity: JointActivity) -> bool:
        return activity.is_sensitive


class ActivityDetailSerializer(ActivitySerializer):
    """An activity with everything its page shows: places, countries, officers, links."""

    countries = CountrySerializer(many=True, read_only=True)
    officers = OfficerSerializer(many=True, read_only=True)
    evaluations = EvaluationSerializer(many=True, read_only=True)
    participating_agencies = serializers.PrimaryKeyRelatedField(many=True, read_only=True)
    discussed_at = serializers.PrimaryKeyRelatedField(many=True, read_only=True)
    related_activity = serializers.SerializerMethodField()
    related_activity_withheld = serializers.SerializerMethodField(
        help_text="true: the meeting serves an activity the user may not see (its id is not given)."
    )

    class Meta(ActivitySerializer.Meta):
        fields = [
            *ActivitySerializer.Meta.fields,
            "summary",
            "meeting_purpose",
            "related_activity",
            "related_activity_withheld",
            "participating_agencies",
            "discussed_at",
            "countries",
            "officers",
            "evaluations",
        ]

    def get_related_activity(self, activity: JointActivity) -> int | None:
        return activity.related_activity_id if not getattr(activity, "serves_withheld", False) else None

    def get_related_activity_withheld(self, activity: JointActivity) -> bool:
        return bool(getattr(activity, "serves_withheld", False))


class ActivityWriteSerializer(serializers.Serializer):
    """What a client sends to log or change an activity (the schema only: the page's forms validate it)."""

    type = serializers.CharField()
    title = serializers.CharField()
    lead_country = serializers.CharField(help_text="ISO code")
    start_date = serializers.DateField()
    status = serializers.CharField(required=False, help_text="On creation only; then through the transitions.")
    workstream = serializers.IntegerField(required=False, allow_null=True)
    reference = serializers.CharField(required=False, allow_blank=True)
    lead_agency = serializers.IntegerField(required=False, allow_null=True)
    end_date = serializers.DateField(required=False, allow_null=True)
    summary = serializers.CharField(required=False, allow_blank=True)
    related_activity = serializers.IntegerField(required=False, allow_null=True)
    meeting_purpose = serializers.CharField(required=False, allow_blank=True)
    is_sensitive = serializers.BooleanField(required=False, help_text="Managers only.")
    participating_agencies = serializers.ListField(child=serializers.IntegerField(), required=False)
    discussed_at = serializers.ListField(child=serializers.IntegerField(), required=False)
    places = PlaceSerializer(many=True, required=False)
    countries = CountrySerializer(many=True, required=False)
    officers = serializers.ListField(
        child=serializers.DictField(),
        required=False,
        help_text='{"person": id, "role": ...} for a known officer, or {"name", "country", "organisation", "role"}.',
    )


class TransitionSerializer(serializers.Serializer):
    comment = serializers.CharField(required=False, help_text="Required to send back (return) or reopen.")


def current_values(activity: JointActivity) -> dict:
    """The activity's writable values in the API's shape: the base of a PATCH."""
    values = {name: getattr(activity, f"{name}_id", None) for name in ("workstream", "lead_agency", "related_activity")}
    values.update(
        type=activity.type,
        title=activity.title,
        reference=activity.reference,
        lead_country=activity.lead_country.code,
        start_date=activity.start_date.isoformat(),
        end_date=activity.end_date.isoformat() if activity.end_date else None,
        summary=activity.summary,
        meeting_purpose=activity.meeting_purpose,
        is_sensitive=activity.is_sensitive,
        participating_agencies=[agency.pk for agency in activity.participating_agencies.all()],
        discussed_at=[event.pk for event in activity.discussed_at.all()],
        places=[{"city": p.city, "country": p.country.code} for p in activity.places.all()],
        countries=[
            {"country": c.country.code, "officers_deployed": c.officers_deployed} for c in activity.countries.all()
        ],
        officers=[{"person": o.person_id, "role": o.role} for o in activity.officers.all()],
    )
    return values


def known_fields(body, fields) -> dict:
    """The body, a JSON object of these fields only (400 otherwise)."""
    if not isinstance(body, dict):
        raise exceptions.ValidationError({"non_field_errors": [_("Send a JSON object.")]})
    unknown = sorted(set(body) - set(fields))
    if unknown:
        raise exceptions.ValidationError({name: [_("Unknown field.")] for name in unknown})
    return body


def check_fields(body, *, creating: bool, sees_sensitive: bool) -> dict:
    """The body as a dict of known fields (400 for anything else, with what to do instead)."""
    if not isinstance(body, dict):
        raise exceptions.ValidationError({"non_field_errors": [_("Send a JSON object.")]})
    errors = {}
    for name in body:
        if name == "status" and not creating:
            errors[name] = [_("The status changes only through the transitions (advance).")]
        elif name == "is_sensitive" and not sees_sensitive:
            errors[name] = [_("Only the project's managers may mark an activity sensitive.")]
        elif name not in WRITABLE:
            errors[name] = [_("Unknown field.")]
    if errors:
        raise exceptions.ValidationError(errors)
    return body


def _text(value, name: str) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "on" if value else ""
    if isinstance(value, (dict, list)):
        raise exceptions.ValidationError({name: [_("Send a single value, not a list or an object.")]})
    return str(value)


def _rows(values, fields: tuple[str, ...], name: str) -> list[dict]:
    if values is None:
        return []
    if not isinstance(values, list) or not all(isinstance(row, dict) for row in values):
        raise exceptions.ValidationError({name: [_("Send a list of objects.")]})
    for index, row in enumerate(values):
        unknown = sorted(set(row) - set(fields))
        if unknown:
            raise exceptions.ValidationError({f"{name}[{index}]": [_("Unknown field: %s.") % ", ".join(unknown)]})
    return values


def form_data(values: dict, activity: JointActivity | None, version: int | None) -> QueryDict:
    """The page's form data for these values (countries turned from ISO codes into the forms' ids)."""
    countries = dict(Country.objects.values_list("code", "pk"))

    def country(value) -> str:
        if isinstance(value, (dict, list)):
            raise exceptions.ValidationError({"country": [_("Give a country by its ISO code.")]})
        return str(countries.get(str(value), value)) if value not in (None, "") else ""

    data = QueryDict(mutable=True)
    for name in SCALARS:
        if name in values:
            data[name] = country(values[name]) if name == "lead_country" else _text(values[name], name)
    for name in LISTS:
        items = values.get(name) or []
        if not isinstance(items, list):
            raise exceptions.ValidationError({name: [_("Send a list of ids.")]})
        data.setlist(name, [_text(item, name) for item in items])
    if version is not None:
        data["version"] = str(version)
    existing = {
        "places": list(activity.places.all()) if activity else [],
        "countries": list(activity.countries.all()) if activity else [],
    }
    for name, fields in ROWS.items():
        rows = _rows(values.get(name), fields, name)
        stored = existing[name]
        total = max(len(rows), len(stored))
        data.update({f"{name}-TOTAL_FORMS": str(total), f"{name}-INITIAL_FORMS": str(len(stored))})
        for index in range(total):
            prefix = f"{name}-{index}-"
            if index < len(stored):  # the stored rows are changed in place, the ones left over deleted
                data[prefix + "id"] = str(stored[index].pk)
            if index >= len(rows):
                data[prefix + "DELETE"] = "on"
                continue
            for field in fields:
                value = rows[index].get(field)
                data[prefix + field] = (
                    country(value) if field == "country" else _text(value, f"{name}[{index}].{field}")
                )
    officers = _rows(values.get("officers"), OFFICER_FIELDS, "officers")
    data.update({"officers-TOTAL_FORMS": str(len(officers)), "officers-INITIAL_FORMS": "0"})
    for index, row in enumerate(officers):
        for field in OFFICER_FIELDS:
            value = row.get(field)
            data[f"officers-{index}-{field}"] = (
                country(value) if field == "country" else _text(value, f"officers[{index}].{field}")
            )
    return data


def country_ids(data: dict, *fields: str) -> dict:
    """The data with the countries of these fields turned from ISO codes into the forms' ids."""
    codes = dict(Country.objects.values_list("code", "pk"))
    return {**data, **{name: codes.get(str(data[name]), data[name]) for name in fields if data.get(name)}}


def form_errors(editor: ActivityEditor) -> dict[str, list[str]]:
    """The forms' errors under the API's names: `title`, `places[0].country`, `officers` (the whole list)."""
    errors = form_field_errors(editor.form.errors)
    for name, formset in (("places", editor.places), ("countries", editor.countries), ("officers", editor.officers)):
        for index, form_errors_ in enumerate(formset.errors):
            for field, messages in form_errors_.items():
                key = f"{name}[{index}]" if field == "__all__" else f"{name}[{index}].{field}"
                errors[key] = list(messages)
        if formset.non_form_errors():
            errors[name] = list(formset.non_form_errors())
    return errors


def validated_editor(project, activity: JointActivity | None, values: dict, version: int | None) -> ActivityEditor:
    """The page's forms bound to the values; 400 with their errors when they refuse them."""
    editor = ActivityEditor.build(form_data(values, activity, version), project, activity)
    if not editor.is_valid():
        raise exceptions.ValidationError(form_errors(editor))
    return editor


CREATE_DEFAULTS = {"status": ActivityStatus.PLANNED}
