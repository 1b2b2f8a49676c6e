"""Forms of the joint activities: the activity with its places, countries and officers, evaluations, SPOCs."""

from __future__ import annotations

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Column, Div, Field, Layout, Row, Submit
from django import forms
from django.core.exceptions import ValidationError
from django.forms import BaseFormSet, BaseInlineFormSet, formset_factory, inlineformset_factory
from django.utils.translation import gettext_lazy as _

from conferences.models import Event
from projects.forms import project_workstream_field
from projects.models import Country, Organisation, Person
from projects.pickers import country_choices, person_label, picker_labels, use_country_picker, use_picker

from .models import (
    ActivityAttachment,
    ActivityCountry,
    ActivityPlace,
    ActivityStatus,
    Evaluation,
    JointActivity,
    OfficerRole,
)
from .services import OfficerEntry


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class SharedChoicesMixin:
    """Forms repeated in a formset reuse one reading of the countries instead of one query per form and field."""

    def share_choices(self, choices: dict[str, list] | None) -> None:
        for name in ("country", "lead_country"):
            if name in self.fields:
                use_country_picker(self.fields[name], (choices or shared_choices())["country"])


def shared_choices() -> dict[str, list]:
    """The countries (a fixed list of about forty), read once per page for every form of its formsets.
    Organisations grow with the data: they are picked by searching (`projects.pickers`)."""
    return {"country": country_choices()}


RELATED_NOT_FOUND = _(
    "No joint activity of this project (other than a bilateral meeting) can be chosen here. Type part of its "
    "reference or title and choose one of the suggestions."
)


class WithheldRelatedActivityField(forms.Field):
    """The "related joint activity" of a meeting linked to a sensitive activity, for one who may not see it: the box
    says only that the link is withheld (never the reference, title or id), cannot be changed, and saving keeps the
    link as it is."""

    widget = forms.TextInput

    def __init__(self, *, kept: JointActivity, **kwargs):
        self.kept = kept
        super().__init__(disabled=True, required=False, **kwargs)

    def clean(self, value):
        return self.kept

    def has_changed(self, initial, data) -> bool:
        return False


WITHHELD = _("An activity only managers see (kept as it is)")


class ActivityForm(forms.ModelForm):
    """The activity itself. Its status is chosen once, when it is logged; then it moves only by transitions."""

    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    related_activity = forms.ModelChoiceField(
        label=_("Related joint activity"),
        queryset=JointActivity.objects.none(),
        required=False,
        help_text=_("For a bilateral meeting: the joint activity it plans, coordinates or evaluates."),
    )
    discussed_at = forms.ModelMultipleChoiceField(
        label=_("Discussed at"),
        queryset=Event.objects.none(),
        required=False,
        help_text=_("The project's workshops and meetings where the activity was discussed."),
    )

    class Meta:
        model = JointActivity
        fields = [
            "type",
            "workstream",
            "title",
            "reference",
            "lead_country",
            "lead_agency",
            "participating_agencies",
            "start_date",
            "end_date",
            "status",
            "summary",
            "related_activity",
            "meeting_purpose",
            "is_sensitive",
        ]
        widgets = {
            "start_date": DateInput(),
            "end_date": DateInput(),
            "summary": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, project, choices: dict[str, list] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.project = project
        use_country_picker(self.fields["lead_country"], (choices or shared_choices())["country"])
        use_picker(self.fields["lead_agency"], "organisations")
        use_picker(self.fields["participating_agencies"], "organisations")
        project_workstream_field(self.fields["workstream"], self.instance)
        related = None
        if self.instance.pk:
            del self.fields["status"]
            self.fields["version"].initial = self.instance.version
            if self.instance.related_activity_id:
                related = self.instance.related_activity
                if related.is_sensitive and not project.sees_sensitive:
                    self.fields["related_activity"] = WithheldRelatedActivityField(
                        kept=related,
                        label=self.fields["related_activity"].label,
                        help_text=_("The meeting serves an activity only the project's managers see."),
                    )
                    self.initial["related_activity"] = WITHHELD
        else:
            del self.fields["version"]
            self.fields["status"].initial = ActivityStatus.PLANNED
        self._discussion_choices(project)
        if not project.sees_sensitive:
            del self.fields["is_sensitive"]  # only those who may see a sensitive activity may mark one
        field = self.fields["related_activity"]
        if not isinstance(field, WithheldRelatedActivityField):
            # the activities a meeting may serve, searched (`related_candidates`); not the activity itself
            use_picker(field, "related-activities", project, exclude=self.instance.pk, current=related)
            field.error_messages["invalid_choice"] = RELATED_NOT_FOUND
        self._layout()

    def _layout(self) -> None:
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.disable_csrf = True
        self.helper.layout = Layout(
            Row(Column("type", css_class="col-md-4"), Column("title", css_class="col-md-5"), Column("reference")),
            Row(Column("workstream", css_class="col-md-6")),
            Row(Column("lead_country"), Column("lead_agency"), Column("participating_agencies")),
            Row(Column("start_date"), Column("end_date"), *([Column("status")] if "status" in self.fields else [])),
            "summary",
            "discussed_at",
            Div(Row(Column("related_activity"), Column("meeting_purpose")), css_class="border rounded p-2 mb-3"),
            *(["is_sensitive"] if "is_sensitive" in self.fields else []),
            *([Field("version")] if "version" in self.fields else []),
        )

    def _discussion_choices(self, project) -> None:
        """The project's workshops and meetings, picked by searching; on an edit, the ones the activity was discussed
        at (one query, which also gives the widget their labels).

        The field is saved by `services.activity_save(discussed_at=...)`, not by `save_m2m`, and checks what was
        chosen against the same events (one more query, on a save only).
        """
        field = use_picker(self.fields["discussed_at"], "discussion-events", project)
        if self.instance.pk and not self.is_bound:
            links = JointActivity.discussed_at.through.objects.filter(jointactivity=self.instance)
            chosen = list(field.queryset.filter(pk__in=links.values("event_id")).order_by("start_date", "pk"))
            self.initial["discussed_at"] = [event.pk for event in chosen]
            field.widget.labels = {str(event.pk): field.label_from_instance(event) for event in chosen}


class PlaceFormSetBase(BaseInlineFormSet):
    """The places; the rules that need all of them (at least one, two countries when cross-border) apply here."""

    activity_type: str | None = None

    def __init__(self, *args, choices: dict[str, list] | None = None, **kwargs):
        self.choices = choices
        super().__init__(*args, **kwargs)

    def _construct_form(self, i, **kwargs):
        form = super()._construct_form(i, **kwargs)
        SharedChoicesMixin.share_choices(form, self.choices)
        return form

    def clean(self) -> None:
        super().clean()
        if any(self.errors):
            return
        places = [
            (form.cleaned_data["city"], form.cleaned_data["country"])
            for form in self.forms
            if form.cleaned_data and not form.cleaned_data.get("DELETE")
        ]
        activity_type = self.activity_type or self.instance.type
        JointActivity.check_places(activity_type, places)


class CountryFormSetBase(PlaceFormSetBase):
    def clean(self) -> None:
        BaseInlineFormSet.clean(self)


# How many rows a formset takes at most: a posted form count beyond it is refused with a message, never built and
# rendered (Django's default, 2,000 forms with their selects, keeps a request busy for minutes).
MAX_PLACES, MAX_COUNTRIES, MAX_OFFICERS = 50, 50, 300
_BOUNDED = {"validate_max": True}

PlaceFormSet = inlineformset_factory(
    JointActivity,
    ActivityPlace,
    formset=PlaceFormSetBase,
    fields=["city", "country"],
    extra=2,
    can_delete=True,
    max_num=MAX_PLACES,
    absolute_max=MAX_PLACES,
    **_BOUNDED,
)
CountryFormSet = inlineformset_factory(
    JointActivity,
    ActivityCountry,
    formset=CountryFormSetBase,
    fields=["country", "officers_deployed"],
    extra=2,
    can_delete=True,
    max_num=MAX_COUNTRIES,
    absolute_max=MAX_COUNTRIES,
    **_BOUNDED,
)


class OfficerForm(SharedChoicesMixin, forms.Form):
    """One officer: a person already known in the project, picked (`person`), or a new one by name, country and
    agency. The picker offers the people of the project's activities the user sees (never those known only from
    another project or only from a sensitive activity they may not see), with their agency and country, and last
    "Add … as a new officer", which fills the name here and opens the fields of a new officer
    (static/js/picker.js)."""

    person = forms.ModelChoiceField(
        label=_("Officer"),
        queryset=Person.objects.none(),
        required=False,
        help_text=_("Type a name or an agency: people already in this project's activities are offered first."),
    )
    name = forms.CharField(
        label=_("Name or reference"),
        max_length=200,
        required=False,
        help_text=_("A pseudonymous reference is enough."),
        widget=forms.TextInput(attrs={"data-picker-new-text": ""}),
    )
    country = forms.ModelChoiceField(label=_("Country"), queryset=Country.objects.all(), required=False)
    organisation = forms.ModelChoiceField(label=_("Agency"), queryset=Organisation.objects.all(), required=False)
    role = forms.ChoiceField(label=_("Role"), choices=[("", "---------"), *OfficerRole.choices])

    NEW_FIELDS = ("name", "country", "organisation")

    def __init__(self, *args, project, choices: dict[str, list] | None = None, labels: dict | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        labels = labels or {}
        use_picker(self.fields["person"], "officers", project, labels=labels.get("officers"))
        self.share_choices(choices)
        use_picker(self.fields["organisation"], "organisations", labels=labels.get("organisations"))

    def clean_name(self) -> str:
        return " ".join(self.cleaned_data["name"].split())

    def clean(self):
        data = super().clean()
        if data.get("person") is not None:
            for name in self.NEW_FIELDS:  # a picked officer is who they are: what was typed for a new one is moot
                data[name] = None if name != "name" else ""
            return data
        if "person" in self.errors:
            return data
        if not data.get("name"):
            self.add_error("name", _("Pick an officer above, or give the name (or a reference) of a new one."))
        if not data.get("country") and "country" not in self.errors:
            self.add_error("country", _("Choose the new officer's country."))
        return data

    def entry(self) -> OfficerEntry:
        data = self.cleaned_data
        if data["person"] is not None:
            return OfficerEntry.of(data["person"], data["role"])
        return OfficerEntry(
            name=data["name"], country=data["country"], organisation=data["organisation"], role=data["role"]
        )


class OfficerFormSetBase(BaseFormSet):
    """The officers: the same officer (the person picked, or the same name, country and agency) may appear only once
    in an activity. The chosen officers and agencies of all rows are labelled in two queries at most (each row's
    pickers show only their own)."""

    def __init__(self, *args, project, officer_labels: dict | None = None, **kwargs):
        self.project = project
        super().__init__(*args, **kwargs)
        if officer_labels is None or self.is_bound:
            officer_labels = picker_labels("officers", self._chosen("person"), project)
        self.labels = {
            "officers": officer_labels,
            "organisations": picker_labels("organisations", self._chosen("organisation")),
        }

    def _chosen(self, field: str) -> list:
        if self.is_bound:
            suffix = f"-{field}"
            return [v for k, v in self.data.items() if k.startswith(f"{self.prefix}-") and k.endswith(suffix)]
        return [row.get(field) for row in self.initial or ()]

    def get_form_kwargs(self, index):
        return {**super().get_form_kwargs(index), "project": self.project, "labels": self.labels}

    def clean(self) -> None:
        if any(self.errors):
            return
        seen = set()
        for form in self.forms:
            data = form.cleaned_data
            if not data or data.get("DELETE"):
                continue
            if data["person"] is not None:
                key = ("person", data["person"].pk)
            else:
                key = (
                    data["name"].casefold(),
                    data["country"].pk,
                    data["organisation"].pk if data["organisation"] else 0,
                )
            if key in seen:
                form.add_error(
                    "person" if data["person"] else "name", _("This officer is already listed in this activity.")
                )
            seen.add(key)

    def entries(self) -> list[OfficerEntry]:
        return [form.entry() for form in self.forms if form.cleaned_data and not form.cleaned_data.get("DELETE")]


OfficerFormSet = formset_factory(
    OfficerForm,
    formset=OfficerFormSetBase,
    extra=3,
    can_delete=True,
    max_num=MAX_OFFICERS,
    absolute_max=MAX_OFFICERS,
    **_BOUNDED,
)


def officer_initial(activity: JointActivity) -> tuple[list[dict], dict[str, str]]:
    """The activity's officers as picked people, and their labels (name, agency, country) read in the same query:
    whoever may edit the activity sees its officers, so they are among those its officer picker offers."""
    rows = activity.officers.select_related("person__organisation", "person__country").order_by("person__name", "pk")
    rows = list(rows)
    initial = [{"person": o.person_id, "role": o.role} for o in rows]
    return initial, {str(o.person_id): person_label(o.person) for o in rows}


class TransitionForm(forms.Form):
    """The buttons that move an activity: they carry the version the user saw, so a stale click is refused."""

    version = forms.IntegerField(widget=forms.HiddenInput)
    comment = forms.CharField(label=_("Comment"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class EvaluationForm(forms.ModelForm):
    class Meta:
        model = Evaluation
        fields = ["country", "objectives_met", "rating", "what_worked", "problems", "lessons", "recommendations"]
        widgets = {
            "rating": forms.Select(choices=[("", "---------"), *[(i, f"{i} / 5") for i in range(1, 6)]]),
            **{f: forms.Textarea(attrs={"rows": 2}) for f in ("what_worked", "problems", "lessons", "recommendations")},
        }

    def __init__(self, *args, activity: JointActivity, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.activity = activity
        taking_part = {activity.lead_country_id, *activity.countries.values_list("country_id", flat=True)}
        self.fields["country"].queryset = Country.objects.filter(pk__in=taking_part)
        self.helper = FormHelper()
        self.helper.layout = Layout(
            Row(Column("country"), Column("objectives_met"), Column("rating")),
            "what_worked",
            "problems",
            "lessons",
            "recommendations",
        )
        self.helper.add_input(Submit("save", _("Save the evaluation")))


class AttachmentForm(forms.ModelForm):
    class Meta:
        model = ActivityAttachment
        fields = ["kind", "file"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False


class SpocForm(forms.Form):
    name = forms.CharField(label=_("Name or reference"), max_length=200)
    email = forms.EmailField(label=_("E-mail"), required=False)
    country = forms.ModelChoiceField(label=_("Country"), queryset=Country.objects.all())
    agency = forms.ModelChoiceField(label=_("Agency"), queryset=Organisation.objects.all())
    area = forms.CharField(label=_("Area of competence"), max_length=200, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        use_country_picker(self.fields["country"])
        use_picker(self.fields["agency"], "organisations")
        self.helper = FormHelper()
        self.helper.layout = Layout(
            Row(Column("name"), Column("email")), Row(Column("country"), Column("agency")), "area"
        )
        self.helper.add_input(Submit("add", _("Add to the directory")))

    def clean(self):
        data = super().clean()
        agency, country = data.get("agency"), data.get("country")
        if agency and country and agency.country_id and agency.country_id != country.pk:
            raise ValidationError({"agency": _("This agency is not in the chosen country.")})
        return data
